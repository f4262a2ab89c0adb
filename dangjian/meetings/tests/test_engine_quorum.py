"""The quorum of a 党员大会 (voting full members present > ½ of those expected, domain §1.3)
and of a 支委会 (committee members present > ½ of the committee, §3.2)."""

import pytest
import time_machine

from dangjian.meetings.models import Attendance, Meeting
from dangjian.meetings.services import attendance, planning
from dangjian.meetings.services.attendance import quorum_of
from dangjian.meetings.tests.factories import (
    add_committee,
    add_members,
    at,
    held,
    meeting_type,
    plan,
)
from dangjian.members.models import Category, Member

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 24, 10)
START = at(2026, 11, 26, 9)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _meeting(type_code, expected, present):
    return Meeting(
        meeting_type=meeting_type(type_code),
        quorum_expected=expected,
        quorum_present=present,
    )


@pytest.mark.parametrize(
    ("expected", "present", "required", "met"),
    [
        (20, 11, 11, True),  # §1.3 vector: 11 > 10
        (20, 10, 11, False),  # §1.3 vector: 10 is not > 10
        (21, 11, 11, True),
        (21, 10, 11, False),
        (3, 2, 2, True),
        (2, 1, 2, False),
        (1, 1, 1, True),
        (0, 0, 1, False),
    ],
)
def test_a_congress_needs_more_than_half_of_the_voting_members(expected, present, required, met):
    result = quorum_of(_meeting("congress", expected, present))
    assert result.applies
    assert (result.expected, result.present, result.required, result.met) == (
        expected,
        present,
        required,
        met,
    )
    assert ("达到法定人数" if met else "未达到法定人数") in result.text or expected == 0
    assert "党章第七条" in result.text


def test_a_lecture_has_no_quorum():
    result = quorum_of(_meeting("lecture", 10, 1))
    assert result == (False, 0, 0, 0, None, "本类会议不计算法定人数。")


def _mark(meeting, user, people, status=Attendance.Status.PRESENT):
    rows = dict(meeting.attendances.values_list("person_id", "pk"))
    attendance.mark_attendance(
        meeting, user=user, marks={rows[m.person_id]: (status, "") for m in people}
    )
    meeting.refresh_from_db()
    return meeting


def test_twenty_voting_members_eleven_present_is_a_quorum(world):
    full = add_members(world.branch1, full=20)
    probationary = add_members(world.branch1, probationary=2)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    assert (meeting.expected_count, meeting.quorum_expected) == (22, 20)
    meeting = _mark(meeting, world.bob, full[:11] + probationary)
    assert (meeting.present_count, meeting.quorum_present) == (13, 11)
    assert quorum_of(meeting).met is True


def test_ten_of_twenty_is_no_quorum_even_with_probationary_members_present(world):
    full = add_members(world.branch1, full=20)
    probationary = add_members(world.branch1, probationary=2)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    meeting = _mark(meeting, world.bob, full[:10] + probationary)
    assert meeting.present_count == 12  # more than half of all 22 attendees …
    assert meeting.quorum_present == 10  # … but 预备党员 have no vote
    assert quorum_of(meeting).met is False
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        meeting = held(world.bob, meeting)
    assert meeting.has_quorum is False


def test_the_vote_is_the_one_of_the_meeting_day(world):
    (member,) = add_members(world.branch1, probationary=1)
    add_members(world.branch1, full=2)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    Member.objects.filter(pk=member.pk).update(category=Category.FULL)  # converted afterwards
    attendance.recount(meeting)
    assert meeting.quorum_expected == 2


def test_suspended_members_are_not_drawn(world):
    add_members(world.branch1, full=3)
    Member.objects.filter(organization=world.branch1).filter(
        pk=Member.objects.filter(organization=world.branch1).first().pk
    ).update(status="suspended")
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    assert meeting.expected_count == 2


def test_a_planned_meeting_has_no_stored_quorum_until_it_is_recorded(world):
    full = add_members(world.branch1, full=3)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    meeting = _mark(meeting, world.bob, full)
    assert quorum_of(meeting).met is True
    assert meeting.has_quorum is None
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        meeting = held(world.bob, meeting)
    assert meeting.has_quorum is True


@pytest.mark.parametrize(
    ("size", "present", "met"), [(5, 3, True), (5, 2, False), (4, 2, False), (4, 3, True)]
)
def test_a_committee_meeting_needs_more_than_half_of_the_committee(world, size, present, met):
    members = add_members(world.branch1, full=7)
    add_committee(world.branch1, [m.person for m in members[:size]])
    meeting = plan(world.bob, world.branch1, "committee", start=START)
    assert meeting.expected_count == size
    assert meeting.quorum_expected == size
    meeting = _mark(meeting, world.bob, members[:present])
    assert quorum_of(meeting).met is met
    assert "委员" in quorum_of(meeting).text


def test_others_at_a_committee_meeting_do_not_count_for_its_quorum(world):
    members = add_members(world.branch1, full=7)
    add_committee(world.branch1, [m.person for m in members[:5]])
    meeting = plan(world.bob, world.branch1, "committee", start=START)
    planning.set_attendees(meeting, user=world.bob, person_ids=[m.person_id for m in members])
    meeting = _mark(meeting, world.bob, members[:2] + members[5:])
    assert (meeting.expected_count, meeting.present_count) == (7, 4)
    assert (meeting.quorum_expected, meeting.quorum_present) == (5, 2)
    assert quorum_of(meeting).met is False


def test_a_group_leader_is_not_a_committee_seat(world):
    members = add_members(world.branch1, full=4)
    add_committee(
        world.branch1,
        [m.person for m in members],
        posts=["secretary", "organization", "propaganda", "group_leader"],
    )
    meeting = plan(world.bob, world.branch1, "committee", start=START)
    assert meeting.quorum_expected == 3
