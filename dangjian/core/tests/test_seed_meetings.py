"""The 组织生活 part of the demo data: a realistic year of meetings whose counters, quorum and
学时 credits are what the services would have written, with gaps for the heat-map, 补录,
reviewed and returned records, upcoming meetings for the demo accounts, a guide and an election."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import Count, F, Q

from dangjian.accounts.models import User
from dangjian.core.rules import rule_value
from dangjian.core.seed import seed_database
from dangjian.core.seed.meetings import write_meetings
from dangjian.meetings.models import (
    Attendance,
    Candidate,
    ClassHourCredit,
    Election,
    Guide,
    Meeting,
    MeetingFile,
)
from dangjian.meetings.services.credits import sync_credits
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

from .test_seed import TINY_GROUP, TODAY, empty_the_database, skipping

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def mine(django_db_setup, django_db_blocker):
    parts = skipping("write_portal", "write_documents", "write_assessment")
    with django_db_blocker.unblock(), transaction.atomic(), parts:
        yield seed_database(scale="mine", seed=1, today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def data(mine, db):
    return mine


def demo_branch():
    return User.objects.get(username="shuji").person.membership.organization


def test_every_branch_holds_a_year_of_meetings_up_to_today(data):
    branches = Organization.objects.filter(org_type__in=BRANCH_TYPES, is_active=True)
    held = Meeting.objects.exclude(status=Meeting.Status.NOTIFIED)
    per_branch = dict(held.order_by().values_list("organization").annotate(n=Count("pk")))
    assert all(per_branch.get(pk, 0) >= 6 for pk in branches.values_list("pk", flat=True))
    assert not held.filter(held_on__gte=TODAY).exists()
    assert not held.filter(held_on__lt=date(TODAY.year - 1, 12, 1)).exists()
    categories = set(held.values_list("category", flat=True))
    expected = {"congress", "committee", "group", "lecture", "theme_day", "org_life", "talk"}
    assert categories == expected
    groups = Meeting.objects.filter(organization__org_type=OrgType.GROUP)
    assert set(groups.values_list("category", flat=True)) == {"group"}
    assert (
        not held.filter(category="org_life", held_on__year=TODAY.year - 1)
        .exclude(held_on__month=12)
        .exists()
    )


def test_counters_and_quorum_match_the_attendance_rows(data):
    tallies = Counter()
    for meeting_id, status in Attendance.objects.values_list("meeting_id", "status"):
        tallies[(meeting_id, status)] += 1
    for meeting in Meeting.objects.exclude(status=Meeting.Status.NOTIFIED):
        present = tallies[(meeting.pk, "present")]
        leave = tallies[(meeting.pk, "leave")]
        absent = tallies[(meeting.pk, "absent")]
        assert (meeting.present_count, meeting.leave_count, meeting.absent_count) == (
            present,
            leave,
            absent,
        )
        assert meeting.expected_count == present + leave + absent
        if meeting.category == "congress":
            assert meeting.has_quorum == (meeting.quorum_present * 2 > meeting.quorum_expected)
    assert not Attendance.objects.filter(status="leave", leave_reason="").exists()
    reasons = set(Attendance.objects.filter(status="leave").values_list("leave_reason", flat=True))
    assert {"下井", "轮休", "病假", "外出培训"} <= reasons


def test_the_host_and_the_recorder_attended(data):
    held = Attendance.objects.exclude(meeting__status=Meeting.Status.NOTIFIED)
    chairs = held.filter(Q(person=F("meeting__host")) | Q(person=F("meeting__recorder")))
    assert chairs.exists()
    assert not chairs.exclude(status="present").exists()


def test_credits_are_what_sync_credits_writes(data):
    sample = list(
        Meeting.objects.filter(status__in=["held", "reviewed", "returned"])
        .select_related("meeting_type")
        .order_by("pk")[::40]
    )
    assert sample
    for meeting in sample:
        before = set(meeting.credits.values_list("person_id", "organization_id", "hours", "year"))
        sync_credits(meeting)
        after = set(meeting.credits.values_list("person_id", "organization_id", "hours", "year"))
        assert before == after, meeting
    assert not ClassHourCredit.objects.filter(meeting__category="talk").exists()  # 0 学时


def test_late_entries_follow_the_late_entry_rule(data):
    days = int(rule_value("meetings.late_entry_days"))
    late = Meeting.objects.filter(is_late_entry=True)
    assert late.count() >= 5
    for meeting in Meeting.objects.exclude(status=Meeting.Status.NOTIFIED):
        gap = (meeting.recorded_at.date() - meeting.held_on).days
        assert meeting.is_late_entry == (gap > days), meeting


def test_the_heat_map_has_red_and_amber(data):
    from dangjian.meetings.compliance import evaluate

    mine = Organization.objects.get(depth=1)
    statuses = Counter(
        cell.status for row in evaluate(mine, TODAY.year, on=TODAY) for cell in row.cells
    )
    assert statuses["red"] and statuses["amber"] and statuses["green"]
    assert statuses["green"] > statuses["red"]


def test_review_states_and_the_returned_record(data):
    states = Counter(Meeting.objects.values_list("status", flat=True))
    assert states["reviewed"] > states["held"] > 0
    returned = Meeting.objects.get(status=Meeting.Status.RETURNED)
    assert returned.organization == demo_branch()
    assert returned.returned_reason and returned.returned_by.username == "zuzhibu"
    assert not Meeting.objects.filter(status="reviewed", reviewed_at__isnull=True).exists()


def test_the_demo_accounts_have_two_upcoming_notified_meetings(data):
    branch = demo_branch()
    upcoming = Meeting.objects.filter(status=Meeting.Status.NOTIFIED)
    assert upcoming.count() == 2
    for username in ("shuji", "dangyuan"):
        person = User.objects.get(username=username).person
        assert upcoming.filter(attendances__person=person, organization=branch).count() == 2
    for meeting in upcoming:
        assert len(meeting.signin_code) == 6 and meeting.signin_token
        assert meeting.signin_opens_at < meeting.planned_start < meeting.signin_closes_at
        assert meeting.planned_start.date() >= TODAY
        assert not meeting.attendances.exclude(status="pending").exists()


def test_this_months_guide_and_an_election_record(data):
    guide = Guide.objects.get()
    assert guide.status == Guide.Status.PUBLISHED
    assert guide.month == TODAY.replace(day=1)
    mine = User.objects.get(username="zuzhibu").role_assignments.get().organization
    assert guide.organization == mine
    assert guide.topics.count() == 4
    election = Election.objects.get()
    assert election.status == Election.Status.CONFIRMED
    assert election.committee.organization == election.organization == demo_branch()
    candidates = Candidate.objects.filter(election=election)
    assert candidates.filter(is_elected=True).count() == election.seats
    assert candidates.count() > election.seats  # 差额
    assert election.present_count * 5 >= election.entitled_count * 4


def test_the_demo_branch_has_photos_for_the_ledger(data):
    photos = MeetingFile.objects.filter(kind="photo", meeting__organization=demo_branch())
    assert photos.count() == 24
    assert photos.first().file.read(3) == b"\xff\xd8\xff"  # JPEG


# --- group scale -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
def test_group_scale_writes_counters_everywhere_and_rows_only_in_the_measured_mine(data):
    empty_the_database()
    seed_database(scale="group", seed=2, today=TODAY, shape=TINY_GROUP)
    measured = (
        Organization.objects.filter(org_type=OrgType.COMMITTEE, depth__gt=1)
        .order_by("-numchild", "path")
        .first()
    )
    meetings = Meeting.objects.exclude(status=Meeting.Status.NOTIFIED)
    assert meetings.count() > 100
    assert not meetings.filter(expected_count=0).exclude(category="talk").exists()
    outside = ~Q(meeting__organization__path__startswith=measured.path)
    assert Attendance.objects.exists() and not Attendance.objects.filter(outside).exists()
    assert not ClassHourCredit.objects.exclude(
        organization__path__startswith=measured.path
    ).exists()
    first = sorted(meetings.values_list("organization__code", "held_on", "topic", "present_count"))
    empty_the_database()
    seed_database(scale="group", seed=2, today=TODAY, shape=TINY_GROUP)
    again = Meeting.objects.exclude(status=Meeting.Status.NOTIFIED)
    assert sorted(again.values_list("organization__code", "held_on", "topic", "present_count")) == (
        first
    )


def test_write_meetings_reports_what_it_wrote(data):
    import random

    messages = []
    Election.objects.all().delete()
    Guide.objects.all().delete()
    Meeting.objects.all().delete()

    summary = write_meetings(
        scale="mine",
        rng=random.Random(3),
        today=TODAY + timedelta(days=1),
        progress=messages.append,
    )
    assert summary.meetings == Meeting.objects.count()
    assert summary.attendances == Attendance.objects.count()
    assert "组织生活" in messages[0]
