"""Reads of the dues ledger. Every list starts from `visible_to`; `paid_through` is the one
fact other apps need (the transfer letter's 党费缴至年月)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Max

from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.dues import rules
from dangjian.dues.calculation import Band, Fixed, Rates, Rounding
from dangjian.dues.models import SETTLED, LedgerEntry, RateTable


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def paid_through(member) -> datetime.date | None:
    """The first day of the last month the member has fully settled (paid, or waived), or None
    when no month is settled. One query; no scope check (callers already hold the member)."""
    member_id = getattr(member, "pk", member)
    return LedgerEntry.objects.filter(member_id=member_id, status__in=SETTLED).aggregate(
        last=Max("month")
    )["last"]


def rate_table_in_force(on: datetime.date) -> RateTable:
    table = RateTable.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if table is None:
        raise ServiceError(f"{on:%Y年%m月%d日}没有生效的党费标准，请先由组织部录入党费标准。")
    return table


def rates_of(table: RateTable) -> Rates:
    """The table as plain data for `calculation.monthly_dues` (two queries)."""
    bands: dict[str, list[Band]] = {}
    for band in table.bands.all().order_by("scale", "upper_bound"):
        bands.setdefault(band.scale, []).append(Band(band.upper_bound, band.rate))
    for items in bands.values():  # no upper limit sorts last
        items.sort(key=lambda band: (band.upper_bound is None, band.upper_bound or 0))
    fixed = {
        item.category: Fixed(item.amount, item.minimum, item.maximum)
        for item in table.fixed_rates.all()
    }
    return Rates(bands={scale: tuple(items) for scale, items in bands.items()}, fixed=fixed)


def rounding_in_force(on: datetime.date | None = None) -> Rounding:
    return Rounding(
        mode=rule_value(rules.ROUNDING, on=on), quantum=Decimal(rule_value(rules.QUANTUM, on=on))
    )
