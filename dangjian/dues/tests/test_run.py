"""The monthly run: who owes the month, idempotence, carried bases, hardship, batching."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.dues.models import (
    BaseCategory,
    BaseSource,
    DuesBase,
    EntryStatus,
    Hardship,
    HardshipKind,
    HardshipStatus,
    LedgerEntry,
)
from dangjian.dues.services import monthly_run, monthly_run_start
from dangjian.dues.tests.conftest import give_base
from dangjian.members.models import Category, Status
from dangjian.members.tests.factories import make_member

MARCH = datetime.date(2026, 3, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0), tick=False):
        yield


def test_it_creates_one_row_per_member_with_the_yearly_amount(world, zhang, li):
    give_base(zhang, 2026, "4000.00")
    give_base(li, 2026, "5000.01", BaseCategory.RETIRED)
    run = monthly_run(actor=world.alice, organization=world.mine, month=MARCH)
    assert run.created_count == 2
    rows = {row.member_id: row for row in LedgerEntry.objects.all()}
    assert rows[zhang.pk].amount_due == Decimal("40.00")
    assert rows[zhang.pk].organization == world.branch1
    assert rows[li.pk].amount_due == Decimal("50.00")
    assert rows[li.pk].rate == Decimal("0.0100")
    assert AuditEntry.objects.filter(action="dues.monthly_run").count() == 1


def test_running_twice_creates_nothing_twice(world, zhang):
    give_base(zhang, 2026)
    monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    again = monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    assert again.created_count == 0
    assert again.existing_count == 1
    assert LedgerEntry.objects.count() == 1


def test_a_day_inside_the_month_means_the_month(world, zhang):
    give_base(zhang, 2026)
    run = monthly_run(actor=world.bob, organization=world.branch1, month=datetime.date(2026, 3, 17))
    assert run.month == MARCH


def test_it_covers_only_the_subtree(world, zhang, li, wang):
    for member in (zhang, li, wang):
        give_base(member, 2026)
    monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    assert list(LedgerEntry.objects.values_list("member_id", flat=True)) == [zhang.pk]


def test_probationary_members_owe_from_the_month_of_their_branch_meeting(world):
    newcomer = make_member(
        world.branch1,
        "赵六",
        category=Category.PROBATIONARY,
        joined_on=datetime.date(2026, 3, 31),
    )
    later = make_member(
        world.branch1, "钱七", category=Category.PROBATIONARY, joined_on=datetime.date(2026, 4, 1)
    )
    give_base(newcomer, 2026)
    give_base(later, 2026)
    monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    assert list(LedgerEntry.objects.values_list("member_id", flat=True)) == [newcomer.pk]


def test_members_transferred_out_pay_up_to_the_month_of_transfer(world):
    gone_in_march = make_member(world.branch1, "孙八", status=Status.TRANSFERRED_OUT)
    gone_in_march.status_changed_on = datetime.date(2026, 3, 5)
    gone_in_march.save()
    gone_earlier = make_member(world.branch1, "周九", status=Status.TRANSFERRED_OUT)
    gone_earlier.status_changed_on = datetime.date(2026, 2, 27)
    gone_earlier.save()
    suspended = make_member(world.branch1, "吴十", status=Status.SUSPENDED)
    for member in (gone_in_march, gone_earlier, suspended):
        give_base(member, 2026)
    monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    assert list(LedgerEntry.objects.values_list("member_id", flat=True)) == [gone_in_march.pk]


def test_a_missing_base_is_carried_forward_from_an_earlier_year(world, zhang, li):
    give_base(zhang, 2024, "12000.00")
    run = monthly_run(actor=world.alice, organization=world.mine, month=MARCH)
    assert run.carried_count == 1
    assert run.missing_base_count == 1  # 李四 has no base at all
    carried = DuesBase.objects.get(member=zhang, year=2026)
    assert carried.source == BaseSource.CARRIED
    assert carried.monthly_amount == Decimal("240.00")
    assert LedgerEntry.objects.get().amount_due == Decimal("240.00")


def test_an_approved_waiver_makes_the_month_waived(world, zhang):
    give_base(zhang, 2026)
    Hardship.objects.create(
        member=zhang,
        organization=world.branch1,
        kind=HardshipKind.WAIVE,
        first_month=datetime.date(2026, 1, 1),
        last_month=datetime.date(2026, 6, 1),
        reason="大病",
        status=HardshipStatus.APPROVED,
    )
    monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    row = LedgerEntry.objects.get()
    assert row.amount_due == 0
    assert row.status == EntryStatus.WAIVED


def test_an_approved_reduction_lowers_the_amount(world, zhang):
    give_base(zhang, 2026)
    Hardship.objects.create(
        member=zhang,
        organization=world.branch1,
        kind=HardshipKind.REDUCE,
        monthly_amount=Decimal("5.00"),
        first_month=MARCH,
        last_month=MARCH,
        reason="家庭困难",
        status=HardshipStatus.APPROVED,
    )
    monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    assert LedgerEntry.objects.get().amount_due == Decimal("5.00")


def test_out_of_scope_is_404(world, zhang):
    with pytest.raises(Http404):
        monthly_run(actor=world.dave, organization=world.branch1, month=MARCH)
    with pytest.raises(Http404):
        monthly_run(actor=world.charlie, organization=world.branch1, month=MARCH)
    assert not LedgerEntry.objects.exists()


def test_months_far_ahead_are_refused(world, zhang):
    with pytest.raises(ServiceError, match="最多提前 3 个月"):
        monthly_run(actor=world.bob, organization=world.branch1, month=datetime.date(2026, 7, 1))


def test_the_number_of_queries_does_not_grow_with_members(world):
    for index in range(3):
        give_base(make_member(world.branch1, f"甲{index}"), 2026)
    monthly_run(actor=world.bob, organization=world.branch1, month=datetime.date(2026, 2, 1))
    with CaptureQueriesContext(connection) as few:
        monthly_run(actor=world.bob, organization=world.branch1, month=MARCH)
    for index in range(30):
        give_base(make_member(world.branch1, f"乙{index}"), 2026)
    with CaptureQueriesContext(connection) as many:
        monthly_run(actor=world.bob, organization=world.branch1, month=datetime.date(2026, 4, 1))
    assert len(many) == len(few)


def set_rule(key, value):
    from dangjian.core.models import RuleVersion
    from dangjian.core.rules import invalidate

    RuleVersion.objects.create(key=key, value=value, valid_from=datetime.date(2000, 1, 1))
    invalidate(key)


def test_a_large_subtree_runs_as_a_task_with_progress(
    world, zhang, django_capture_on_commit_callbacks
):
    from dangjian.core.models import Job

    set_rule("dues.run_task_members", 1)
    give_base(zhang, 2026)
    give_base(make_member(world.branch1, "冯十一"), 2026)
    with django_capture_on_commit_callbacks(execute=True):
        run = monthly_run_start(actor=world.bob, organization=world.branch1, month=MARCH)
    assert run.job is not None
    run.refresh_from_db()
    assert run.created_count == 2
    assert run.finished_at is not None
    assert Job.objects.get(pk=run.job_id).status == Job.Status.DONE


def test_a_small_subtree_runs_at_once(world, zhang):
    give_base(zhang, 2026)
    run = monthly_run_start(actor=world.bob, organization=world.branch1, month=MARCH)
    assert run.job is None
    assert run.created_count == 1
