"""The read side: scoped meeting lists with their filters, a member's upcoming meetings and
attendance history (with the 学时 each credited)."""

from decimal import Decimal

import pytest
import time_machine

from dangjian.meetings import selectors
from dangjian.meetings.services import planning
from dangjian.meetings.tests.factories import add_members, at, held, plan

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 24, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def three(world):
    add_members(world.branch2, full=1)
    add_members(world.branch3, full=1)
    return {
        "b1": plan(
            world.bob,
            world.branch1,
            "lecture",
            start=at(2026, 11, 26, 9),
            topic="学习二十届四中全会精神",
        ),
        "b2": plan(
            world.alice, world.branch2, "congress", start=at(2025, 12, 2, 9), topic="年终党员大会"
        ),
        "b3": plan(
            world.dave, world.branch3, "theme_day", start=at(2026, 11, 27, 9), topic="安全主题党日"
        ),
    }


def _topics(queryset):
    return {meeting.topic for meeting in queryset}


def test_each_user_sees_the_meetings_of_their_scope(world, three):
    assert _topics(selectors.meetings_for(world.bob)) == {"学习二十届四中全会精神"}
    assert _topics(selectors.meetings_for(world.alice)) == {
        "学习二十届四中全会精神",
        "年终党员大会",
    }
    assert _topics(selectors.meetings_for(world.dave)) == {"安全主题党日"}
    assert not selectors.meetings_for(world.charlie).exists()


def test_the_filters_narrow_the_list(world, three):
    alice = world.alice
    assert _topics(selectors.meetings_for(alice, organization=world.branch2)) == {"年终党员大会"}
    assert _topics(selectors.meetings_for(alice, organization=world.mine2)) == set()
    assert _topics(selectors.meetings_for(alice, category="lecture")) == {"学习二十届四中全会精神"}
    assert _topics(selectors.meetings_for(alice, year=2025)) == {"年终党员大会"}
    assert _topics(selectors.meetings_for(alice, q="四中")) == {"学习二十届四中全会精神"}
    planning.cancel_meeting(three["b2"], user=alice, reason="改期")
    assert _topics(selectors.meetings_for(alice, status="cancelled")) == {"年终党员大会"}


def test_a_page_of_the_list_is_one_query(world, three, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [
            (m.organization.name, m.meeting_type.name) for m in selectors.meetings_for(world.alice)
        ]
    assert len(rows) == 2


def test_upcoming_meetings_are_the_notified_ones_not_yet_closed(world):
    members = add_members(world.branch1, full=2)
    person = members[0].person
    soon = plan(world.bob, world.branch1, "congress", start=at(2026, 11, 24, 11), topic="今天")
    later = plan(world.bob, world.branch1, "lecture", start=at(2026, 11, 30, 9), topic="下周")
    plan(world.bob, world.branch1, "theme_day", start=at(2026, 11, 28, 9), topic="未通知")
    for meeting in (soon, later):
        planning.notify_meeting(meeting, user=world.bob)
    planning.set_attendees(later, user=world.bob, person_ids=[members[1].person_id])
    assert [m.topic for m in selectors.upcoming_for_person(person)] == ["今天"]
    assert list(selectors.upcoming_for_person(person, now=at(2026, 11, 24, 13, 30))) == []
    assert [m.topic for m in selectors.upcoming_for_person(members[1].person)] == ["今天", "下周"]


def test_the_history_lists_recorded_meetings_with_their_hours(world):
    members = add_members(world.branch1, full=2)
    person = members[0].person
    lecture = held(
        world.bob,
        plan(world.bob, world.branch1, "lecture", start=at(2026, 11, 3, 9)),
        present=members[:1],
    )
    held(world.bob, plan(world.bob, world.branch1, "congress", start=at(2026, 11, 10, 9)))
    plan(world.bob, world.branch1, "theme_day", start=at(2026, 11, 28, 9))  # not held yet
    history = list(selectors.history_for_person(person))
    assert [(row.meeting.held_on.day, row.status, row.credited_hours) for row in history] == [
        (10, "absent", None),
        (3, "present", Decimal("2.0")),
    ]
    assert history[1].meeting == lecture


def _history_rows(person):
    return [
        (row.meeting.organization.name, row.meeting.meeting_type.name, row.credited_hours)
        for row in selectors.history_for_person(person)
    ]


def test_the_history_and_upcoming_lists_are_one_query_each_at_any_length(
    world, django_assert_num_queries
):
    (member,) = add_members(world.branch1, full=1)
    for count in (2, 6):
        while selectors.history_for_person(member.person).count() < count:
            day = 1 + selectors.history_for_person(member.person).count()
            meeting = plan(world.bob, world.branch1, "lecture", start=at(2026, 10, day, 9))
            held(world.bob, meeting, present=[member])
        with django_assert_num_queries(1):
            assert len(_history_rows(member.person)) == count
        with django_assert_num_queries(1):
            [m.organization.name for m in selectors.upcoming_for_person(member.person)]
