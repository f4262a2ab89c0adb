"""Each member's yearly dues base (domain §2.2: fixed at the start of the year)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import ServiceError
from dangjian.dues.models import (
    SCALE_OF_CATEGORY,
    BaseCategory,
    BaseSource,
    DuesBase,
    EntryStatus,
    LedgerEntry,
)
from dangjian.dues.services.common import Pricing, actor_or_none, require_manage
from dangjian.members.models import Employment

BASE_FIELDS = ("year", "category", "base", "rate", "monthly_amount", "source", "note")
FIRST_YEAR, LAST_YEAR = 2008, 2100


def default_category(person) -> str:
    """离退休 for retired people, 在职 otherwise (the branch corrects students etc.)."""
    return category_for_employment(person.employment)


def category_for_employment(employment: str) -> str:
    if employment == Employment.RETIRED:
        return BaseCategory.RETIRED
    return BaseCategory.EMPLOYED


def check_year(year) -> int:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ServiceError(f"年度“{year}”不正确，请填写 {FIRST_YEAR}—{LAST_YEAR} 之间的年份。")
    return year


def check_category(category) -> str:
    if category not in BaseCategory.values:
        raise ServiceError(f"党费类别“{category}”不存在，请从列表中选择。")
    return category


def priced_fields(pricing: Pricing, category, base, fixed_amount=None) -> dict:
    """The base row's computed fields; fixed-amount categories keep no base."""
    if category not in SCALE_OF_CATEGORY:
        base = None
    rate, amount = pricing.price(category, base, fixed_amount)
    return {
        "category": category,
        "base": base,
        "rate": rate,
        "monthly_amount": amount,
        "rate_table": pricing.table,
    }


def base_set(
    *,
    actor,
    member,
    year: int,
    category: str,
    base: Decimal | None = None,
    fixed_amount: Decimal | None = None,
    note: str = "",
    source: str = BaseSource.MANUAL,
) -> DuesBase:
    """Fix (or correct) a member's base for a year and re-price the months not yet touched."""
    require_manage(actor, member.organization)
    check_year(year)
    check_category(category)
    if base is not None and base < 0:
        raise ServiceError("计算基数不能为负数。")
    fields = priced_fields(Pricing.for_year(year), category, base, fixed_amount)
    with transaction.atomic():
        existing = DuesBase.objects.select_for_update().filter(member=member, year=year).first()
        before = snapshot(existing, BASE_FIELDS) if existing else None
        row, _ = DuesBase.objects.update_or_create(
            member=member,
            year=year,
            defaults={
                **fields,
                "source": source,
                "note": note[:200],
                "updated_by": actor_or_none(actor),
            },
        )
        repriced = reprice_open_months(row)
        audit_log(
            actor=actor,
            action="dues.base_set",
            obj=row,
            organization=member.organization,
            before=before,
            after=snapshot(row, BASE_FIELDS),
            message=f"重新计算 {repriced} 个未缴月份" if repriced else "",
        )
    return row


def reprice_open_months(row: DuesBase, today: datetime.date | None = None) -> int:
    """Rows of the base's year from this month on that nobody has paid towards take the new
    amount; months already (partly) paid or waived keep what was due when they were settled."""
    today = today or timezone.localdate()
    first = max(datetime.date(row.year, 1, 1), today.replace(day=1))
    return LedgerEntry.objects.filter(
        member_id=row.member_id,
        month__gte=first,
        month__year=row.year,
        status=EntryStatus.UNPAID,
        amount_paid=0,
        hardship__isnull=True,
    ).update(
        category=row.category,
        base=row.base,
        rate=row.rate,
        amount_due=row.monthly_amount,
        updated_at=timezone.now(),
    )
