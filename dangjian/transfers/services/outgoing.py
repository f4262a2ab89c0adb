"""Outgoing transfers (domain §4):

    REQUESTED → BRANCH_APPROVED → LETTER_ISSUED(valid_until) → RECEIVED_BY_TARGET → RECEIPT_BACK
    → CLOSED;  LETTER_ISSUED → EXPIRED → REISSUED;  LETTER_ISSUED → LOST → REISSUED

The branch requests and approves (`transfers.request_transfer` over the branch); the issuing
committee — the nearest 党委 above the branch — issues the letter and records what comes back
(`transfers.approve_transfer` over the committee). REISSUED behaves as LETTER_ISSUED: a valid
letter is out. For a destination outside the platform the member's 党籍 becomes 转出 on the
day the receiving organisation took the member in (RECEIVED_BY_TARGET), because the sending
organisation keeps management responsibility until then (§4 "Liability").
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core.exceptions import RuleViolation
from dangjian.core.rules import rule_source
from dangjian.core.scope import require_in_scope
from dangjian.members.models import Member
from dangjian.members.services.status.common import HELD, final_message
from dangjian.members.services.status.transfer import member_transfer_out
from dangjian.orgs.models import Organization, OrgType
from dangjian.transfers.models import LETTER_OUT, Direction, State, Transfer
from dangjian.transfers.permissions import APPROVE_TRANSFER, REQUEST_TRANSFER
from dangjian.transfers.rules import VALIDITY_MAX_DAYS
from dangjian.transfers.services import letters
from dangjian.transfers.services.common import (
    NAME_MAX,
    TransferRefused,
    check_day,
    committee_of,
    locked,
    require_state,
    text,
    write_step,
)


def paid_through(member: Member) -> date | None:
    """党费缴至: the first day of the last month fully paid (the dues app's selector)."""
    try:
        from dangjian.dues.selectors import paid_through as dues_paid_through
    except ImportError:  # the dues ledger is not there yet
        return None
    return dues_paid_through(member)


@transaction.atomic
def transfer_request(
    *,
    actor,
    member: Member,
    destination: Organization | None = None,
    destination_name: str = "",
    in_city: bool = False,
    reason: str,
    requested_on: date,
) -> Transfer:
    """The branch registers the member's request to move the 组织关系."""
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("person", "organization")
        .get(pk=member.pk)
    )
    require_in_scope(actor, REQUEST_TRANSFER, member.organization.path)
    if member.status not in HELD:
        raise TransferRefused(final_message(member))
    check_day(
        requested_on,
        "申请日期",
        field="requested_on",
        after=member.joined_on,
        after_label="入党日期",
    )
    receiver, name = _destination(member, destination, destination_name)
    if Transfer.objects.filter(member=member, state__in=_open()).exists():
        raise TransferRefused(
            f"{member.person.name}已有一笔正在办理的组织关系转接，请先办结或撤销。"
        )
    committee = committee_of(member.organization)
    if committee is None:
        raise TransferRefused("该支部上级没有党委，无法开具组织关系介绍信，请先完善组织架构。")
    transfer = Transfer(
        direction=Direction.OUT,
        state=State.REQUESTED,
        member=member,
        person=member.person,
        sender=member.organization,
        issuing_committee=committee,
        receiver=receiver,
        destination_name=name,
        category=member.category,
        joined_on=member.joined_on,
        full_member_on=member.full_member_on,
        in_city=bool(in_city),
        reason=text(reason, "转接原因", field="reason"),
        requested_on=requested_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as clash:
        raise TransferRefused(f"{member.person.name}已有一笔正在办理的组织关系转接。") from clash
    return write_step(
        actor,
        transfer,
        state=State.REQUESTED,
        day=requested_on,
        verb="request",
        note=f"转往{transfer.destination_label}",
    )


def _open():
    return [s for s in State.values if s not in (State.CLOSED, State.RECEIPT_SENT, State.CANCELLED)]


def _destination(member: Member, destination, destination_name) -> tuple:
    name = text(
        destination_name, "接收党组织名称", field="destination_name", required=False, limit=NAME_MAX
    )
    if destination is None:
        if not name:
            raise TransferRefused(
                "请选择平台内的接收党组织，或填写平台外接收党组织的全称。", field="destination"
            )
        return None, name
    if not destination.is_active or destination.org_type == OrgType.GROUP:
        raise TransferRefused(
            "接收党组织须为有效的党委、党总支或党支部，不能是党小组。", field="destination"
        )
    if destination.pk == member.organization_id:
        raise TransferRefused("接收党组织与该党员现在的支部相同，无须转接。", field="destination")
    return destination, ""


@transaction.atomic
def transfer_branch_approve(*, actor, transfer: Transfer, approved_on: date) -> Transfer:
    transfer = locked(actor, transfer, REQUEST_TRANSFER, "sender")
    require_state(transfer, (State.REQUESTED,), "由支部同意")
    transfer.branch_approved_on = check_day(
        approved_on,
        "支部同意日期",
        field="approved_on",
        after=transfer.requested_on,
        after_label="申请日期",
    )
    return write_step(
        actor, transfer, state=State.BRANCH_APPROVED, day=approved_on, verb="branch_approve"
    )


@transaction.atomic
def transfer_issue_letter(
    *,
    actor,
    transfer: Transfer,
    issued_on: date,
    validity_days: int | None = None,
    dues_paid_through: date | None = None,
) -> Transfer:
    """The committee approves and issues the numbered letter."""
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "committee")
    require_state(transfer, (State.BRANCH_APPROVED,), "开具介绍信（须先经支部同意）")
    check_day(
        issued_on,
        "开具日期",
        field="issued_on",
        after=transfer.branch_approved_on,
        after_label="支部同意日期",
    )
    return _issue(actor, transfer, issued_on, validity_days, dues_paid_through, State.LETTER_ISSUED)


def _issue(actor, transfer, issued_on, validity_days, dues_paid_through, state):
    if validity_days is None:
        validity_days = letters.default_validity(transfer, issued_on)
    validity_days = letters.check_validity(validity_days, issued_on)
    if dues_paid_through is not None:
        dues_paid_through = dues_paid_through.replace(day=1)
    letter = letters.letter_issue(
        actor=actor,
        transfer=transfer,
        issued_on=issued_on,
        validity_days=validity_days,
        dues_paid_through=dues_paid_through,
    )
    transfer.dues_paid_through = dues_paid_through
    verb = "issue_letter" if state == State.LETTER_ISSUED else "reissue"
    return write_step(
        actor,
        transfer,
        state=state,
        day=issued_on,
        verb=verb,
        note=f"{letter.number}，有效期至 {letter.valid_until:%Y-%m-%d}",
        letter=letter.number,
    )


@transaction.atomic
def transfer_mark_expired(*, actor, transfer: Transfer, today: date | None = None) -> Transfer:
    """The letter's validity passed before the receiving side took the member in. The sweep
    calls this with actor None (the system)."""
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "committee")
    require_state(transfer, LETTER_OUT, "登记介绍信过期")
    today = today or timezone.localdate()
    letter = letters.current_letter(transfer)
    if letter is not None and letter.valid_until >= today:
        raise TransferRefused(f"介绍信有效期至 {letter.valid_until:%Y-%m-%d}，尚未过期。")
    note = f"{letter.number}已过有效期（{letter.valid_until:%Y-%m-%d}）" if letter else ""
    return write_step(actor, transfer, state=State.EXPIRED, day=today, verb="expire", note=note)


@transaction.atomic
def transfer_mark_lost(*, actor, transfer: Transfer, reported_on: date, reason: str) -> Transfer:
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "committee")
    require_state(transfer, LETTER_OUT, "登记介绍信遗失")
    letter = letters.current_letter(transfer)
    check_day(
        reported_on,
        "报告遗失日期",
        field="reported_on",
        after=letter.issued_on if letter else None,
        after_label="介绍信开具日期",
    )
    why = text(reason, "遗失情况", field="reason")
    letters.void_letters(transfer, reported_on, f"遗失：{why}")
    return write_step(
        actor,
        transfer,
        state=State.LOST,
        day=reported_on,
        verb="lose",
        note=f"{letter.number if letter else ''}遗失，已作废：{why}",
    )


@transaction.atomic
def transfer_reissue(
    *,
    actor,
    transfer: Transfer,
    issued_on: date,
    validity_days: int | None = None,
    dues_paid_through: date | None = None,
) -> Transfer:
    """A new letter, with a new number, after the old one expired or was lost (voided)."""
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "committee")
    require_state(transfer, (State.EXPIRED, State.LOST), "补开介绍信（仅介绍信过期或遗失后可补开）")
    check_day(
        issued_on,
        "补开日期",
        field="issued_on",
        after=transfer.branch_approved_on,
        after_label="支部同意日期",
    )
    letters.void_letters(transfer, issued_on, "已补开新介绍信")
    return _issue(actor, transfer, issued_on, validity_days, dues_paid_through, State.REISSUED)


def check_letter_valid(transfer: Transfer, day: date) -> None:
    letter = letters.current_letter(transfer)
    if letter is not None and day > letter.valid_until:
        raise RuleViolation(
            f"介绍信{letter.number}有效期至 {letter.valid_until:%Y-%m-%d}，"
            f"接收日期 {day:%Y-%m-%d} 已超过有效期。",
            rule_key=VALIDITY_MAX_DAYS,
            source=rule_source(VALIDITY_MAX_DAYS, on=day),
            remedy="请由开具介绍信的党委登记过期并补开介绍信后再办理接收。",
        )


@transaction.atomic
def transfer_record_received(*, actor, transfer: Transfer, received_on: date) -> Transfer:
    """The organisation outside the platform took the member in: 党籍 becomes 转出."""
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "committee")
    if transfer.receiver_id is not None:
        raise TransferRefused("接收党组织在本平台内，应由接收方在“转入”列表中办理接收。")
    require_state(transfer, LETTER_OUT, "登记对方已接收")
    letter = letters.current_letter(transfer)
    check_day(
        received_on,
        "对方接收日期",
        field="received_on",
        after=letter.issued_on,
        after_label="介绍信开具日期",
    )
    check_letter_valid(transfer, received_on)
    transfer.received_on = received_on
    member_transfer_out(
        actor=actor,
        member=transfer.member,
        effective_on=received_on,
        reason=f"组织关系转往{transfer.destination_name}",
        document=letter.number,
    )
    return write_step(
        actor,
        transfer,
        state=State.RECEIVED_BY_TARGET,
        day=received_on,
        verb="receive",
        note=f"{transfer.destination_name}已接收",
    )


@transaction.atomic
def transfer_record_receipt(*, actor, transfer: Transfer, receipt_on: date) -> Transfer:
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "committee")
    require_state(transfer, (State.RECEIVED_BY_TARGET,), "登记回执（须先登记对方已接收）")
    transfer.receipt_on = check_day(
        receipt_on,
        "回执收到日期",
        field="receipt_on",
        after=transfer.received_on,
        after_label="对方接收日期",
    )
    return write_step(
        actor,
        transfer,
        state=State.RECEIPT_BACK,
        day=receipt_on,
        verb="receipt",
        note="回执已收回，粘贴于存根",
    )


@transaction.atomic
def transfer_close(*, actor, transfer: Transfer, closed_on: date) -> Transfer:
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "committee")
    require_state(transfer, (State.RECEIPT_BACK,), "办结（须先收回回执）")
    transfer.closed_on = check_day(
        closed_on,
        "办结日期",
        field="closed_on",
        after=transfer.receipt_on,
        after_label="回执收到日期",
    )
    return write_step(
        actor, transfer, state=State.CLOSED, day=closed_on, verb="close", note="存根及回执归档"
    )


CANCELLABLE = {
    State.REQUESTED: (REQUEST_TRANSFER, "sender"),
    State.BRANCH_APPROVED: (REQUEST_TRANSFER, "sender"),
    State.EXPIRED: (APPROVE_TRANSFER, "committee"),
    State.LOST: (APPROVE_TRANSFER, "committee"),
    State.REGISTERED: (REQUEST_TRANSFER, "receiver"),
    State.VERIFIED: (APPROVE_TRANSFER, "receiver"),
}


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """Withdraw a transfer that has not moved the member (the letter, if any, is voided)."""
    current = Transfer.objects.get(pk=transfer.pk).state
    permission, side = CANCELLABLE.get(current, (APPROVE_TRANSFER, "committee"))
    if transfer.direction == Direction.IN:
        side = "receiver"
    transfer = locked(actor, transfer, permission, side)
    require_state(transfer, tuple(CANCELLABLE), "撤销（介绍信在途或已接收的转接不能撤销）")
    why = text(reason, "撤销原因", field="reason")
    today = timezone.localdate()
    letters.void_letters(transfer, today, f"转接撤销：{why}")
    transfer.closed_on = today
    return write_step(actor, transfer, state=State.CANCELLED, day=today, verb="cancel", note=why)
