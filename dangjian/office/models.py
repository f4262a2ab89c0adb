"""工作任务: an upper organisation assigns a task to organisations (a whole subtree at once) with
a deadline and required files or an Excel form; each assignee reports (报送); the assigner
accepts or returns it with a reason.

    WorkTask         the task and its summary counters (kept with F() updates, so a task sent to
                     2 000 organisations lists without counting rows)
    TaskAssignment   one assignee organisation's copy: status, report, review
    TaskFile         the task's own files (the form template, reference material) and the files
                     an assignee reports
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import StoredFile
from dangjian.core.scope import ScopedQuerySet


class WorkTask(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已撤销")

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="work_tasks",
        verbose_name=_("下达单位"),
    )
    title = models.CharField(_("任务名称"), max_length=200)
    description = models.TextField(_("任务要求"), blank=True)
    deadline = models.DateTimeField(_("报送截止时间"), db_index=True)
    requires_files = models.BooleanField(_("须上传材料"), default=False)
    # The form's template is a TaskFile of purpose FORM.
    requires_form = models.BooleanField(_("须填报表格"), default=False)
    # How the assignees were chosen, for the page ("一矿党委下属全部党支部").
    target_note = models.CharField(_("下达范围"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("下达时间"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    assignee_count = models.PositiveIntegerField(_("承办单位数"), default=0)
    submitted_count = models.PositiveIntegerField(_("待审核"), default=0)  # waiting for review
    accepted_count = models.PositiveIntegerField(_("已通过"), default=0)
    returned_count = models.PositiveIntegerField(_("已退回"), default=0)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作任务")
        ordering = ["-opened_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "-opened_at"])]

    def __str__(self):
        return self.title

    @property
    def pending_count(self) -> int:
        """Assignees that have not reported (never, or returned and not yet again)."""
        return self.assignee_count - self.submitted_count - self.accepted_count


class TaskAssignment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待报送")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已通过")
        CANCELLED = "cancelled", _("已撤销")

    task = models.ForeignKey(WorkTask, on_delete=models.CASCADE, related_name="assignments")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="task_assignments"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    report = models.TextField(_("报送说明"), blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submit_count = models.PositiveSmallIntegerField(_("报送次数"), default=0)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chase_count = models.PositiveSmallIntegerField(_("催报次数"), default=0)
    last_chased_at = models.DateTimeField(null=True, blank=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务承办")
        ordering = ["task", "organization__path"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["task", "organization"], name="office_assignment_once")
        ]

    def __str__(self):
        return f"{self.task} · {self.organization}"


class TaskFile(StoredFile):
    class Purpose(models.TextChoices):
        FORM = "form", _("填报表格模板")
        REFERENCE = "reference", _("参考材料")
        REPORT = "report", _("报送材料")
        REPORT_FORM = "report_form", _("填报表格")

    task = models.ForeignKey(WorkTask, on_delete=models.CASCADE, related_name="files")
    assignment = models.ForeignKey(
        TaskAssignment, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    purpose = models.CharField(max_length=12, choices=Purpose.choices)

    class Meta(StoredFile.Meta):
        verbose_name = _("任务文件")
        ordering = ["purpose", "id"]
