"""学时 credited by meetings (present only; the meeting's override or the type's hours), moved
by corrections, taken back by cancelling; and 学时 registered by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.meetings.models import Attendance, ClassHourCredit, MeetingType
from dangjian.meetings.services import attendance, credits, planning
from dangjian.meetings.tests.factories import add_members, at, held, plan

pytestmark = pytest.mark.django_db

START = at(2026, 11, 10, 9)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        yield


@pytest.fixture
def members(world):
    return add_members(world.branch1, full=4)


def _credits(meeting):
    return dict(ClassHourCredit.objects.filter(meeting=meeting).values_list("person_id", "hours"))


def test_present_attendees_get_the_type_hours_and_others_none(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)  # 党课: 2 学时
    meeting = held(world.bob, meeting, present=members[:2], leave=members[2:3])
    assert _credits(meeting) == {members[0].person_id: Decimal(2), members[1].person_id: Decimal(2)}
    credit = ClassHourCredit.objects.filter(meeting=meeting).first()
    assert (credit.source, credit.on_date, credit.year) == ("meeting", START.date(), 2026)
    assert credit.organization == world.branch1


def test_the_meeting_override_wins_over_the_type(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members[:1], class_hours="3.5")
    assert credits.hours_for(meeting) == Decimal("3.5")
    assert _credits(meeting) == {members[0].person_id: Decimal("3.5")}


def test_the_type_hours_apply_when_the_override_is_cleared(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members[:1], class_hours=4)
    MeetingType.objects.filter(code="lecture").update(class_hours=Decimal("1.5"))
    meeting.meeting_type.refresh_from_db()
    meeting = held(world.bob, meeting, present=members[:1], class_hours=None)
    assert _credits(meeting) == {members[0].person_id: Decimal("1.5")}


def test_a_type_without_hours_credits_nothing(world, members):
    meeting = plan(
        world.bob, world.branch1, "talk", start=START, attendee_ids=[members[0].person_id]
    )
    meeting = held(world.bob, meeting, present=members[:1])
    assert _credits(meeting) == {}


def test_a_zero_override_credits_nothing(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members[:2], class_hours=0)
    assert _credits(meeting) == {}


def test_a_planned_meeting_credits_nothing_even_with_sign_ins(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=at(2026, 11, 26, 9))
    rows = dict(meeting.attendances.values_list("person_id", "pk"))
    attendance.mark_attendance(
        meeting, user=world.bob, marks={rows[members[0].person_id]: ("present", "")}
    )
    assert _credits(meeting) == {}


def test_correcting_the_attendance_moves_the_credits(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members[:2])
    rows = dict(meeting.attendances.values_list("person_id", "pk"))
    attendance.mark_attendance(
        meeting,
        user=world.bob,
        marks={
            rows[members[0].person_id]: (Attendance.Status.ABSENT, ""),
            rows[members[3].person_id]: (Attendance.Status.PRESENT, ""),
        },
    )
    assert set(_credits(meeting)) == {members[1].person_id, members[3].person_id}


def test_re_recording_moves_the_credit_date_and_year(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members[:1])
    earlier = at(2025, 12, 30, 9)
    meeting = held(
        world.bob,
        meeting,
        present=members[:1],
        actual_start=earlier,
        actual_end=earlier + timedelta(hours=2),
    )
    credit = ClassHourCredit.objects.get(meeting=meeting)
    assert (credit.on_date, credit.year) == (earlier.date(), 2025)
    assert ClassHourCredit.objects.count() == 1


def test_removing_an_attendee_removes_the_credit(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members[:2])
    planning.set_attendees(meeting, user=world.bob, person_ids=[members[1].person_id])
    assert set(_credits(meeting)) == {members[1].person_id}


def test_cancelling_a_record_removes_its_credits(world, members):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members)
    assert len(_credits(meeting)) == 4
    planning.cancel_meeting(meeting, user=world.bob, reason="重复录入")
    assert _credits(meeting) == {}


def test_credits_count_for_the_members_own_branch(world, members):
    (other,) = add_members(world.branch2, full=1)
    meeting = plan(
        world.alice,
        world.mine,
        "lecture",
        start=START,
        attendee_ids=[members[0].person_id, other.person_id],
    )
    meeting = held(world.alice, meeting, present=[members[0], other])
    by_person = dict(
        ClassHourCredit.objects.filter(meeting=meeting).values_list("person_id", "organization_id")
    )
    assert by_person == {members[0].person_id: world.branch1.pk, other.person_id: world.branch2.pk}


def test_syncing_twice_changes_nothing(world, members, django_assert_num_queries):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    meeting = held(world.bob, meeting, present=members)
    before = list(ClassHourCredit.objects.order_by("pk").values())
    assert meeting.meeting_type.class_hours  # loaded: the sync reads the attendance and credits
    with django_assert_num_queries(2):
        credits.sync_credits(meeting)
    assert list(ClassHourCredit.objects.order_by("pk").values()) == before


# ---------------------------------------------------------------- by hand


def test_a_training_is_registered_once(world, members):
    person = members[0].person
    first = credits.add_manual_credit(
        user=world.bob, person=person, on_date=date(2026, 10, 8), hours="8", note="党支部书记培训班"
    )
    again = credits.add_manual_credit(
        user=world.bob, person=person, on_date=date(2026, 10, 8), hours=8, note="党支部书记培训班"
    )
    assert again.pk == first.pk
    assert (first.hours, first.year, first.source, first.organization) == (
        Decimal(8),
        2026,
        "training",
        world.branch1,
    )
    assert AuditEntry.objects.filter(action="meetings.class_hours_add").count() == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"hours": 0}, "大于 0"),
        ({"hours": "abc"}, "数字"),
        ({"hours": 500}, "不能超过"),
        ({"on_date": date(2026, 12, 1)}, "不能晚于今天"),
        ({"note": " "}, "请填写学时说明"),
        ({"source": "meeting"}, "自动计入"),
    ],
)
def test_bad_manual_credits_are_refused(world, members, values, message):
    arguments = {"on_date": date(2026, 10, 8), "hours": 2, "note": "网上学习"} | values
    with pytest.raises(ServiceError, match=message):
        credits.add_manual_credit(user=world.bob, person=members[0].person, **arguments)
    assert not ClassHourCredit.objects.exists()


def test_manual_credits_stay_in_scope(world, members):
    with pytest.raises(Http404):
        credits.add_manual_credit(
            user=world.dave, person=members[0].person, on_date=date(2026, 10, 8), hours=2, note="x"
        )
