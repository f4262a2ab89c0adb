"""Reads of the dues ledger. Every list starts from `visible_to`; `paid_through` is the one
fact other apps need (the transfer letter's 党费缴至年月)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.core.scope import scope_condition, scope_of
from dangjian.dues import rules
from dangjian.dues.calculation import Band, Fixed, Rates, Rounding
from dangjian.dues.models import (
    SETTLED,
    UNSETTLED,
    BranchStatement,
    DuesBase,
    Hardship,
    HardshipStatus,
    LedgerEntry,
    RateTable,
)
from dangjian.dues.permissions import APPROVE_HARDSHIP, VIEW_DUES
from dangjian.members.models import IN_GOOD_STANDING, Member
from dangjian.orgs.dates import add_months


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


# ---------------------------------------------------------------- ledger and bases


def _inside(queryset, organization, lookup: str = "organization__path"):
    if organization is None:
        return queryset
    return queryset.filter(scope_condition(lookup, [organization.path]))


def entries_visible(
    user,
    *,
    organization=None,
    year: int | None = None,
    month: datetime.date | None = None,
    status: str | None = None,
    member=None,
):
    """Ledger rows the user may see (their scope, or their own), newest month first."""
    rows = _inside(LedgerEntry.objects.visible_to(user, VIEW_DUES), organization)
    if year is not None:
        rows = rows.filter(month__year=year)
    if month is not None:
        rows = rows.filter(month=month_start(month))
    if status:
        rows = rows.filter(status=status)
    if member is not None:
        rows = rows.filter(member_id=getattr(member, "pk", member))
    return rows.select_related("member__person", "organization").order_by(
        "-month", "organization__path", "member__person__name", "pk"
    )


def bases_visible(user, *, year: int, organization=None):
    rows = DuesBase.objects.visible_to(user, VIEW_DUES).filter(year=year)
    rows = _inside(rows, organization, "member__organization__path")
    return rows.select_related("member__person", "member__organization").order_by(
        "member__organization__path", "member__person__name", "pk"
    )


def members_without_base(user, *, organization, year: int):
    """Members of the subtree in good standing with no base for the year (to be fixed)."""
    members = _inside(Member.objects.visible_to(user, VIEW_DUES), organization)
    return (
        members.filter(status__in=IN_GOOD_STANDING)
        .exclude(pk__in=DuesBase.objects.filter(year=year).values("member_id"))
        .select_related("person", "organization")
        .order_by("organization__path", "person__name", "pk")
    )


def month_summary(user, *, organization, month: datetime.date) -> dict:
    """Totals of the subtree's rows for a month (one query)."""
    money = LedgerEntry._meta.get_field("amount_due")
    rows = _inside(LedgerEntry.objects.visible_to(user, VIEW_DUES), organization)
    totals = rows.filter(month=month_start(month)).aggregate(
        rows=Count("pk"),
        settled=Count("pk", filter=Q(status__in=SETTLED)),
        due=Coalesce(Sum("amount_due"), 0, output_field=money),
        paid=Coalesce(Sum("amount_paid"), 0, output_field=money),
    )
    totals["owed"] = totals["due"] - totals["paid"]
    totals["unsettled"] = totals["rows"] - totals["settled"]
    return totals


def catch_up_earliest(today: datetime.date | None = None) -> datetime.date:
    """The oldest month a payment received today may still settle (补交 limit)."""
    today = today or timezone.localdate()
    return add_months(today.replace(day=1), -rule_value(rules.CATCH_UP_MONTHS, on=today))


# ---------------------------------------------------------------- arrears


NEVER = datetime.date(1900, 1, 1)  # "no month settled yet": one subquery instead of IS NULL OR


def _unsettled_since_last_settled(rows, current: datetime.date):
    """Unsettled rows up to `current` that come after the member's last settled month: the
    consecutive arrears (a correlated lookup on the (member, status, month) index)."""
    last_settled = (
        LedgerEntry.objects.filter(member_id=OuterRef("member_id"), status__in=SETTLED)
        .order_by("-month")
        .values("month")[:1]
    )
    return (
        rows.filter(month__lte=current, status__in=UNSETTLED)
        .alias(last_settled=Coalesce(Subquery(last_settled), Value(NEVER)))
        .filter(month__gt=F("last_settled"))
    )


def member_arrears_months(member, today: datetime.date | None = None) -> int:
    """Consecutive months the member owes up to this month (after their last settled month)."""
    current = month_start(today or timezone.localdate())
    rows = LedgerEntry.objects.filter(member_id=getattr(member, "pk", member))
    return _unsettled_since_last_settled(rows, current).count()


def arrears_rows(rows, *, min_months: int = 1, today: datetime.date | None = None):
    """Members with at least `min_months` consecutive unsettled months, from a ledger
    queryset: one aggregated query, grouped by member, longest arrears first."""
    current = month_start(today or timezone.localdate())
    money = LedgerEntry._meta.get_field("amount_due")
    return (
        _unsettled_since_last_settled(rows, current)
        .values(
            "member_id",
            "member__person__name",
            "member__person__work_number",
            "member__organization_id",
            "member__organization__name",
        )
        .annotate(
            months=Count("pk"),
            owed=Sum(F("amount_due") - F("amount_paid"), output_field=money),
            first_month=Min("month"),
            last_month=Max("month"),
        )
        .filter(months__gte=min_months)
        .order_by("-months", "member__person__name", "member_id")
    )


def arrears(user, *, organization=None, min_months: int = 1, today: datetime.date | None = None):
    """The arrears list of the user's scope (optionally one subtree); paginate it."""
    rows = _inside(LedgerEntry.objects.visible_to(user, VIEW_DUES), organization)
    return arrears_rows(rows, min_months=min_months, today=today)


# ---------------------------------------------------------------- hardships, statements


def hardships_visible(user, *, status: str | None = None, permission: str = VIEW_DUES):
    rows = Hardship.objects.visible_to(user, permission)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("member__person", "organization", "requested_by", "decided_by")


def hardships_to_decide(user):
    """Requests waiting for this user's decision: requested, from a branch strictly below one
    of the user's `dues.approve_hardship` grants."""
    prefixes = scope_of(user).paths_for(APPROVE_HARDSHIP)
    condition = None
    for prefix in prefixes:
        below = Q(organization__path__startswith=prefix) & ~Q(organization__path=prefix)
        condition = below if condition is None else condition | below
    if condition is None:
        return Hardship.objects.none()
    return hardships_visible(
        user, status=HardshipStatus.REQUESTED, permission=APPROVE_HARDSHIP
    ).filter(condition)


def statements_visible(user, *, organization=None, year: int | None = None):
    rows = _inside(BranchStatement.objects.visible_to(user, VIEW_DUES), organization)
    if year is not None:
        rows = rows.filter(year=year)
    return rows.select_related("organization").order_by("-year", "organization__path")
