"""Payments: one member-month (full or partial), a branch-month by payroll deduction, 补交 within
the limit, and voluntary extra payments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.core.rules import rule_source, rule_value
from dangjian.dues import rules
from dangjian.dues.models import (
    SETTLED,
    BaseCategory,
    Channel,
    EntryStatus,
    LedgerEntry,
    Payment,
    VoluntaryPayment,
)
from dangjian.dues.selectors import catch_up_earliest
from dangjian.dues.services.common import actor_or_none, as_month, require_manage

# Categories paid from a monthly pay slip, so a payroll deduction (工资代扣) applies to them.
PAYROLL_CATEGORIES = (BaseCategory.EMPLOYED, BaseCategory.ANNUAL_SALARY)


def check_catch_up(month: datetime.date, paid_on: datetime.date) -> None:
    earliest = catch_up_earliest(paid_on)
    if month < earliest:
        months = rule_value(rules.CATCH_UP_MONTHS, on=paid_on)
        raise RuleViolation(
            f"{month:%Y年%m月}的党费已超过补交期限：补交最多追溯 {months} 个月，"
            f"{paid_on:%Y年%m月%d日}缴纳时最早只能补交{earliest:%Y年%m月}的党费。",
            rule_key=rules.CATCH_UP_MONTHS,
            source=rule_source(rules.CATCH_UP_MONTHS, on=paid_on),
            remedy="更早月份的欠缴请由党支部按规定研究处理。",
        )


def _check_paid_on(paid_on) -> datetime.date:
    if not isinstance(paid_on, datetime.date):
        raise ServiceError("请填写缴纳日期。")
    if paid_on > timezone.localdate():
        raise ServiceError(f"缴纳日期不能晚于今天（{paid_on:%Y-%m-%d}）。")
    return paid_on


def _check_channel(channel) -> str:
    if channel not in Channel.values:
        raise ServiceError("请选择缴纳方式：现金、工资代扣、转账或线上缴纳。")
    return channel


def payment_record(
    *,
    actor,
    entry: LedgerEntry,
    paid_on: datetime.date,
    channel: str,
    amount: Decimal | None = None,
    payer_name: str = "",
    receipt_number: str = "",
    note: str = "",
) -> Payment:
    """Record a payment towards one member-month; `amount` None pays everything still owed."""
    require_manage(actor, entry.organization)
    _check_paid_on(paid_on)
    _check_channel(channel)
    with transaction.atomic():
        entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status in SETTLED:
            raise ServiceError(
                f"{entry.month:%Y年%m月}的党费已{entry.get_status_display()}，无需再缴。"
            )
        check_catch_up(entry.month, paid_on)
        owed = entry.amount_due - entry.amount_paid
        amount = owed if amount is None else amount
        if amount <= 0:
            raise ServiceError("缴纳金额必须大于 0。")
        if amount > owed:
            raise ServiceError(
                f"缴纳金额 {amount} 元超过该月尚欠的 {owed} 元；多交的部分请登记为自愿多交党费。"
            )
        payment = Payment.objects.create(
            entry=entry,
            amount=amount,
            paid_on=paid_on,
            channel=channel,
            payer_name=payer_name.strip()[:50],
            receipt_number=receipt_number.strip()[:50],
            is_catch_up=entry.month < paid_on.replace(day=1),
            note=note[:200],
            recorded_by=actor_or_none(actor),
        )
        before = {"amount_paid": entry.amount_paid, "status": entry.status}
        entry.amount_paid += amount
        entry.status = (
            EntryStatus.PAID if entry.amount_paid >= entry.amount_due else EntryStatus.PARTIAL
        )
        entry.paid_on = paid_on
        entry.channel = channel
        entry.payer_name = payment.payer_name
        entry.receipt_number = payment.receipt_number
        entry.recorded_by = actor_or_none(actor)
        entry.save()
        audit_log(
            actor=actor,
            action="dues.payment_record",
            obj=entry,
            organization=entry.organization,
            before=before,
            after={
                "amount": amount,
                "amount_paid": entry.amount_paid,
                "status": entry.status,
                "channel": channel,
                "payer_name": payment.payer_name,
                "catch_up": payment.is_catch_up,
            },
        )
    return payment


def payroll_mark(
    *, actor, organization, month: datetime.date, paid_on: datetime.date, member_ids=None
) -> int:
    """Mark the branch-month's unsettled rows of salaried members (在职, 年薪制) as paid in full
    by payroll deduction; `member_ids` narrows it to some members. Returns the rows marked."""
    require_manage(actor, organization)
    month = as_month(month)
    _check_paid_on(paid_on)
    check_catch_up(month, paid_on)
    with transaction.atomic():
        rows = LedgerEntry.objects.select_for_update().filter(
            organization=organization,
            month=month,
            status__in=[EntryStatus.UNPAID, EntryStatus.PARTIAL],
            category__in=PAYROLL_CATEGORIES,
        )
        if member_ids is not None:
            rows = rows.filter(member_id__in=list(member_ids))
        owed = list(rows.values_list("pk", "amount_due", "amount_paid"))
        recorder = actor_or_none(actor)
        catch_up = month < paid_on.replace(day=1)
        Payment.objects.bulk_create(
            [
                Payment(
                    entry_id=pk,
                    amount=due - paid,
                    paid_on=paid_on,
                    channel=Channel.PAYROLL,
                    is_catch_up=catch_up,
                    note="工资代扣批量登记",
                    recorded_by=recorder,
                )
                for pk, due, paid in owed
            ],
            batch_size=1000,
        )
        marked = LedgerEntry.objects.filter(pk__in=[pk for pk, _, _ in owed]).update(
            amount_paid=F("amount_due"),
            status=EntryStatus.PAID,
            paid_on=paid_on,
            channel=Channel.PAYROLL,
            payer_name="",
            recorded_by=recorder,
            updated_at=timezone.now(),
        )
        audit_log(
            actor=actor,
            action="dues.payroll_mark",
            object_type="dues.ledgerentry",
            object_repr=f"{organization.name} {month:%Y年%m月} 工资代扣",
            organization=organization,
            after={
                "month": month,
                "paid_on": paid_on,
                "rows": marked,
                "total": sum((due - paid for _, due, paid in owed), Decimal(0)),
            },
        )
    return marked


def voluntary_payment_record(
    *,
    actor,
    member,
    amount: Decimal,
    paid_on: datetime.date,
    channel: str,
    receipt_number: str = "",
    note: str = "",
) -> VoluntaryPayment:
    """A voluntary extra payment; a one-off at or above the rule threshold goes to 中央."""
    require_manage(actor, member.organization)
    _check_paid_on(paid_on)
    _check_channel(channel)
    if amount is None or amount <= 0:
        raise ServiceError("自愿多交的金额必须大于 0。")
    threshold = Decimal(rule_value(rules.CENTRAL_THRESHOLD, on=paid_on))
    with transaction.atomic():
        payment = VoluntaryPayment.objects.create(
            member=member,
            organization=member.organization,
            amount=amount,
            paid_on=paid_on,
            channel=channel,
            receipt_number=receipt_number.strip()[:50],
            to_central=amount >= threshold,
            note=note[:200],
            recorded_by=actor_or_none(actor),
        )
        audit_log(
            actor=actor,
            action="dues.voluntary_payment",
            obj=payment,
            organization=member.organization,
            after={"amount": amount, "paid_on": paid_on, "to_central": payment.to_central},
        )
    return payment
