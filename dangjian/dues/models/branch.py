"""What a branch does with its dues: monthly runs, base imports, the yearly statement."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedQuerySet
from dangjian.core.uploads import private_upload_path


class MonthlyRun(models.Model):
    """One monthly dues run over an organisation subtree (a re-run creates nothing twice)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"))
    created_count = models.PositiveIntegerField(_("新建台账行"), default=0)
    existing_count = models.PositiveIntegerField(_("已有台账行"), default=0)
    carried_count = models.PositiveIntegerField(_("沿用上年基数"), default=0)
    missing_base_count = models.PositiveIntegerField(_("未核定基数"), default=0)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费月度生成")
        verbose_name_plural = _("党费月度生成")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.organization_id} {self.month:%Y-%m}"


class BaseImport(models.Model):
    """An uploaded salary Excel for the yearly bases: checked row by row (`errors`), then
    applied all-or-nothing (`applied_at`)."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("校验中")
        INVALID = "invalid", _("有错误")
        READY = "ready", _("待导入")
        APPLIED = "applied", _("已导入")
        FAILED = "failed", _("失败")

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    file = models.FileField(_("文件"), upload_to=private_upload_path, max_length=200)
    file_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    errors = models.JSONField(_("错误"), default=list)  # [{"row": 3, "message": "…"}]
    rows = models.JSONField(_("有效行"), default=list)  # checked rows, applied as they are
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费基数导入")
        verbose_name_plural = _("党费基数导入")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name


def _own_branch(user) -> Q | None:
    """Members see the published statements of the branch holding their membership."""
    from dangjian.members.models import Member

    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    branch = Member.objects.filter(person_id=person_id).values("organization_id")
    return Q(published=True, organization_id__in=branch)


class BranchStatement(models.Model):
    """A branch's yearly 收支公开 statement: collected (from the ledger), remitted upward and
    used (entered by the branch), and the balance; published to the branch's members."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    opening_balance = models.DecimalField(_("上年结余"), max_digits=14, decimal_places=2, default=0)
    collected = models.DecimalField(_("收缴党费"), max_digits=14, decimal_places=2, default=0)
    voluntary = models.DecimalField(_("自愿多交"), max_digits=14, decimal_places=2, default=0)
    remitted = models.DecimalField(_("上缴党费"), max_digits=14, decimal_places=2, default=0)
    used = models.DecimalField(_("使用党费"), max_digits=14, decimal_places=2, default=0)
    use_note = models.TextField(_("使用说明"), blank=True)
    published = models.BooleanField(_("已公开"), default=False)
    published_on = models.DateField(_("公开日期"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    scope_owner = staticmethod(_own_branch)
    scope_owner_permissions = frozenset({"dues.view_dues"})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费收支公开")
        verbose_name_plural = _("党费收支公开")
        ordering = ["-year", "organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="dues_statement_year"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.year}"

    @property
    def balance(self):
        return self.opening_balance + self.collected + self.voluntary - self.remitted - self.used
