"""The member-record side of 组织关系转接 (domain §4), called by the transfers app only.

* `member_move` — a transfer inside the platform's tree: the Member row moves to the receiving
  branch with its whole history (its `StatusChange`, `RecordChange`, documents and rewards are
  linked to the member and the person, so they follow); 党籍 stays as it is.
* `member_transfer_out` — the relationship leaves the platform: 党籍 becomes 转出 on the day
  the receiving organisation took the member in; the record stays as history.
* `member_register_incoming` — a member arriving from outside (the transfers app found the
  person by the ID number's lookup hash, or created them; `parse_id` checks the number) gets a
  membership in the chosen branch.

The transfers service has already checked the transfer itself (its letter, its state and the
actor's transfers permission); these functions lock the member row, check what the record
allows, and write the `StatusChange`, the `RecordChange` history, the audit entry and the
refreshed member counts, as the other status services do. The receiving committee may not
manage the sending branch, so the move checks the actor's scope over the receiving branch only.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from dangjian.core.exceptions import ServiceError
from dangjian.core.idnumbers import IdNumber, IdNumberError, parse_id_number
from dangjian.core.scope import require_in_scope
from dangjian.members.models import Category, Member, Person, RecordChange, Status, StatusChange
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services.people import refresh_counts
from dangjian.members.services.status.common import (
    HELD,
    StatusRefused,
    _account,
    _audit,
    _history,
    _snapshot,
    final_message,
)
from dangjian.orgs.models import Organization

Kind = StatusChange.Kind


def _locked_member(member: Member) -> Member:
    locked = (
        Member.objects.select_for_update(of=("self",))
        .select_related("person", "organization", "party_group")
        .get(pk=member.pk)
    )
    if locked.status not in HELD:
        raise StatusRefused(final_message(locked))
    locked._status_before = _snapshot(locked)
    return locked


def _check_branch(actor, organization: Organization) -> None:
    if organization is None or not organization.is_active or not organization.is_branch:
        raise StatusRefused("请选择一个有效的党支部接收该党员。", field="branch")
    require_in_scope(actor, MANAGE_MEMBER, organization.path)


def _record(actor, member, *, kind, to_status, effective_on, reason, document, action, from_org):
    before = member._status_before
    member.person.save(update_fields=["organization", "updated_at"])
    member.save()
    change = StatusChange.objects.create(
        member=member,
        kind=kind,
        from_status=before["status"],
        to_status=to_status,
        effective_on=effective_on,
        reason=reason,
        document_number=document,
        from_organization=from_org,
        to_organization=member.organization if member.organization != from_org else None,
        actor=_account(actor),
    )
    note = f"组织关系转接（{effective_on:%Y-%m-%d}）：{reason}"
    changes = _history(actor, member, before, note)
    _audit(actor, member, action, changes, note, from_org)
    refresh_counts(from_org, before["party_group"], member.organization)
    return change


@transaction.atomic
def member_move(
    *, actor, member: Member, branch: Organization, effective_on: date, reason: str, document=""
) -> StatusChange:
    """Move the membership to `branch` (inside the tree), keeping 党籍 and the whole history."""
    member = _locked_member(member)
    _check_branch(actor, branch)
    if branch.pk == member.organization_id:
        raise StatusRefused("接收支部与该党员现在的支部相同，无须转接。", field="branch")
    from_org = member.organization
    member.organization, member.party_group = branch, None
    member.person.organization = branch
    return _record(
        actor,
        member,
        kind=Kind.TRANSFER_OUT,
        to_status=member.status,
        effective_on=effective_on,
        reason=reason,
        document=document,
        action="transfers.member_move",
        from_org=from_org,
    )


@transaction.atomic
def member_transfer_out(
    *, actor, member: Member, effective_on: date, reason: str, document=""
) -> StatusChange:
    """党籍 becomes 转出: the relationship now lies with an organisation outside the platform."""
    member = _locked_member(member)
    member.status, member.status_changed_on = Status.TRANSFERRED_OUT, effective_on
    return _record(
        actor,
        member,
        kind=Kind.TRANSFER_OUT,
        to_status=Status.TRANSFERRED_OUT,
        effective_on=effective_on,
        reason=reason,
        document=document,
        action="transfers.member_transfer_out",
        from_org=member.organization,
    )


def parse_id(id_number: str) -> IdNumber:
    try:
        return parse_id_number(str(id_number or "").strip())
    except IdNumberError as problem:
        raise StatusRefused(f"身份证号有误：{problem}", field="id_number") from problem


@transaction.atomic
def member_register_incoming(
    *,
    actor,
    person: Person,
    branch: Organization,
    category: str,
    joined_on: date | None,
    full_member_on: date | None,
    effective_on: date,
    reason: str,
) -> Member:
    """The membership of someone arriving from outside, in `branch`. A person whose earlier
    membership here was 转出 gets it back in the new branch (the history stays with it); one
    who holds a membership in good standing cannot arrive from outside."""
    _check_branch(actor, branch)
    if category not in Category.values:
        raise StatusRefused("请选择党员类别。", field="category")
    person = Person.objects.select_for_update().get(pk=person.pk)
    member = Member.objects.filter(person=person).select_related("organization").first()
    if member is not None and member.status != Status.TRANSFERRED_OUT:
        raise ServiceError(
            f"{person.name}在本平台已有党员记录（{member.organization.name}，"
            f"{member.get_status_display()}），不能作为平台外转入编入支部。"
        )
    from_org = member.organization if member is not None else None
    from_group = member.party_group if member is not None else None
    from_status = member.status if member is not None else Status.NORMAL
    person.organization = branch
    person.save(update_fields=["organization", "updated_at"])
    member = member or Member(person=person)
    member.organization, member.party_group = branch, None
    member.category, member.status, member.status_changed_on = category, Status.NORMAL, effective_on
    member.joined_on = joined_on or member.joined_on
    member.full_member_on = full_member_on if category == Category.FULL else None
    member.save()
    note = f"组织关系转入{branch.name}（{effective_on:%Y-%m-%d}）：{reason}"
    if from_org is not None:
        StatusChange.objects.create(
            member=member,
            kind=Kind.TRANSFER_OUT,
            from_status=from_status,
            to_status=Status.NORMAL,
            effective_on=effective_on,
            reason=reason,
            from_organization=from_org,
            to_organization=branch,
            actor=_account(actor),
        )
    RecordChange.objects.create(
        person=person,
        source=RecordChange.Source.STATUS,
        changes=[],
        note=note[:200],
        actor=_account(actor),
        actor_name=getattr(actor, "display_name", "") or "",
    )
    _audit(actor, member, "transfers.member_register", [], note, branch)
    refresh_counts(from_org, from_group, branch)
    return member
