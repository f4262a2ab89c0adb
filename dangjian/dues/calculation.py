"""Dues arithmetic (domain §2.1), pure: no database, no settings, no clock.

A rate applies to the WHOLE base, the band being chosen by the base (a flat rate, not a
progressive bracket): 3000.00 → 0.5 % → 15.00, 3000.01 → 1 % → 30.00. The jumps are intended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from dangjian.dues.models.choices import SCALE_OF_CATEGORY

ROUNDING_MODES = {
    "ROUND_HALF_UP": ROUND_HALF_UP,
    "ROUND_HALF_EVEN": ROUND_HALF_EVEN,
    "ROUND_UP": ROUND_UP,
    "ROUND_DOWN": ROUND_DOWN,
}


class CalculationError(ValueError):
    """Bad input to the arithmetic; the message is Chinese and says what to fix."""


@dataclass(frozen=True)
class Band:
    upper_bound: Decimal | None  # inclusive; None = no upper limit
    rate: Decimal


@dataclass(frozen=True)
class Fixed:
    amount: Decimal
    minimum: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class Rates:
    """A rate table as plain data: bands per scale (sorted by bound) and fixed amounts."""

    bands: dict[str, tuple[Band, ...]] = field(default_factory=dict)
    fixed: dict[str, Fixed] = field(default_factory=dict)


@dataclass(frozen=True)
class Rounding:
    mode: str = "ROUND_HALF_UP"
    quantum: Decimal = Decimal("0.01")

    def apply(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.quantum, rounding=ROUNDING_MODES[self.mode])


def parse_money(value) -> Decimal:
    """A non-negative amount of yuan with at most two decimals, from text or a number."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError) as exc:
        raise CalculationError(f"金额“{value}”不是数字，请填写如 4500.00 的金额。") from exc
    if not amount.is_finite():
        raise CalculationError(f"金额“{value}”不是数字，请填写如 4500.00 的金额。")
    if amount < 0:
        raise CalculationError(f"金额不能为负数（{value}）。")
    if amount != amount.quantize(Decimal("0.01")):
        raise CalculationError(f"金额最多保留两位小数（{value}）。")
    return amount.quantize(Decimal("0.01"))


def band_rate(base: Decimal, bands: tuple[Band, ...]) -> Decimal:
    for band in bands:
        if band.upper_bound is None or base <= band.upper_bound:
            return band.rate
    raise CalculationError("党费标准缺少最高一档（无上限的档次），请联系组织部补全党费标准。")


def monthly_dues(
    base: Decimal | None,
    category: str,
    rates: Rates,
    rounding: Rounding = Rounding(),
    fixed_amount: Decimal | None = None,
) -> tuple[Decimal | None, Decimal]:
    """(rate, monthly amount) for a base and a category.

    Rate categories (在职, 年薪制, 个体, 离退休) take the band of their scale; fixed categories
    (学生, 农民 …) pay their fixed amount, or `fixed_amount` when given inside the allowed range
    (农民 0.2–1 元). The rate is None for fixed categories.
    """
    scale = SCALE_OF_CATEGORY.get(category)
    if scale is not None:
        if base is None:
            raise CalculationError("按比例交纳的党员必须填写计算基数（税后月收入）。")
        if base < 0:
            raise CalculationError("计算基数不能为负数。")
        bands = rates.bands.get(str(scale))
        if not bands:
            raise CalculationError("党费标准中没有这一类收入的比例，请联系组织部补全党费标准。")
        rate = band_rate(base, bands)
        return rate, rounding.apply(base * rate)
    fixed = rates.fixed.get(str(category))
    if fixed is None:
        raise CalculationError("党费标准中没有这一类党员的定额，请联系组织部补全党费标准。")
    if fixed_amount is None:
        return None, fixed.amount
    if not fixed.minimum <= fixed_amount <= fixed.maximum:
        raise CalculationError(
            f"这一类党员每月交纳 {fixed.minimum}–{fixed.maximum} 元，{fixed_amount} 元不在范围内。"
        )
    return None, fixed_amount
