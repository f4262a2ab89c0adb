import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.uploads import private_upload_path


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class StoredFile(models.Model):
    """An uploaded file kept under a random private name (`core.uploads`), checked by its real
    type and served only through a scoped view. Concrete models add what it belongs to, its
    kind and its scope."""

    title = models.CharField(_("名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to=private_upload_path, max_length=200)
    file_kind = models.CharField(max_length=10)  # core.uploads kind, from the content
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title


class RuleVersion(models.Model):
    """One version of a regulatory number (see core/rules.py); never edited, only superseded."""

    key = models.CharField(_("规则"), max_length=100, db_index=True)
    value = models.JSONField(_("取值"))
    valid_from = models.DateField(_("生效日期"))
    source = models.CharField(_("依据"), max_length=300, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("规则版本")
        ordering = ["key", "-valid_from"]

    def __str__(self):
        return f"{self.key}={self.value} (自 {self.valid_from})"


class Job(models.Model):
    """A slow piece of work run by the task worker, with progress a page can poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=80)
    title = models.CharField(_("名称"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    result_url = models.CharField(max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ScheduledSweep(models.Model):
    """The claim row of one periodic sweep; schedulers take it with a conditional UPDATE."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    run_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("定时任务")

    def __str__(self):
        return self.name


class Heartbeat(models.Model):
    """Last sign of life of a background process (`worker`, `scheduler`)."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return self.name


class CalendarDay(models.Model):
    """A day that departs from the Monday–Friday week: a public holiday (休) or a 调休 workday (班).

    Unmarked days follow the week; administrators enter each year's State Council notice here, and
    working-day rules (公示 ≥ 5 个工作日 …) count through `core/workdays.py`.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休）")
        WORKDAY = "workday", _("调休上班（班）")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}（{self.short_kind}）"

    @property
    def short_kind(self) -> str:
        return "休" if self.kind == self.Kind.HOLIDAY else "班"

    @property
    def weekday_label(self) -> str:
        return "周" + "一二三四五六日"[self.date.weekday()]
