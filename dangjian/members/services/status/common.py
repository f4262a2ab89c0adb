"""The shared pieces of the 党籍 status services: the constants and `StatusRefused`, the checks
every change runs (the member row locked for the transaction, the transition and effective-date
checks, the reason and document number, and `allowed_kinds` for the pages), and the writing of
one change: the `StatusChange`, the `RecordChange` history, the audit entry and the refreshed
member counts. The sub-domain modules (`transitions`, `retirement`, `flags`) import from here
and never from each other.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope
from dangjian.members.models import (
    Employment,
    LeaveType,
    Member,
    RecordChange,
    Status,
    StatusChange,
)
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services.people import changes_between, refresh_counts

Kind = StatusChange.Kind
REASON_MAX = 500
DOCUMENT_MAX = StatusChange._meta.get_field("document_number").max_length

HELD = (Status.NORMAL, Status.RESTORED, Status.SUSPENDED)
ALLOWED_FROM = {
    Kind.SUSPEND: (Status.NORMAL, Status.RESTORED),
    Kind.RESTORE: (Status.SUSPENDED,),
    Kind.LEAVE: HELD,
    Kind.DEATH: HELD,
    Kind.RETIRE: HELD,
}
# What one change may touch, for the history entry and the audit before/after.
TRACKED_MEMBER = (
    "status", "status_changed_on", "organization", "party_group", "is_floating",
    "floating_since", "floating_destination", "is_lost_contact", "lost_contact_since",
)  # fmt: skip
TRACKED_PERSON = ("employment", "retired_on")


class StatusRefused(ServiceError):
    """A refused change; `field` names the form field the message belongs to (or None)."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


# ---------------------------------------------------------------- checks


def allowed_kinds(member: Member) -> dict[str, str]:
    """For each change, "" when it may be made now, else the Chinese reason it may not."""
    result = {}
    for kind in ALLOWED_FROM:
        try:
            _check_transition(member, kind)
        except StatusRefused as refused:
            result[kind] = refused.message
        else:
            result[kind] = ""
    if not result[Kind.RETIRE] and member.person.employment == Employment.RETIRED:
        result[Kind.RETIRE] = f"{member.person.name}已登记为离退休。"
    return result


def _locked(actor, member: Member) -> Member:
    """The member row locked for the transaction (404 outside the actor's scope)."""
    # Only the member row: PostgreSQL cannot lock the nullable side of the party-group join.
    locked = (
        Member.objects.select_for_update(of=("self",))
        .select_related("person", "organization", "party_group")
        .get(pk=member.pk)
    )
    require_in_scope(actor, MANAGE_MEMBER, locked.organization.path)
    locked._status_before = _snapshot(locked)
    return locked


def _check_transition(member: Member, kind: str) -> None:
    if member.status in ALLOWED_FROM[kind]:
        return
    if member.status not in HELD:
        raise StatusRefused(final_message(member))
    since = _since(member)
    if kind == Kind.SUSPEND:
        raise StatusRefused(f"该党员已{since}停止党籍，不能重复办理。")
    if member.status == Status.RESTORED:
        raise StatusRefused(f"该党员已{since}恢复党籍，不能重复办理。")
    current = member.get_status_display()
    raise StatusRefused(f"只有停止党籍的党员才能恢复党籍；该党员当前党籍状态为“{current}”。")


def final_message(member: Member) -> str:
    since = _since(member)
    if member.status == Status.DECEASED:
        return f"该党员已{since}去世，不能再办理党籍变更或修改标记。"
    if member.status == Status.LEFT:
        return f"该人员已{since}出党，不能再办理党籍变更；重新入党须按发展党员程序办理。"
    return f"该党员的组织关系已{since}转出，党籍变更由接收党组织办理。"


def _since(member: Member) -> str:
    day = member.status_changed_on
    return f"于 {day:%Y-%m-%d} " if day else ""


def _check_date(member: Member, effective_on, *, after_last_change: bool = False) -> None:
    if not isinstance(effective_on, date):
        raise StatusRefused("请填写生效日期。", field="effective_on")
    today = timezone.localdate()
    if effective_on > today:
        raise StatusRefused(f"生效日期不能晚于今天（{today:%Y-%m-%d}）。", field="effective_on")
    if member.joined_on and effective_on < member.joined_on:
        raise StatusRefused(
            f"生效日期不能早于入党日期（{member.joined_on:%Y-%m-%d}）。", field="effective_on"
        )
    last = member.status_changed_on
    if after_last_change and last and effective_on < last:
        raise StatusRefused(
            f"生效日期不能早于上一次党籍变更的生效日期（{last:%Y-%m-%d}）。",
            field="effective_on",
        )


def _reason(reason) -> str:
    text = str(reason or "").strip()
    if not text:
        raise StatusRefused("请填写原因。", field="reason")
    if len(text) > REASON_MAX:
        raise StatusRefused(f"原因不能超过 {REASON_MAX} 字。", field="reason")
    return text


def _document(number) -> str:
    text = str(number or "").strip()
    if len(text) > DOCUMENT_MAX:
        raise StatusRefused(f"文件字号不能超过 {DOCUMENT_MAX} 字。", field="document_number")
    return text


# ---------------------------------------------------------------- writing


def _snapshot(member: Member) -> dict:
    values = {field: getattr(member, field) for field in TRACKED_MEMBER}
    values.update({field: getattr(member.person, field) for field in TRACKED_PERSON})
    return values


def _write(
    actor,
    member: Member,
    *,
    kind: str,
    to_status: str,
    effective_on: date,
    reason: str,
    leave_type: str = "",
    document_number: str = "",
) -> StatusChange:
    """Save the member (and person), then the status change, history, audit and counts."""
    before = member._status_before
    from_status, from_org = before["status"], before["organization"]
    if to_status != from_status:
        member.status, member.status_changed_on = to_status, effective_on
    member.person.save(update_fields=[*TRACKED_PERSON, "organization", "updated_at"])
    member.save()
    change = StatusChange.objects.create(
        member=member,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        leave_type=leave_type,
        effective_on=effective_on,
        reason=reason,
        document_number=document_number,
        from_organization=from_org,
        to_organization=member.organization if member.organization != from_org else None,
        actor=_account(actor),
    )
    label = Kind(kind).label
    if leave_type:
        label += f"（{LeaveType(leave_type).label}）"
    note = f"{label}（{effective_on:%Y-%m-%d}）：{reason}"
    changes = _history(actor, member, before, note)
    _audit(actor, member, f"members.member_{kind}", changes, note, from_org)
    refresh_counts(from_org, before["party_group"], member.organization)
    return change


def _history(actor, member: Member, before: dict, note: str) -> list[dict]:
    changes = changes_between(before, _snapshot(member))
    RecordChange.objects.create(
        person=member.person,
        source=RecordChange.Source.STATUS,
        changes=changes,
        note=note[:200],
        actor=_account(actor),
        actor_name=getattr(actor, "display_name", "") or "",
    )
    return changes


def _audit(actor, member, action, changes, note, organization=None) -> None:
    audit_log(
        actor=actor,
        action=action,
        obj=member.person,
        organization=organization or member.organization,
        before={c["field"]: c["before"] for c in changes},
        after={c["field"]: c["after"] for c in changes},
        message=note[:200],
    )


def _account(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
