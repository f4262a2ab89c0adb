"""Reminders of 工作任务 (`core.scheduler`), to the handlers of assignees that have not
reported (待报送 or 已退回) — the nearest level holding HANDLE_TASK over each organisation:

- before the deadline: once, when the deadline is one day away or less;
- after the deadline: once a day while the task is open.

One notification per person and task: `notify(dedupe_key=…)` keys the first on the task and
the second on the task and the day, so a rerun (or two schedulers) sends nothing twice.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dangjian.core.scheduler import periodic
from dangjian.documents.access import signers_of
from dangjian.notifications.services import notify
from dangjian.office.models import TaskAssignment, WorkTask
from dangjian.office.permissions import HANDLE_TASK

BEFORE = datetime.timedelta(days=1)
CHUNK = 1000


@periodic("office.task_reminders", every=datetime.timedelta(hours=1))
def task_reminders(*, now=None) -> int:
    """Returns the number of assignments reminded on this run (before + after)."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    open_tasks = WorkTask.objects.filter(status=WorkTask.Status.OPEN)
    soon = open_tasks.filter(deadline__gt=now, deadline__lte=now + BEFORE)
    late = open_tasks.filter(deadline__lte=now)
    sent = 0
    for task in soon.select_related("organization"):
        when = timezone.localtime(task.deadline)
        sent += _remind(
            task,
            title=f"即将截止：{task.title}",
            body=f"请于 {when:%Y-%m-%d %H:%M} 前报送。",
            key=f"office-due:{task.pk}",
        )
    for task in late.select_related("organization"):
        when = timezone.localtime(task.deadline)
        sent += _remind(
            task,
            title=f"已逾期未报送：{task.title}",
            body=f"报送截止时间 {when:%Y-%m-%d %H:%M} 已过，请尽快报送。",
            key=f"office-late:{task.pk}:{day:%Y%m%d}",
        )
    return sent


def _remind(task: WorkTask, *, title: str, body: str, key: str) -> int:
    """One notify per chunk of 1 000 waiting assignees; returns how many assignees were
    waiting (and so reminded, or already reminded under the same key)."""
    waiting = (
        TaskAssignment.objects.filter(task=task)
        .filter(Q(status=TaskAssignment.Status.PENDING) | Q(status=TaskAssignment.Status.RETURNED))
        .select_related("organization")
        .only("pk", "organization__id", "organization__path")
        .order_by("pk")
    )
    rows = list(waiting)
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        handlers = signers_of([row.organization for row in part], permission=HANDLE_TASK)
        users = sorted({user for found in handlers.values() for user in found})
        if users:
            notify(
                recipients=users,
                title=title,
                body=body,
                url=reverse("office:assignments"),
                category="office",
                obj=task,
                dedupe_key=key,
            )
    return len(rows)
