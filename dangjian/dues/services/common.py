"""Pieces the dues services share: scope checks, month arithmetic, pricing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope
from dangjian.dues.calculation import CalculationError, Rates, Rounding, monthly_dues
from dangjian.dues.models import RateTable
from dangjian.dues.permissions import MANAGE_DUES
from dangjian.dues.selectors import month_start, rate_table_in_force, rates_of, rounding_in_force
from dangjian.orgs.dates import add_months


def require_manage(actor, organization) -> None:
    require_in_scope(actor, MANAGE_DUES, organization.path)


def actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def as_month(value: datetime.date, what: str = "月份") -> datetime.date:
    if not isinstance(value, datetime.date):
        raise ServiceError(f"{what}格式不正确，请填写如 2026-03 的月份。")
    return month_start(value)


def months_between(first: datetime.date, last: datetime.date) -> int:
    """Whole months from `first`'s month to `last`'s month (0 for the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [add_months(month_start(first), n) for n in range(months_between(first, last) + 1)]


@dataclass(frozen=True)
class Pricing:
    """The rate table, its rates and the rounding in force for a year (read once, reused)."""

    table: RateTable
    rates: Rates
    rounding: Rounding

    @classmethod
    def for_year(cls, year: int) -> Pricing:
        day = datetime.date(year, 1, 1)
        table = rate_table_in_force(day)
        return cls(table=table, rates=rates_of(table), rounding=rounding_in_force(day))

    def price(self, category, base, fixed_amount=None) -> tuple[Decimal | None, Decimal]:
        try:
            return monthly_dues(base, category, self.rates, self.rounding, fixed_amount)
        except CalculationError as exc:
            raise ServiceError(str(exc)) from exc
