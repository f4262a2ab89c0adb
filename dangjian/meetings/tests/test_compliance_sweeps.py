"""The daily compliance reminders: who is told, when, once, and the constant query count."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.testing.world import make_user
from dangjian.meetings.sweeps import (
    closed_periods,
    closing_periods,
    compliance_reminders_send,
    send_compliance_reminders,
)
from dangjian.meetings.tests.compliance_helpers import branches, committee, meetings
from dangjian.members.tests.factories import make_member
from dangjian.notifications.models import Notification
from dangjian.orgs.models import CommitteePost

D = datetime.date


def secretary_of(organization, username="sec"):
    member = make_member(organization, "书记甲")
    user = make_user(username, "书记甲", person=member.person)
    board = committee(organization)
    CommitteePost.objects.create(
        committee=board, post=CommitteePost.Post.SECRETARY, person=member.person
    )
    return user


def titles(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# ---------------------------------------------------------------------------- timing


def test_closing_periods_within_the_lead_days():
    labels = [p.label for p in closing_periods(D(2026, 12, 22), 10)]
    assert labels == ["2026年12月", "2026年第4季度", "2026年下半年", "2026年度"]
    assert [p.label for p in closing_periods(D(2026, 11, 21), 10)] == ["2026年11月"]
    assert closing_periods(D(2026, 11, 20), 10) == []  # 11 days left (20th … 30th)
    assert [p.label for p in closing_periods(D(2026, 9, 30), 10)][:2] == [
        "2026年9月",
        "2026年第3季度",
    ]


def test_closed_periods_after_a_quarter_ends():
    assert [p.label for p in closed_periods(D(2026, 10, 1), 10)] == ["2026年第3季度"]
    assert [p.label for p in closed_periods(D(2027, 1, 5), 10)] == [
        "2026年第4季度",
        "2026年下半年",
        "2026年度",
    ]
    assert closed_periods(D(2026, 10, 12), 10) == []
    assert closed_periods(D(2026, 11, 3), 10) == []  # a month end alone: no upper notice


# ---------------------------------------------------------------------------- before closing


def test_the_secretary_is_reminded_of_unmet_requirements_once(world):
    user = secretary_of(world.branch1)
    meetings(world.branch1, "congress", D(2026, 12, 1))
    compliance_reminders_send(today=D(2026, 12, 25))
    sent = titles(user)
    assert any("2026年第4季度“党课每季度至少1次”尚未落实，12月31日截止" in t for t in sent)
    assert not any("支部党员大会" in t for t in sent)  # met in December
    assert any("支部委员会会议每月召开1次" in t for t in sent)  # it has a committee now
    count = Notification.objects.count()
    compliance_reminders_send(today=D(2026, 12, 25))
    compliance_reminders_send(today=D(2026, 12, 26))
    assert Notification.objects.count() == count
    note = Notification.objects.filter(recipient=user).first()
    assert note.category == "meetings"
    assert note.url.startswith("/meetings/compliance/missing/?year=2026")


def test_no_reminder_before_the_window(world):
    secretary_of(world.branch1)
    assert compliance_reminders_send(today=D(2026, 11, 10))["before"] == 0
    assert not Notification.objects.exists()


def test_without_a_committee_the_meeting_managers_are_told(world):
    compliance_reminders_send(today=D(2026, 11, 25))
    # bob (支部书记 role on branch1) for branch1 and for its 党小组; nobody holds a role on branch2.
    assert any("主题党日" in t for t in titles(world.bob))
    assert any("党小组会" in t for t in titles(world.bob))
    assert titles(world.alice) == []


def test_a_met_requirement_is_not_reminded(world):
    meetings(world.branch1, "theme_day", D(2026, 11, 3))
    meetings(world.group1, "group", D(2026, 11, 3))
    compliance_reminders_send(today=D(2026, 11, 25))
    assert titles(world.bob) == []


def test_inactive_secretaries_are_skipped(world):
    user = secretary_of(world.branch1)
    user.is_active = False
    user.save()
    compliance_reminders_send(today=D(2026, 11, 25))
    assert titles(user) == []


# ---------------------------------------------------------------------------- after closing


def test_the_upper_organisation_hears_once_after_a_quarter_closed_unmet(world):
    result = compliance_reminders_send(today=D(2026, 10, 2))
    assert result["after"] >= 1
    notes = titles(world.alice)
    assert notes == ["组织生活落实情况：2026年第3季度已结束，所属党组织有要求未落实"]
    compliance_reminders_send(today=D(2026, 10, 3))
    assert len(titles(world.alice)) == 1
    assert titles(world.dave) == titles(world.alice)  # his mine's branch3 was unmet too


def test_no_upper_notice_when_everything_was_met(world):
    for branch in (world.branch1, world.branch2, world.branch3):
        meetings(branch, "congress", D(2026, 8, 1))
        meetings(branch, "lecture", D(2026, 8, 1))
        for month in (7, 8, 9):
            meetings(branch, "theme_day", D(2026, month, 3))
    for month in (7, 8, 9):
        meetings(world.group1, "group", D(2026, month, 3))
    compliance_reminders_send(today=D(2026, 10, 2))
    assert titles(world.alice) == [] and titles(world.dave) == []


# ---------------------------------------------------------------------------- bulk


def test_query_count_does_not_grow_with_the_organisations(world):
    def count():
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            compliance_reminders_send(today=D(2026, 12, 25))
        return len(queries)

    # The same kinds of requirement in both runs (a committee's 支委会 too): the notices are one
    # call per requirement × period, whatever the number of organisations.
    secretary_of(branches(world.mine, 3)[0], "sec-first")
    count()
    few = count()
    for index, branch in enumerate(branches(world.mine, 12)):
        secretary_of(branch, f"sec{index}")
    assert count() == few


def test_the_scheduled_entry_point(world):
    now = datetime.datetime(2026, 12, 24, 23, 30, tzinfo=datetime.UTC)  # 07:30 on the 25th
    send_compliance_reminders(now=now)
    assert any("2026年第4季度" in t for t in titles(world.bob))
