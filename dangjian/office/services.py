"""Writes of 工作任务. Every function is keyword-only, atomic, checks the actor's permission over
the organisation concerned, and writes an audit entry.

The assigner's side (ASSIGN_TASK over the task's organisation):

    task_create → task_update / task_file_add / task_file_remove → task_open (下达: the
    assignments in bulk) → assignment_accept / assignment_return → task_chase → task_close
    task_cancel, task_delete (draft only)

The assignee's side (HANDLE_TASK over the assignment's organisation): `assignment_submit`.

Counters: the task keeps `assignee_count`, `submitted_count` (waiting for review),
`accepted_count` and `returned_count`; each transition changes them with F() in the same
transaction as the assignment's row, which is locked first, so a double click or two reviewers
at once move a counter exactly once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.core.uploads import DOCUMENTS, MB, SPREADSHEETS, check_upload
from dangjian.documents.access import signers_of
from dangjian.documents.services.dispatch import ORG_TYPE_FILTERS, ORG_TYPE_LABELS
from dangjian.notifications.services import notify
from dangjian.office.forms_xlsx import header_problem, read_header
from dangjian.office.models import TaskAssignment, TaskFile, WorkTask
from dangjian.office.permissions import ASSIGN_TASK, HANDLE_TASK
from dangjian.orgs.models import Organization

CHUNK = 1000
MAX_FILE_BYTES = 20 * MB
MAX_FORM_BYTES = 10 * MB
MAX_REPORT_FILES = 10
Status = WorkTask.Status
AStatus = TaskAssignment.Status
REPORTABLE = (AStatus.PENDING, AStatus.RETURNED)


@dataclass(frozen=True)
class TargetSpec:
    """One line of the assignees: an organisation, or its whole subtree filtered by type
    (the semantics of `documents.services.dispatch.ORG_TYPE_FILTERS`)."""

    organization: Organization
    include_subtree: bool = False
    org_type: str = ""

    def describe(self) -> str:
        name = self.organization.display_name
        if not self.include_subtree:
            return name
        return f"{name}下属{ORG_TYPE_LABELS.get(self.org_type, ORG_TYPE_LABELS[''])}"


# ------------------------------------------------------------------ guards


def _require_assigner(actor, task: WorkTask) -> None:
    if not scope_of(actor).covers(ASSIGN_TASK, task.organization.path):
        raise ServiceError("您没有管理这项工作任务的权限（须在下达单位持有“下达工作任务”权限）。")


def _require_handler(actor, assignment: TaskAssignment) -> None:
    if not scope_of(actor).covers(HANDLE_TASK, assignment.organization.path):
        raise ServiceError(f"您没有替{assignment.organization.display_name}报送工作任务的权限。")


def _locked_task(task: WorkTask) -> WorkTask:
    return WorkTask.objects.select_for_update().select_related("organization").get(pk=task.pk)


def _locked_assignment(assignment: TaskAssignment) -> TaskAssignment:
    return (
        TaskAssignment.objects.select_for_update(of=("self",))
        .select_related("task__organization", "organization")
        .get(pk=assignment.pk)
    )


def _require_draft(task: WorkTask, what: str) -> None:
    if task.status != Status.DRAFT:
        raise ServiceError(f"任务已{task.get_status_display()}，不能再{what}。只有草稿可以{what}。")


def _require_open(task: WorkTask, what: str) -> None:
    if task.status != Status.OPEN:
        if task.status == Status.DRAFT:
            raise ServiceError(f"任务还没有下达，不能{what}。")
        raise ServiceError(f"任务{task.get_status_display()}，不能再{what}。")


def _clean_data(data: dict, *, now) -> dict:
    title = (data.get("title") or "").strip()
    if not title:
        raise ServiceError("请填写任务名称。")
    if len(title) > 200:
        raise ServiceError("任务名称不能超过 200 字。")
    deadline = data.get("deadline")
    if not isinstance(deadline, datetime.datetime):
        raise ServiceError("请填写报送截止时间（日期和时间）。")
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= now:
        raise ServiceError("报送截止时间须晚于现在，请重新选择。")
    return {
        "title": title,
        "description": (data.get("description") or "").strip(),
        "deadline": deadline,
        "requires_files": bool(data.get("requires_files")),
        "requires_form": bool(data.get("requires_form")),
    }


def _task_url(task) -> str:
    return reverse("office:task_detail", args=[task.pk])


def _assignment_url(assignment) -> str:
    return reverse("office:assignment", args=[assignment.pk])


def _handlers(organizations) -> list[int]:
    """The people to tell about assignments of these organisations: the nearest level holding
    HANDLE_TASK for each (a fixed number of queries)."""
    found = signers_of(organizations, permission=HANDLE_TASK)
    return sorted({user for users in found.values() for user in users})


# ------------------------------------------------------------------ the assigner: drafts


def task_create(*, actor, organization, data: dict, now=None) -> WorkTask:
    now = now or timezone.now()
    if not scope_of(actor).covers(ASSIGN_TASK, organization.path):
        raise ServiceError(f"您没有以{organization.display_name}名义下达工作任务的权限。")
    fields = _clean_data(data, now=now)
    with transaction.atomic():
        task = WorkTask.objects.create(organization=organization, created_by=actor, **fields)
        audit_log(
            actor=actor,
            action="office.task_create",
            obj=task,
            organization=organization,
            after={"title": task.title, "deadline": task.deadline},
        )
    return task


def task_update(*, actor, task: WorkTask, data: dict, now=None) -> WorkTask:
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked_task(task)
        _require_assigner(actor, task)
        _require_draft(task, "修改")
        before = {"title": task.title, "deadline": task.deadline}
        for name, value in _clean_data(data, now=now).items():
            setattr(task, name, value)
        task.save()
        audit_log(
            actor=actor,
            action="office.task_update",
            obj=task,
            organization=task.organization,
            before=before,
            after={"title": task.title, "deadline": task.deadline},
        )
    return task


def task_delete(*, actor, task: WorkTask) -> None:
    with transaction.atomic():
        task = _locked_task(task)
        _require_assigner(actor, task)
        _require_draft(task, "删除")
        audit_log(
            actor=actor, action="office.task_delete", obj=task, organization=task.organization
        )
        for stored in task.files.all():
            stored.file.delete(save=False)
        task.delete()


def task_file_add(*, actor, task: WorkTask, file, purpose: str) -> TaskFile:
    """The form template (FORM: an .xlsx with the header row on its first line; only in a
    draft, one per task — a new one replaces the old) or reference material (REFERENCE: while
    the task is a draft or open)."""
    if purpose not in (TaskFile.Purpose.FORM, TaskFile.Purpose.REFERENCE):
        raise ServiceError("任务文件只能是填报表格模板或参考材料。")
    with transaction.atomic():
        task = _locked_task(task)
        _require_assigner(actor, task)
        if purpose == TaskFile.Purpose.FORM:
            _require_draft(task, "更换填报表格模板")
            kind = _checked(file, kinds=SPREADSHEETS, max_bytes=MAX_FORM_BYTES, what="填报表格模板")
            header = read_header(file)
            if not header:
                raise ServiceError(
                    "填报表格模板的第一个工作表第一行是空的：请在第一行写好列名（表头）后再上传。"
                )
            for old in task.files.filter(purpose=TaskFile.Purpose.FORM, assignment=None):
                old.file.delete(save=False)
                old.delete()
        else:
            if task.status not in (Status.DRAFT, Status.OPEN):
                raise ServiceError(f"任务{task.get_status_display()}，不能再添加参考材料。")
            kind = _checked(file, kinds=DOCUMENTS, max_bytes=MAX_FILE_BYTES, what="参考材料")
        stored = _store(
            task=task, assignment=None, file=file, kind=kind, purpose=purpose, actor=actor
        )
        audit_log(
            actor=actor,
            action="office.task_file_upload",
            obj=stored,
            organization=task.organization,
            after={"task": task.pk, "purpose": purpose, "title": stored.title},
        )
    return stored


def task_file_remove(*, actor, file: TaskFile) -> None:
    with transaction.atomic():
        task = _locked_task(file.task)
        _require_assigner(actor, task)
        if file.assignment_id:
            raise ServiceError("承办单位报送的材料不能由下达单位删除。")
        _require_draft(task, "删除任务文件")
        audit_log(
            actor=actor,
            action="office.task_file_delete",
            obj=file,
            organization=task.organization,
            before={"title": file.title},
        )
        file.file.delete(save=False)
        file.delete()


def _checked(file, *, kinds, max_bytes: int, what: str) -> str:
    try:
        return check_upload(file, kinds=kinds, max_bytes=max_bytes, what=what)
    except ValidationError as exc:
        raise ServiceError(exc.messages[0]) from exc


def _store(*, task, assignment, file, kind: str, purpose: str, actor) -> TaskFile:
    name = (getattr(file, "name", "") or "文件").rsplit("/", 1)[-1][:200]
    stored = TaskFile(
        task=task,
        assignment=assignment,
        purpose=purpose,
        title=name,
        file_kind=kind,
        size=file.size,
        uploaded_by=actor,
    )
    file.seek(0)
    stored.file.save(name, file, save=False)
    stored.save()
    return stored


# ------------------------------------------------------------------ 下达


def target_organizations(task: WorkTask, targets: list[TargetSpec]) -> list[tuple[int, str]]:
    """(id, path) of the organisations the targets name, in tree order, without duplicates,
    the task's own organisation and inactive ones. Every target must lie inside the
    task's organisation's subtree (a task goes down the tree)."""
    root = task.organization.path
    found: dict[int, str] = {}
    for target in targets:
        org = target.organization
        if not org.path.startswith(root):
            raise ServiceError(
                f"{org.display_name}不是{task.organization.display_name}的下级党组织，"
                "工作任务只能下达给本单位所属的党组织。"
            )
        if target.include_subtree:
            types = ORG_TYPE_FILTERS.get(target.org_type, ORG_TYPE_FILTERS[""])
            rows = Organization.objects.filter(
                path__startswith=org.path, is_active=True, org_type__in=types
            ).values_list("pk", "path")
        else:
            rows = [(org.pk, org.path)] if org.is_active else []
        for pk, path in rows:
            if pk != task.organization_id:
                found[pk] = path
    return sorted(found.items(), key=lambda item: item[1])


def task_open(*, actor, task: WorkTask, targets: list[TargetSpec], now=None) -> int:
    """下达: write one assignment per target organisation (bulk, 1 000 a batch), set
    `assignee_count`, notify the handlers. Returns the number of assignees."""
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked_task(task)
        _require_assigner(actor, task)
        _require_draft(task, "下达")
        if task.deadline <= now:
            raise ServiceError("报送截止时间已过，请先修改截止时间再下达。")
        if (
            task.requires_form
            and not task.files.filter(purpose=TaskFile.Purpose.FORM, assignment=None).exists()
        ):
            raise ServiceError("任务要求填报表格，请先上传填报表格模板（.xlsx）再下达。")
        if not targets:
            raise ServiceError("请选择承办单位：至少一个党组织，或某个党组织的下属组织。")
        rows = target_organizations(task, targets)
        if not rows:
            raise ServiceError("所选范围内没有可下达的党组织，请重新选择承办单位。")
        batch = []
        for pk, _path in rows:
            batch.append(TaskAssignment(task=task, organization_id=pk))
            if len(batch) == CHUNK:
                TaskAssignment.objects.bulk_create(batch)
                batch = []
        if batch:
            TaskAssignment.objects.bulk_create(batch)
        note = "、".join(target.describe() for target in targets)
        task.status = Status.OPEN
        task.opened_at = now
        task.assignee_count = len(rows)
        task.target_note = note if len(note) <= 300 else note[:297] + "…"
        task.save(update_fields=["status", "opened_at", "assignee_count", "target_note"])
        audit_log(
            actor=actor,
            action="office.task_open",
            obj=task,
            organization=task.organization,
            after={"assignees": len(rows), "targets": note[:500]},
        )
        _notify_assignees(task, rows)
    return len(rows)


def _notify_assignees(task: WorkTask, rows: list[tuple[int, str]]) -> None:
    """Tell the handlers of every assignee once: `signers_of` reads the holders of all the
    organisations in a few queries, and `notify` writes its rows 500 recipients at a time."""
    deadline = timezone.localtime(task.deadline)
    users = _handlers([Organization(pk=pk, path=path) for pk, path in rows])
    if users:
        notify(
            recipients=users,
            title=f"新工作任务：{task.title}",
            body=f"{task.organization.display_name}下达，请于 {deadline:%Y-%m-%d %H:%M} 前报送。",
            url=reverse("office:assignments"),
            category="office",
            obj=task,
            dedupe_key=f"office-open:{task.pk}",
        )


def task_close(*, actor, task: WorkTask, now=None) -> WorkTask:
    """结束: no more reports; the table stays as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked_task(task)
        _require_assigner(actor, task)
        _require_open(task, "结束")
        task.status = Status.CLOSED
        task.closed_at = now
        task.save(update_fields=["status", "closed_at"])
        audit_log(
            actor=actor,
            action="office.task_close",
            obj=task,
            organization=task.organization,
            after=_counters(task),
        )
    return task


def task_cancel(*, actor, task: WorkTask, reason: str, now=None) -> WorkTask:
    """撤销 an open task: the assignments not yet accepted become cancelled (the counters keep
    the state at cancellation, for the record); the handlers of those not reported are told."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写撤销原因，承办单位会在通知中看到它。")
    with transaction.atomic():
        task = _locked_task(task)
        _require_assigner(actor, task)
        _require_open(task, "撤销")
        waiting = task.assignments.filter(status__in=(*REPORTABLE, AStatus.SUBMITTED))
        organizations = list(
            Organization.objects.filter(pk__in=waiting.values("organization_id")).only("pk", "path")
        )
        waiting.update(status=AStatus.CANCELLED)
        task.status = Status.CANCELLED
        task.closed_at = now
        task.save(update_fields=["status", "closed_at"])
        audit_log(
            actor=actor,
            action="office.task_cancel",
            obj=task,
            organization=task.organization,
            message=reason[:500],
        )
        users = _handlers(organizations)
        if users:
            notify(
                recipients=users,
                title=f"工作任务已撤销：{task.title}",
                body=f"撤销原因：{reason}",
                url=reverse("office:assignments"),
                category="office",
                obj=task,
                dedupe_key=f"office-cancel:{task.pk}",
            )
    return task


def _counters(task: WorkTask) -> dict:
    return {
        "assignees": task.assignee_count,
        "submitted": task.submitted_count,
        "accepted": task.accepted_count,
        "returned": task.returned_count,
    }


# ------------------------------------------------------------------ the assignee: 报送


def assignment_submit(
    *, actor, assignment: TaskAssignment, report: str, files=(), form=None, now=None
) -> TaskAssignment:
    """报送 (or 重新报送 after a return). Files replace the previous report's files when given;
    a required form must be an .xlsx whose first row is the template's header row. A second
    call while the first is waiting for review (a double click) is refused and changes
    nothing."""
    now = now or timezone.now()
    report = (report or "").strip()
    files = [f for f in files if f]
    with transaction.atomic():
        assignment = _locked_assignment(assignment)
        task = assignment.task
        _require_handler(actor, assignment)
        _require_open(task, "报送")
        if assignment.status == AStatus.SUBMITTED:
            raise ServiceError("已经报送过了，正在等待下达单位审核；如需修改，请联系下达单位退回。")
        if assignment.status == AStatus.ACCEPTED:
            raise ServiceError("报送已通过审核，无需再次报送。")
        if assignment.status not in REPORTABLE:
            raise ServiceError("这项任务已撤销，不能报送。")
        if not report:
            raise ServiceError("请填写报送说明（完成情况）。")
        if len(files) > MAX_REPORT_FILES:
            raise ServiceError(f"一次最多上传 {MAX_REPORT_FILES} 个材料文件。")
        kinds = [
            _checked(f, kinds=DOCUMENTS, max_bytes=MAX_FILE_BYTES, what="报送材料") for f in files
        ]
        previous = assignment.files.all()
        has_files = bool(files) or previous.filter(purpose=TaskFile.Purpose.REPORT).exists()
        if task.requires_files and not has_files:
            raise ServiceError(
                "这项任务要求上传材料，请选择要报送的文件（Word、PDF、Excel 或图片）。"
            )
        form_kind = None
        if form:
            form_kind = _checked(
                form, kinds=SPREADSHEETS, max_bytes=MAX_FORM_BYTES, what="填报表格"
            )
            problem = header_problem(_template_header(task), read_header(form))
            if problem:
                raise ServiceError(problem)
        elif (
            task.requires_form
            and not previous.filter(purpose=TaskFile.Purpose.REPORT_FORM).exists()
        ):
            raise ServiceError("这项任务要求填报表格：请下载模板填好后，以 .xlsx 格式上传。")
        if files:
            _drop(previous.filter(purpose=TaskFile.Purpose.REPORT))
        for upload, kind in zip(files, kinds, strict=True):
            _store(
                task=task,
                assignment=assignment,
                file=upload,
                kind=kind,
                purpose=TaskFile.Purpose.REPORT,
                actor=actor,
            )
        if form is not None and form_kind:
            _drop(previous.filter(purpose=TaskFile.Purpose.REPORT_FORM))
            _store(
                task=task,
                assignment=assignment,
                file=form,
                kind=form_kind,
                purpose=TaskFile.Purpose.REPORT_FORM,
                actor=actor,
            )
        was = assignment.status
        changes = {"submitted_count": F("submitted_count") + 1}
        if was == AStatus.RETURNED:
            changes["returned_count"] = F("returned_count") - 1
        WorkTask.objects.filter(pk=task.pk).update(**changes)
        assignment.status = AStatus.SUBMITTED
        assignment.report = report
        assignment.submitted_at = now
        assignment.submitted_by = actor
        assignment.submit_count = F("submit_count") + 1
        assignment.save(
            update_fields=["status", "report", "submitted_at", "submitted_by", "submit_count"]
        )
        assignment.refresh_from_db(fields=["submit_count"])
        audit_log(
            actor=actor,
            action="office.assignment_submit",
            obj=assignment,
            organization=assignment.organization,
            after={"task": task.pk, "from": was, "files": len(files), "form": bool(form)},
        )
        late = "（逾期报送）" if now > task.deadline else ""
        notify(
            recipients=_handlers_of_assigner(task),
            title=f"{assignment.organization.display_name}已报送：{task.title}{late}",
            url=reverse("office:submission", args=[assignment.pk]),
            category="office",
            obj=task,
            dedupe_key=f"office-submit:{assignment.pk}:{assignment.submit_count}",
        )
    return assignment


def _handlers_of_assigner(task: WorkTask) -> list[int]:
    """Who reviews the reports: the task's creator (if still allowed) and otherwise the
    nearest ASSIGN_TASK holders of the task's organisation."""
    found = signers_of([task.organization], permission=ASSIGN_TASK).get(task.organization_id, [])
    return sorted(set(found) | {task.created_by_id})


def _drop(files) -> None:
    for stored in files:
        stored.file.delete(save=False)
        stored.delete()


def _template_header(task: WorkTask) -> list[str]:
    template = task.files.filter(purpose=TaskFile.Purpose.FORM, assignment=None).first()
    if template is None:
        return []
    with template.file.open("rb") as handle:
        return read_header(handle)


# ------------------------------------------------------------------ the assigner: review


def assignment_accept(*, actor, assignment: TaskAssignment, note: str = "", now=None):
    with transaction.atomic():
        return _review(
            actor, assignment, AStatus.ACCEPTED, "accepted_count", note, now or timezone.now()
        )


def assignment_return(*, actor, assignment: TaskAssignment, reason: str, now=None):
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写退回原因，写明需要怎样修改，承办单位会看到它。")
    if len(reason) > 500:
        raise ServiceError("退回原因不能超过 500 字。")
    with transaction.atomic():
        assignment = _review(
            actor, assignment, AStatus.RETURNED, "returned_count", reason, now or timezone.now()
        )
        users = _handlers([assignment.organization])
        if users:
            notify(
                recipients=users,
                title=f"报送被退回：{assignment.task.title}",
                body=f"退回原因：{reason}",
                url=_assignment_url(assignment),
                category="office",
                obj=assignment.task,
                dedupe_key=f"office-return:{assignment.pk}:{assignment.submit_count}",
            )
    return assignment


def _review(actor, assignment, status: str, counter: str, note: str, now) -> TaskAssignment:
    """Accept or return a submitted report (inside the caller's transaction): the row is
    locked, the task's counters move from 待审核 to `counter`, the review is audited."""
    assignment = _locked_assignment(assignment)
    task = assignment.task
    _require_assigner(actor, task)
    _require_reviewable(task, assignment)
    WorkTask.objects.filter(pk=task.pk).update(
        submitted_count=F("submitted_count") - 1, **{counter: F(counter) + 1}
    )
    _reviewed(assignment, status, note, actor, now)
    key = "note" if status == AStatus.ACCEPTED else "reason"
    audit_log(
        actor=actor,
        action=f"office.assignment_{'accept' if status == AStatus.ACCEPTED else 'return'}",
        obj=assignment,
        organization=assignment.organization,
        after={key: note},
    )
    return assignment


def _require_reviewable(task: WorkTask, assignment: TaskAssignment) -> None:
    if task.status != Status.OPEN:
        raise ServiceError(f"任务{task.get_status_display()}，不能再审核报送。")
    if assignment.status != AStatus.SUBMITTED:
        raise ServiceError(
            f"{assignment.organization.display_name}的报送当前为“{assignment.get_status_display()}”，"
            "只有待审核的报送可以通过或退回（可能已有其他人处理过，请刷新页面）。"
        )


def _reviewed(assignment, status, note, actor, now) -> None:
    assignment.status = status
    assignment.review_note = note[:500]
    assignment.reviewed_at = now
    assignment.reviewed_by = actor
    assignment.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by"])


# ------------------------------------------------------------------ 催报


def task_chase(*, actor, task: WorkTask, now=None) -> int:
    """一键催报: notify the handlers of every assignee that has not reported (待报送 or 已退回).
    An assignee already chased today is skipped, so a second click the same day does nothing.
    Returns the number of assignees chased."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    with transaction.atomic():
        task = _locked_task(task)
        _require_assigner(actor, task)
        _require_open(task, "催报")
        rows = task.assignments.filter(status__in=REPORTABLE).filter(
            Q(last_chased_at__isnull=True) | Q(last_chased_at__lt=start)
        )
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            return 0
        for offset in range(0, len(ids), CHUNK):
            part = ids[offset : offset + CHUNK]
            TaskAssignment.objects.filter(pk__in=part).update(
                chase_count=F("chase_count") + 1, last_chased_at=now
            )
            organizations = Organization.objects.filter(task_assignments__pk__in=part).only(
                "pk", "path"
            )
            users = _handlers(organizations)
            if users:
                late = "已超过截止时间，" if now > task.deadline else ""
                notify(
                    recipients=users,
                    title=f"催报：{task.title}",
                    body=f"{task.organization.display_name}提醒：{late}请尽快报送。",
                    url=reverse("office:assignments"),
                    category="office",
                    obj=task,
                    dedupe_key=f"office-chase:{task.pk}:{today:%Y%m%d}",
                )
        audit_log(
            actor=actor,
            action="office.chase",
            obj=task,
            organization=task.organization,
            after={"chased": len(ids)},
        )
    return len(ids)


def recount(task: WorkTask) -> dict:
    """The counters recomputed from the assignments (tests and repair)."""
    from django.db.models import Count

    rows = dict(
        task.assignments.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "assignees": sum(rows.values()),
        "submitted": rows.get(AStatus.SUBMITTED, 0),
        "accepted": rows.get(AStatus.ACCEPTED, 0),
        "returned": rows.get(AStatus.RETURNED, 0),
    }
