"""The 党籍 transitions (domain §4): 停止党籍, 恢复党籍, 出党 (自行脱党/除名/开除党籍/退党) and
去世. Each one locks the member row, checks the transition from the current status and the
effective date, and writes the change through `common._write`; 停止党籍 on the ground of 失联
also checks the rule's months of lost contact (`members.lost_contact_suspend_months`), and
`lost_contact_earliest` tells the page the first day that may be done.
"""

from __future__ import annotations

from datetime import date

from django.db import models, transaction

from dangjian.core.exceptions import RuleViolation
from dangjian.core.rules import rule_source, rule_value
from dangjian.members.models import LeaveType, Member, Status, StatusChange
from dangjian.members.rules import LOST_CONTACT_SUSPEND_MONTHS
from dangjian.members.services.status.common import (
    Kind,
    StatusRefused,
    _check_date,
    _check_transition,
    _document,
    _locked,
    _reason,
    _write,
)
from dangjian.orgs.dates import add_months

# 除名 and 开除党籍 are decisions of a party organisation, issued as a numbered document.
LEAVE_NEEDS_DOCUMENT = (LeaveType.REMOVED, LeaveType.EXPELLED)


class SuspendGround(models.TextChoices):
    """Why a membership is suspended (《中国共产党党员教育管理工作条例》, domain §4)."""

    LOST_CONTACT = "lost_contact", "与党组织失去联系，经多方查找仍无音讯"
    SETTLED_ABROAD = "settled_abroad", "出国（境）定居"
    STUDY_ABROAD = "study_abroad", "出国（境）学习研究，长期未归"
    OTHER = "other", "其他（经党组织研究决定）"


# ---------------------------------------------------------------- 党籍 changes


@transaction.atomic
def member_suspend(
    *,
    actor,
    member: Member,
    effective_on: date,
    reason: str,
    ground: str,
    document_number: str = "",
) -> StatusChange:
    """停止党籍. For 失联 the member must be registered as lost contact for the rule's months
    (`members.lost_contact_suspend_months`) on the effective date."""
    member = _locked(actor, member)
    _check_transition(member, Kind.SUSPEND)
    _check_date(member, effective_on, after_last_change=True)
    if ground not in SuspendGround.values:
        raise StatusRefused("请选择停止党籍的原因类别。", field="ground")
    if ground == SuspendGround.LOST_CONTACT:
        _check_lost_contact(member, effective_on)
    label = SuspendGround(ground).label
    return _write(
        actor,
        member,
        kind=Kind.SUSPEND,
        to_status=Status.SUSPENDED,
        effective_on=effective_on,
        reason=f"{label}：{_reason(reason)}",
        document_number=_document(document_number),
    )


@transaction.atomic
def member_restore(
    *, actor, member: Member, effective_on: date, reason: str, document_number: str = ""
) -> StatusChange:
    """恢复党籍, only from 停止党籍. A 失联 mark ends with it: the member has been found."""
    member = _locked(actor, member)
    _check_transition(member, Kind.RESTORE)
    _check_date(member, effective_on, after_last_change=True)
    reason, document_number = _reason(reason), _document(document_number)
    if member.is_lost_contact:
        member.is_lost_contact, member.lost_contact_since = False, None
    return _write(
        actor,
        member,
        kind=Kind.RESTORE,
        to_status=Status.RESTORED,
        effective_on=effective_on,
        reason=reason,
        document_number=document_number,
    )


@transaction.atomic
def member_leave(
    *,
    actor,
    member: Member,
    effective_on: date,
    reason: str,
    leave_type: str,
    document_number: str = "",
) -> StatusChange:
    """出党: 自行脱党, 除名, 开除党籍 or 退党; 除名 and 开除党籍 need the decision's number."""
    member = _locked(actor, member)
    _check_transition(member, Kind.LEAVE)
    _check_date(member, effective_on, after_last_change=True)
    if leave_type not in LeaveType.values:
        raise StatusRefused("请选择出党方式。", field="leave_type")
    document_number = _document(document_number)
    if leave_type in LEAVE_NEEDS_DOCUMENT and not document_number:
        label = LeaveType(leave_type).label
        raise StatusRefused(
            f"{label}须填写党组织决定的文件字号（如“党发〔2025〕12号”）。",
            field="document_number",
        )
    return _write(
        actor,
        member,
        kind=Kind.LEAVE,
        to_status=Status.LEFT,
        effective_on=effective_on,
        reason=_reason(reason),
        leave_type=leave_type,
        document_number=document_number,
    )


@transaction.atomic
def member_die(
    *, actor, member: Member, effective_on: date, reason: str, document_number: str = ""
) -> StatusChange:
    """死亡: the record stays as history; the member leaves the counts."""
    member = _locked(actor, member)
    _check_transition(member, Kind.DEATH)
    _check_date(member, effective_on, after_last_change=True)
    return _write(
        actor,
        member,
        kind=Kind.DEATH,
        to_status=Status.DECEASED,
        effective_on=effective_on,
        reason=_reason(reason),
        document_number=_document(document_number),
    )


def lost_contact_earliest(member: Member) -> date | None:
    """The first day a lost-contact member may be suspended (失联日期 + the rule's months)."""
    if not member.is_lost_contact or member.lost_contact_since is None:
        return None
    months = rule_value(LOST_CONTACT_SUSPEND_MONTHS, member.lost_contact_since)
    return add_months(member.lost_contact_since, months)


def _check_lost_contact(member: Member, effective_on: date) -> None:
    months = rule_value(LOST_CONTACT_SUSPEND_MONTHS, effective_on)
    if not member.is_lost_contact or member.lost_contact_since is None:
        raise StatusRefused(
            "该党员未登记为失去联系。请先登记“失去联系”及失联日期，满 "
            f"{months} 个月后再以失联为由停止党籍，或选择其他原因。",
            field="ground",
        )
    earliest = add_months(member.lost_contact_since, months)
    if effective_on < earliest:
        raise RuleViolation(
            f"与党组织失去联系满 {months} 个月才能停止党籍：该党员自 "
            f"{member.lost_contact_since:%Y-%m-%d} 失联，最早可在 {earliest:%Y-%m-%d} 办理",
            rule_key=LOST_CONTACT_SUSPEND_MONTHS,
            source=rule_source(LOST_CONTACT_SUSPEND_MONTHS, effective_on),
        )
