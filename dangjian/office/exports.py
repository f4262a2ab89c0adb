"""Excel out of 工作任务 (audited `office.task_export`):

- the status table of a task: one row per assignee (write-only openpyxl, any size);
- 汇总表格: the reported forms (submitted or accepted) merged into one workbook, a block of rows
  per organisation with its name in a column. Up to `INLINE_LIMIT` forms are merged in the
  request; more go to a background job with a progress bar (`core.jobs`).
"""

from __future__ import annotations

import io
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task as background
from openpyxl import Workbook

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.jobs import job_advance, job_create, job_fail, job_finish, job_start
from dangjian.core.models import Job
from dangjian.core.scope import scope_of
from dangjian.core.tasks import enqueue_on_commit
from dangjian.office.forms_xlsx import merge_forms, read_header
from dangjian.office.models import TaskAssignment, TaskFile, WorkTask
from dangjian.office.permissions import ASSIGN_TASK

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INLINE_LIMIT = 200
JOB_KIND = "office.merge_forms"
STATUS_HEADERS = [
    "序号",
    "承办单位",
    "状态",
    "报送时间",
    "报送人",
    "报送次数",
    "催报次数",
    "审核意见",
    "审核时间",
    "逾期",
]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def status_workbook(*, actor, task: WorkTask, now=None) -> bytes:
    if not scope_of(actor).covers(ASSIGN_TASK, task.organization.path):
        raise ServiceError("您没有导出这项任务的权限。")
    now = now or timezone.now()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("报送情况")
    sheet.append([f"{task.title}（截止 {_when(task.deadline)}）"])
    sheet.append(STATUS_HEADERS)
    rows = (
        task.assignments.select_related("organization", "submitted_by")
        .order_by("organization__path")
        .iterator(chunk_size=1000)
    )
    for number, row in enumerate(rows, start=1):
        not_reported = row.status in (TaskAssignment.Status.PENDING, TaskAssignment.Status.RETURNED)
        late_submit = row.submitted_at and row.submitted_at > task.deadline
        late = (
            "逾期未报"
            if not_reported and now > task.deadline
            else ("逾期报送" if late_submit else "")
        )
        sheet.append(
            [
                number,
                row.organization.name,
                row.get_status_display(),
                _when(row.submitted_at),
                row.submitted_by.display_name if row.submitted_by else "",
                row.submit_count,
                row.chase_count,
                row.review_note,
                _when(row.reviewed_at),
                late,
            ]
        )
    output = io.BytesIO()
    book.save(output)
    audit_log(
        actor=actor,
        action="office.task_export",
        obj=task,
        organization=task.organization,
        after={"kind": "status", "rows": task.assignee_count},
    )
    return output.getvalue()


def _forms(task: WorkTask):
    return (
        TaskFile.objects.filter(
            task=task,
            purpose=TaskFile.Purpose.REPORT_FORM,
            assignment__status__in=(
                TaskAssignment.Status.SUBMITTED,
                TaskAssignment.Status.ACCEPTED,
            ),
        )
        .select_related("assignment__organization")
        .order_by("assignment__organization__path")
    )


def _template_header(task: WorkTask) -> list[str]:
    template = task.files.filter(purpose=TaskFile.Purpose.FORM, assignment=None).first()
    if template is None:
        raise ServiceError("这项任务没有填报表格模板，无法汇总。")
    with template.file.open("rb") as handle:
        return read_header(handle)


def _sources(files):
    for stored in files:
        with stored.file.open("rb") as handle:
            yield stored.assignment.organization.name, handle


def merge_filename(task: WorkTask) -> str:
    return f"{task.title[:60]}-汇总表.xlsx"


def merge_inline(*, actor, task: WorkTask) -> bytes:
    """The merged workbook now (the caller checked that there are at most INLINE_LIMIT)."""
    if not scope_of(actor).covers(ASSIGN_TASK, task.organization.path):
        raise ServiceError("您没有汇总这项任务表格的权限。")
    header = _template_header(task)
    files = list(_forms(task))
    if not files:
        raise ServiceError("还没有单位报送表格，暂时无法汇总。")
    content = merge_forms(header, _sources(files))
    audit_log(
        actor=actor,
        action="office.task_export",
        obj=task,
        organization=task.organization,
        after={"kind": "merge", "forms": len(files)},
    )
    return content


def forms_count(task: WorkTask) -> int:
    return _forms(task).count()


def start_merge_job(*, actor, task: WorkTask, request_key: str = "") -> Job:
    """Queue the merge of a big task. The same `request_key` answers the job already started."""
    if not scope_of(actor).covers(ASSIGN_TASK, task.organization.path):
        raise ServiceError("您没有汇总这项任务表格的权限。")
    _template_header(task)
    if request_key:
        existing = Job.objects.filter(
            owner=actor, kind=JOB_KIND, params__request_key=request_key
        ).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        job = job_create(
            owner=actor,
            kind=JOB_KIND,
            title=f"汇总表格：{task.title[:80]}",
            params={
                "task": task.pk,
                "request_key": request_key,
                "file": f"office-merges/{secrets.token_urlsafe(24)}.xlsx",
                "filename": merge_filename(task),
            },
        )
        enqueue_on_commit(merge_task, job.pk)
    return job


@background()
def merge_task(job_id: str) -> None:
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    task = WorkTask.objects.select_related("organization").filter(pk=job.params.get("task")).first()
    if task is None or not scope_of(job.owner).covers(ASSIGN_TASK, task.organization.path):
        job_fail(job_id, message="汇总失败：任务已不存在，或发起人已没有管理这项任务的权限。")
        return
    try:
        header = _template_header(task)
    except ServiceError as exc:
        job_fail(job_id, message=exc.messages[0])
        return
    files = list(_forms(task))
    job_start(job_id, total=max(len(files), 1), message="正在汇总各单位报送的表格…")
    step = max(len(files) // 50, 1)

    def progress(done: int) -> None:
        if done % step == 0:
            job_advance(job_id, step)

    content = merge_forms(header, _sources(files), progress=progress)
    name = job.params["file"]
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(content))
    audit_log(
        actor=job.owner,
        action="office.task_export",
        obj=task,
        organization=task.organization,
        after={"kind": "merge", "forms": len(files), "job": str(job.pk)},
    )
    job_finish(
        job_id,
        result_url=reverse("office:merge_download", args=[job.pk]),
        message=f"已汇总 {len(files)} 份表格",
    )


def finished_job_of(user, job_id) -> Job | None:
    return Job.objects.filter(pk=job_id, owner=user, kind=JOB_KIND, status=Job.Status.DONE).first()
