"""收文 (the receiving side, domain §8.3): 签收, 登记, 退回, 传阅, 承办, 回复, 办结, and paper
documents registered by hand.

Who acts: the holders of `documents.sign_receipt` over the receiving organisation (its office
or its branch secretary), or the person a copy was addressed to (`access.can_handle`). A reader
the receipt was circulated to marks it read; a handler named for it reports it done.

Counters. Every "first time" (signed, read, replied, returned) is a conditional UPDATE of the
receipt (`… WHERE signed_at IS NULL`): only the call that changed the row adds 1 to the
document's summary column with F(), so a double click or two people at once count once. On
PostgreSQL the second UPDATE waits for the first one's row lock and then matches no row.

A receipt of a withdrawn document (CANCELLED) refuses everything.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.core.uploads import DOCUMENTS, MB, check_upload
from dangjian.documents import access, numbering
from dangjian.documents.models import (
    REFUSED_CLASSIFICATIONS,
    Circulation,
    DocType,
    Document,
    DocumentFile,
    Handling,
    PaperClassification,
    Receipt,
    Reply,
    Urgency,
)
from dangjian.documents.permissions import ISSUE_DOCUMENT, SIGN_RECEIPT
from dangjian.notifications.services import notify

Status = Receipt.Status
FILE_KINDS = DOCUMENTS - {"ole"}  # DOCX, PDF, XLSX and pictures
MAX_FILE_BYTES = 20 * MB
MAX_FILES = 10
MAX_READERS = 30

# How far a receipt has come; a later step never moves it back (registering a receipt that is
# already circulating keeps it circulating).
PROGRESS = {
    Status.RECEIVED: 0,
    Status.SIGNED: 1,
    Status.REGISTERED: 2,
    Status.CIRCULATING: 3,
    Status.HANDLING: 4,
    Status.REPLIED: 5,
    Status.ARCHIVED: 6,
}
CLOSED = frozenset({Status.ARCHIVED, Status.RETURNED, Status.CANCELLED})


# --------------------------------------------------------------------------------- guards


def _refuse_closed(receipt: Receipt) -> None:
    if receipt.status == Status.CANCELLED:
        raise ServiceError("发文单位已撤回这份公文，不能再签收或办理。如有疑问请联系发文单位。")
    if receipt.status == Status.RETURNED:
        raise ServiceError("这份公文已退回发文单位，不能再办理。")
    if receipt.status == Status.ARCHIVED:
        raise ServiceError("这份公文已办结，不能再办理。")


def _require_handler(actor, receipt: Receipt) -> None:
    if not access.can_handle(actor, receipt):
        raise ServiceError("您不是这份公文的收文单位的签收人，不能办理。")


def _require_signed(receipt: Receipt) -> None:
    if receipt.signed_at is None:
        raise ServiceError("请先签收这份公文，再进行后续办理。")


def _require_org_copy(receipt: Receipt, what: str) -> None:
    if receipt.organization_id is None:
        raise ServiceError(f"发给个人的公文不需要{what}。")


def _locked(receipt: Receipt) -> Receipt:
    """The receipt's current row, locked for the rest of the transaction."""
    return (
        Receipt.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=receipt.pk)
    )


def _handling(actor, receipt: Receipt, *, org_copy: str = "") -> Receipt:
    """Lock the receipt for a handling step and check it may be taken: the actor handles it,
    it is neither returned nor archived, and it has been signed; with `org_copy` (the step's
    name) it must also be the organisation's copy, not a person's."""
    receipt = _locked(receipt)
    _require_handler(actor, receipt)
    _refuse_closed(receipt)
    _require_signed(receipt)
    if org_copy:
        _require_org_copy(receipt, org_copy)
    return receipt


def _advance(receipt: Receipt, status: str) -> None:
    if PROGRESS.get(status, 0) > PROGRESS.get(receipt.status, 0):
        receipt.status = status


def _bump(receipt: Receipt, counter: str) -> None:
    if receipt.document_id:
        Document.objects.filter(pk=receipt.document_id).update(**{counter: F(counter) + 1})


def _audit(actor, action: str, receipt: Receipt, **after) -> None:
    audit_log(
        actor=actor,
        action=action,
        obj=receipt,
        organization=receipt.organization,
        after=after or None,
    )


def _issuer_office(receipt: Receipt) -> list[int]:
    """The issuer's office (holders of ISSUE_DOCUMENT, nearest level) — told of returns and
    replies."""
    if receipt.document_id is None:
        return []
    issuer = receipt.document.issuer
    return access.signers_of([issuer], permission=ISSUE_DOCUMENT).get(issuer.pk, [])


def _tracking_url(receipt: Receipt) -> str:
    return reverse("documents:tracking", args=[receipt.document_id])


def _receipt_url(receipt: Receipt) -> str:
    return reverse("documents:receipt", args=[receipt.pk])


def _store_files(actor, files, *, receipt=None, reply=None, purpose: str) -> list[DocumentFile]:
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ServiceError(f"一次最多上传 {MAX_FILES} 个文件。")
    stored = []
    for order, upload in enumerate(files):
        try:
            kind = check_upload(upload, kinds=FILE_KINDS, max_bytes=MAX_FILE_BYTES, what="文件")
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from exc
        stored.append(
            DocumentFile.objects.create(
                receipt=receipt,
                reply=reply,
                purpose=purpose,
                order=order,
                title=(upload.name or "文件")[:200],
                file=upload,
                file_kind=kind,
                size=upload.size,
                uploaded_by=actor,
            )
        )
    return stored


# ------------------------------------------------------------------------------ 签收 / 阅读


def receipt_sign(*, actor, receipt: Receipt, now=None) -> bool:
    """签收. True when this call signed; a repeat (double click, a colleague at the same
    moment) returns False and changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        _require_handler(actor, receipt)
        signed = Receipt.objects.filter(
            pk=receipt.pk, status=Status.RECEIVED, signed_at__isnull=True
        ).update(status=Status.SIGNED, signed_at=now, signed_by=actor)
        if not signed:
            current = Receipt.objects.get(pk=receipt.pk)
            if current.signed_at is None:
                _refuse_closed(current)
            _copy_state(receipt, current)
            return False
        _bump(receipt, "signed_count")
        receipt.status, receipt.signed_at, receipt.signed_by = Status.SIGNED, now, actor
        late = receipt.sign_due_at is not None and now > receipt.sign_due_at
        _audit(actor, "documents.receipt_sign", receipt, signed_at=now.isoformat(), late=late)
    return True


def _copy_state(receipt: Receipt, current: Receipt) -> None:
    for name in ("status", "signed_at", "signed_by_id", "read_at"):
        setattr(receipt, name, getattr(current, name))


def _mark_read(receipt: Receipt, now) -> bool:
    """The receipt's first reading after signing: read_at and +1 read_count, once."""
    marked = Receipt.objects.filter(
        pk=receipt.pk, signed_at__isnull=False, read_at__isnull=True
    ).update(read_at=now)
    if marked:
        _bump(receipt, "read_count")
        receipt.read_at = now
    return bool(marked)


def receipt_open(*, actor, receipt: Receipt, now=None) -> None:
    """The receiving side opened the signed receipt: the first time counts as read."""
    now = now or timezone.now()
    if receipt.read_at is not None or receipt.signed_at is None:
        return
    if receipt.status == Status.CANCELLED:
        return
    if not access.can_handle(actor, receipt):
        return
    with transaction.atomic():
        if _mark_read(receipt, now):
            _audit(actor, "documents.receipt_open", receipt, read_at=now.isoformat())


# ----------------------------------------------------------------------------- 登记 / 退回


def _register_number(organization, when) -> str:
    year = timezone.localtime(when).year
    serial = numbering.next_serial(organization, numbering.RECEIPT_PREFIX, year)
    return numbering.register_number(year, serial)


def receipt_register(*, actor, receipt: Receipt, proposal: str = "") -> Receipt:
    """登记: a 收文编号 from the receiving organisation's sequence, and the 拟办意见."""
    proposal = (proposal or "").strip()
    if len(proposal) > 500:
        raise ServiceError("拟办意见最多 500 字。")
    with transaction.atomic():
        receipt = _handling(actor, receipt, org_copy="登记收文编号")
        if receipt.register_no:
            if proposal and proposal != receipt.proposal:
                receipt.proposal = proposal
                receipt.save(update_fields=["proposal"])
                _audit(actor, "documents.receipt_register", receipt, proposal=proposal)
            return receipt
        now = timezone.now()
        receipt.register_no = _register_number(receipt.organization, now)
        receipt.registered_at, receipt.registered_by, receipt.proposal = now, actor, proposal
        _advance(receipt, Status.REGISTERED)
        receipt.save(
            update_fields=["register_no", "registered_at", "registered_by", "proposal", "status"]
        )
        _audit(
            actor, "documents.receipt_register", receipt, register_no=receipt.register_no,
            proposal=proposal,
        )  # fmt: skip
    return receipt


def receipt_return(*, actor, receipt: Receipt, reason: str) -> Receipt:
    """退回: the document is not for this organisation. After signing, before registering."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写退回理由，说明为什么这份公文不应由本单位办理。")
    if len(reason) > 500:
        raise ServiceError("退回理由最多 500 字。")
    with transaction.atomic():
        receipt = _handling(actor, receipt)
        if receipt.document_id is None:
            raise ServiceError("纸质来文请线下退回来文机关，不能在平台上退回。")
        if receipt.register_no or receipt.status != Status.SIGNED:
            raise ServiceError("这份公文已登记或已开始办理，不能再退回。")
        now = timezone.now()
        updated = Receipt.objects.filter(pk=receipt.pk, returned_at__isnull=True).update(
            status=Status.RETURNED, returned_at=now, returned_by=actor, return_reason=reason
        )
        if updated:
            _bump(receipt, "returned_count")
        receipt.refresh_from_db()
        _audit(actor, "documents.receipt_return", receipt, reason=reason)
        notify(
            recipients=_issuer_office(receipt),
            title=f"{receipt.holder_name}退回了《{receipt.title}》",
            body=f"退回理由：{reason}",
            url=_tracking_url(receipt),
            category="documents",
            obj=receipt.document,
        )
    return receipt


# ------------------------------------------------------------------------- 纸质来文


PAPER_FIELDS = (
    "source_name", "number", "title", "doc_type", "classification", "urgency", "copies",
    "received_on", "reply_required", "deadline",
)  # fmt: skip


def paper_register(*, actor, organization, data: dict, files=()) -> Receipt:
    """登记纸质来文: a receipt typed in by hand, signed and numbered at once. Above 内部 the
    paper stays paper: no file may be uploaded (domain §8.3)."""
    if not scope_of(actor).covers(SIGN_RECEIPT, organization.path):
        raise ServiceError("您不能为这个组织登记来文。")
    clean = _paper_data(data)
    files = [f for f in files if f]
    if files and clean["classification"] in REFUSED_CLASSIFICATIONS:
        raise ServiceError(
            "涉密来文（秘密、机密、绝密）只登记目录信息，不得上传扫描件：本平台不得存储涉密内容，"
            "原件请按保密规定在机要室保管。"
        )
    with transaction.atomic():
        now = timezone.now()
        received_on = clean.pop("received_on")
        sent_at = timezone.make_aware(datetime.datetime.combine(received_on, datetime.time(9, 0)))
        receipt = Receipt.objects.create(
            organization=organization,
            is_paper=True,
            sent_at=min(sent_at, now),
            status=Status.REGISTERED,
            signed_at=now,
            signed_by=actor,
            register_no=_register_number(organization, now),
            registered_at=now,
            registered_by=actor,
            **clean,
        )
        _store_files(actor, files, receipt=receipt, purpose=DocumentFile.Purpose.SCAN)
        _audit(
            actor, "documents.receipt_paper", receipt, register_no=receipt.register_no,
            title=receipt.title, classification=receipt.classification, files=len(files),
        )  # fmt: skip
    return receipt


def _paper_data(data: dict) -> dict:
    clean = {name: data.get(name) for name in PAPER_FIELDS}
    for name in ("source_name", "number", "title"):
        clean[name] = (clean[name] or "").strip()
    if not clean["source_name"]:
        raise ServiceError("请填写来文机关。")
    if not clean["title"]:
        raise ServiceError("请填写来文标题。")
    if clean["doc_type"] not in DocType.values:
        raise ServiceError("请选择文种。")
    if clean["classification"] not in PaperClassification.values:
        raise ServiceError("请选择密级。")
    clean["urgency"] = clean["urgency"] or Urgency.NORMAL
    if clean["urgency"] not in Urgency.values:
        raise ServiceError("请选择紧急程度。")
    copies = clean["copies"] or 1
    if not isinstance(copies, int) or not 1 <= copies <= 999:
        raise ServiceError("份数须为 1 至 999 的整数。")
    clean["copies"] = copies
    if not isinstance(clean["received_on"], datetime.date):
        raise ServiceError("请填写收文日期。")
    if clean["received_on"] > timezone.localdate():
        raise ServiceError("收文日期不能晚于今天。")
    clean["reply_required"] = bool(clean["reply_required"])
    if clean["reply_required"] and not clean["deadline"]:
        raise ServiceError("来文要求回复时，请填写办理期限。")
    return clean


# ------------------------------------------------------------------------------- 传阅


def circulation_pool(receipt: Receipt):
    """Who a receipt may be circulated or assigned to: active accounts of the receiving
    organisation's subtree — its members with an account and the holders of a role there."""
    from dangjian.accounts.models import RoleAssignment

    users = get_user_model().objects.filter(is_active=True)
    if receipt.organization_id is None:
        return users.none()
    path = receipt.organization.path
    holding = RoleAssignment.objects.filter(organization__path__startswith=path).values("user_id")
    return users.filter(
        Q(person__membership__organization__path__startswith=path)
        | Q(person__organization__path__startswith=path)
        | Q(pk__in=holding)
    ).distinct()


def _pool_users(receipt: Receipt, users, what: str) -> list:
    ids = {getattr(u, "pk", u) for u in users if u}
    if not ids:
        raise ServiceError(f"请选择{what}。")
    found = list(circulation_pool(receipt).filter(pk__in=ids))
    if len(found) != len(ids):
        raise ServiceError(
            f"{what}须是本组织（{receipt.holder_name}）在用账号的人员，请从列表中选择。"
        )
    return found


def receipt_circulate(*, actor, receipt: Receipt, readers) -> int:
    """传阅 to named people; returns how many were added (a person already on the list is
    skipped)."""
    with transaction.atomic():
        receipt = _handling(actor, receipt, org_copy="传阅")
        readers = _pool_users(receipt, readers, "传阅人")
        if len(readers) > MAX_READERS:
            raise ServiceError(f"一次最多传阅给 {MAX_READERS} 人。")
        known = set(receipt.circulations.values_list("reader_id", flat=True))
        added = [user for user in readers if user.pk not in known]
        Circulation.objects.bulk_create(
            [Circulation(receipt=receipt, reader=user, sent_by=actor) for user in added]
        )
        if added:
            _advance(receipt, Status.CIRCULATING)
            receipt.save(update_fields=["status"])
            _audit(
                actor, "documents.receipt_circulate", receipt,
                readers=[user.display_name for user in added],
            )  # fmt: skip
            notify(
                recipients=added,
                title=f"请阅：《{receipt.title}》",
                body=f"{receipt.holder_name}送您传阅，阅后请点“已阅”，可填写批示。",
                url=_receipt_url(receipt),
                category="documents",
                obj=receipt,
            )
    return len(added)


def circulation_read(*, actor, circulation: Circulation, instruction: str = "", now=None):
    """The reader marks it read (once) and may write or change a 批示. The first reading of
    the receipt by anyone counts as its reading."""
    now = now or timezone.now()
    instruction = (instruction or "").strip()
    if len(instruction) > 2000:
        raise ServiceError("批示最多 2000 字。")
    if circulation.reader_id != actor.pk:
        raise ServiceError("只有传阅人本人可以标记已阅。")
    with transaction.atomic():
        circulation = Circulation.objects.select_for_update().get(pk=circulation.pk)
        receipt = Receipt.objects.select_related("organization").get(pk=circulation.receipt_id)
        if receipt.status == Status.CANCELLED:
            _refuse_closed(receipt)
        first = circulation.read_at is None
        if first:
            circulation.read_at = now
            _audit(actor, "documents.receipt_read", receipt, reader=actor.display_name)
        if instruction and instruction != circulation.instruction:
            circulation.instruction, circulation.instructed_at = instruction, now
            _audit(actor, "documents.receipt_instruct", receipt, instruction=instruction)
        circulation.save(update_fields=["read_at", "instruction", "instructed_at"])
        _mark_read(receipt, now)
    return circulation


# ------------------------------------------------------------------------------ 承办


def receipt_assign(*, actor, receipt: Receipt, lead, assistants=(), due_on=None) -> list:
    """承办: a 主办 and any 协办 with a deadline. Naming a new 主办 makes the former one a
    协办; a person already named keeps one row (their role and deadline are updated)."""
    if due_on is not None and due_on < timezone.localdate():
        raise ServiceError("办理期限不能早于今天。")
    with transaction.atomic():
        receipt = _handling(actor, receipt, org_copy="交办")
        if lead is None:
            raise ServiceError("请选择主办人。")
        assistants = [u for u in assistants if u and getattr(u, "pk", u) != lead.pk]
        people = _pool_users(receipt, [lead, *assistants], "承办人")
        by_id = {user.pk: user for user in people}
        receipt.handlings.filter(role=Handling.Role.LEAD).exclude(handler=lead).update(
            role=Handling.Role.ASSIST
        )
        rows = []
        for user_id, role in [(lead.pk, Handling.Role.LEAD)] + [
            (getattr(u, "pk", u), Handling.Role.ASSIST) for u in assistants
        ]:
            row, _ = Handling.objects.update_or_create(
                receipt=receipt,
                handler=by_id[user_id],
                defaults={"role": role, "due_on": due_on, "assigned_by": actor},
            )
            rows.append(row)
        _advance(receipt, Status.HANDLING)
        receipt.save(update_fields=["status"])
        _audit(
            actor, "documents.receipt_assign", receipt, lead=lead.display_name,
            assistants=[by_id[getattr(u, "pk", u)].display_name for u in assistants],
            due_on=due_on.isoformat() if due_on else None,
        )  # fmt: skip
        notify(
            recipients=[row.handler_id for row in rows],
            title=f"请办理：《{receipt.title}》",
            body=f"期限：{due_on:%Y-%m-%d}" if due_on else "",
            url=_receipt_url(receipt),
            category="documents",
            obj=receipt,
        )
    return rows


def handling_done(*, actor, handling: Handling, note: str) -> Handling:
    """办理完毕, by the handler (or the receiving office on their behalf), with a note."""
    note = (note or "").strip()
    if not note:
        raise ServiceError("请填写办理情况。")
    if len(note) > 500:
        raise ServiceError("办理情况最多 500 字。")
    with transaction.atomic():
        handling = Handling.objects.select_for_update().get(pk=handling.pk)
        receipt = Receipt.objects.select_related("organization").get(pk=handling.receipt_id)
        if handling.handler_id != actor.pk and not access.can_handle(actor, receipt):
            raise ServiceError("只有承办人本人或收文单位的签收人可以填写办理情况。")
        _refuse_closed(receipt)
        handling.note = note
        handling.done_at = handling.done_at or timezone.now()
        handling.save(update_fields=["note", "done_at"])
        _audit(actor, "documents.receipt_handled", receipt, handler=handling.handler_id, note=note)
    return handling


# --------------------------------------------------------------------------- 回复 / 办结


def receipt_reply(*, actor, receipt: Receipt, text: str, files=(), now=None) -> Reply:
    """回执/反馈 to the sender, when the document asks for one. The first reply counts."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ServiceError("请填写回复内容。")
    if len(text) > 5000:
        raise ServiceError("回复内容最多 5000 字，更多内容请作为附件上传。")
    with transaction.atomic():
        receipt = _handling(actor, receipt)
        if receipt.document_id is None:
            raise ServiceError("纸质来文请按来文要求线下答复，平台上只登记办理结果（办结）。")
        if not receipt.reply_required:
            raise ServiceError("这份公文不要求回复，办理完毕后直接“办结”即可。")
        reply = Reply.objects.create(receipt=receipt, text=text, author=actor)
        _store_files(actor, files, reply=reply, purpose=DocumentFile.Purpose.REPLY)
        first = Receipt.objects.filter(pk=receipt.pk, replied_at__isnull=True).update(
            replied_at=now
        )
        if first:
            _bump(receipt, "replied_count")
            receipt.replied_at = now
        _advance(receipt, Status.REPLIED)
        receipt.save(update_fields=["status"])
        _audit(actor, "documents.receipt_reply", receipt, text=text[:200], files=len(files))
        late = receipt.deadline is not None and timezone.localtime(now).date() > receipt.deadline
        notify(
            recipients=_issuer_office(receipt),
            title=f"{receipt.holder_name}回复了《{receipt.title}》" + ("（逾期）" if late else ""),
            body=text[:200],
            url=_tracking_url(receipt),
            category="documents",
            obj=receipt.document,
        )
    return reply


def receipt_archive(*, actor, receipt: Receipt, note: str = "") -> Receipt:
    """办结, with an optional result note. A document that asks for a reply is replied first."""
    note = (note or "").strip()
    if len(note) > 500:
        raise ServiceError("办结说明最多 500 字。")
    with transaction.atomic():
        receipt = _handling(actor, receipt)
        if receipt.reply_required and receipt.document_id and receipt.replied_at is None:
            raise ServiceError("这份公文要求回复，请先回复发文单位再办结。")
        receipt.status, receipt.archived_at, receipt.result_note = (
            Status.ARCHIVED,
            timezone.now(),
            note,
        )
        receipt.save(update_fields=["status", "archived_at", "result_note"])
        _audit(actor, "documents.receipt_archive", receipt, note=note)
    return receipt
