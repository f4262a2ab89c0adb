"""Reminders before and after the deadline (idempotent per task, person and day) and the
home page's todo counts."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from dangjian.notifications.models import Notification
from dangjian.office import services
from dangjian.office.portal_todo import office_todo
from dangjian.office.sweeps import task_reminders
from dangjian.office.tests.helpers import assignment_of, open_task


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _reminders(user, prefix):
    return Notification.objects.filter(recipient=user, title__startswith=prefix).count()


def test_reminders_before_and_after_the_deadline_are_idempotent(dw):
    start = timezone.now().replace(microsecond=0)
    deadline = start + dt.timedelta(days=3)
    task = open_task(dw, deadline=deadline, now=start)
    services.assignment_submit(
        actor=dw.bob, assignment=assignment_of(task, dw.branch1), report="完成", now=start
    )
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        assert task_reminders() == 0  # two days before: nothing yet
    with time_machine.travel(deadline - dt.timedelta(hours=12), tick=False):
        assert task_reminders() == 1
        task_reminders()
    assert _reminders(dw.cora, "即将截止") == 1
    assert _reminders(dw.bob, "即将截止") == 0  # branch1 has reported
    with time_machine.travel(deadline + dt.timedelta(hours=1), tick=False):
        task_reminders()
        task_reminders()
    assert _reminders(dw.cora, "已逾期未报送") == 1
    with time_machine.travel(deadline + dt.timedelta(days=1, hours=1), tick=False):
        task_reminders()
    assert _reminders(dw.cora, "已逾期未报送") == 2
    services.task_close(actor=dw.oscar, task=task, now=deadline + dt.timedelta(days=2))
    with time_machine.travel(deadline + dt.timedelta(days=3), tick=False):
        assert task_reminders() == 0


def test_todo_counts(dw):
    task = open_task(dw)
    labels = {item.label: item.count for item in office_todo(dw.bob, None)}
    assert labels == {"待报送工作任务": 1}
    services.assignment_submit(
        actor=dw.bob, assignment=assignment_of(task, dw.branch1), report="完成"
    )
    assert {i.label: i.count for i in office_todo(dw.bob, None)} == {"待报送工作任务": 0}
    oscar = {item.label: item.count for item in office_todo(dw.oscar, None)}
    assert oscar["待审核报送"] == 1
    assert oscar["待报送工作任务"] == 0  # the mine's own task is not work for its office
    assert office_todo(dw.charlie, None) == []
