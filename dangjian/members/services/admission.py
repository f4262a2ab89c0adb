"""Admission of a new member from the development workflow (domain §1.4): the `Member` is
created as 预备党员 when the upper committee approves (预备期 from the 支部大会 date), becomes
正式党员 when the committee approves the conversion (党龄 from the end of the 预备期), or leaves
the party when the committee cancels the 预备党员资格.

Only `dangjian.development.services` calls these, inside its own transaction and after its
own permission checks (approve_development over the branch's committee). Each writes the member
history (`RecordChange`, source 党籍变更), a `StatusChange` when the 党籍 status changes, an
audit entry (codes in the development app's labels) and refreshes the member counts.
"""

from __future__ import annotations

from datetime import date

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.members.models import Category, Member, RecordChange, Status, StatusChange
from dangjian.members.services.people import changes_between, refresh_counts

TRACKED = ("organization", "category", "status", "status_changed_on", "joined_on", "full_member_on")
HELD = (Status.NORMAL, Status.RESTORED, Status.SUSPENDED)


def _snapshot(member: Member) -> dict:
    return {field: getattr(member, field) for field in TRACKED}


def _account(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _record(actor, member: Member, before: dict, action: str, note: str) -> None:
    changes = changes_between(before, _snapshot(member))
    RecordChange.objects.create(
        person=member.person,
        source=RecordChange.Source.STATUS,
        changes=changes,
        note=note[:200],
        actor=_account(actor),
        actor_name=getattr(actor, "display_name", "") or "",
    )
    audit_log(
        actor=actor,
        action=action,
        obj=member.person,
        organization=member.organization,
        before={c["field"]: c["before"] for c in changes},
        after={c["field"]: c["after"] for c in changes},
        message=note[:200],
    )


def member_admit(*, actor, person, organization, joined_on: date, note: str = "") -> Member:
    """Make the person a 预备党员 of the branch from the 支部大会 date (`joined_on`).

    A person whose earlier membership ended (出党) gets the same record back as a new member;
    a person who holds a membership is refused.
    """
    member = Member.objects.select_for_update().filter(person=person).first()
    if member is not None and member.status in HELD:
        raise ServiceError(
            f"{person.name}已是党员（{member.get_category_display()}），不能重复接收。"
        )
    previous_org = member.organization if member else None
    before = _snapshot(member) if member else dict.fromkeys(TRACKED)
    if member is None:
        member = Member(person=person)
    member.organization = organization
    member.party_group = None
    member.category = Category.PROBATIONARY
    member.status = Status.NORMAL
    member.status_changed_on = None
    member.joined_on = joined_on
    member.full_member_on = None
    member.save()
    person.organization = organization
    person.save(update_fields=["organization", "updated_at"])
    text = note or f"经上级党委审批接收为预备党员，入党日期 {joined_on:%Y-%m-%d}"
    _record(actor, member, before, "development.member_admit", text)
    refresh_counts(previous_org, organization)
    return member


def member_convert(*, actor, member: Member, full_member_on: date, note: str = "") -> Member:
    """Make a 预备党员 a 正式党员; 党龄 counts from `full_member_on` (the end of the 预备期)."""
    member = Member.objects.select_for_update().select_related("person").get(pk=member.pk)
    if member.category != Category.PROBATIONARY or member.status not in HELD:
        raise ServiceError(f"{member.person.name}不是预备党员，不能办理转正。")
    before = _snapshot(member)
    member.category = Category.FULL
    member.full_member_on = full_member_on
    member.save(update_fields=["category", "full_member_on", "updated_at"])
    text = note or f"经上级党委批准转为正式党员，转正日期 {full_member_on:%Y-%m-%d}"
    _record(actor, member, before, "development.member_convert", text)
    refresh_counts(member.organization)
    return member


def member_cancel_probation(
    *, actor, member: Member, effective_on: date, reason: str, document_number: str = ""
) -> Member:
    """取消预备党员资格: the 预备党员 leaves the party (出党); the record stays as history."""
    member = Member.objects.select_for_update().select_related("person").get(pk=member.pk)
    if member.category != Category.PROBATIONARY or member.status not in HELD:
        raise ServiceError(f"{member.person.name}不是预备党员，不能取消预备党员资格。")
    before = _snapshot(member)
    from_status = member.status
    member.status, member.status_changed_on = Status.LEFT, effective_on
    member.save(update_fields=["status", "status_changed_on", "updated_at"])
    StatusChange.objects.create(
        member=member,
        kind=StatusChange.Kind.LEAVE,
        from_status=from_status,
        to_status=Status.LEFT,
        effective_on=effective_on,
        reason=f"取消预备党员资格：{reason}",
        document_number=document_number,
        from_organization=member.organization,
        actor=_account(actor),
    )
    text = f"取消预备党员资格（{effective_on:%Y-%m-%d}）：{reason}"
    _record(actor, member, before, "development.member_cancel", text)
    refresh_counts(member.organization)
    return member
