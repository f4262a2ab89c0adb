from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove audit entries outside the retention purge."""


_REFUSAL = "审计日志只能追加，不能修改或删除 / the audit log is append-only"


class AuditEntryQuerySet(models.QuerySet):
    """Refuses every bulk change; the only way rows leave the table is `audit_purge`."""

    def update(self, **kwargs):
        raise AppendOnlyError(_REFUSAL)

    def delete(self):
        raise AppendOnlyError(_REFUSAL)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(_REFUSAL)

    def bulk_create(self, objs, *args, **kwargs):
        # Entries must be chained one by one under the head lock (services.audit_log).
        raise AppendOnlyError(_REFUSAL)

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnlyError(_REFUSAL)

    def purge_oldest(self, *, below_id: int, batch_size: int) -> int:
        """Delete up to `batch_size` of the oldest entries with id < below_id (the purge only).

        A plain DELETE (no cascade collection, no signals) of the lowest ids first, so the
        remaining rows are always a contiguous tail of the chain.
        """
        ids = list(
            self.filter(id__lt=below_id).order_by("id").values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        deleted, _ = models.QuerySet(self.model, using=self.db).filter(id__in=ids).delete()
        return deleted

    def visible_to(self, user, permission: str):
        """Entries the user may read: everything for a grant on a root organisation, else the
        entries recorded against organisations in the granted subtrees."""
        from dangjian.core.scope import prefix_q, scope_of
        from dangjian.orgs.models import Organization

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        prefixes = scope_of(user).paths_for(permission)
        if not prefixes:
            return self.none()
        if any(len(prefix) <= Organization.steplen for prefix in prefixes):
            return self.all()
        return self.filter(prefix_q("organization_path", prefixes))


class AuditEntry(models.Model):
    """One append-only entry of the audit log.

    Each entry carries the hash of the previous one (`prev_hash`) and its own hash over its content
    and `prev_hash`, so any change to a stored entry, or a removed entry, breaks the chain that
    `dangjian audit verify` walks. Entries are never updated; only the retention purge removes the
    oldest ones and leaves an anchor (AuditAnchor) from which verification restarts. The model,
    its queryset and database triggers (migration 0003) all refuse updates and deletes.
    """

    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")

    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    ip = models.CharField(_("IP"), max_length=45, blank=True)
    action = models.CharField(_("操作"), max_length=80)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象名称"), max_length=300, blank=True)
    organization_path = models.CharField(_("所属组织"), max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        # The list pages newest first (id descending) under one filter at a time; each filter
        # column leads an index that ends with id so the page is an index range scan.
        indexes = [
            models.Index(fields=["actor", "-id"], name="audit_entry_actor_id"),
            # "Everything about this object", and failed logins (no actor, the account as object).
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object"),
            models.Index(fields=["action", "-id"], name="audit_entry_action_id"),
            models.Index(fields=["result", "-id"], name="audit_entry_result_id"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(_REFUSAL)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_REFUSAL)

    @property
    def actor_display(self) -> str:
        """Who acted: the account, someone not logged in (a request), or the system (a task)."""
        if self.actor_name:
            return self.actor_name
        return "未登录用户" if self.ip else "系统"


class AuditHead(models.Model):
    """A single row holding the chain's last hash; locked while an entry is appended."""

    last_hash = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return self.last_hash


class AuditAnchor(models.Model):
    """Left by a retention purge: verification restarts from this hash and entry id.

    `first_kept_id` is one more than the last purged id (no row need carry it: ids may have
    gaps), and the first remaining entry must carry `expected_prev_hash`. The purge also writes
    an `audit.purge` entry naming this anchor, so a forged anchor cannot hide tampering.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    first_kept_id = models.BigIntegerField()
    expected_prev_hash = models.CharField(max_length=64)
    purged_count = models.PositiveIntegerField()
    purged_before = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"anchor@{self.first_kept_id}"


class AuditVerification(models.Model):
    """The stored result of one run of the chain verification (command, task or sweep)."""

    class Problem(models.TextChoices):
        NONE = "", _("无")
        CONTENT = "content", _("内容被篡改")
        PREV_HASH = "prev_hash", _("前一条哈希不符")
        GAP = "gap", _("记录缺失")
        HEAD = "head", _("链尾不符")
        ANCHOR = "anchor", _("锚点不符")

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    ok = models.BooleanField(_("校验通过"))
    checked_count = models.PositiveBigIntegerField(_("已校验条数"), default=0)
    broken_entry_id = models.BigIntegerField(_("首个异常记录"), null=True, blank=True)
    problem = models.CharField(_("问题"), max_length=20, choices=Problem.choices, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )

    class Meta:
        verbose_name = _("审计链校验")
        verbose_name_plural = _("审计链校验")
        ordering = ["-id"]

    def __str__(self):
        return f"审计链校验 #{self.pk}（{'通过' if self.ok else self.get_problem_display()}）"
