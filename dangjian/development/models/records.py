"""What the steps rest on: sponsors (培养联系人, 入党介绍人), 公示, votes, training, 政审, files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import StoredFile
from dangjian.core.scope import ScopedQuerySet
from dangjian.development.models.choices import (
    MaterialKind,
    PublicityPurpose,
    PublicityResult,
    SponsorKind,
    VoteMethod,
    VotePurpose,
)


class Sponsor(models.Model):
    """A 培养联系人 (1–2) or 入党介绍人 (exactly 2): a full member (domain §1.1 steps 5, 9)."""

    Kind = SponsorKind

    case = models.ForeignKey(
        "development.DevelopmentCase", on_delete=models.CASCADE, related_name="sponsors"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=SponsorKind.choices)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员")
    )
    assigned_on = models.DateField(_("确定日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培养联系人/入党介绍人")
        verbose_name_plural = _("培养联系人/入党介绍人")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "member"], name="development_sponsor_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.member}"


class Publicity(models.Model):
    """A 公示 period (≥ 5 working days, rule `development.publicity_working_days`)."""

    Purpose = PublicityPurpose
    Result = PublicityResult

    case = models.ForeignKey(
        "development.DevelopmentCase", on_delete=models.CASCADE, related_name="publicities"
    )
    purpose = models.CharField(_("公示事项"), max_length=12, choices=PublicityPurpose.choices)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    working_days = models.PositiveSmallIntegerField(_("公示工作日数"), default=0)
    result = models.CharField(
        _("公示结果"),
        max_length=12,
        choices=PublicityResult.choices,
        default=PublicityResult.PENDING,
    )
    objections = models.TextField(_("反映的问题及核实情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["starts_on", "id"]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.starts_on}—{self.ends_on}"


class Vote(models.Model):
    """A 支部大会 vote on one candidate (domain §1.3; tallied by `development.votes`)."""

    Purpose = VotePurpose
    Method = VoteMethod

    case = models.ForeignKey(
        "development.DevelopmentCase", on_delete=models.CASCADE, related_name="votes"
    )
    purpose = models.CharField(_("表决事项"), max_length=12, choices=VotePurpose.choices)
    meeting_on = models.DateField(_("支部大会日期"))
    entitled = models.PositiveIntegerField(_("应到会有表决权的正式党员"))
    present = models.PositiveIntegerField(_("实到会有表决权的正式党员"))
    yes = models.PositiveIntegerField(_("赞成"))
    no = models.PositiveIntegerField(_("反对"), default=0)
    abstain = models.PositiveIntegerField(_("弃权"), default=0)
    written_yes = models.PositiveIntegerField(_("因故缺席者书面赞成意见"), default=0)
    method = models.CharField(
        _("表决方式"), max_length=15, choices=VoteMethod.choices, default=VoteMethod.SHOW_OF_HANDS
    )
    has_quorum = models.BooleanField(_("达到法定人数"), default=False)
    passed = models.BooleanField(_("通过"), default=False)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("支部大会表决")
        verbose_name_plural = _("支部大会表决")
        ordering = ["meeting_on", "id"]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.meeting_on}"


class Training(models.Model):
    """短期集中培训 (≥ 3 days or ≥ 24 学时, rule `development.training_*`)."""

    case = models.ForeignKey(
        "development.DevelopmentCase", on_delete=models.CASCADE, related_name="trainings"
    )
    title = models.CharField(_("培训班名称"), max_length=100)
    organizer = models.CharField(_("举办单位"), max_length=100, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    days = models.PositiveSmallIntegerField(_("培训天数"), default=0)
    hours = models.DecimalField(_("培训学时"), max_digits=5, decimal_places=1, default=0)
    certificate_number = models.CharField(_("结业证书编号"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("集中培训")
        verbose_name_plural = _("集中培训")
        ordering = ["starts_on", "id"]

    def __str__(self):
        return self.title


class PoliticalReview(models.Model):
    """政治审查 and its written conclusion (valid 12 months, rule ⚙️)."""

    case = models.ForeignKey(
        "development.DevelopmentCase", on_delete=models.CASCADE, related_name="political_reviews"
    )
    concluded_on = models.DateField(_("政审结论日期"))
    passed = models.BooleanField(_("政审合格"))
    conclusion = models.TextField(_("政审结论"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("政治审查")
        verbose_name_plural = _("政治审查")
        ordering = ["concluded_on", "id"]

    def __str__(self):
        return f"{self.concluded_on} {'合格' if self.passed else '不合格'}"


class Material(StoredFile):
    """A file of the case (申请书, 思想汇报, 政审材料 …), stored privately, served by a scoped
    view; optionally attached to the step it supports."""

    Kind = MaterialKind

    case = models.ForeignKey(
        "development.DevelopmentCase", on_delete=models.CASCADE, related_name="materials"
    )
    step = models.ForeignKey(
        "development.CaseStep",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="materials",
    )
    kind = models.CharField(_("材料类型"), max_length=25, choices=MaterialKind.choices)
    dated_on = models.DateField(_("材料日期"), null=True, blank=True)

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        verbose_name = _("发展材料")
        verbose_name_plural = _("发展材料")


class Quota(models.Model):
    """发展计划: the number of new members a branch plans to accept in a year."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="development_quotas",
        verbose_name=_("党支部"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    planned = models.PositiveIntegerField(_("计划发展人数"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展计划")
        verbose_name_plural = _("发展计划")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="development_quota_per_year"
            )
        ]
        ordering = ["-year", "organization__path"]

    def __str__(self):
        return f"{self.organization} {self.year}"
