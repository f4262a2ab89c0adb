"""The 考核 of the demo data (core/seed/assessment.py): six monthly periods of the mine over all
its branches on the standard sheet — four 已定档 with appeals, one 公示中 with its window open,
one 自查评分中 with the demo secretary's branch holding a returned leaf — totals, ranks and
counters equal to a recount, computed live-data scores on the open period. The mine is seeded
once for the module (the lifecycle and portal parts, tested elsewhere, are left out)."""

from __future__ import annotations

from collections import defaultdict
from contextlib import ExitStack
from datetime import date, datetime, time
from unittest.mock import patch

import pytest
from django.db import transaction
from django.db.models import Count, Q

from dangjian.accounts.models import User
from dangjian.assessment import engine
from dangjian.assessment.models import Appeal, LeafScore, Period, Scorecard, Template
from dangjian.assessment.selectors_queue import queue_summary
from dangjian.core.seed import seed_database
from dangjian.core.seed.assessment import ZONE
from dangjian.core.seed.plan import MineShape
from dangjian.orgs.models import BRANCH_TYPES, Organization

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    shape = MineShape(members=480, members_per_branch=12, group_size=6)
    skipped = ("plan_lifecycle", "write_lifecycle", "write_portal")
    with ExitStack() as stack:
        for name in skipped:
            stack.enter_context(patch(f"dangjian.core.seed.{name}", lambda *a, **k: None))
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(transaction.atomic())
        yield seed_database(scale="mine", seed=1, today=TODAY, shape=shape)
        transaction.set_rollback(True)


@pytest.fixture
def data(seeded, db):
    return seeded


def _periods():
    return list(Period.objects.order_by("starts_on"))


def _demo_branch():
    shuji = User.objects.get(username="shuji")
    return Organization.objects.get(pk=shuji.role_assignments.get().organization_id)


def test_six_months_final_then_published_then_open_on_two_years_sheets(data):
    periods = _periods()
    assert [p.status for p in periods] == ["final"] * 4 + ["published", "open"]
    assert [(p.starts_on.year, p.starts_on.month) for p in periods] == [
        (2025, 12), (2026, 1), (2026, 2), (2026, 3), (2026, 4), (2026, 5),
    ]  # fmt: skip
    assert periods[0].template.year == 2025 and periods[-1].template.year == 2026
    assert all(p.template.used_at for p in periods)
    assert [p.previous_id for p in periods[1:]] == [p.pk for p in periods[:-1]]
    branches = Organization.objects.filter(org_type__in=BRANCH_TYPES, is_active=True).count()
    for period in periods:
        assert period.target_count == branches == period.scorecards.count()
        assert set(period.scorecards.values_list("category__name", flat=True)) <= {
            "生产区队",
            "辅助区队",
            "机关科室",
        }
    # The member sheet is installed for both years too.
    assert Template.objects.filter(target_kind="member").count() == 2


def test_scored_periods_totals_ranks_and_counters_equal_a_recount(data):
    for period in _periods()[:5]:
        template = period.template
        leaves = engine.template_leaves(template)
        by_card = defaultdict(dict)
        for leaf in LeafScore.objects.filter(scorecard__period=period):
            by_card[leaf.scorecard_id][leaf.indicator_id] = leaf
        cards = list(period.scorecards.all())
        for card in cards:
            totals = engine.card_totals(template, [(i, by_card[card.pk].get(i.pk)) for i in leaves])
            assert card.total == totals.total is not None
            assert card.grade == totals.grade and card.status == Scorecard.Status.SCORED
            assert card.scored_count == len(leaves) == card.leaf_count
            deducted = [
                x for x in by_card[card.pk].values() if engine.is_deduction(x.indicator, x.points)
            ]
            assert all(x.reason for x in deducted)
        for card in cards:  # competition ranking within the category
            higher = sum(
                1
                for other in cards
                if other.category_id == card.category_id and other.total > card.total
            )
            assert card.rank == higher + 1
        assert period.submitted_count == period.scored_count == len(cards)


def test_final_periods_have_one_upheld_and_one_rejected_appeal(data):
    for period in _periods()[:4]:
        appeals = list(Appeal.objects.filter(scorecard__period=period).select_related("leaf"))
        assert sorted(a.status for a in appeals) == ["rejected", "upheld"]
        upheld = next(a for a in appeals if a.status == "upheld")
        assert upheld.leaf.changed_by_appeal and upheld.points_after > upheld.points_before
        assert upheld.leaf.points == upheld.points_after and upheld.decided_by and upheld.decision
        assert period.appeal_count == 2 and period.finalized_at > period.appeal_until


def test_the_published_period_is_open_for_appeals_and_the_demo_branch_has_a_deduction(data):
    period = _periods()[4]
    assert period.appeal_until > datetime.combine(TODAY, time(9), ZONE)
    assert period.published_at < datetime.combine(TODAY, time(9), ZONE)
    pending = Appeal.objects.filter(scorecard__period=period)
    assert [a.status for a in pending] == ["pending"] and period.appeal_open_count == 1
    card = period.scorecards.get(organization=_demo_branch())
    assert card.leaves.filter(reason__gt="", points__isnull=False).exists()
    assert not pending.filter(scorecard=card).exists()


def test_the_open_period_self_check_progress_and_the_demo_branch_s_returned_leaf(data):
    period = _periods()[5]
    cards = period.scorecards.all()
    submitted = cards.exclude(status=Scorecard.Status.SELF_CHECK)
    assert period.submitted_count == submitted.count()
    assert 0.6 * cards.count() <= submitted.count() < cards.count()
    card = cards.get(organization=_demo_branch())
    returned = card.leaves.get(status=LeafScore.Status.RETURNED)
    assert card.status == Scorecard.Status.SUBMITTED and card.returned_count == 1
    assert returned.return_message and returned.indicator.scorer_role.code == "propaganda_head"
    assert card.total is None and card.self_total is not None


def test_the_open_period_carries_computed_scores_with_their_explanations(data):
    period = _periods()[5]
    sourced = period.template.indicators.filter(level=3).exclude(source="")
    assert {i.source for i in sourced} >= {"meetings.sanhui_yike", "documents.sign_timeliness"}
    rows = LeafScore.objects.filter(scorecard__period=period, indicator__in=sourced)
    assert rows.count() == sourced.count() * period.target_count
    assert not rows.filter(Q(computed_points__isnull=True) | Q(computed_lines=[])).exists()
    meetings = rows.filter(indicator__source="meetings.sanhui_yike")
    assert any("2026" in line for row in meetings for line in row.computed_lines)


def test_the_departments_have_work_waiting_in_their_queues(data):
    xcbz = User.objects.get(username="xcbz")
    rows = queue_summary(xcbz, now=datetime.combine(TODAY, time(9), ZONE))
    assert rows and all(row.indicator.scorer_role.code == "propaganda_head" for row in rows)
    assert sum(row.pending for row in rows) > 0 and sum(row.scored for row in rows) > 0
    counts = Scorecard.objects.filter(period=_periods()[5]).aggregate(n=Count("pk"))
    assert all(row.targets == counts["n"] for row in rows)
