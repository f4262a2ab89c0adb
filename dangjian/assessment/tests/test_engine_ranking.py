"""The engine against the database: recompute_card writes the totals and counters of a card,
rank_period ranks within each category (ties 1, 1, 3) and carries the previous period's total
of the same target."""

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.assessment import engine
from dangjian.assessment.models import Category, LeafScore, Scorecard, Template
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.assessment.tests.scr_helpers import more_branches

FULL = {
    "1.1.1": {"occurrences": 0},
    "1.1.2": {"achieved": True},
    "2.1.1": {"level": "好"},
    "2.1.2": {"achieved": True},
    "3.1.1": {"occurrences": 0},
    "4.1.1": {"occurrences": 0},
}


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def score(card, template, **changes):
    """Score every leaf of the card: full marks unless `changes` says ({code: input})."""
    inputs = FULL | {code.replace("_", "."): given for code, given in changes.items()}
    for code, given in inputs.items():
        indicator = leaf(template, code)
        given = dict(given)
        vetoed = given.pop("vetoed", False)
        LeafScore.objects.update_or_create(
            scorecard=card,
            indicator=indicator,
            defaults={
                "status": LeafScore.Status.SCORED,
                "points": engine.leaf_points(indicator, **given),
                "vetoed": vetoed,
            },
        )
    return engine.recompute_card(card)


def test_recompute_card_writes_totals_counters_and_grade(aw):
    period = make_period(aw)
    card = card_of(period, aw.branch1)
    LeafScore.objects.create(
        scorecard=card,
        indicator=leaf(period.template, "1.1.1"),
        status=LeafScore.Status.RETURNED,
        self_points=Decimal("5"),
    )
    engine.recompute_card(card)
    assert (card.self_done_count, card.scored_count, card.returned_count) == (1, 0, 1)
    assert card.total is None and card.grade == ""
    totals = score(
        card, period.template, **{"1_1_1": {"occurrences": 2}, "4_1_1": {"occurrences": 1}}
    )
    card.refresh_from_db()
    # 3 + 2 + 5 + 3 + 3 + 1 = 17
    assert totals.total == card.total == Decimal("17.00") and card.grade == "优秀"
    assert card.deduction_total == Decimal("2.00") and card.bonus_total == Decimal("1.00")
    assert (card.scored_count, card.returned_count) == (6, 0)


def test_veto_on_a_card_with_the_zero_effect(aw):
    template = make_template(aw, name="否决计零")
    Template.objects.filter(pk=template.pk).update(veto_effect=Template.VetoEffect.ZERO)
    template.refresh_from_db()
    period = make_period(aw, template)
    card = card_of(period, aw.branch1)
    score(card, template, **{"2_1_2": {"achieved": False, "vetoed": True}})
    card.refresh_from_db()
    assert card.vetoed and card.total == Decimal("0") and card.grade == "不合格"


def test_rank_period_within_each_category_with_ties_and_previous_totals(aw):
    template = make_template(aw, name="排名")
    extra = more_branches(aw, 3, "排")
    targets = [aw.branch1, aw.branch2, *extra]
    before = make_period(aw, template, targets=targets, month=dt.date(2026, 10, 1))
    for card in before.scorecards.all():
        score(card, template, **{"1_1_1": {"occurrences": 1}})  # 17 for everybody
    Scorecard.objects.filter(period=before, organization=extra[2]).update(total=Decimal("12"))
    period = make_period(aw, template, targets=targets, previous=before)
    support = Category.objects.create(period=period, name="辅助区队", position=1)
    Scorecard.objects.filter(period=period, organization__in=extra[1:]).update(category=support)
    # full marks 18. 生产区队: branch1 19, branch2 19, extra0 17 → 1, 1, 3
    score(card_of(period, aw.branch1), template, **{"4_1_1": {"occurrences": 1}})
    score(card_of(period, aw.branch2), template, **{"4_1_1": {"occurrences": 1}})
    score(card_of(period, extra[0]), template, **{"1_1_1": {"occurrences": 1}})
    # 辅助区队: extra1 13 → 2, extra2 17 → 1
    score(card_of(period, extra[1]), template, **{"2_1_1": {"level": "差"}})
    score(card_of(period, extra[2]), template, **{"1_1_1": {"occurrences": 1}})

    assert engine.rank_period(period) == 5
    ranks = {
        card.organization_id: (card.category.name, card.total, card.rank, card.previous_total)
        for card in Scorecard.objects.filter(period=period).select_related("category")
    }
    assert ranks == {
        aw.branch1.pk: ("生产区队", Decimal("19.00"), 1, Decimal("17.00")),
        aw.branch2.pk: ("生产区队", Decimal("19.00"), 1, Decimal("17.00")),
        extra[0].pk: ("生产区队", Decimal("17.00"), 3, Decimal("17.00")),
        extra[1].pk: ("辅助区队", Decimal("13.00"), 2, Decimal("17.00")),
        extra[2].pk: ("辅助区队", Decimal("17.00"), 1, Decimal("12.00")),
    }


def test_an_unscored_card_has_no_rank_and_no_previous_without_a_previous_period(aw):
    period = make_period(aw, make_template(aw, name="未评"))
    score(card_of(period, aw.branch1), period.template)
    engine.rank_period(period)
    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    assert (one.rank, one.previous_total) == (1, None)
    assert (two.rank, two.total) == (None, None)


def test_bump_adds_with_one_update(aw, django_assert_num_queries):
    period = make_period(aw, make_template(aw, name="计数"))
    with django_assert_num_queries(1):
        engine.bump(type(period), period.pk, scored_count=2, appeal_count=1)
    period.refresh_from_db()
    assert (period.scored_count, period.appeal_count) == (2, 1)
