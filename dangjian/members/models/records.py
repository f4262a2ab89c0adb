"""What happens to a record over time: field history, 党籍 status changes, rewards and
punishments, and the documents kept in the member's file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import StoredFile
from dangjian.core.scope import ScopedQuerySet
from dangjian.members.models.choices import Discipline, LeaveType, Status


class RecordChange(models.Model):
    """One save of a person's record: which fields changed, from what to what.

    `changes` is a list of `{"field", "label", "before", "after"}` with display values;
    encrypted fields are stored masked, so the history never holds a full ID number or phone.
    """

    class Source(models.TextChoices):
        FORM = "form", _("页面编辑")
        IMPORT = "import", _("Excel 导入")
        IMPORT_UNDO = "import_undo", _("撤销导入")
        STATUS = "status", _("党籍变更")
        API = "api", _("接口")
        SYSTEM = "system", _("系统")

    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="changes")
    source = models.CharField(_("来源"), max_length=15, choices=Source.choices)
    changes = models.JSONField(_("变更内容"), default=list)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=50, blank=True)
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_path = "person__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("信息变更记录")
        verbose_name_plural = _("信息变更记录")
        indexes = [models.Index(fields=["person", "-changed_at"])]

    def __str__(self):
        return f"{self.person_id} {self.changed_at:%Y-%m-%d %H:%M}"


class StatusChange(models.Model):
    """A change of 党籍 status (or a retirement move), with its reason and effective date."""

    class Kind(models.TextChoices):
        SUSPEND = "suspend", _("停止党籍")
        RESTORE = "restore", _("恢复党籍")
        LEAVE = "leave", _("出党")
        DEATH = "death", _("去世")
        RETIRE = "retire", _("退休")
        TRANSFER_OUT = "transfer_out", _("转出")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="status_changes"
    )
    kind = models.CharField(_("变更类型"), max_length=15, choices=Kind.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    leave_type = models.CharField(
        _("出党方式"), max_length=10, choices=LeaveType.choices, blank=True
    )
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("原因"))
    document_number = models.CharField(_("文件字号"), max_length=100, blank=True)
    from_organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "member__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党籍变更")
        verbose_name_plural = _("党籍变更")
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.effective_on}"


class MemberDocument(StoredFile):
    """A file in the member's file (入党申请书, 志愿书, 奖惩文件 …), served by a scoped view."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("入党申请书")
        VOLUNTEER_FORM = "volunteer_form", _("入党志愿书")
        CONVERSION = "conversion", _("转正申请书")
        REPORT = "report", _("思想汇报")
        REVIEW = "review", _("政审材料")
        REWARD = "reward", _("奖惩文件")
        STATUS = "status", _("党籍变更文件")
        OTHER = "other", _("其他")

    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=20, choices=Kind.choices)

    scope_path = "person__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        verbose_name = _("档案材料")
        verbose_name_plural = _("档案材料")


class RewardPunishment(models.Model):
    """A reward (表彰) or a punishment (处分) with its date, deciding body and document."""

    class Kind(models.TextChoices):
        REWARD = "reward", _("奖励")
        PUNISHMENT = "punishment", _("处分")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="rewards_punishments"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    discipline = models.CharField(
        _("党纪处分种类"), max_length=20, choices=Discipline.choices, blank=True
    )
    decided_on = models.DateField(_("决定日期"))
    ends_on = models.DateField(_("期满日期"), null=True, blank=True)  # 留党察看 ends
    issuer = models.CharField(_("决定机关"), max_length=100)
    document_number = models.CharField(_("文件字号"), max_length=100, blank=True)
    document = models.ForeignKey(
        MemberDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "member__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖惩")
        verbose_name_plural = _("奖惩")
        ordering = ["-decided_on", "-id"]

    def __str__(self):
        return self.title
