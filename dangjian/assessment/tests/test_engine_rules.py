"""The scoring engine's pure rules (domain §5.4): each rule type with its floor or cap, the
allowed ranges and their messages, card totals (template bonus cap, clamp, veto with both
effects), grade bands at their boundaries, competition ranks. No database."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.assessment import engine
from dangjian.assessment.models import Indicator, LeafScore, RuleType, Template

D = Decimal


def deduction(max_points="5", unit="1", floor=True) -> Indicator:
    return Indicator(
        level=3,
        code="1.1.1",
        rule_type=RuleType.DEDUCTION,
        max_points=D(max_points),
        unit_points=D(unit),
        floor_at_zero=floor,
    )


def binary(max_points="2", veto=False) -> Indicator:
    return Indicator(level=3, rule_type=RuleType.BINARY, max_points=D(max_points), veto=veto)


def graded() -> Indicator:
    return Indicator(
        level=3,
        rule_type=RuleType.GRADED,
        max_points=D("5"),
        levels=[
            {"label": "好", "points": 5},
            {"label": "较好", "points": 3},
            {"label": "一般", "points": "1.5"},
            {"label": "差", "points": 0},
        ],
    )


def bonus(unit="1", cap="2", max_points="0") -> Indicator:
    return Indicator(
        level=3,
        rule_type=RuleType.BONUS,
        max_points=D(max_points),
        unit_points=D(unit),
        bonus_cap=None if cap is None else D(cap),
    )


def scored(points, *, vetoed=False, self_points=None) -> LeafScore:
    return LeafScore(
        points=None if points is None else D(str(points)),
        vetoed=vetoed,
        self_points=None if self_points is None else D(str(self_points)),
    )


# ------------------------------------------------------------------ leaf points


@pytest.mark.parametrize(
    ("occurrences", "expected"),
    [(0, "5"), (1, "4"), ("2", "3"), (5, "0"), (6, "0"), (100, "0"), ("1.5", "3.5")],
)
def test_deduction_per_occurrence_floors_at_zero(occurrences, expected):
    assert engine.leaf_points(deduction(), occurrences=occurrences) == D(expected)


def test_deduction_half_points_per_occurrence():
    leaf = deduction("3", "0.5")
    assert engine.leaf_points(leaf, occurrences=3) == D("1.50")
    assert engine.leaf_points(leaf, occurrences=7) == D("0")


def test_member_deductions_without_floor_go_below_zero_uncapped():
    member = deduction("0", "2", floor=False)  # 党员积分: a deduction leaf worth 0
    assert engine.leaf_points(member, occurrences=3) == D("-6.00")
    assert engine.leaf_points(member, occurrences=60) == D("-120.00")
    assert engine.allowed_range(member).low is None
    assert engine.allowed_range(member).describe() == "不高于0分"
    assert engine.check_points(member, "-37.5") == D("-37.50")


@pytest.mark.parametrize("bad", [None, ""])
def test_a_count_is_required(bad):
    with pytest.raises(engine.ScoreError, match="请填写次数"):
        engine.leaf_points(deduction(), occurrences=bad)


def test_a_count_is_a_non_negative_number():
    with pytest.raises(engine.ScoreError, match="不能为负数"):
        engine.leaf_points(deduction(), occurrences=-1)
    with pytest.raises(engine.ScoreError, match="须为数字"):
        engine.leaf_points(deduction(), occurrences="两次")


def test_binary_full_or_nothing_and_an_answer_is_required():
    assert engine.leaf_points(binary(), achieved=True) == D("2.00")
    assert engine.leaf_points(binary(), achieved=False) == D("0")
    with pytest.raises(engine.ScoreError, match="请选择是否达标"):
        engine.leaf_points(binary())


def test_graded_levels_and_the_message_lists_them():
    leaf = graded()
    assert engine.leaf_points(leaf, level="较好") == D("3.00")
    assert engine.leaf_points(leaf, level="一般") == D("1.50")
    with pytest.raises(engine.ScoreError, match="请选择档次（好、较好、一般、差）"):
        engine.leaf_points(leaf, level="优")
    assert engine.full_points(leaf) == D("5.00")


def test_bonus_per_occurrence_capped_by_the_leaf_cap():
    assert engine.leaf_points(bonus(), occurrences=1) == D("1.00")
    assert engine.leaf_points(bonus(), occurrences=5) == D("2.00")
    # without a cap of its own the leaf's max points cap it
    assert engine.leaf_points(bonus("1", None, "3"), occurrences=9) == D("3.00")
    assert engine.full_points(bonus()) == D("0")


def test_direct_points_are_checked_against_the_range():
    assert engine.leaf_points(deduction(), points="3.5") == D("3.50")
    assert engine.leaf_points(graded(), points=3) == D("3.00")


# ------------------------------------------------------------------ ranges and messages


@pytest.mark.parametrize(
    ("leaf", "points", "message"),
    [
        (deduction(), "5.01", "分数超出范围：本细则可评0～5分。"),
        (deduction(), "-0.5", "分数超出范围：本细则可评0～5分。"),
        (binary(), "1", "本细则只能评2、0分。"),
        (graded(), "4", "本细则只能评5、3、1.5、0分。"),
        (bonus(), "2.5", "分数超出范围：本细则可评0～2分。"),
        (bonus(), "-1", "分数超出范围：本细则可评0～2分。"),
        (deduction(), "abc", "分数须为数字，最多两位小数。"),
        (deduction(), None, "分数须为数字，最多两位小数。"),
    ],
)
def test_check_points_refuses_with_the_allowed_range(leaf, points, message):
    with pytest.raises(engine.ScoreError) as refused:
        engine.check_points(leaf, points)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("leaf", "low", "high"),
    [(deduction(), "0", "5"), (binary(), "0", "2"), (graded(), "0", "5"), (bonus(), "0", "2")],
)
def test_allowed_ranges(leaf, low, high):
    allowed = engine.allowed_range(leaf)
    assert (allowed.low, allowed.high) == (D(low), D(high))


def test_rounding_to_two_places_half_up():
    assert engine.check_points(deduction(), "2.345") == D("2.35")
    assert engine.q("0.005") == D("0.01")


def test_is_deduction():
    assert engine.is_deduction(deduction(), D("4.99"))
    assert not engine.is_deduction(deduction(), D("5"))
    assert engine.is_deduction(graded(), D("3"))
    assert not engine.is_deduction(graded(), D("5"))
    assert not engine.is_deduction(bonus(), D("0"))  # no bonus is not a deduction


@pytest.mark.parametrize(
    ("value", "text"), [(D("5.00"), "5"), (D("0.50"), "0.5"), (D("-1.00"), "-1"), (None, "")]
)
def test_fmt(value, text):
    assert engine.fmt(value) == text


# ------------------------------------------------------------------ grades


def template(**fields) -> Template:
    defaults = {"base_points": D("0"), "grade_bands": []}
    return Template(**(defaults | fields))


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", "优秀"),
        ("90", "优秀"),
        ("89.99", "良好"),
        ("80", "良好"),
        ("79.99", "合格"),
        ("60", "合格"),
        ("59.99", "不合格"),
        ("0", "不合格"),
        ("-3", "不合格"),
    ],
)
def test_default_grade_bands_at_their_boundaries(total, grade):
    assert engine.grade_for(template(), D(total)) == grade


def test_configured_bands_in_any_order_and_no_grade_without_a_total():
    sheet = template(
        grade_bands=[
            {"min": 0, "label": "一般"},
            {"min": "95.5", "label": "五星"},
            {"min": 85, "label": "四星"},
        ]
    )
    assert engine.grade_for(sheet, D("95.5")) == "五星"
    assert engine.grade_for(sheet, D("95.49")) == "四星"
    assert engine.grade_for(sheet, D("84")) == "一般"
    assert engine.grade_for(sheet, None) == ""


# ------------------------------------------------------------------ card totals


def test_card_total_sums_leaves_and_caps_the_template_bonus():
    sheet = template(bonus_cap=D("3"))
    leaves = [
        (deduction(), scored(4)),
        (binary(), scored(2)),
        (bonus("1", "2"), scored(2)),
        (bonus("1", "2"), scored(2)),  # two bonus leaves, 4 together, template cap 3
    ]
    totals = engine.card_totals(sheet, leaves)
    assert totals.total == D("9.00") and totals.bonus == D("3.00")
    assert totals.deductions == D("1.00") and not totals.vetoed


def test_no_total_until_every_leaf_is_scored_and_self_total_apart():
    sheet = template()
    totals = engine.card_totals(
        sheet, [(deduction(), scored(4, self_points=5)), (binary(), scored(None, self_points=2))]
    )
    assert totals.total is None and totals.grade == ""
    assert totals.self_total == D("7.00")
    totals = engine.card_totals(sheet, [(deduction(), scored(4)), (binary(), None)])
    assert totals.total is None and totals.self_total is None


def test_member_sheet_base_80_bonus_20_uncapped_deductions_clamped_0_100():
    sheet = template(base_points=D("80"), bonus_cap=D("20"), min_total=D("0"), max_total=D("100"))
    minus = deduction("0", "2", floor=False)
    plus = bonus("5", "30")
    assert engine.card_totals(sheet, [(minus, scored(-6)), (plus, scored(10))]).total == D("84")
    # bonus 30 capped at 20 by the template → 100
    assert engine.card_totals(sheet, [(minus, scored(0)), (plus, scored(30))]).total == D("100")
    # deductions uncapped: 80 − 120 → clamped at 0
    assert engine.card_totals(sheet, [(minus, scored(-120)), (plus, scored(0))]).total == D("0")
    # above 100 → clamped (a sheet whose base is already high)
    high = template(base_points=D("95"), max_total=D("100"))
    assert engine.card_totals(high, [(plus, scored(15))]).total == D("100.00")


def test_veto_sets_the_lowest_grade_but_keeps_the_total():
    sheet = template(veto_effect=Template.VetoEffect.GRADE)
    leaves = [(deduction("95"), scored(95)), (binary("5", veto=True), scored(0, vetoed=True))]
    totals = engine.card_totals(sheet, leaves)
    assert totals.vetoed and totals.total == D("95.00") and totals.grade == "不合格"


def test_veto_zero_sets_the_total_to_zero():
    sheet = template(veto_effect=Template.VetoEffect.ZERO)
    leaves = [(deduction("95"), scored(95)), (binary("5", veto=True), scored(5, vetoed=True))]
    totals = engine.card_totals(sheet, leaves)
    assert totals.vetoed and totals.total == D("0") and totals.grade == "不合格"


def test_a_veto_flag_on_a_non_veto_leaf_has_no_effect():
    sheet = template(veto_effect=Template.VetoEffect.ZERO)
    leaves = [(deduction("95"), scored(95)), (binary("5"), scored(5, vetoed=True))]
    totals = engine.card_totals(sheet, leaves)
    assert not totals.vetoed and totals.total == D("100.00") and totals.grade == "优秀"


@settings(max_examples=200, deadline=None)
@given(
    base=st.decimals(0, 100, places=2),
    deductions=st.lists(st.integers(0, 80), max_size=6),
    bonuses=st.lists(st.integers(0, 10), max_size=4),
)
def test_totals_always_lie_within_the_clamp(base, deductions, bonuses):
    sheet = template(base_points=base, bonus_cap=D("20"), min_total=D("0"), max_total=D("100"))
    minus = deduction("0", "1", floor=False)
    plus = bonus("1", "10")
    leaves = [(minus, scored(-n)) for n in deductions] + [(plus, scored(n)) for n in bonuses]
    totals = engine.card_totals(sheet, leaves)
    assert D("0") <= totals.total <= D("100")
    assert totals.bonus <= D("20")
    unclamped = base - sum(deductions) + min(sum(bonuses), 20)
    assert totals.total == max(D("0"), min(D("100"), unclamped))


@settings(max_examples=200, deadline=None)
@given(occurrences=st.decimals(0, 1000, places=2), unit=st.decimals("0.01", 10, places=2))
def test_a_floored_deduction_stays_within_zero_and_max(occurrences, unit):
    value = engine.leaf_points(deduction("5", str(unit)), occurrences=occurrences)
    assert D("0") <= value <= D("5")
    assert engine.check_points(deduction("5", str(unit)), value) == value


# ------------------------------------------------------------------ ranks


@pytest.mark.parametrize(
    ("values", "ranks"),
    [
        (["90", "90", "80"], [1, 1, 3]),
        (["80", "90", "90"], [3, 1, 1]),
        (["70", "95", None, "70", "60"], [2, 1, None, 2, 4]),
        ([None, None], [None, None]),
        ([], []),
    ],
)
def test_competition_ranks_share_ties_and_skip(values, ranks):
    given_values = [None if v is None else D(v) for v in values]
    assert engine.competition_ranks(given_values) == ranks


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 20).map(D)), max_size=30))
def test_ranks_count_the_strictly_better(values):
    ranks = engine.competition_ranks(values)
    for value, rank in zip(values, ranks, strict=True):
        if value is None:
            assert rank is None
        else:
            assert rank == 1 + sum(1 for other in values if other is not None and other > value)


def test_fractional_results_are_rounded_to_two_places():
    # found by the property above: 5 − 0.01 × 0.01 was returned as 4.9999
    assert engine.leaf_points(deduction("5", "0.25"), occurrences="0.5") == D("4.88")
    assert engine.leaf_points(deduction("0", "0.25", floor=False), occurrences="0.5") == D("-0.13")
    assert engine.leaf_points(bonus("0.25", "2"), occurrences="0.5") == D("0.13")
