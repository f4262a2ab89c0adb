"""Builders for the meetings tests (shared by every part of the app), built in code.

    members = add_members(world.branch1, full=5, probationary=1)     # Member rows, first full
    members = add_members(world.branch1, full=3, accounts=True)      # …each with a login
    committee = add_committee(world.branch1, [m.person for m in members[:3]])   # 书记, 组织, 宣传
    meeting = plan(world.bob, world.branch1, "congress")              # tomorrow 09:00–11:00
    meeting = plan(world.bob, world.branch1, "lecture", start=at(2026, 12, 1, 14))
    meeting = held(world.bob, meeting, present=members[:3])            # recorded, 3 present

Members and committees go through the ORM (fast, no audit entries); meetings go through the
services, so a test of a page or the API sees exactly what the services would have written.
`account(member)` returns (and creates once) the login linked to a member's person.
"""

from __future__ import annotations

import datetime
import itertools
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from dangjian.core.testing.world import make_user
from dangjian.meetings.models import Attendance, Meeting, MeetingType
from dangjian.members.models import Category
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Committee, CommitteePost

SHANGHAI = ZoneInfo("Asia/Shanghai")
POSTS = [
    CommitteePost.Post.SECRETARY,
    CommitteePost.Post.ORGANIZATION,
    CommitteePost.Post.PROPAGANDA,
    CommitteePost.Post.DISCIPLINE,
    CommitteePost.Post.MEMBER,
    CommitteePost.Post.MEMBER,
    CommitteePost.Post.MEMBER,
]
_serial = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """An aware Beijing time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def meeting_type(code: str) -> MeetingType:
    """A built-in type by code (congress, committee, group, lecture, theme_day, org_life,
    democratic_life, talk), as created by the app's data migration."""
    return MeetingType.objects.get(code=code)


def add_members(
    organization,
    *,
    full: int = 0,
    probationary: int = 0,
    accounts: bool = False,
    party_group=None,
    prefix: str = "",
):
    """`full` 正式党员 then `probationary` 预备党员 held by the organisation (a branch), named
    党员1…/预备1… (with `prefix` in front); with `accounts`, each gets a login."""
    batch = next(_serial)
    members = []
    for category, count, stem in (
        (Category.FULL, full, "党员"),
        (Category.PROBATIONARY, probationary, "预备"),
    ):
        for index in range(1, count + 1):
            member = make_member(
                organization,
                f"{prefix}{stem}{batch}-{index}",
                category=category,
                party_group=party_group,
                joined_on=datetime.date(2010, 7, 1)
                if category == Category.FULL
                else datetime.date(2026, 6, 1),
            )
            if accounts:
                account(member)
            members.append(member)
    return members


def account(member):
    """The login of the member's person (created on first use)."""
    user = get_user_model().objects.filter(person=member.person).first()
    if user is None:
        serial = next(_serial)
        user = make_user(f"m{serial}-{member.person.pk}", member.person.name, person=member.person)
    return user


def add_committee(organization, people, *, posts=None, term_years: int = 3) -> Committee:
    """The organisation's current committee with the people on posts (书记, 组织委员, 宣传委员,
    纪检委员, 委员 … in that order unless `posts` is given)."""
    today = timezone.localdate()
    Committee.objects.filter(organization=organization, is_current=True).update(is_current=False)
    committee = Committee.objects.create(
        organization=organization,
        term_start=today.replace(year=today.year - 1),
        term_end=today.replace(year=today.year - 1 + term_years),
        is_current=True,
    )
    for order, (person, post) in enumerate(zip(people, posts or POSTS, strict=False)):
        CommitteePost.objects.create(
            committee=committee, post=post, person=person, sort_order=order
        )
    return committee


def plan(user, organization, type_code: str = "congress", *, start=None, hours: int = 2, **extra):
    """A planned meeting through `plan_meeting` (tomorrow 09:00 for `hours` hours by default)."""
    from dangjian.meetings.services.planning import plan_meeting

    if start is None:
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        start = at(tomorrow.year, tomorrow.month, tomorrow.day, 9)
    extra.setdefault("topic", f"测试会议{next(_serial)}")
    return plan_meeting(
        user=user,
        organization=organization,
        meeting_type=meeting_type(type_code),
        planned_start=start,
        planned_end=start + datetime.timedelta(hours=hours),
        place=extra.pop("place", "党员活动室"),
        **extra,
    )


def held(user, meeting: Meeting, *, present=(), leave=(), minutes="<p>会议记录正文</p>", **extra):
    """Mark the given members present (or on leave) and record the meeting as held at its
    planned time; everybody else becomes absent. Returns the meeting re-read."""
    from dangjian.meetings.services.attendance import mark_attendance
    from dangjian.meetings.services.records import record_meeting

    rows = {row.person_id: row.pk for row in meeting.attendances.filter(is_visitor=False)}
    marks = {rows[m.person_id]: (Attendance.Status.PRESENT, "") for m in present}
    marks |= {rows[m.person_id]: (Attendance.Status.LEAVE, "出差") for m in leave}
    if marks:
        mark_attendance(meeting, user=user, marks=marks)
    record_meeting(
        meeting,
        user=user,
        actual_start=extra.pop("actual_start", meeting.planned_start),
        actual_end=extra.pop("actual_end", meeting.planned_end),
        minutes=minutes,
        **extra,
    )
    meeting.refresh_from_db()
    return meeting
