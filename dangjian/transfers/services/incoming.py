"""Incoming transfers (domain §4).

Inside the tree, the receiving committee accepts a letter addressed to its subtree with one
step (`transfer_accept`): the member moves with the whole history, both sides close and the
回执 is recorded the same day. From outside the platform:

    REGISTERED → VERIFIED (介绍信 or 全国党员管理信息系统, + 档案查核) → ACCEPTED
    → ASSIGNED (to a branch: the membership is created) → RECEIPT_SENT (≤ 1 month)

Registering (`transfers.request_transfer` over the receiving organisation) finds the person by
the ID number's lookup hash or creates them; the other steps belong to the receiving committee
(`transfers.approve_transfer` over the receiving organisation).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from dangjian.core.crypto import lookup_hash
from dangjian.core.pinyin import search_key
from dangjian.core.scope import require_in_scope
from dangjian.members.models import Category, Member, Person, Status
from dangjian.members.services.status.transfer import (
    member_move,
    member_register_incoming,
    parse_id,
)
from dangjian.orgs.models import Organization, OrgType
from dangjian.transfers.models import LETTER_OUT, Direction, State, Transfer, VerifyMethod
from dangjian.transfers.permissions import APPROVE_TRANSFER, REQUEST_TRANSFER
from dangjian.transfers.services import letters
from dangjian.transfers.services.common import (
    NAME_MAX,
    TransferRefused,
    check_day,
    locked,
    require_state,
    text,
    write_step,
)
from dangjian.transfers.services.outgoing import check_letter_valid


def _branch_under(transfer: Transfer, branch: Organization | None) -> Organization:
    """The branch the member joins: the receiver itself when it is a branch, else a branch
    chosen inside the receiver's subtree."""
    receiver = transfer.receiver
    if receiver.is_branch and branch is None:
        return receiver
    if branch is None:
        raise TransferRefused("请选择编入的党支部。", field="branch")
    if not (branch.is_branch and branch.is_active and branch.path.startswith(receiver.path)):
        raise TransferRefused(
            f"编入的党支部须是“{receiver.name}”下属的有效党支部。", field="branch"
        )
    return branch


@transaction.atomic
def transfer_accept(
    *, actor, transfer: Transfer, accepted_on: date, branch: Organization | None = None
) -> Transfer:
    """One click for the receiving side inside the tree: move the member, close both sides."""
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "receiver")
    if transfer.sender_id is None:
        raise TransferRefused("这是平台外转入的登记，请按核验、接收、编入支部的步骤办理。")
    require_state(transfer, LETTER_OUT, "接收（介绍信须已开具且在有效期内）")
    letter = letters.current_letter(transfer)
    check_day(
        accepted_on,
        "接收日期",
        field="accepted_on",
        after=letter.issued_on,
        after_label="介绍信开具日期",
    )
    check_letter_valid(transfer, accepted_on)
    target = _branch_under(transfer, branch)
    member_move(
        actor=actor,
        member=transfer.member,
        branch=target,
        effective_on=accepted_on,
        reason=f"组织关系由{transfer.sender.name}转入{target.name}",
        document=letter.number,
    )
    transfer.assigned_branch = target
    transfer.received_on = transfer.receipt_on = transfer.closed_on = accepted_on
    write_step(
        actor,
        transfer,
        state=State.RECEIVED_BY_TARGET,
        day=accepted_on,
        verb="accept",
        note=f"编入{target.name}",
    )
    write_step(
        actor,
        transfer,
        state=State.RECEIPT_BACK,
        day=accepted_on,
        verb="receipt",
        note="平台内转接，回执自动回传",
    )
    return write_step(
        actor, transfer, state=State.CLOSED, day=accepted_on, verb="close", note="双方办结"
    )


@transaction.atomic
def transfer_register_incoming(
    *,
    actor,
    receiver: Organization,
    name: str,
    id_number: str,
    category: str,
    joined_on: date | None,
    full_member_on: date | None = None,
    origin_name: str,
    origin_letter_number: str = "",
    registered_on: date,
    dues_paid_through: date | None = None,
    reason: str = "",
) -> Transfer:
    """Register a member arriving from outside with a letter (or through the national system)."""
    if receiver is None or not receiver.is_active or receiver.org_type == OrgType.GROUP:
        raise TransferRefused("请选择接收的党委、党总支或党支部。", field="receiver")
    require_in_scope(actor, REQUEST_TRANSFER, receiver.path)
    name = text(name, "姓名", field="name", limit=50)
    parsed = parse_id(id_number)
    if category not in Category.values:
        raise TransferRefused("请选择党员类别。", field="category")
    check_day(registered_on, "登记日期", field="registered_on")
    if joined_on is not None:
        check_day(joined_on, "入党日期", field="joined_on")
    if category == Category.FULL and full_member_on is None:
        raise TransferRefused("正式党员请填写转正日期。", field="full_member_on")
    person = Person.objects.filter(id_number_hash=lookup_hash(parsed.number)).first()
    if person is not None:
        member = Member.objects.filter(person=person).select_related("organization").first()
        if member is not None and member.status != Status.TRANSFERRED_OUT:
            raise TransferRefused(
                f"身份证号为该号码的人员在本平台已有党员记录（{member.organization.name}），"
                "平台内的转接请由转出支部申请，转入方在“转入”列表中一键接收。",
                field="id_number",
            )
        if (
            Transfer.objects.filter(person=person, direction=Direction.IN)
            .exclude(state__in=(State.RECEIPT_SENT, State.CANCELLED))
            .exists()
        ):
            raise TransferRefused(f"{person.name}已有一笔正在办理的转入登记。", field="id_number")
    else:
        person = Person.objects.create(
            name=name,
            gender=parsed.gender,
            birth_date=parsed.birth_date,
            id_number=parsed.number,
            id_number_hash=lookup_hash(parsed.number),
            pinyin_key=search_key(name),
            organization=receiver,
        )
    transfer = Transfer.objects.create(
        direction=Direction.IN,
        state=State.REGISTERED,
        person=person,
        receiver=receiver,
        origin_name=text(origin_name, "转出党组织名称", field="origin_name", limit=NAME_MAX),
        origin_letter_number=text(
            origin_letter_number,
            "介绍信编号",
            field="origin_letter_number",
            required=False,
            limit=60,
        ),
        category=category,
        joined_on=joined_on,
        full_member_on=full_member_on if category == Category.FULL else None,
        dues_paid_through=dues_paid_through.replace(day=1) if dues_paid_through else None,
        reason=text(reason, "转入原因", field="reason", required=False),
        requested_on=registered_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return write_step(
        actor,
        transfer,
        state=State.REGISTERED,
        day=registered_on,
        verb="register",
        note=f"来自{transfer.origin_name}",
    )


@transaction.atomic
def transfer_verify(
    *, actor, transfer: Transfer, verified_on: date, method: str, archive_note: str = ""
) -> Transfer:
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "receiver")
    require_state(transfer, (State.REGISTERED,), "核验")
    if method not in VerifyMethod.values:
        raise TransferRefused("请选择核验方式。", field="method")
    transfer.verified_on = check_day(
        verified_on,
        "核验日期",
        field="verified_on",
        after=transfer.requested_on,
        after_label="登记日期",
    )
    transfer.verify_method = method
    transfer.archive_note = text(archive_note, "档案查核情况", field="archive_note", required=False)
    note = VerifyMethod(method).label + (
        f"；档案查核：{transfer.archive_note}" if transfer.archive_note else ""
    )
    return write_step(
        actor, transfer, state=State.VERIFIED, day=verified_on, verb="verify", note=note
    )


@transaction.atomic
def transfer_accept_incoming(*, actor, transfer: Transfer, accepted_on: date) -> Transfer:
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "receiver")
    require_state(transfer, (State.VERIFIED,), "同意接收（须先核验）")
    check_day(
        accepted_on,
        "同意接收日期",
        field="accepted_on",
        after=transfer.verified_on,
        after_label="核验日期",
    )
    return write_step(actor, transfer, state=State.ACCEPTED, day=accepted_on, verb="accept_in")


@transaction.atomic
def transfer_assign(
    *, actor, transfer: Transfer, assigned_on: date, branch: Organization | None = None
) -> Transfer:
    """Put the member in a branch: the membership is created and the 回执 becomes due."""
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "receiver")
    require_state(transfer, (State.ACCEPTED,), "编入支部（须先同意接收）")
    check_day(
        assigned_on,
        "编入日期",
        field="assigned_on",
        after=transfer.requested_on,
        after_label="登记日期",
    )
    target = _branch_under(transfer, branch)
    member = member_register_incoming(
        actor=actor,
        person=transfer.person,
        branch=target,
        category=transfer.category,
        joined_on=transfer.joined_on,
        full_member_on=transfer.full_member_on,
        effective_on=assigned_on,
        reason=f"组织关系由{transfer.origin_name}转入",
    )
    transfer.member, transfer.assigned_branch, transfer.received_on = member, target, assigned_on
    return write_step(
        actor,
        transfer,
        state=State.ASSIGNED,
        day=assigned_on,
        verb="assign",
        note=f"编入{target.name}",
    )


@transaction.atomic
def transfer_send_receipt(*, actor, transfer: Transfer, sent_on: date) -> Transfer:
    transfer = locked(actor, transfer, APPROVE_TRANSFER, "receiver")
    require_state(transfer, (State.ASSIGNED,), "寄出回执（须先编入支部）")
    transfer.receipt_on = check_day(
        sent_on, "回执寄出日期", field="sent_on", after=transfer.received_on, after_label="编入日期"
    )
    transfer.closed_on = sent_on
    return write_step(
        actor,
        transfer,
        state=State.RECEIPT_SENT,
        day=sent_on,
        verb="send_receipt",
        note=f"回执寄回{transfer.origin_name}",
    )
