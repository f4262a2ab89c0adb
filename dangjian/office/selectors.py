"""Reads of 工作任务, all scoped.

- The assigner's side: tasks of organisations in the user's ASSIGN_TASK scope
  (`tasks_assigned_by`), their assignments (`assignments_of_task`).
- The assignee's side: assignments of organisations in the user's HANDLE_TASK scope, of tasks
  that are open or finished, without the tasks the user manages themselves (an office holding
  both permissions sees its own tasks on the task page, not as work to report)
  (`assignments_handled_by`).
- Files: a task's template and reference files are readable by its assigners and every
  handler of one of its assignments; reported files by the assigners and that assignment's
  handlers.

Objects outside these answer 404, exactly like missing ones.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone

from dangjian.core.scope import scope_condition, scope_of
from dangjian.office.models import TaskAssignment, TaskFile, WorkTask
from dangjian.office.permissions import ASSIGN_TASK, HANDLE_TASK

Status = WorkTask.Status
AStatus = TaskAssignment.Status

TASK_TABS = {
    "open": "进行中",
    "draft": "草稿",
    "closed": "已结束",
    "all": "全部",
}
MY_TABS = {
    "todo": "待报送",
    "submitted": "已报送",
    "done": "已通过",
    "all": "全部",
}
ASSIGNMENT_FILTERS = {
    "": "全部",
    AStatus.PENDING: "待报送",
    AStatus.SUBMITTED: "待审核",
    AStatus.RETURNED: "已退回",
    AStatus.ACCEPTED: "已通过",
    "late": "逾期未报",
}


def can_assign(user) -> bool:
    return scope_of(user).has(ASSIGN_TASK)


def can_handle(user) -> bool:
    return scope_of(user).has(HANDLE_TASK)


def tasks_assigned_by(user, filters: dict | None = None):
    filters = filters or {}
    rows = WorkTask.objects.visible_to(user, ASSIGN_TASK).select_related("organization")
    tab = filters.get("tab", "open")
    if tab == "open":
        rows = rows.filter(status=Status.OPEN)
    elif tab == "draft":
        rows = rows.filter(status=Status.DRAFT)
    elif tab == "closed":
        rows = rows.filter(status__in=(Status.CLOSED, Status.CANCELLED))
    query = (filters.get("q") or "").strip()
    if query:
        rows = rows.filter(title__icontains=query)
    return rows.order_by("-opened_at", "-created_at", "-pk")


def task_for_assigner_or_404(user, pk) -> WorkTask:
    try:
        return tasks_assigned_by(user, {"tab": "any"}).select_related("created_by").get(pk=pk)
    except (WorkTask.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def assignments_of_task(task: WorkTask, filters: dict | None = None, *, now=None):
    """The task's assignments (the caller has already checked the task), filtered by status
    or "late" (not reported after the deadline) and by organisation name."""
    filters = filters or {}
    now = now or timezone.now()
    rows = task.assignments.select_related("organization")
    status = filters.get("status", "")
    if status == "late":
        rows = rows.filter(status__in=(AStatus.PENDING, AStatus.RETURNED))
        rows = rows if task.deadline < now else rows.none()
    elif status in AStatus.values:
        rows = rows.filter(status=status)
    query = (filters.get("q") or "").strip()
    if query:
        rows = rows.filter(
            Q(organization__name__icontains=query) | Q(organization__short_name__icontains=query)
        )
    return rows.order_by("organization__path")


def assignment_for_assigner_or_404(user, pk) -> TaskAssignment:
    condition = scope_condition("task__organization__path", scope_of(user).paths_for(ASSIGN_TASK))
    if condition is None:
        raise Http404
    try:
        return (
            TaskAssignment.objects.filter(condition)
            .exclude(task__status=Status.DRAFT)
            .select_related("task__organization", "organization", "submitted_by", "reviewed_by")
            .get(pk=pk)
        )
    except (TaskAssignment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def assignments_handled_by(user, tab: str = "all"):
    scope = scope_of(user)
    rows = TaskAssignment.objects.visible_to(user, HANDLE_TASK).exclude(task__status=Status.DRAFT)
    own = scope_condition("task__organization__path", scope.paths_for(ASSIGN_TASK))
    if own is not None:
        rows = rows.exclude(own)
    if tab == "todo":
        rows = rows.filter(status__in=(AStatus.PENDING, AStatus.RETURNED), task__status=Status.OPEN)
    elif tab == "submitted":
        rows = rows.filter(status=AStatus.SUBMITTED)
    elif tab == "done":
        rows = rows.filter(status=AStatus.ACCEPTED)
    first = Case(
        When(status=AStatus.RETURNED, then=Value(0)),
        When(status=AStatus.PENDING, then=Value(1)),
        When(status=AStatus.SUBMITTED, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return rows.select_related("task__organization", "organization").order_by(
        first, "task__deadline", "pk"
    )


def to_report_count(user) -> int:
    return assignments_handled_by(user, "todo").count()


def to_review_count(user) -> int:
    from django.db.models import Sum

    total = (
        WorkTask.objects.visible_to(user, ASSIGN_TASK)
        .filter(status=Status.OPEN)
        .aggregate(n=Sum("submitted_count"))["n"]
    )
    return total or 0


def assignment_for_handler_or_404(user, pk) -> TaskAssignment:
    try:
        return (
            TaskAssignment.objects.visible_to(user, HANDLE_TASK)
            .exclude(task__status=Status.DRAFT)
            .select_related("task__organization", "organization", "submitted_by", "reviewed_by")
            .get(pk=pk)
        )
    except (TaskAssignment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def task_file_or_404(user, pk) -> TaskFile:
    try:
        stored = TaskFile.objects.select_related(
            "task__organization", "assignment__organization"
        ).get(pk=pk)
    except (TaskFile.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    scope = scope_of(user)
    if scope.covers(ASSIGN_TASK, stored.task.organization.path):
        return stored
    if stored.task.status == Status.DRAFT:
        raise Http404
    if stored.assignment_id:
        if scope.covers(HANDLE_TASK, stored.assignment.organization.path):
            return stored
        raise Http404
    handled = TaskAssignment.objects.visible_to(user, HANDLE_TASK).filter(task_id=stored.task_id)
    if handled.exists():
        return stored
    raise Http404
