"""换届 reminders: 6 and 3 months before the current term ends and once overdue, exactly on the
day boundary, once each, to the right people, never for a past committee, in bulk."""

import itertools
from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.appraisals.tests.helpers import member_with_account
from dangjian.core.testing.world import grant, make_user
from dangjian.meetings import sweeps_terms
from dangjian.meetings.sweeps_terms import send_term_reminders, term_reminders
from dangjian.notifications.models import Notification
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType

pytestmark = pytest.mark.django_db

END = date(2027, 5, 24)  # 6 months after 2026-11-24, 3 months after 2027-02-24


def committee_for(organization, term_end=END, *, current=True, start=date(2024, 5, 24)):
    return Committee.objects.create(
        organization=organization, term_start=start, term_end=term_end, is_current=current
    )


def notices(stage=None):
    rows = Notification.objects.filter(category="terms")
    if stage:
        rows = rows.filter(dedupe_key__endswith=f":{stage}")
    return rows


def recipients(stage):
    return set(notices(stage).values_list("recipient__username", flat=True))


@pytest.fixture
def term(world):
    member, _user = member_with_account(world.branch1, "王书记", "wang")
    committee = committee_for(world.branch1)
    CommitteePost.objects.create(committee=committee, post="secretary", person=member.person)
    return committee


def test_notice_exactly_six_months_before_and_not_a_day_earlier(world, term):
    assert term_reminders(today=date(2026, 11, 23)) == 0
    assert not notices().exists()
    assert term_reminders(today=date(2026, 11, 24)) == 3
    assert recipients("notice") == {"wang", "bob", "alice"}
    title = notices("notice").first().title
    assert "综采一队党支部" in title and "2027年05月24日" in title and "6 个月" in title


def test_urgent_exactly_three_months_before_then_overdue_after_the_end(world, term):
    term_reminders(today=date(2026, 11, 24))
    assert term_reminders(today=date(2027, 2, 23)) == 0  # still the notice stage, already sent
    assert term_reminders(today=date(2027, 2, 24)) == 3
    assert recipients("urgent") == {"wang", "bob", "alice"}
    assert term_reminders(today=END) == 0  # the last day of the term is not overdue
    assert term_reminders(today=date(2027, 5, 25)) == 3
    overdue = notices("overdue").first()
    assert "逾期 1 天" in overdue.title and overdue.url == "/meetings/terms/"


def test_each_stage_is_sent_once_however_often_the_sweep_runs(world, term):
    for day in (date(2026, 11, 24), date(2026, 11, 25), date(2026, 12, 30)):
        term_reminders(today=day)
    assert notices("notice").count() == 3
    term_reminders(today=date(2027, 3, 1))
    term_reminders(today=date(2027, 3, 1))
    assert notices("urgent").count() == 3
    assert notices().count() == 6


def test_a_term_first_seen_inside_three_months_gets_only_the_urgent_notice(world, term):
    term_reminders(today=date(2027, 4, 1))
    assert notices("urgent").count() == 3
    assert not notices("notice").exists()


def test_no_reminder_for_a_past_committee_or_a_dissolved_organisation(world):
    committee_for(world.branch2, current=False)
    committee_for(world.branch3)
    Organization.objects.filter(pk=world.branch3.pk).update(is_active=False)
    assert term_reminders(today=date(2027, 6, 1)) == 0
    assert not notices().exists()


def test_upper_recipients_are_the_nearest_ancestor_with_term_permissions(world):
    """branch3 lies under 二矿党委 (Dave), not Alice's 一矿; a 党委 reports to the group."""
    committee_for(world.branch3)
    committee_for(world.mine)
    carol = make_user("carol", "卡罗")
    grant(carol, "org_department", world.group)
    term_reminders(today=date(2026, 12, 1))
    by_org = {}
    for row in notices().select_related("recipient"):
        by_org.setdefault(row.title.split("班子")[0], set()).add(row.recipient.username)
    assert by_org["通风区党支部"] == {"dave"}
    assert by_org["一矿党委"] == {"alice", "carol"}  # own 组织部 + the group's


def test_the_scheduled_sweep_uses_the_local_day(world, term):
    moment = timezone.make_aware(datetime.combine(date(2026, 11, 24), time(7, 40)))
    with time_machine.travel(moment, tick=False):
        send_term_reminders(now=timezone.now())
    assert notices("notice").count() == 3


def test_rule_change_moves_the_boundary(world, term):
    from dangjian.core.models import RuleVersion

    RuleVersion.objects.create(key="orgs.term_notice_months", value=8, valid_from=date(2026, 1, 1))
    assert sweeps_terms.stage_of(END, date(2026, 9, 24)) == "notice"
    assert sweeps_terms.stage_of(END, date(2026, 9, 23)) is None


_serial = itertools.count(1)


def _branches(world, count):
    rows = []
    for _ in range(count):
        index = next(_serial)
        parent = Organization.objects.get(pk=world.mine.pk)
        branch = Organization.objects.add_child(
            parent, {"org_type": OrgType.BRANCH, "name": f"测试支部{index}", "code": f"T-{index}"}
        )
        rows.append(committee_for(branch))
    return rows


def _queries(today):
    with CaptureQueriesContext(connection) as captured:
        term_reminders(today=today)
    return len(captured)


def test_a_run_with_nothing_new_costs_the_same_for_3_and_9_committees(world):
    _branches(world, 3)
    term_reminders(today=date(2026, 12, 1))
    few = _queries(date(2026, 12, 2))
    _branches(world, 6)
    term_reminders(today=date(2026, 12, 2))
    many = _queries(date(2026, 12, 3))
    assert few == many <= 3


def test_recipients_are_found_with_a_fixed_number_of_queries(world):
    small = _branches(world, 2)
    with CaptureQueriesContext(connection) as captured:
        sweeps_terms.recipients_for(small)
    large = small + _branches(world, 6)
    for row in large:
        row.organization  # noqa: B018 - loaded like the sweep does (select_related)
    with CaptureQueriesContext(connection) as captured_large:
        sweeps_terms.recipients_for(large)
    assert len(captured) == len(captured_large)
