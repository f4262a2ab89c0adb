"""The reminder before a notified meeting: once, to those expected and not on leave, only for
meetings starting within the window; and the sweep's query count does not grow with meetings."""

import time_machine

from dangjian.meetings.models import Attendance
from dangjian.meetings.services.attendance import mark_attendance
from dangjian.meetings.services.planning import cancel_meeting, notify_meeting
from dangjian.meetings.sweeps_upcoming import upcoming_reminders_send
from dangjian.meetings.tests.factories import account, add_members, at, plan
from dangjian.notifications.models import Notification


def _reminders(meeting):
    return Notification.objects.filter(
        category="meetings", title__startswith="会议提醒", object_id=str(meeting.pk)
    )


def test_attendees_are_reminded_once_within_the_window_and_not_when_on_leave(world):
    members = add_members(world.branch1, full=3, accounts=True)
    with time_machine.travel(at(2026, 11, 24, 8), tick=False):
        meeting = plan(world.bob, world.branch1, "congress", start=at(2026, 11, 26, 9))
        notify_meeting(meeting, user=world.bob)
        leave = meeting.attendances.get(person=members[2].person)
        mark_attendance(
            meeting, user=world.bob, marks={leave.pk: (Attendance.Status.LEAVE, "下井")}
        )
        # 49 hours before: too early.
        assert upcoming_reminders_send() == 0
    with time_machine.travel(at(2026, 11, 25, 14), tick=False):  # 19 hours before
        assert upcoming_reminders_send() == 2
        assert upcoming_reminders_send() == 0  # the next hourly run adds nothing
    reminded = set(_reminders(meeting).values_list("recipient_id", flat=True))
    assert reminded == {account(members[0]).pk, account(members[1]).pk}


def test_cancelled_and_past_meetings_are_not_reminded(world):
    add_members(world.branch1, full=2, accounts=True)
    with time_machine.travel(at(2026, 11, 24, 8), tick=False):
        meeting = plan(world.bob, world.branch1, "congress", start=at(2026, 11, 25, 9))
        notify_meeting(meeting, user=world.bob)
        cancel_meeting(meeting, user=world.bob, reason="矿井检修，会议改期")
    with time_machine.travel(at(2026, 11, 25, 8), tick=False):
        assert upcoming_reminders_send() == 0
    with time_machine.travel(at(2026, 11, 25, 10), tick=False):
        assert upcoming_reminders_send() == 0
    assert not _reminders(meeting).exists()


def test_the_sweep_reads_meetings_and_attendees_once_whatever_their_number(
    world, django_assert_max_num_queries
):
    add_members(world.branch1, full=2, accounts=True)
    add_members(world.branch2, full=2, accounts=True)

    def notified(count, day):
        with time_machine.travel(at(2026, 11, day, 8), tick=False):
            for index in range(count):
                meeting = plan(
                    world.alice, world.branch2, "lecture", start=at(2026, 11, day + 1, 8 + index)
                )
                notify_meeting(meeting, user=world.alice)

    notified(1, 10)
    with (
        time_machine.travel(at(2026, 11, 10, 18), tick=False),
        django_assert_max_num_queries(30) as one,
    ):
        upcoming_reminders_send()
    notified(3, 20)
    with (
        time_machine.travel(at(2026, 11, 20, 18), tick=False),
        django_assert_max_num_queries(30) as three,
    ):
        upcoming_reminders_send()
    # Each further meeting costs only its one bulk notice (users, insert, re-read, deliveries
    # and their task); the meetings, the earlier reminders and the attendees are read once.
    per_meeting = (len(three.captured_queries) - len(one.captured_queries)) / 2
    assert per_meeting <= 6, per_meeting
