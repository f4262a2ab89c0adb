"""The 流动党员 and 失联 flags (domain §4): `member_set_flags` turns either on (from the
effective date) or off (on it) for a member the organisation still holds. The 党籍 status and
the member counts do not change; the change is kept in the record history and the audit log.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from dangjian.members.models import Member
from dangjian.members.services.status.common import (
    HELD,
    StatusRefused,
    _audit,
    _check_date,
    _history,
    _locked,
    _reason,
    final_message,
)

DESTINATION_MAX = Member._meta.get_field("floating_destination").max_length


@transaction.atomic
def member_set_flags(
    *,
    actor,
    member: Member,
    effective_on: date,
    reason: str,
    floating: bool | None = None,
    floating_destination: str = "",
    lost_contact: bool | None = None,
) -> Member:
    """Turn 流动党员 and/or 失联 on (from `effective_on`) or off (on `effective_on`); None
    leaves a flag as it is. The status and the counts do not change."""
    member = _locked(actor, member)
    if floating is None and lost_contact is None:
        raise StatusRefused("请选择要登记或取消的标记（流动党员或失去联系）。")
    if member.status not in HELD:
        raise StatusRefused(final_message(member))
    _check_date(member, effective_on)
    reason = _reason(reason)
    notes = []
    if floating is not None:
        notes.append(_set_floating(member, floating, effective_on, floating_destination))
    if lost_contact is not None:
        notes.append(_set_lost_contact(member, lost_contact, effective_on))
    member.save()
    note = f"{'、'.join(notes)}（{effective_on:%Y-%m-%d}）：{reason}"
    changes = _history(actor, member, member._status_before, note)
    _audit(actor, member, "members.member_set_flags", changes, note)
    return member


def _set_floating(member: Member, on: bool, effective_on: date, destination) -> str:
    if on:
        if member.is_floating:
            since = f"（自 {member.floating_since:%Y-%m-%d} 起）" if member.floating_since else ""
            raise StatusRefused(f"该党员已登记为流动党员{since}，不能重复登记。")
        destination = str(destination or "").strip()
        if not destination:
            raise StatusRefused(
                "请填写流动去向（外出务工、经商或学习的地点、单位）。",
                field="floating_destination",
            )
        if len(destination) > DESTINATION_MAX:
            raise StatusRefused(
                f"流动去向不能超过 {DESTINATION_MAX} 字。", field="floating_destination"
            )
        member.is_floating, member.floating_since = True, effective_on
        member.floating_destination = destination
        return "登记流动党员"
    if not member.is_floating:
        raise StatusRefused("该党员不是流动党员，无需取消。")
    if member.floating_since and effective_on < member.floating_since:
        raise StatusRefused(
            f"返回日期不能早于外出流动日期（{member.floating_since:%Y-%m-%d}）。",
            field="effective_on",
        )
    member.is_floating, member.floating_since, member.floating_destination = False, None, ""
    return "取消流动党员"


def _set_lost_contact(member: Member, on: bool, effective_on: date) -> str:
    if on:
        if member.is_lost_contact:
            since = member.lost_contact_since
            text = f"（自 {since:%Y-%m-%d} 起）" if since else ""
            raise StatusRefused(f"该党员已登记为失去联系{text}，不能重复登记。")
        member.is_lost_contact, member.lost_contact_since = True, effective_on
        return "登记失去联系"
    if not member.is_lost_contact:
        raise StatusRefused("该党员未登记为失去联系，无需取消。")
    if member.lost_contact_since and effective_on < member.lost_contact_since:
        raise StatusRefused(
            f"恢复联系日期不能早于失联日期（{member.lost_contact_since:%Y-%m-%d}）。",
            field="effective_on",
        )
    member.is_lost_contact, member.lost_contact_since = False, None
    return "取消失去联系"
