"""Hardship reductions and waivers (domain §2.1): the branch asks, the upper committee decides."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope, scope_of
from dangjian.dues.models import EntryStatus, Hardship, HardshipKind, HardshipStatus, LedgerEntry
from dangjian.dues.permissions import APPROVE_HARDSHIP
from dangjian.dues.services.common import (
    actor_or_none,
    as_month,
    months_between,
    require_manage,
)

MAX_MONTHS = 12  # one request covers at most a year; a longer hardship is asked for again
FIELDS = ("kind", "monthly_amount", "first_month", "last_month", "status", "decision_note")


def hardship_request(
    *,
    actor,
    member,
    kind: str,
    first_month: datetime.date,
    last_month: datetime.date,
    reason: str,
    monthly_amount: Decimal | None = None,
) -> Hardship:
    require_manage(actor, member.organization)
    if kind not in HardshipKind.values:
        raise ServiceError("请选择减交或免交。")
    first, last = as_month(first_month, "起始月份"), as_month(last_month, "截止月份")
    if last < first:
        raise ServiceError("截止月份不能早于起始月份。")
    if months_between(first, last) >= MAX_MONTHS:
        raise ServiceError(f"一次申请最多 {MAX_MONTHS} 个月，期满后可重新申请。")
    if not (reason or "").strip():
        raise ServiceError("请填写减免理由（家庭困难情况）。")
    amount = Decimal(0)
    if kind == HardshipKind.REDUCE:
        if monthly_amount is None or monthly_amount <= 0:
            raise ServiceError("减交须填写减交后每月应缴的金额（大于 0）；不交请选择免交。")
        amount = monthly_amount
    with transaction.atomic():
        hardship = Hardship.objects.create(
            member=member,
            organization=member.organization,
            kind=kind,
            monthly_amount=amount,
            first_month=first,
            last_month=last,
            reason=reason.strip(),
            requested_by=actor_or_none(actor),
        )
        audit_log(
            actor=actor,
            action="dues.hardship_request",
            obj=hardship,
            organization=member.organization,
            after=snapshot(hardship, FIELDS),
        )
    return hardship


def may_decide(actor, hardship: Hardship) -> bool:
    """Only the upper committee decides: a grant strictly above the requesting branch."""
    branch_path = hardship.organization.path
    return any(
        branch_path.startswith(prefix) and prefix != branch_path
        for prefix in scope_of(actor).paths_for(APPROVE_HARDSHIP)
    )


def hardship_decide(*, actor, hardship: Hardship, approve: bool, note: str = "") -> Hardship:
    require_in_scope(actor, APPROVE_HARDSHIP, hardship.organization.path)
    if not may_decide(actor, hardship):
        raise ServiceError("党费减免须由上一级党委审批，党支部不能审批本支部的申请。")
    with transaction.atomic():
        hardship = Hardship.objects.select_for_update().get(pk=hardship.pk)
        if hardship.status != HardshipStatus.REQUESTED:
            raise ServiceError(f"该申请{hardship.get_status_display()}，不能再审批。")
        if not approve and not (note or "").strip():
            raise ServiceError("不批准时请填写审批意见，说明理由。")
        before = snapshot(hardship, FIELDS)
        hardship.status = HardshipStatus.APPROVED if approve else HardshipStatus.REJECTED
        hardship.decided_by = actor_or_none(actor)
        hardship.decided_at = timezone.now()
        hardship.decision_note = (note or "").strip()
        hardship.save()
        repriced = _apply(hardship) if approve else 0
        audit_log(
            actor=actor,
            action="dues.hardship_decide",
            obj=hardship,
            organization=hardship.organization,
            before=before,
            after=snapshot(hardship, FIELDS),
            message=f"调整 {repriced} 个月的应缴金额" if repriced else "",
        )
    return hardship


def _apply(hardship: Hardship) -> int:
    """The approved amount replaces what is due on the months in range nobody paid towards."""
    rows = LedgerEntry.objects.filter(
        member_id=hardship.member_id,
        month__gte=hardship.first_month,
        month__lte=hardship.last_month,
        status=EntryStatus.UNPAID,
        amount_paid=0,
    )
    changes = {"hardship": hardship, "updated_at": timezone.now()}
    if hardship.kind == HardshipKind.WAIVE:
        return rows.update(amount_due=0, status=EntryStatus.WAIVED, **changes)
    return rows.filter(amount_due__gt=hardship.monthly_amount).update(
        amount_due=hardship.monthly_amount, **changes
    )


def hardship_withdraw(*, actor, hardship: Hardship) -> Hardship:
    require_manage(actor, hardship.organization)
    with transaction.atomic():
        hardship = Hardship.objects.select_for_update().get(pk=hardship.pk)
        if hardship.status != HardshipStatus.REQUESTED:
            raise ServiceError(f"该申请{hardship.get_status_display()}，不能撤回。")
        hardship.status = HardshipStatus.WITHDRAWN
        hardship.save(update_fields=["status"])
        audit_log(
            actor=actor,
            action="dues.hardship_withdraw",
            obj=hardship,
            organization=hardship.organization,
        )
    return hardship
