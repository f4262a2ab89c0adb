"""The arrears alerts: who is told at 3 and at 6 months, and a second run sends nothing."""

import datetime

import pytest
import time_machine

from dangjian.core.testing.world import grant, make_user
from dangjian.dues.services.alerts import arrears_alerts_send
from dangjian.dues.sweeps import send_arrears_alerts
from dangjian.dues.tests.conftest import give_entry
from dangjian.notifications.models import Notification

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 9, 10)


def behind(member, count):
    for m in range(10 - count, 10):
        give_entry(member, datetime.date(2026, m, 1))


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_three_months_tells_the_branch_and_six_months_also_the_committee(world, zhang, li):
    behind(zhang, 3)
    behind(li, 6)  # branch 2 has no dues manager of its own: the mine's are the nearest
    clerk2 = make_user("clerk2", "二支部干事")
    grant(clerk2, "party_clerk", world.branch2)
    arrears_alerts_send(today=TODAY)
    assert inbox(world.bob) == ["党费欠缴提醒：张三 已连续 3 个月未交纳党费"]
    assert inbox(clerk2) == ["自行脱党预警：李四 已连续 6 个月未交纳党费"]
    assert inbox(world.alice) == ["自行脱党预警：李四 已连续 6 个月未交纳党费"]
    assert inbox(world.dave) == inbox(world.charlie) == []
    note = Notification.objects.filter(recipient=clerk2).get()
    assert "党章" in note.body and "2026年04月" in note.body


def test_two_months_is_not_yet_an_alert(world, zhang):
    behind(zhang, 2)
    assert arrears_alerts_send(today=TODAY) == 0


def test_running_twice_sends_nothing_twice(world, zhang):
    behind(zhang, 4)
    first = arrears_alerts_send(today=TODAY)
    second = arrears_alerts_send(today=TODAY)
    assert (first, second) == (1, 0)
    assert Notification.objects.count() == 1


def test_next_month_reminds_again(world, zhang):
    behind(zhang, 4)
    arrears_alerts_send(today=TODAY)
    give_entry(zhang, datetime.date(2026, 10, 1))
    arrears_alerts_send(today=datetime.date(2026, 10, 3))
    assert len(inbox(world.bob)) == 2


def test_members_no_longer_in_good_standing_are_not_alerted(world, zhang):
    behind(zhang, 6)
    zhang.status = "left"
    zhang.save()
    assert arrears_alerts_send(today=TODAY) == 0


def test_the_sweep_uses_the_local_date(world, zhang):
    behind(zhang, 3)
    with time_machine.travel(datetime.datetime(2026, 9, 10, 1, 0), tick=False):
        from django.utils import timezone

        send_arrears_alerts(now=timezone.now())
    assert len(inbox(world.bob)) == 1


def test_the_nightly_run_creates_the_month_once_for_every_tree(world, zhang, wang):
    from dangjian.audit.models import AuditEntry
    from dangjian.dues.models import LedgerEntry, MonthlyRun
    from dangjian.dues.sweeps import generate_monthly_ledger
    from dangjian.dues.tests.conftest import give_base

    give_base(zhang, 2026)
    give_base(wang, 2026)
    with time_machine.travel(datetime.datetime(2026, 9, 1, 1, 30), tick=False):
        from django.utils import timezone

        generate_monthly_ledger(now=timezone.now())
        generate_monthly_ledger(now=timezone.now())
    assert LedgerEntry.objects.filter(month=datetime.date(2026, 9, 1)).count() == 2
    assert MonthlyRun.objects.count() == 1  # the second night created nothing, left no trace
    entry = AuditEntry.objects.get(action="dues.monthly_run")
    assert entry.actor_id is None and entry.actor_name == "系统（定时任务）"
