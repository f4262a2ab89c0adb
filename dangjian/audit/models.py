from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One append-only entry of the audit log.

    Each entry carries the hash of the previous one (`prev_hash`) and its own hash over its content
    and `prev_hash`, so any change to a stored entry, or a removed entry, breaks the chain that
    `dangjian audit verify` walks. Entries are never updated; only the retention purge removes the
    oldest ones and leaves an anchor (AuditAnchor) from which verification restarts.
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
    action = models.CharField(_("操作"), max_length=80, db_index=True)
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

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        indexes = [models.Index(fields=["actor", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"


class AuditHead(models.Model):
    """A single row holding the chain's last hash; locked while an entry is appended."""

    last_hash = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return self.last_hash


class AuditAnchor(models.Model):
    """Left by a retention purge: verification restarts from this hash and entry id."""

    created_at = models.DateTimeField(auto_now_add=True)
    first_kept_id = models.BigIntegerField()
    expected_prev_hash = models.CharField(max_length=64)
    purged_count = models.PositiveIntegerField()
    purged_before = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"anchor@{self.first_kept_id}"
