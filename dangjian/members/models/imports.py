"""Excel roster imports: a batch is previewed (nothing written), then confirmed (valid rows
written in one transaction), and can be undone as a whole."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import EncryptedTextField
from dangjian.core.scope import ScopedQuerySet
from dangjian.core.uploads import private_upload_path


class ImportBatch(models.Model):
    """One uploaded roster. `organization` is the subtree the rows may name (the uploader's
    choice, inside their scope); `errors` lists `{"row", "column", "message"}` of the preview."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("校验中")
        PREVIEWED = "previewed", _("待确认")
        IMPORTING = "importing", _("导入中")
        IMPORTED = "imported", _("已导入")
        UNDONE = "undone", _("已撤销")
        FAILED = "failed", _("失败")
        DISCARDED = "discarded", _("已放弃")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="member_imports",
        verbose_name=_("导入范围"),
    )
    file = models.FileField(_("文件"), upload_to=private_upload_path, max_length=200)
    file_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.VALIDATING
    )
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    valid_rows = models.PositiveIntegerField(_("有效行"), default=0)
    rejected_rows = models.PositiveIntegerField(_("问题行"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    errors = models.JSONField(_("问题清单"), default=list, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员信息导入")
        verbose_name_plural = _("党员信息导入")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name


class ImportRecord(models.Model):
    """A person the batch created or updated; `before` (encrypted JSON) restores an update."""

    class Action(models.TextChoices):
        CREATED = "created", _("新增")
        UPDATED = "updated", _("更新")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    person = models.ForeignKey(
        "members.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    row_number = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    before = EncryptedTextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["batch", "row_number"])]

    def __str__(self):
        return f"第 {self.row_number} 行（{self.get_action_display()}）"
