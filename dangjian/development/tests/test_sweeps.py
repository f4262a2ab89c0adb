"""The reminder sweep: 7 days before and on each deadline, to the right people, never twice."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dangjian.core.testing.world import grant, make_user
from dangjian.development.models import State
from dangjian.development.sweeps import deadline_reminders_send, reminder_phase
from dangjian.development.tests.factories import open_case, walk
from dangjian.notifications.models import Notification


def _at(time_machine, day):
    time_machine.move_to(datetime.combine(day, datetime.min.time(), ZoneInfo("Asia/Shanghai")))


def test_phases():
    due = date(2024, 3, 1)
    assert reminder_phase(due, date(2024, 2, 22), 7) == ""
    assert reminder_phase(due, date(2024, 2, 23), 7) == "lead"
    assert reminder_phase(due, date(2024, 2, 29), 7) == "lead"
    assert reminder_phase(due, date(2024, 3, 1), 7) == "due"
    assert reminder_phase(due, date(2024, 3, 7), 7) == "due"
    assert reminder_phase(due, date(2024, 3, 8), 7) == ""


def test_the_branch_is_reminded_seven_days_before_and_on_the_day_once_each(world, time_machine):
    _at(time_machine, date(2024, 1, 20))
    case = open_case(world, applied_on=date(2024, 1, 10), received_on=date(2024, 1, 10))
    # talk due 2024-02-10
    sent = Notification.objects.count
    for day, expected in [(2, 0), (3, 1), (3, 1), (4, 1), (9, 1), (10, 2), (10, 2), (11, 2)]:
        _at(time_machine, date(2024, 2, day))
        deadline_reminders_send(today=date(2024, 2, day))
        assert sent() == expected, day
    notes = Notification.objects.filter(recipient=world.bob).order_by("id")
    assert notes.count() == 2
    assert case.person.name in notes[0].title and "派人谈话期限" in notes[0].title
    assert "今天到期" in notes[1].title
    assert notes[0].category == "development"
    assert not Notification.objects.filter(recipient__in=[world.alice, world.dave]).exists()


def test_committee_deadlines_go_to_the_committee(world, time_machine):
    _at(time_machine, date(2025, 9, 5))
    walk(world, open_case(world), until=State.BRANCH_ACCEPTED)
    clerk = make_user("clerk", "组织员")
    grant(clerk, "org_department", world.mine)
    # approval due 2025-12-02
    deadline_reminders_send(today=date(2025, 11, 25))
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "alice", "clerk",
    ]  # fmt: skip
    deadline_reminders_send(today=date(2025, 11, 25))
    deadline_reminders_send(today=date(2025, 11, 26))
    assert Notification.objects.count() == 2


def test_closed_cases_are_not_reminded(world, time_machine):
    from dangjian.development import services

    _at(time_machine, date(2024, 1, 20))
    case = open_case(world, applied_on=date(2024, 1, 10), received_on=date(2024, 1, 10))
    services.step_record(
        actor=world.bob, case=case, code="close", done_on=date(2024, 1, 20), note="本人撤回申请"
    )
    deadline_reminders_send(today=date(2024, 2, 10))
    assert not Notification.objects.exists()


def test_the_nightly_rebuild_brings_a_changed_rule_to_the_stored_deadlines(world, time_machine):
    from dangjian.core import rules
    from dangjian.core.models import RuleVersion
    from dangjian.development.models import CaseDeadline
    from dangjian.development.sweeps import rebuild_stored_deadlines

    _at(time_machine, date(2024, 1, 20))
    case = open_case(world, applied_on=date(2024, 1, 10), received_on=date(2024, 1, 10))

    def talk_due():
        return CaseDeadline.objects.get(case=case, key__contains="talk").due_on

    assert talk_due() == date(2024, 2, 10)
    RuleVersion.objects.create(
        key="development.talk_deadline_months", value=2, valid_from=date(2024, 1, 1)
    )
    rules.invalidate("development.talk_deadline_months")
    assert talk_due() == date(2024, 2, 10)  # stored: unchanged until the case is written again
    rebuild_stored_deadlines(now=datetime(2024, 1, 21, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert talk_due() == date(2024, 3, 10)
