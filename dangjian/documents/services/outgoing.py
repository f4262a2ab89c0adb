"""发文 (outgoing documents): 机关代字, drafting, 核稿 → 签发 → 发文, withdrawal and correction.

    draft ──submit──▶ reviewing ──review──▶ signing ──sign──▶ signed ──issue──▶ issued
      ▲                   │                    │                │                 │
      └────────return (reason) ────────────────┴────────────────┘      withdraw (nobody signed)
                                                                                  ▼
                                                                              withdrawn

Who does what, over the issuing organisation's subtree (`documents.permissions`): 拟稿
(DRAFT_DOCUMENT) writes, edits, deletes and submits drafts; 核稿 (REVIEW_DOCUMENT, never the
drafter); 签发 (SIGN_DOCUMENT: the committee's leader — sets 签发人 and 成文日期); 发文
(ISSUE_DOCUMENT: the office — numbers the document, writes one receipt per recipient and tells
them; also withdraws, corrects and keeps the 机关代字).

The number is given only at issue, from the locked (organisation, 机关代字, year) sequence
inside the issuing transaction: a refused or failed issue gives its number back. A step that
does not fit the document's state is refused with a Chinese `ServiceError`; a document the
actor may not see at all is a 404, exactly like a missing one.
"""

from __future__ import annotations

import datetime
from html import escape

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.richtext import sanitize_html
from dangjian.core.scope import scope_of
from dangjian.core.uploads import DOCX, EXTENSIONS, JPEG, MB, OLE, PDF, PNG, XLSX, check_upload
from dangjian.documents import numbering
from dangjian.documents.access import signers_of
from dangjian.documents.models import (
    REFUSED_CLASSIFICATIONS,
    Classification,
    DocType,
    Document,
    DocumentAddress,
    DocumentFile,
    IssuerPrefix,
    Receipt,
    Urgency,
)
from dangjian.documents.permissions import (
    DRAFT_DOCUMENT,
    ISSUE_DOCUMENT,
    REVIEW_DOCUMENT,
    SIGN_DOCUMENT,
    VIEW_DOCUMENT,
)
from dangjian.documents.services.dispatch import (
    ORG_TYPE_FILTERS,
    AddressSpec,
    create_receipts,
    expand_addresses,
)
from dangjian.orgs.models import Organization

Status = Document.Status
Role = DocumentAddress.Role

SENDER_PERMISSIONS = (VIEW_DOCUMENT, DRAFT_DOCUMENT, REVIEW_DOCUMENT, SIGN_DOCUMENT, ISSUE_DOCUMENT)
NOTIFY_CATEGORY = "documents"
MAX_ADDRESSES = 200
MAX_FILE_BYTES = 20 * MB
MAX_ATTACHMENTS = 20
BODY_KINDS = frozenset({DOCX, PDF, OLE})
ATTACHMENT_KINDS = frozenset({DOCX, PDF, XLSX, OLE, JPEG, PNG})
RETURNABLE = (Status.REVIEWING, Status.SIGNING, Status.SIGNED)

CLASSIFIED_REFUSAL = (
    "本平台不得存储涉密公文（秘密、机密、绝密）：涉密公文只能通过机要渠道传递，并在经保密审批的"
    "系统中处理（《党政机关公文处理工作条例》及保密管理规定，见平台说明 §8.3）。请将密级改为"
    "“非密”或“内部”；确属涉密的，请通过机要渠道传递。"
)

STATE_MESSAGES = {
    Status.DRAFT: "该公文还是草稿，尚未提交核稿。",
    Status.REVIEWING: "该公文正在核稿。",
    Status.SIGNING: "该公文已核稿，正在等待签发。",
    Status.SIGNED: "该公文已签发，正在等待发文。",
    Status.ISSUED: "该公文已经发出。",
    Status.WITHDRAWN: "该公文已撤回。",
}

FIELD_LIMITS = {
    "title": ("标题", 200),
    "attachment_note": ("附件说明", 500),
    "remark": ("附注", 200),
    "signatory": ("发文机关署名", 100),
    "printer": ("印发机关", 100),
}


# ---------------------------------------------------------------- 机关代字


def prefix_save(
    *,
    actor,
    organization,
    code: str,
    header: str,
    is_default: bool = False,
    prefix: IssuerPrefix | None = None,
    is_active: bool = True,
) -> IssuerPrefix:
    """Add (prefix None) or change an organisation's 机关代字 and 发文机关标志."""
    if prefix is not None:
        organization = prefix.organization
    _require(actor, ISSUE_DOCUMENT, organization, "您没有管理该组织机关代字的权限。")
    code = _text(code, "机关代字", 20, required=True)
    header = _text(header, "发文机关标志", 60, required=True)
    if any(ch in code for ch in "〔〕[]()（） "):
        raise ServiceError("机关代字只填“〔年份〕”前面的部分，例如“一矿党”，不含括号和空格。")
    with transaction.atomic():
        twin = IssuerPrefix.objects.filter(organization=organization, code=code)
        if prefix is not None:
            twin = twin.exclude(pk=prefix.pk)
        if twin.exists():
            raise ServiceError(f"本组织已有机关代字“{code}”，请直接修改它。")
        before = None
        if prefix is None:
            prefix = IssuerPrefix(organization=organization)
        else:
            prefix = IssuerPrefix.objects.select_for_update().get(pk=prefix.pk)
            before = {"code": prefix.code, "header": prefix.header, "is_active": prefix.is_active}
            used = Document.objects.filter(prefix=prefix, serial__isnull=False).exists()
            if used and prefix.code != code:
                raise ServiceError(
                    f"已有公文使用“{prefix.code}”编号，机关代字不能再改；"
                    "如需改用新的代字，请停用它并新增一个。"
                )
        prefix.code, prefix.header = code, header
        prefix.is_active = bool(is_active)
        prefix.is_default = bool(is_default) and prefix.is_active
        prefix.save()
        if prefix.is_default:
            IssuerPrefix.objects.filter(organization=organization).exclude(pk=prefix.pk).update(
                is_default=False
            )
        audit_log(
            actor=actor,
            action="documents.prefix_save",
            obj=prefix,
            organization=organization,
            before=before,
            after={"code": code, "header": header, "is_default": prefix.is_default},
        )
    return prefix


# ---------------------------------------------------------------- drafts


def document_create(*, actor, issuer, data: dict, addresses: list[AddressSpec]) -> Document:
    """拟稿: a new draft of `issuer` with its distribution as written."""
    _require(actor, DRAFT_DOCUMENT, issuer, "您没有为该组织起草发文的权限。")
    if not issuer.is_active:
        raise ServiceError("该组织已撤销，不能再以它的名义发文。")
    fields = _clean_data(issuer, data)
    _check_addresses(issuer, fields["doc_type"], addresses)
    with transaction.atomic():
        document = Document.objects.create(issuer=issuer, drafted_by=actor, **fields)
        _write_addresses(document, addresses)
        audit_log(
            actor=actor,
            action="documents.document_create",
            obj=document,
            organization=issuer,
            after=_summary(document),
        )
    return document


def document_update(
    *, actor, document: Document, data: dict, addresses: list[AddressSpec] | None
) -> Document:
    """Change a draft (its distribution too, unless `addresses` is None)."""
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, DRAFT_DOCUMENT, locked.issuer, "您没有修改该组织发文稿的权限。")
        if locked.status != Status.DRAFT:
            raise ServiceError(STATE_MESSAGES[locked.status] + "只有草稿（含退回的稿件）可以修改。")
        fields = _clean_data(locked.issuer, data)
        if addresses is not None:
            _check_addresses(locked.issuer, fields["doc_type"], addresses)
        else:
            _check_addresses(locked.issuer, fields["doc_type"], _specs_of(locked))
        before = _summary(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        if addresses is not None:
            locked.addresses.all().delete()
            _write_addresses(locked, addresses)
        audit_log(
            actor=actor,
            action="documents.document_update",
            obj=locked,
            organization=locked.issuer,
            before=before,
            after=_summary(locked),
        )
    return _refresh(document, locked)


def document_delete(*, actor, document: Document) -> None:
    """Delete a draft that was never issued (its files go after the commit)."""
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, DRAFT_DOCUMENT, locked.issuer, "您没有删除该组织发文稿的权限。")
        if locked.status != Status.DRAFT or locked.serial is not None:
            raise ServiceError("只有尚未提交的草稿可以删除；已发出的公文可以撤回或更正。")
        names = [f.file.name for f in locked.files.all() if f.file.name]
        storage = DocumentFile._meta.get_field("file").storage
        audit_log(
            actor=actor,
            action="documents.document_delete",
            obj=locked,
            organization=locked.issuer,
            before=_summary(locked),
        )
        locked.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


def document_file_add(*, actor, document: Document, file, purpose: str) -> DocumentFile:
    """A 正文 file (Word or PDF, one per document) or an 附件 of a draft."""
    if purpose not in (DocumentFile.Purpose.BODY, DocumentFile.Purpose.ATTACHMENT):
        raise ServiceError("请选择文件用途：正文或附件。")
    body = purpose == DocumentFile.Purpose.BODY
    what = "正文文件" if body else "附件"
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, DRAFT_DOCUMENT, locked.issuer, "您没有修改该组织发文稿的权限。")
        if locked.status != Status.DRAFT:
            raise ServiceError("只有草稿可以上传文件；请先退回修改。")
        try:
            kind = check_upload(
                file,
                kinds=BODY_KINDS if body else ATTACHMENT_KINDS,
                max_bytes=MAX_FILE_BYTES,
                what=what,
            )
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from exc
        existing = locked.files.filter(purpose=purpose).count()
        if body and existing:
            raise ServiceError("已有正文文件，请先删除原文件再上传新的。")
        if existing >= MAX_ATTACHMENTS:
            raise ServiceError(f"一份公文最多上传 {MAX_ATTACHMENTS} 个附件。")
        stored = DocumentFile(
            document=locked,
            purpose=purpose,
            title=_file_title(file, what),
            file_kind=kind,
            size=file.size,
            uploaded_by=actor,
            order=existing,
        )
        file.seek(0)
        stored.file.save(f"d.{EXTENSIONS[kind]}", file, save=False)
        try:
            stored.save()
            audit_log(
                actor=actor,
                action="documents.file_upload",
                obj=locked,
                organization=locked.issuer,
                after={"file": stored.title, "purpose": purpose, "kind": kind, "size": file.size},
            )
        except BaseException:
            stored.file.storage.delete(stored.file.name)
            raise
    return stored


def document_file_remove(*, actor, file: DocumentFile) -> None:
    if file.document_id is None:
        raise Http404
    with transaction.atomic():
        locked = _locked(file.document)
        _require(actor, DRAFT_DOCUMENT, locked.issuer, "您没有修改该组织发文稿的权限。")
        if locked.status != Status.DRAFT:
            raise ServiceError("只有草稿可以删除文件；请先退回修改。")
        name, storage = file.file.name, file.file.storage
        audit_log(
            actor=actor,
            action="documents.file_delete",
            obj=locked,
            organization=locked.issuer,
            before={"file": file.title, "purpose": file.purpose},
        )
        DocumentFile.objects.filter(pk=file.pk).delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# ---------------------------------------------------------------- the workflow


def document_submit(*, actor, document: Document, now=None) -> Document:
    """提交核稿: draft → reviewing; the reviewers are told."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, DRAFT_DOCUMENT, locked.issuer, "您没有提交该组织发文稿的权限。")
        _expect(locked, Status.DRAFT)
        _check_ready(locked, now)
        locked.status = Status.REVIEWING
        locked.submitted_at = now
        locked.return_reason = ""
        locked.save()
        _audit(actor, "documents.document_submit", locked, Status.DRAFT)
        _notify_office(
            locked,
            REVIEW_DOCUMENT,
            exclude=actor,
            title=f"待核稿：{locked.title}",
            body=f"{actor.display_name}提交了发文稿，请核稿。",
            key=f"documents:submitted:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
        )
    return _refresh(document, locked)


def document_review(*, actor, document: Document, now=None) -> Document:
    """核稿通过: reviewing → signing, by someone other than the drafter."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, REVIEW_DOCUMENT, locked.issuer, "您没有核稿的权限。")
        _expect(locked, Status.REVIEWING)
        if locked.drafted_by_id == actor.pk:
            raise ServiceError("核稿须由拟稿人以外的人进行，请由办公室其他同志核稿。")
        locked.status = Status.SIGNING
        locked.reviewed_by = actor
        locked.reviewed_at = now
        locked.save()
        _audit(actor, "documents.document_review", locked, Status.REVIEWING)
        _notify_office(
            locked,
            SIGN_DOCUMENT,
            exclude=actor,
            title=f"待签发：{locked.title}",
            body=f"{actor.display_name}已核稿，请签发。",
            key=f"documents:reviewed:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
        )
    return _refresh(document, locked)


def document_return(*, actor, document: Document, reason: str, now=None) -> Document:
    """退回修改 with a reason: from 核稿 (reviewer), 签发 (signer or reviewer) or before the
    issue (issuer or signer, the 复核 of §8.3); the draft keeps its text, the drafter is told."""
    now = now or timezone.now()
    reason = _text(reason, "退回理由", 500, required=True)
    with transaction.atomic():
        locked = _locked(document)
        allowed = {
            Status.REVIEWING: (REVIEW_DOCUMENT,),
            Status.SIGNING: (SIGN_DOCUMENT, REVIEW_DOCUMENT),
            Status.SIGNED: (ISSUE_DOCUMENT, SIGN_DOCUMENT),
        }.get(locked.status)
        if allowed is None:
            _visible_or_404(actor, locked)
            raise ServiceError(
                STATE_MESSAGES[locked.status] + "只有核稿、签发和发文前的公文可以退回。"
            )
        scope = scope_of(actor)
        if not any(scope.covers(code, locked.issuer.path) for code in allowed):
            _visible_or_404(actor, locked)
            raise ServiceError("您没有退回这份公文的权限。")
        before = locked.status
        locked.status = Status.DRAFT
        locked.return_reason = reason
        locked.reviewed_by, locked.reviewed_at = None, None
        locked.signer, locked.signer_name, locked.signed_at, locked.dated = None, "", None, None
        locked.save()
        _audit(actor, "documents.document_return", locked, before, message=reason)
        _notify_users(
            [locked.drafted_by_id],
            locked,
            exclude=actor,
            title=f"发文稿被退回：{locked.title}",
            body=f"{actor.display_name}退回了发文稿。退回理由：{reason}。请修改后重新提交。",
            key=f"documents:returned:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
        )
    return _refresh(document, locked)


def document_sign(*, actor, document: Document, dated=None, now=None) -> Document:
    """签发: signing → signed; the signer becomes 签发人, the day the 成文日期."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, SIGN_DOCUMENT, locked.issuer, "只有本组织的负责人可以签发公文。")
        _expect(locked, Status.SIGNING)
        dated = dated or timezone.localtime(now).date()
        if not isinstance(dated, datetime.date):
            raise ServiceError("成文日期不正确，请重新选择。")
        if dated > timezone.localtime(now).date():
            raise ServiceError("成文日期是签发的日期，不能晚于今天。")
        locked.status = Status.SIGNED
        locked.signer = actor
        locked.signer_name = actor.display_name
        locked.dated = dated
        locked.signed_at = now
        locked.save()
        _audit(actor, "documents.document_sign", locked, Status.SIGNING)
        _notify_office(
            locked,
            ISSUE_DOCUMENT,
            exclude=actor,
            title=f"待发文：{locked.title}",
            body=f"{actor.display_name}已签发，请编号发文。",
            key=f"documents:signed:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
        )
    return _refresh(document, locked)


def document_issue(*, actor, document: Document, now=None) -> Document:
    """发文: signed → issued. The number from the locked sequence, one receipt per recipient
    (a fixed number of queries for any number of organisations), the receiving side told."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, ISSUE_DOCUMENT, locked.issuer, "您没有为该组织发文的权限。")
        _expect(locked, Status.SIGNED)
        _check_ready(locked, now)
        if locked.is_upward and not locked.signer_name:
            raise ServiceError("上行文（报告、请示）须标注签发人，请退回重新签发。")
        if not locked.prefix.is_active:
            raise ServiceError(
                f"机关代字“{locked.prefix.code}”已停用，请退回拟稿人改用其他机关代字。"
            )
        recipients = expand_addresses(locked)
        if not recipients:
            raise ServiceError(
                "按主送、抄送范围找不到任何收文单位或个人（发文单位自身不收文），请退回修改分发范围。"
            )
        year = timezone.localtime(now).year
        serial = numbering.next_serial(locked.issuer, locked.prefix.code, year)
        locked.year, locked.serial = year, serial
        locked.number = numbering.document_number(locked.prefix.code, year, serial)
        locked.status = Status.ISSUED
        locked.issued_by = actor
        locked.issued_at = now
        locked.recipient_count = create_receipts(locked, recipients, sent_at=now)
        locked.save()
        _audit(
            actor,
            "documents.document_issue",
            locked,
            Status.SIGNED,
            message=f"{locked.number}，分发 {locked.recipient_count} 份",
        )
        _notify_recipients(
            locked,
            recipients,
            title=f"新公文待签收：{locked.number}《{locked.title}》",
            body=_issued_body(locked),
            key=f"documents:issued:{locked.pk}",
        )
    return _refresh(document, locked)


def document_withdraw(*, actor, document: Document, reason: str, now=None) -> Document:
    """撤回: only while no recipient has signed; every receipt is cancelled and told."""
    now = now or timezone.now()
    reason = _text(reason, "撤回理由", 500, required=True)
    with transaction.atomic():
        # The receipts first, then the document: the same order as signing a receipt, so a
        # sign racing the withdrawal waits (and is then refused) instead of deadlocking.
        list(Receipt.objects.select_for_update().filter(document_id=document.pk).values_list("pk"))
        locked = _locked(document)
        _require(actor, ISSUE_DOCUMENT, locked.issuer, "您没有撤回该组织发文的权限。")
        _expect(locked, Status.ISSUED)
        receipts = Receipt.objects.filter(document=locked)
        if locked.signed_count or receipts.filter(signed_at__isnull=False).exists():
            raise ServiceError("已有单位签收了这份公文，不能再撤回；如内容有误，请发更正通知。")
        recipients = list(receipts.values_list("organization_id", "user_id"))
        receipts.update(status=Receipt.Status.CANCELLED)
        locked.status = Status.WITHDRAWN
        locked.withdraw_reason = reason
        locked.withdrawn_at = now
        locked.save()
        _audit(actor, "documents.document_withdraw", locked, Status.ISSUED, message=reason)
        _notify_holders(
            locked,
            recipients,
            title=f"公文已撤回：{locked.number}《{locked.title}》",
            body=f"{locked.issuer.name}撤回了这份公文，无需签收和办理。撤回理由：{reason}",
            key=f"documents:withdrawn:{locked.pk}",
        )
    return _refresh(document, locked)


def document_correct(*, actor, document: Document) -> Document:
    """更正: a new draft linked to the issued original, to the same addresses."""
    with transaction.atomic():
        locked = _locked(document)
        _require(actor, ISSUE_DOCUMENT, locked.issuer, "您没有为该组织发更正通知的权限。")
        if locked.status != Status.ISSUED:
            raise ServiceError("只有已发出的公文可以更正。")
        open_draft = locked.corrections.exclude(status__in=(Status.ISSUED, Status.WITHDRAWN))
        if open_draft.exists():
            raise ServiceError("这份公文已有一份尚未发出的更正通知稿，请在那份稿件上继续。")
        prefix = locked.prefix if locked.prefix.is_active else _default_prefix(locked.issuer)
        if prefix is None:
            raise ServiceError("本组织没有启用的机关代字，请先在“机关代字”页面添加。")
        correction = Document.objects.create(
            issuer=locked.issuer,
            doc_type=DocType.NOTICE,
            prefix=prefix,
            title=_correction_title(locked.title),
            urgency=locked.urgency,
            classification=locked.classification,
            body_html=_correction_body(locked),
            remark=locked.remark,
            signatory=locked.signatory,
            printer=locked.printer,
            corrects=locked,
            drafted_by=actor,
        )
        _write_addresses(correction, _specs_of(locked))
        audit_log(
            actor=actor,
            action="documents.document_correct",
            obj=correction,
            organization=locked.issuer,
            after={**_summary(correction), "corrects": locked.number},
        )
    return correction


# ---------------------------------------------------------------- checks


def _require(actor, permission: str, organization, message: str) -> None:
    """The actor holds `permission` over the organisation; a colleague on the sending side
    without it is told why, anybody else does not learn the document exists (404)."""
    scope = scope_of(actor)
    if scope.covers(permission, organization.path):
        return
    if any(scope.covers(code, organization.path) for code in SENDER_PERMISSIONS):
        raise ServiceError(message)
    raise Http404


def _visible_or_404(actor, document: Document) -> None:
    scope = scope_of(actor)
    if not any(scope.covers(code, document.issuer.path) for code in SENDER_PERMISSIONS):
        raise Http404


def _expect(document: Document, status: str) -> None:
    if document.status != status:
        raise ServiceError(STATE_MESSAGES[document.status])


def _text(value, label: str, maximum: int, *, required: bool = False) -> str:
    text = " ".join(str(value or "").split()) if maximum <= 200 else str(value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}。")
    if len(text) > maximum:
        raise ServiceError(f"{label}最多 {maximum} 个字（现在 {len(text)} 个）。")
    return text


def _clean_data(issuer, data: dict) -> dict:
    """The document's own fields from a form or the API, validated (Chinese refusals)."""
    doc_type = data.get("doc_type") or ""
    if doc_type not in DocType.values:
        raise ServiceError("请选择文种。")
    classification = data.get("classification") or Classification.NONE
    if classification in REFUSED_CLASSIFICATIONS:
        raise ServiceError(CLASSIFIED_REFUSAL)
    if classification not in Classification.values:
        raise ServiceError("密级只能选择“非密”或“内部”。")
    urgency = data.get("urgency") or Urgency.NORMAL
    if urgency not in Urgency.values:
        raise ServiceError("紧急程度只能是特急、加急或平件。")
    fields = {
        name: _text(data.get(name), label, limit) for name, (label, limit) in FIELD_LIMITS.items()
    }
    if not fields["title"]:
        raise ServiceError("请填写公文标题。")
    deadline = data.get("deadline") or None
    reply_required = bool(data.get("reply_required"))
    if deadline is not None and not isinstance(deadline, datetime.date):
        raise ServiceError("办理期限不是有效的日期。")
    if reply_required and deadline is None:
        raise ServiceError("要求回复的公文请填写办理期限（回复截止日期）。")
    if deadline is not None and deadline < timezone.localdate():
        raise ServiceError("办理期限不能早于今天。")
    return {
        **fields,
        "doc_type": doc_type,
        "prefix": _clean_prefix(issuer, data.get("prefix")),
        "urgency": urgency,
        "classification": classification,
        "body_html": sanitize_html(data.get("body_html") or ""),
        "reply_required": reply_required,
        "deadline": deadline,
        "in_reply_to": _clean_request(issuer, doc_type, data.get("in_reply_to")),
    }


def _clean_prefix(issuer, prefix) -> IssuerPrefix:
    if prefix is None:
        prefix = _default_prefix(issuer)
        if prefix is None:
            raise ServiceError("本组织还没有机关代字，请先在“机关代字”页面添加。")
    if prefix.organization_id != issuer.pk or not prefix.is_active:
        raise ServiceError("请选择发文组织自己启用中的机关代字。")
    return prefix


def _default_prefix(issuer) -> IssuerPrefix | None:
    return (
        IssuerPrefix.objects.filter(organization=issuer, is_active=True)
        .order_by("-is_default", "code")
        .first()
    )


def _clean_request(issuer, doc_type: str, receipt) -> Receipt | None:
    """A 批复 answers a 请示 that the issuer received (domain §8.1); other types answer none."""
    if doc_type != DocType.REPLY:
        return None
    if receipt is None:
        raise ServiceError("批复须针对一份收到的请示：请选择所批复的请示。")
    if (
        receipt.doc_type != DocType.REQUEST
        or receipt.organization_id != issuer.pk
        or receipt.status == Receipt.Status.CANCELLED
    ):
        raise ServiceError("批复只能针对本组织收到的请示，请重新选择所批复的请示。")
    return receipt


def _check_addresses(issuer, doc_type: str, addresses) -> None:
    addresses = list(addresses)
    if len(addresses) > MAX_ADDRESSES:
        raise ServiceError(f"分发范围最多 {MAX_ADDRESSES} 行，请用“含下级”合并。")
    for spec in addresses:
        if spec.role not in Role.values:
            raise ServiceError("分发范围的类别只能是主送或抄送。")
        if (spec.organization is None) == (spec.user is None):
            raise ServiceError("分发范围的每一行须选择一个组织或一个人。")
        if spec.organization is not None and not spec.organization.is_active:
            raise ServiceError(f"“{spec.organization.name}”已撤销，不能作为收文单位。")
        if spec.user is not None and not spec.user.is_active:
            raise ServiceError(f"“{spec.user.display_name}”的账号已停用，不能作为收文人。")
        if spec.include_subtree and spec.org_type not in ORG_TYPE_FILTERS:
            raise ServiceError("“只发给此类组织”的选项不正确，请重新选择。")
    main = [spec for spec in addresses if spec.role == Role.MAIN]
    if not main:
        raise ServiceError("请至少填写一个主送单位或主送人。")
    if doc_type == DocType.REQUEST:
        _check_request_addresses(issuer, main, addresses)


def _check_request_addresses(issuer, main, addresses) -> None:
    """请示: 一文一事, one 主送 superior, never copied to the issuer's own lower levels."""
    if len(main) != 1 or main[0].organization is None or main[0].include_subtree:
        raise ServiceError(
            "请示只能主送一个上级机关（一文一事），不能主送多个单位、个人或整个下级范围。"
        )
    if main[0].organization.path.startswith(issuer.path):
        raise ServiceError("请示应当主送上级机关，不能主送本组织或下级组织。")
    for spec in addresses:
        below = spec.organization is not None and spec.organization.path.startswith(issuer.path)
        if spec.role == Role.COPY and below:
            raise ServiceError("请示不得抄送下级机关，请删去抄送给本组织下级的行。")


def _check_ready(document: Document, now) -> None:
    """What a draft needs before it goes on (re-checked at issue: time has passed)."""
    if not document.title.strip():
        raise ServiceError("请填写公文标题。")
    if not document.body_html.strip() and not document.files.filter(purpose="body").exists():
        raise ServiceError("正文是空的：请填写正文，或上传正文文件（Word 或 PDF）。")
    if document.deadline and document.deadline < timezone.localtime(now).date():
        raise ServiceError("办理期限已过，请退回拟稿人修改办理期限。")
    if document.reply_required and not document.deadline:
        raise ServiceError("要求回复的公文须有办理期限。")
    specs = _specs_of(document)
    _check_addresses(document.issuer, document.doc_type, specs)
    if document.doc_type == DocType.REPLY:
        _clean_request(document.issuer, document.doc_type, document.in_reply_to)


# ---------------------------------------------------------------- helpers


def _locked(document: Document) -> Document:
    """The document row locked until the end of the transaction, with its issuer and prefix
    (a double click is serialised: the second sees the first's work)."""
    try:
        return (
            Document.objects.select_for_update(of=("self",))
            .select_related("issuer", "prefix", "in_reply_to")
            .get(pk=document.pk)
        )
    except Document.DoesNotExist as exc:
        raise Http404 from exc


def _refresh(target: Document, source: Document) -> Document:
    for field in Document._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.fields_cache = dict(source._state.fields_cache)
    return target


def _write_addresses(document: Document, addresses) -> None:
    DocumentAddress.objects.bulk_create([spec.as_address(document) for spec in addresses])


def _specs_of(document: Document) -> list[AddressSpec]:
    return [
        AddressSpec(
            role=address.role,
            organization=address.organization,
            include_subtree=address.include_subtree,
            org_type=address.org_type,
            user=address.user,
        )
        for address in document.addresses.select_related("organization", "user")
    ]


def _summary(document: Document) -> dict:
    return {
        "title": document.title,
        "doc_type": document.doc_type,
        "prefix": document.prefix.code if document.prefix_id else "",
        "urgency": document.urgency,
        "classification": document.classification,
        "reply_required": document.reply_required,
        "deadline": document.deadline,
        "status": document.status,
    }


def _audit(actor, action: str, document: Document, before: str, message: str = "") -> None:
    audit_log(
        actor=actor,
        action=action,
        obj=document,
        organization=document.issuer,
        before={"status": before},
        after={"status": document.status, "number": document.number},
        message=message,
    )


def _file_title(file, fallback: str) -> str:
    name = (getattr(file, "name", "") or "").rsplit("/", 1)[-1].strip()
    return name[:200] or fallback


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a part not mounted yet
        return ""


def _notify(user_ids, document: Document, *, title: str, body: str, url: str, key: str) -> None:
    from dangjian.notifications.services import notify

    user_ids = sorted(set(user_ids))
    if user_ids:
        notify(
            recipients=user_ids,
            title=title,
            body=body,
            url=url,
            category=NOTIFY_CATEGORY,
            obj=document,
            dedupe_key=key,
        )


def _notify_users(user_ids, document, *, exclude=None, title, body, key) -> None:
    ids = {pk for pk in user_ids if pk and pk != getattr(exclude, "pk", None)}
    url = _url("documents:outgoing_detail", document.pk)
    _notify(ids, document, title=title, body=body, url=url, key=key)


def _notify_office(document, permission: str, *, exclude, title, body, key) -> None:
    """The next step's people: the nearest level above the issuer where anyone holds it."""
    holders = signers_of([document.issuer], permission).get(document.issuer.pk, [])
    _notify_users(holders, document, exclude=exclude, title=title, body=body, key=key)


def _notify_recipients(document, recipients, *, title, body, key) -> None:
    pairs = [(r.organization_id, r.user_id) for r in recipients]
    _notify_holders(document, pairs, title=title, body=body, key=key)


def _notify_holders(document, pairs, *, title, body, key) -> None:
    """The people who sign for each recipient organisation, and the people addressed."""
    org_ids = [org_id for org_id, _user in pairs if org_id]
    people = {user_id for _org, user_id in pairs if user_id}
    organizations = Organization.objects.filter(pk__in=org_ids).only("pk", "path")
    for ids in signers_of(organizations).values():
        people.update(ids)
    _notify(people, document, title=title, body=body, url=_url("documents:inbox"), key=key)


def _issued_body(document: Document) -> str:
    parts = [f"{document.issuer.name}发来{document.get_doc_type_display()}，请及时签收。"]
    if document.urgency != Urgency.NORMAL:
        parts.append(f"紧急程度：{document.get_urgency_display()}。")
    if document.reply_required and document.deadline:
        parts.append(f"请于 {document.deadline:%Y-%m-%d} 前回复。")
    return "".join(parts)


def _correction_title(title: str) -> str:
    return f"关于更正《{title}》的通知"[:200]


def _correction_body(document: Document) -> str:
    dated = document.dated or timezone.localtime(document.issued_at).date()
    return (
        f"<p>{escape(document.issuer.name)}于{dated.year}年{dated.month}月{dated.day}日印发的"
        f"《{escape(document.title)}》（{escape(document.number)}）有误，现更正如下：</p>"
        "<p>（请在此写明更正的内容。）</p><p>特此通知。</p>"
    )
