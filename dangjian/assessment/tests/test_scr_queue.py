"""The assessor's queue: counts per (period, leaf) from aggregate queries — pending, returned,
scored, waiting — by department, with filters, and a query count that does not grow."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.assessment import selectors_queue as sq
from dangjian.assessment.models import Category, LeafScore, Period, Scorecard
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.assessment.tests.scr_helpers import more_branches, submit

TZ = timezone.get_current_timezone()
NOW = dt.datetime(2026, 11, 25, 10, tzinfo=TZ)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def rows_by_code(rows):
    return {
        row.indicator.code: (row.targets, row.pending, row.returned, row.scored, row.waiting)
        for row in rows
    }


def test_each_department_sees_its_own_leaves(aw):
    period = make_period(aw)
    summary = {
        who: sorted(row.indicator.code for row in sq.queue_summary(getattr(aw, who), now=NOW))
        for who in ("alice", "pete", "oscar", "dave", "bob", "lee")
    }
    assert summary == {
        "alice": ["1.1.1", "1.1.2", "4.1.1"],  # 组织部 leaves and the role-less bonus
        "pete": ["2.1.1", "2.1.2"],
        "oscar": ["3.1.1"],
        "dave": [],  # 组织部 of mine 2: no card of this period in his subtree
        "bob": [],
        "lee": [],
    }
    assert list(sq.queue_periods(aw.pete)) == [period]
    assert not sq.queue_periods(aw.dave).exists() and not sq.queue_periods(aw.bob).exists()


def test_counts_pending_returned_scored_and_waiting(aw):
    extra = more_branches(aw, 2, "计")
    period = make_period(aw, targets=[aw.branch1, aw.branch2, *extra])
    one, two, three, four = (card_of(period, org) for org in (aw.branch1, aw.branch2, *extra))
    submit(one, two, three)  # four has not submitted, before the deadline
    graded, veto = leaf(period.template, "2.1.1"), leaf(period.template, "2.1.2")
    LeafScore.objects.create(scorecard=one, indicator=graded, status="scored", points=5)
    LeafScore.objects.create(
        scorecard=two, indicator=graded, status="returned", return_message="补"
    )
    LeafScore.objects.create(scorecard=three, indicator=graded, status="self_done", self_points=5)
    LeafScore.objects.create(scorecard=one, indicator=veto, status="self_done", self_points=3)
    rows = sq.queue_summary(aw.pete, now=NOW)
    # (targets, pending, returned, scored, waiting)
    assert rows_by_code(rows) == {"2.1.1": (4, 1, 1, 1, 1), "2.1.2": (4, 3, 0, 0, 1)}
    assert sq.queue_totals(rows) == {"pending": 4, "returned": 1, "scored": 1, "waiting": 2}
    # after the self-check deadline every card is ready
    later = period.self_check_until + dt.timedelta(hours=1)
    assert rows_by_code(sq.queue_summary(aw.pete, now=later))["2.1.1"] == (4, 2, 1, 1, 0)

    # the cards behind each count
    def names(status):
        with time_machine.travel(NOW, tick=False):
            cards = sq.queue_cards(aw.pete, period, graded, status)
            return [card.pk for card in cards]

    assert names("pending") == [three.pk]
    assert names("returned") == [two.pk]
    assert names("scored") == [one.pk]
    assert names("waiting") == [four.pk]
    assert sorted(names("")) == sorted([one.pk, two.pk, three.pk, four.pk])
    # nothing for a leaf the user does not score
    assert not sq.queue_cards(aw.pete, period, leaf(period.template, "1.1.1")).exists()


def test_filters_category_name_and_status(aw):
    extra = more_branches(aw, 1, "滤")
    period = make_period(aw, targets=[aw.branch1, aw.branch2, *extra])
    support = Category.objects.create(period=period, name="辅助区队", position=1)
    Scorecard.objects.filter(period=period, organization=extra[0]).update(category=support)
    submit(*period.scorecards.all())
    graded = leaf(period.template, "2.1.1")
    LeafScore.objects.create(
        scorecard=card_of(period, aw.branch1), indicator=graded, status="scored", points=5
    )
    by_category = sq.queue_summary(aw.pete, category="辅助区队", now=NOW)
    assert rows_by_code(by_category)["2.1.1"] == (1, 1, 0, 0, 0)
    by_name = sq.queue_summary(aw.pete, q="综采", now=NOW)
    assert rows_by_code(by_name)["2.1.1"] == (1, 0, 0, 1, 0)
    scored_only = sq.queue_summary(aw.pete, status="scored", now=NOW)
    assert [row.indicator.code for row in scored_only] == ["2.1.1"]
    assert [c.organization_id for c in sq.queue_cards(aw.pete, period, graded, q="滤")] == [
        extra[0].pk
    ]


def test_locked_periods_leave_the_queue_but_open_by_id(aw):
    period = make_period(aw)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.LOCKED)
    assert sq.queue_summary(aw.pete, now=NOW) == []
    assert list(sq.queue_periods(aw.pete, period_id=period.pk)) == [period]


def _summary_queries(aw, count, prefix):
    template = make_template(aw, name=f"{prefix}队列")
    period = make_period(aw, template, targets=more_branches(aw, count, prefix), name=prefix)
    cards = list(period.scorecards.all())
    submit(*cards)
    for card in cards[::2]:
        LeafScore.objects.create(
            scorecard=card, indicator=leaf(template, "2.1.1"), status="scored", points=Decimal(5)
        )
    with CaptureQueriesContext(connection) as queries:
        rows = sq.queue_summary(aw.pete, sq.queue_periods(aw.pete, period_id=period.pk), now=NOW)
    assert rows_by_code(rows)["2.1.1"] == (count, count // 2, 0, count // 2, 0)
    return len(queries)


def test_queue_query_count_does_not_grow_with_cards(aw):
    aw.pete.refresh_from_db()
    small = _summary_queries(aw, 2, "小")
    large = _summary_queries(aw, 20, "大")
    assert small == large <= 5
