"""Results selectors: rankings within categories with ties, change against the previous
period, the indicators losing the most points, a target's trend and the annual result (both
methods) against hand-computed numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dangjian.assessment import selectors_results as results
from dangjian.assessment.models import Period, Template
from dangjian.assessment.testing import card_of, make_period, make_template
from dangjian.assessment.tests.res_helpers import (
    add_category,
    extra_branches,
    month,
    score,
    scored_period,
    settle,
)

D = Decimal


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def test_ranking_within_categories_with_ties_and_change_against_the_previous_period(aw):
    x1, x2 = extra_branches(aw, 2)
    template = make_template(aw)
    october = scored_period(
        aw, template, month(10), {aw.branch1: {"1.1.1": "4"}, aw.branch2: {}, x1: {}, x2: {}}
    )
    period = make_period(
        aw, template, targets=[aw.branch1, aw.branch2, x1, x2], month=month(11), previous=october
    )
    add_category(period, "辅助区队", [x2])
    score(card_of(period, aw.branch1), {})  # 18
    score(card_of(period, aw.branch2), {"1.1.1": "3"})  # 16
    score(card_of(period, x1), {"1.1.1": "3"})  # 16
    score(card_of(period, x2), {"2.1.1": "3"})  # 16, alone in its category
    settle(period)

    rows = [
        (c.category.name, c.target_name, c.total, c.rank, results.change_of(c))
        for c in results.period_ranking(aw.alice, period)
    ]

    assert rows == [
        ("生产区队", "综采一队党支部", D("18"), 1, D("1")),  # 17 in October
        ("生产区队", "掘进二队党支部", D("16"), 2, D("-2")),
        ("生产区队", "测试01队党支部", D("16"), 2, D("-2")),  # tie: equal rank
        ("辅助区队", "测试02队党支部", D("16"), 1, D("-2")),
    ]
    auxiliary = period.categories.get(name="辅助区队")
    assert [c.target_name for c in results.period_ranking(aw.alice, period, auxiliary)] == [
        "测试02队党支部"
    ]
    summary = results.period_summary(aw.alice, period)
    assert summary.cards == 4 and summary.scored == 4
    assert dict(summary.grades) == {"优秀": 4, "良好": 0, "合格": 0, "不合格": 0}
    production = summary.categories[0]
    assert (production["name"], production["cards"], production["average"]) == (
        "生产区队",
        3,
        D("16.67"),
    )
    assert (production["high"], production["low"]) == (D("18"), D("16"))
    top = results.top_per_category(aw.alice, period, 1)
    assert [c.target_name for c in top[period.categories.get(name="生产区队").pk]] == [
        "综采一队党支部"
    ]


def test_unranked_cards_come_last_and_have_no_change(aw):
    period = make_period(aw)
    score(card_of(period, aw.branch2), {"1.1.2": "0"})
    rows = list(results.period_ranking(aw.alice, period))
    assert [(c.target_name, c.rank) for c in rows] == [
        ("掘进二队党支部", None),
        ("综采一队党支部", None),
    ]
    assert results.change_of(rows[0]) is None


def test_indicator_losses_over_a_period_and_a_year(aw):
    template = make_template(aw)
    october = scored_period(
        aw,
        template,
        month(10),
        {aw.branch1: {"1.1.1": "3", "3.1.1": "2.5"}, aw.branch2: {"1.1.1": "4", "2.1.1": "3"}},
    )
    november = scored_period(
        aw, template, month(11), {aw.branch1: {"1.1.1": "4", "2.1.1": "1"}, aw.branch2: {}}
    )

    losses = [(x.code, x.deduction, x.targets) for x in results.indicator_losses(aw.alice, october)]
    assert losses == [("1.1.1", D("3"), 2), ("2.1.1", D("2"), 1), ("3.1.1", D("0.5"), 1)]

    year = [
        (x.code, x.deduction, x.targets)
        for x in results.indicator_losses(aw.alice, 2026, aw.mine, template_name=template.name)
    ]
    # 1.1.1: 2 + 1 (Oct) + 1 (Nov) by two distinct branches; 2.1.1: 2 + 4.
    assert year == [
        ("2.1.1", D("6"), 2),
        ("1.1.1", D("4"), 2),
        ("3.1.1", D("0.5"), 1),
    ]
    assert [x.code for x in results.indicator_losses(aw.alice, 2026, aw.branch2)] == [
        "2.1.1",
        "1.1.1",
    ]
    assert november.status == Period.Status.PUBLISHED
    # Bob (branch1's secretary) sees only his own branch's losses.
    assert [(x.code, x.deduction) for x in results.indicator_losses(aw.bob, november)] == [
        ("2.1.1", D("4")),
        ("1.1.1", D("1")),
    ]


def test_target_trend_over_the_year_with_the_category_average(aw):
    template = make_template(aw)
    scored_period(aw, template, month(9), {aw.branch1: {"1.1.1": "0"}, aw.branch2: {}})
    scored_period(aw, template, month(10), {aw.branch1: {}, aw.branch2: {"1.1.2": "0"}})
    open_one = make_period(aw, template, month=month(11))  # not settled: not in the trend
    card = card_of(open_one, aw.branch1)

    points = results.target_trend(card, 2026)

    assert [(p.period.starts_on.month, p.total, p.category_average) for p in points] == [
        (9, D("13"), D("15.5")),
        (10, D("18"), D("17")),
    ]
    assert [p.rank for p in points] == [2, 1]
    assert results.target_trend(aw.branch2, 2026, template_name=template.name)[1].total == D("16")


def _annual_world(aw, *, method, weights=None, veto_effect=Template.VetoEffect.GRADE):
    template = make_template(aw)
    Template.objects.filter(pk=template.pk).update(
        annual_method=method, annual_weights=weights or {}, veto_effect=veto_effect
    )
    template.refresh_from_db()
    scored_period(aw, template, month(1), {aw.branch1: {}, aw.branch2: {"1.1.1": "3"}})  # 18, 16
    scored_period(
        aw,
        template,
        month(2),
        {aw.branch1: {"1.1.1": "3"}, aw.branch2: {"1.1.1": "2", "2.1.2": "3"}},
        vetoed={aw.branch2: ("2.1.2",)},
    )  # 16, 15 vetoed
    scored_period(
        aw, template, month(1), {aw.branch1: {"1.1.1": "0", "2.1.1": "1"}}, kind="quarter"
    )  # branch1 Q1: 9
    # Not published: not counted.
    scored_period(aw, template, month(3), {aw.branch1: {"1.1.1": "0"}}, status="locked")
    return template


def test_annual_average_of_the_periods(aw):
    template = _annual_world(aw, method=Template.AnnualMethod.AVERAGE)

    rows = results.annual_results(aw.alice, aw.mine, 2026, template.name)

    # Ranked by the total, as the periods are; the veto sets the grade (GRADE effect).
    assert [(r.name, r.periods, r.total, r.grade, r.rank, r.vetoed) for r in rows] == [
        ("掘进二队党支部", 2, D("15.50"), "不合格", 1, True),  # (16 + 15) / 2, vetoed in Feb
        ("综采一队党支部", 3, D("14.33"), "良好", 2, False),  # (18 + 16 + 9) / 3
    ]


def test_annual_weighted_sum_by_period_kind(aw):
    template = _annual_world(
        aw, method=Template.AnnualMethod.WEIGHTED, weights={"month": 0.6, "quarter": 0.4}
    )

    rows = {r.name: r for r in results.annual_results(aw.alice, aw.mine, 2026, template.name)}

    # branch1: 0.6 × (18 + 16) / 2 + 0.4 × 9 = 10.2 + 3.6
    assert rows["综采一队党支部"].total == D("13.80")
    assert rows["综采一队党支部"].by_kind == {"month": D("17.00"), "quarter": D("9.00")}
    # branch2 has no quarter: the month weight is scaled to the whole (15.5 × 0.6 / 0.6).
    assert rows["掘进二队党支部"].total == D("15.50")
    assert rows["掘进二队党支部"].rank == 1 and rows["综采一队党支部"].rank == 2


def test_annual_veto_zero_sets_the_year_to_zero(aw):
    template = _annual_world(
        aw, method=Template.AnnualMethod.AVERAGE, veto_effect=Template.VetoEffect.ZERO
    )
    rows = {r.name: r for r in results.annual_results(aw.alice, aw.mine, 2026, template.name)}
    assert rows["掘进二队党支部"].total == D("0")
    assert rows["掘进二队党支部"].grade == "不合格"
    assert rows["综采一队党支部"].rank == 1


def test_annual_results_only_over_visible_cards(aw):
    template = _annual_world(aw, method=Template.AnnualMethod.AVERAGE)
    assert [r.name for r in results.annual_results(aw.bob, aw.mine, 2026, template.name)] == [
        "综采一队党支部"
    ]
    assert results.annual_results(aw.charlie, aw.mine, 2026, template.name) == []
    choices = results.annual_choices(aw.lee, 2026)
    assert [c["label"] for c in choices] == ["中共一矿委员会 · 党支部工作考核"]
