"""The branch's yearly 收支公开 statement (domain §2.2: published to members at least yearly)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import ServiceError
from dangjian.dues.models import BranchStatement, Payment, VoluntaryPayment
from dangjian.dues.services.bases import check_year
from dangjian.dues.services.common import actor_or_none, require_manage

FIELDS = (
    "year",
    "opening_balance",
    "collected",
    "voluntary",
    "remitted",
    "used",
    "use_note",
    "published",
    "published_on",
)


def collected_in(organization, year: int) -> tuple[Decimal, Decimal]:
    """(dues, voluntary) the branch itself received in the year, by the date of payment."""
    dues = Payment.objects.filter(entry__organization=organization, paid_on__year=year).aggregate(
        total=Sum("amount")
    )["total"]
    voluntary = VoluntaryPayment.objects.filter(
        organization=organization, paid_on__year=year
    ).aggregate(total=Sum("amount"))["total"]
    return dues or Decimal(0), voluntary or Decimal(0)


def _money(value, label: str) -> Decimal:
    if value is None or not isinstance(value, Decimal | int):
        raise ServiceError(f"请填写{label}（元）。")
    value = Decimal(value)
    if value < 0:
        raise ServiceError(f"{label}不能为负数。")
    return value


def statement_prepare(
    *,
    actor,
    organization,
    year: int,
    opening_balance: Decimal,
    remitted: Decimal,
    used: Decimal,
    use_note: str = "",
) -> BranchStatement:
    """Create or update the year's statement; `collected` is recomputed from the ledger. A
    published statement must be withdrawn before it changes."""
    require_manage(actor, organization)
    check_year(year)
    amounts = {
        "opening_balance": _money(opening_balance, "上年结余"),
        "remitted": _money(remitted, "上缴党费"),
        "used": _money(used, "使用党费"),
    }
    collected, voluntary = collected_in(organization, year)
    with transaction.atomic():
        existing = (
            BranchStatement.objects.select_for_update()
            .filter(organization=organization, year=year)
            .first()
        )
        if existing and existing.published:
            raise ServiceError("该年度的收支情况已公开，请先撤回公开再修改。")
        before = snapshot(existing, FIELDS) if existing else None
        statement, _ = BranchStatement.objects.update_or_create(
            organization=organization,
            year=year,
            defaults={
                **amounts,
                "collected": collected,
                "voluntary": voluntary,
                "use_note": (use_note or "").strip(),
                "updated_by": actor_or_none(actor),
            },
        )
        if statement.balance < 0:
            raise ServiceError(
                f"上缴和使用合计超过了可用党费（结余将为 {statement.balance} 元），请核对金额。"
            )
        audit_log(
            actor=actor,
            action="dues.statement_prepare",
            obj=statement,
            organization=organization,
            before=before,
            after=snapshot(statement, FIELDS),
        )
    return statement


def statement_publish(
    *, actor, statement: BranchStatement, on: datetime.date | None = None
) -> BranchStatement:
    require_manage(actor, statement.organization)
    with transaction.atomic():
        statement = BranchStatement.objects.select_for_update().get(pk=statement.pk)
        if statement.published:
            raise ServiceError("该年度的收支情况已经公开。")
        statement.published = True
        statement.published_on = on or timezone.localdate()
        statement.updated_by = actor_or_none(actor)
        statement.save(update_fields=["published", "published_on", "updated_by", "updated_at"])
        audit_log(
            actor=actor,
            action="dues.statement_publish",
            obj=statement,
            organization=statement.organization,
            after=snapshot(statement, FIELDS),
        )
    return statement


def statement_unpublish(*, actor, statement: BranchStatement) -> BranchStatement:
    require_manage(actor, statement.organization)
    with transaction.atomic():
        statement = BranchStatement.objects.select_for_update().get(pk=statement.pk)
        if not statement.published:
            raise ServiceError("该年度的收支情况尚未公开。")
        statement.published = False
        statement.published_on = None
        statement.updated_by = actor_or_none(actor)
        statement.save(update_fields=["published", "published_on", "updated_by", "updated_at"])
        audit_log(
            actor=actor,
            action="dues.statement_unpublish",
            obj=statement,
            organization=statement.organization,
        )
    return statement
