"""Dues arithmetic: every §2.1 test vector, the fixed amounts, rounding, and properties."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.dues.calculation import (
    Band,
    CalculationError,
    Fixed,
    Rates,
    Rounding,
    monthly_dues,
    parse_money,
)
from dangjian.dues.models import BaseCategory

D = Decimal
RATES_2008 = Rates(
    bands={
        "salary": (
            Band(D("3000"), D("0.005")),
            Band(D("5000"), D("0.01")),
            Band(D("10000"), D("0.015")),
            Band(None, D("0.02")),
        ),
        "pension": (Band(D("5000"), D("0.005")), Band(None, D("0.01"))),
    },
    fixed={
        "student": Fixed(D("0.20"), D("0.20"), D("0.20")),
        "farmer": Fixed(D("0.20"), D("0.20"), D("1.00")),
    },
)


@pytest.mark.parametrize(
    ("category", "base", "due"),
    [
        (BaseCategory.EMPLOYED, "3000.00", "15.00"),
        (BaseCategory.EMPLOYED, "3000.01", "30.00"),
        (BaseCategory.EMPLOYED, "5000.00", "50.00"),
        (BaseCategory.EMPLOYED, "5000.01", "75.00"),
        (BaseCategory.EMPLOYED, "10000.00", "150.00"),
        (BaseCategory.EMPLOYED, "10000.01", "200.00"),
        (BaseCategory.RETIRED, "5000.00", "25.00"),
        (BaseCategory.RETIRED, "5000.01", "50.00"),
    ],
)
def test_it_meets_every_test_vector_of_the_2008_rules(category, base, due):
    _, amount = monthly_dues(D(base), category, RATES_2008)
    assert amount == D(due)
    assert amount.as_tuple().exponent == -2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "base", "due"),
    [
        (BaseCategory.EMPLOYED, "3000.00", "15.00"),
        (BaseCategory.EMPLOYED, "3000.01", "30.00"),
        (BaseCategory.ANNUAL_SALARY, "5000.01", "75.00"),
        (BaseCategory.SELF_EMPLOYED, "10000.01", "200.00"),
        (BaseCategory.RETIRED, "5000.00", "25.00"),
        (BaseCategory.RETIRED, "5000.01", "50.00"),
        (BaseCategory.STUDENT, None, "0.20"),
        (BaseCategory.UNEMPLOYED, None, "0.20"),
        (BaseCategory.RELIEF, None, "0.20"),
        (BaseCategory.SUBSISTENCE, None, "0.20"),
        (BaseCategory.FARMER, None, "0.20"),
    ],
)
def test_the_built_in_2008_table_gives_the_same_amounts(category, base, due):
    from dangjian.dues.services.common import Pricing

    pricing = Pricing.for_year(2026)
    assert pricing.table.effective_from == datetime.date(2008, 4, 1)
    _, amount = pricing.price(category, D(base) if base else None)
    assert amount == D(due)


def test_the_rate_applies_to_the_whole_base_not_a_bracket():
    rate, amount = monthly_dues(D("8000.00"), BaseCategory.EMPLOYED, RATES_2008)
    assert rate == D("0.015")
    assert amount == D("120.00")  # not 15 + 20 + 45


def test_fixed_categories_pay_their_amount_and_have_no_rate():
    assert monthly_dues(None, BaseCategory.STUDENT, RATES_2008) == (None, D("0.20"))


def test_farmers_may_pay_inside_the_provincial_range():
    assert monthly_dues(None, BaseCategory.FARMER, RATES_2008, fixed_amount=D("0.50")) == (
        None,
        D("0.50"),
    )
    with pytest.raises(CalculationError, match=r"0\.20–1\.00 元"):
        monthly_dues(None, BaseCategory.FARMER, RATES_2008, fixed_amount=D("1.50"))


def test_a_rate_category_needs_a_base():
    with pytest.raises(CalculationError, match="必须填写计算基数"):
        monthly_dues(None, BaseCategory.EMPLOYED, RATES_2008)


def test_a_negative_base_is_refused():
    with pytest.raises(CalculationError, match="不能为负数"):
        monthly_dues(D("-1"), BaseCategory.EMPLOYED, RATES_2008)


def test_a_table_without_an_open_top_band_is_reported():
    rates = Rates(bands={"salary": (Band(D("3000"), D("0.005")),)})
    with pytest.raises(CalculationError, match="最高一档"):
        monthly_dues(D("3500"), BaseCategory.EMPLOYED, rates)


def test_a_missing_category_is_reported():
    with pytest.raises(CalculationError, match="没有这一类"):
        monthly_dues(None, BaseCategory.RELIEF, RATES_2008)


def test_rounding_is_half_up_by_default_and_configurable():
    # 1234.50 × 0.5 % = 6.1725
    assert monthly_dues(D("1234.50"), BaseCategory.EMPLOYED, RATES_2008)[1] == D("6.17")
    # 1235.00 × 0.5 % = 6.175 → half up 6.18, half even 6.18, down 6.17
    assert monthly_dues(D("1235.00"), BaseCategory.EMPLOYED, RATES_2008)[1] == D("6.18")
    down = Rounding(mode="ROUND_DOWN")
    assert monthly_dues(D("1235.00"), BaseCategory.EMPLOYED, RATES_2008, down)[1] == D("6.17")
    to_jiao = Rounding(quantum=D("0.1"))
    assert monthly_dues(D("1235.00"), BaseCategory.EMPLOYED, RATES_2008, to_jiao)[1] == D("6.2")


@pytest.mark.parametrize(
    ("text", "value"), [("4500", "4500.00"), (" 4,500.5 ", "4500.50"), (4500.25, "4500.25")]
)
def test_parse_money_reads_amounts(text, value):
    assert parse_money(text) == D(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "不是数字"), ("-3", "不能为负数"), ("1.234", "两位小数"), ("NaN", "不是数字")],
)
def test_parse_money_explains_bad_amounts(text, message):
    with pytest.raises(CalculationError, match=message):
        parse_money(text)


money = st.decimals(min_value=0, max_value=D("200000"), places=2, allow_nan=False)


@given(money)
def test_amount_is_the_rate_of_the_whole_base_rounded_to_the_fen(base):
    rate, amount = monthly_dues(base, BaseCategory.EMPLOYED, RATES_2008)
    assert abs(amount - base * rate) <= D("0.005")
    assert amount >= 0


@given(money, money)
def test_the_rate_never_falls_as_the_base_rises(first, second):
    low, high = sorted((first, second))
    assert (
        monthly_dues(low, BaseCategory.EMPLOYED, RATES_2008)[0]
        <= monthly_dues(high, BaseCategory.EMPLOYED, RATES_2008)[0]
    )


@given(money)
def test_a_retiree_never_pays_more_than_an_employee_on_the_same_base(base):
    retired = monthly_dues(base, BaseCategory.RETIRED, RATES_2008)[1]
    employed = monthly_dues(base, BaseCategory.EMPLOYED, RATES_2008)[1]
    assert retired <= employed


@pytest.mark.django_db
def test_the_built_in_table_is_restored_once_after_a_flush():
    from dangjian.dues.models import RateBand, RateTable
    from dangjian.dues.services.rates import builtin_rate_table_ensure

    RateTable.objects.all().delete()
    table = builtin_rate_table_ensure()
    assert builtin_rate_table_ensure() == table
    assert RateBand.objects.filter(table=table).count() == 6
    assert table.fixed_rates.get(category="farmer").maximum == D("1.00")
