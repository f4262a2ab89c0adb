"""The receiving side's services: 签收 (idempotent, counted once), reading, 登记 with 收文编号,
退回, 传阅 and 批示, 承办, 回复 with files, 办结, paper documents, and every refusal."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.documents.models import (
    Circulation,
    Document,
    DocumentFile,
    Handling,
    Receipt,
    Urgency,
)
from dangjian.documents.services import receiving as services
from dangjian.documents.testing import issue_now
from dangjian.notifications.models import Notification

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _pdf(name="回复.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _receipt(document, org):
    return Receipt.objects.select_related("organization", "document").get(
        document=document, organization=org
    )


def _signed(dw, document=None, org=None, **issue):
    document = document or issue_now(dw, to=[dw.branch1, dw.branch2], **issue)
    receipt = _receipt(document, org or dw.branch1)
    services.receipt_sign(actor=dw.bob, receipt=receipt)
    return receipt


def _counts(document):
    document.refresh_from_db()
    return (
        document.signed_count,
        document.read_count,
        document.replied_count,
        document.returned_count,
    )


# ------------------------------------------------------------------------------ 签收


def test_signing_records_who_and_when_and_counts_once(dw):
    document = issue_now(dw, to=[dw.branch1, dw.branch2])
    receipt = _receipt(document, dw.branch1)
    at = timezone.now()
    assert services.receipt_sign(actor=dw.bob, receipt=receipt, now=at) is True
    receipt.refresh_from_db()
    assert (receipt.status, receipt.signed_by, receipt.signed_at) == ("signed", dw.bob, at)
    assert _counts(document) == (1, 0, 0, 0)
    assert AuditEntry.objects.filter(action="documents.receipt_sign").count() == 1


def test_a_second_sign_changes_nothing_and_says_who_signed(dw):
    document = issue_now(dw, to=[dw.branch1])
    first = _receipt(document, dw.branch1)
    second = _receipt(document, dw.branch1)  # the same page, loaded before the first click
    assert services.receipt_sign(actor=dw.bob, receipt=first) is True
    signed_at = Receipt.objects.get(pk=first.pk).signed_at
    assert services.receipt_sign(actor=dw.bob, receipt=second) is False
    assert (second.signed_at, second.signed_by_id) == (signed_at, dw.bob.pk)
    assert _counts(document) == (1, 0, 0, 0)
    assert AuditEntry.objects.filter(action="documents.receipt_sign").count() == 1


def test_another_branch_secretary_cannot_sign(dw):
    receipt = _receipt(issue_now(dw, to=[dw.branch1]), dw.branch1)
    with pytest.raises(ServiceError, match="不是这份公文的收文单位的签收人"):
        services.receipt_sign(actor=dw.cora, receipt=receipt)
    receipt.refresh_from_db()
    assert receipt.signed_at is None


def test_a_person_signs_their_own_copy(dw):
    document = issue_now(dw, people=[dw.mia])
    receipt = Receipt.objects.get(document=document, user=dw.mia)
    with pytest.raises(ServiceError):
        services.receipt_sign(actor=dw.max, receipt=receipt)
    assert services.receipt_sign(actor=dw.mia, receipt=receipt) is True
    assert _counts(document)[0] == 1


def test_a_withdrawn_document_refuses_signing_and_everything_else(dw):
    document = issue_now(dw, to=[dw.branch1])
    receipt = _receipt(document, dw.branch1)
    Receipt.objects.filter(pk=receipt.pk).update(status=Receipt.Status.CANCELLED)
    receipt.refresh_from_db()
    with pytest.raises(ServiceError, match="已撤回"):
        services.receipt_sign(actor=dw.bob, receipt=receipt)
    for call in (
        lambda: services.receipt_register(actor=dw.bob, receipt=receipt),
        lambda: services.receipt_archive(actor=dw.bob, receipt=receipt),
        lambda: services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia]),
    ):
        with pytest.raises(ServiceError, match="已撤回"):
            call()
    assert _counts(document) == (0, 0, 0, 0)


# ------------------------------------------------------------------------------ reading


def test_the_first_opening_after_signing_counts_as_read_once(dw):
    document = issue_now(dw, to=[dw.branch1])
    receipt = _receipt(document, dw.branch1)
    services.receipt_open(actor=dw.bob, receipt=receipt)  # not signed yet: not a reading
    assert _counts(document) == (0, 0, 0, 0)
    services.receipt_sign(actor=dw.bob, receipt=receipt)
    services.receipt_open(actor=dw.bob, receipt=receipt)
    services.receipt_open(actor=dw.bob, receipt=_receipt(document, dw.branch1))
    assert _counts(document) == (1, 1, 0, 0)
    assert Receipt.objects.get(pk=receipt.pk).read_at is not None


def test_the_issuers_office_opening_a_copy_is_not_a_reading(dw):
    receipt = _signed(dw)
    fresh = _receipt(receipt.document, dw.branch1)
    services.receipt_open(actor=dw.cora, receipt=fresh)
    assert Receipt.objects.get(pk=receipt.pk).read_at is None


# ------------------------------------------------------------------------------ 登记


def test_registering_numbers_per_receiving_organisation_and_year(dw):
    document = issue_now(dw, to=[dw.branch1])
    other = issue_now(dw, "第二份通知", to=[dw.branch1])
    first = services.receipt_register(
        actor=dw.bob, receipt=_signed(dw, document), proposal="请支委会传阅"
    )
    second = services.receipt_register(actor=dw.bob, receipt=_signed(dw, other))
    year = timezone.localdate().year
    assert first.register_no == f"收〔{year}〕1号"
    assert second.register_no == f"收〔{year}〕2号"
    assert (first.status, first.proposal, first.registered_by) == (
        "registered",
        "请支委会传阅",
        dw.bob,
    )


def test_registering_twice_keeps_the_number(dw):
    receipt = services.receipt_register(actor=dw.bob, receipt=_signed(dw))
    again = services.receipt_register(actor=dw.bob, receipt=receipt, proposal="改为书记阅")
    assert again.register_no == receipt.register_no
    assert again.proposal == "改为书记阅"


def test_registering_before_signing_is_refused(dw):
    receipt = _receipt(issue_now(dw, to=[dw.branch1]), dw.branch1)
    with pytest.raises(ServiceError, match="请先签收"):
        services.receipt_register(actor=dw.bob, receipt=receipt)


# ------------------------------------------------------------------------------ 退回


def test_returning_needs_a_reason_counts_once_and_tells_the_issuers_office(dw):
    receipt = _signed(dw)
    with pytest.raises(ServiceError, match="请填写退回理由"):
        services.receipt_return(actor=dw.bob, receipt=receipt, reason="  ")
    returned = services.receipt_return(actor=dw.bob, receipt=receipt, reason="本支部不涉及")
    assert (returned.status, returned.return_reason) == ("returned", "本支部不涉及")
    assert _counts(receipt.document)[3] == 1
    told = Notification.objects.filter(title__contains="退回了").values_list("recipient", flat=True)
    assert set(told) == {dw.oscar.pk, dw.olivia.pk, dw.alice.pk}  # the mine's office and 组织部
    with pytest.raises(ServiceError, match="已退回"):
        services.receipt_return(actor=dw.bob, receipt=returned, reason="再退一次")
    assert _counts(receipt.document)[3] == 1


def test_a_registered_receipt_cannot_be_returned(dw):
    receipt = services.receipt_register(actor=dw.bob, receipt=_signed(dw))
    with pytest.raises(ServiceError, match="已登记"):
        services.receipt_return(actor=dw.bob, receipt=receipt, reason="不是我们的")


# ------------------------------------------------------------------------------ 传阅


def test_circulating_to_members_who_mark_it_read_and_write_an_instruction(dw):
    receipt = _signed(dw)
    added = services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia, dw.max])
    assert added == 2
    assert services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia]) == 0
    receipt.refresh_from_db()
    assert receipt.status == "circulating"
    assert Notification.objects.filter(recipient=dw.mia, title__startswith="请阅").exists()
    circulation = Circulation.objects.get(receipt=receipt, reader=dw.mia)
    services.circulation_read(actor=dw.mia, circulation=circulation, instruction="同意，按期办理")
    circulation.refresh_from_db()
    assert circulation.read_at is not None and circulation.instruction == "同意，按期办理"
    assert _counts(receipt.document) == (1, 1, 0, 0)  # the first reading of the receipt
    other = Circulation.objects.get(receipt=receipt, reader=dw.max)
    services.circulation_read(actor=dw.max, circulation=other)
    assert _counts(receipt.document) == (1, 1, 0, 0)


def test_only_the_reader_marks_a_circulation_read(dw):
    receipt = _signed(dw)
    services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia])
    circulation = Circulation.objects.get(receipt=receipt)
    with pytest.raises(ServiceError, match="传阅人本人"):
        services.circulation_read(actor=dw.bob, circulation=circulation)


def test_circulating_outside_the_organisation_or_to_inactive_people_is_refused(dw):
    receipt = _signed(dw)
    with pytest.raises(ServiceError, match="本组织"):
        services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.nick])
    dw.max.is_active = False
    dw.max.save(update_fields=["is_active"])
    with pytest.raises(ServiceError, match="在用账号"):
        services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.max])
    with pytest.raises(ServiceError, match="请选择传阅人"):
        services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[])
    assert not Circulation.objects.filter(receipt=receipt).exists()


# ------------------------------------------------------------------------------ 承办


def test_assigning_a_lead_and_an_assistant_who_report_done(dw):
    receipt = _signed(dw)
    due = timezone.localdate() + dt.timedelta(days=3)
    rows = services.receipt_assign(
        actor=dw.bob, receipt=receipt, lead=dw.mia, assistants=[dw.max], due_on=due
    )
    assert [(r.handler, r.role, r.due_on) for r in rows] == [
        (dw.mia, "lead", due),
        (dw.max, "assist", due),
    ]
    # A new lead: the former one helps.
    services.receipt_assign(actor=dw.bob, receipt=receipt, lead=dw.max)
    roles = dict(Handling.objects.filter(receipt=receipt).values_list("handler", "role"))
    assert roles == {dw.mia.pk: "assist", dw.max.pk: "lead"}
    handling = Handling.objects.get(receipt=receipt, handler=dw.mia)
    with pytest.raises(ServiceError, match="请填写办理情况"):
        services.handling_done(actor=dw.mia, handling=handling, note="")
    with pytest.raises(ServiceError, match="承办人本人"):
        services.handling_done(actor=dw.cora, handling=handling, note="代填")
    done = services.handling_done(actor=dw.mia, handling=handling, note="已组织学习")
    assert done.done_at is not None and done.note == "已组织学习"


def test_a_deadline_in_the_past_is_refused(dw):
    receipt = _signed(dw)
    with pytest.raises(ServiceError, match="不能早于今天"):
        services.receipt_assign(
            actor=dw.bob,
            receipt=receipt,
            lead=dw.mia,
            due_on=timezone.localdate() - dt.timedelta(days=1),
        )


# --------------------------------------------------------------------------- 回复 / 办结


def test_replying_with_a_file_counts_the_first_reply_and_tells_the_issuer(dw):
    deadline = timezone.localdate() + dt.timedelta(days=3)
    receipt = _signed(dw, reply_required=True, deadline=deadline)
    reply = services.receipt_reply(
        actor=dw.bob, receipt=receipt, text="已按要求开展", files=[_pdf()]
    )
    services.receipt_reply(actor=dw.bob, receipt=receipt, text="补充材料")
    assert _counts(receipt.document) == (1, 0, 1, 0)
    stored = DocumentFile.objects.get(reply=reply)
    assert (stored.purpose, stored.file_kind, stored.title) == ("reply", "pdf", "回复.pdf")
    receipt.refresh_from_db()
    assert receipt.status == "replied" and receipt.replied_at is not None
    assert Notification.objects.filter(recipient=dw.oscar, title__contains="回复了").count() == 2


def test_a_reply_is_refused_politely_when_none_is_asked_for(dw):
    receipt = _signed(dw)
    with pytest.raises(ServiceError, match="不要求回复"):
        services.receipt_reply(actor=dw.bob, receipt=receipt, text="收到")


def test_a_reply_file_of_the_wrong_kind_is_refused_and_nothing_is_kept(dw):
    receipt = _signed(dw, reply_required=True, deadline=timezone.localdate())
    page = SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ServiceError, match="格式不对"):
        services.receipt_reply(actor=dw.bob, receipt=receipt, text="见附件", files=[page])
    assert not receipt.replies.exists()
    assert _counts(receipt.document)[2] == 0


def test_archiving_waits_for_the_reply_a_document_asks_for(dw):
    receipt = _signed(dw, reply_required=True, deadline=timezone.localdate())
    with pytest.raises(ServiceError, match="请先回复"):
        services.receipt_archive(actor=dw.bob, receipt=receipt)
    services.receipt_reply(actor=dw.bob, receipt=receipt, text="已完成")
    archived = services.receipt_archive(actor=dw.bob, receipt=receipt, note="已落实")
    assert (archived.status, archived.result_note) == ("archived", "已落实")
    with pytest.raises(ServiceError, match="已办结"):
        services.receipt_reply(actor=dw.bob, receipt=archived, text="再回复")


# ------------------------------------------------------------------------------ paper


def _paper(**overrides):
    data = {
        "source_name": "市委组织部",
        "number": "市组〔2026〕15号",
        "title": "关于做好党员统计工作的通知",
        "doc_type": "tongzhi",
        "classification": "none",
        "urgency": Urgency.URGENT,
        "copies": 2,
        "received_on": timezone.localdate(),
        "reply_required": False,
        "deadline": None,
    }
    return data | overrides


def test_a_paper_document_is_registered_numbered_and_signed_at_once(dw):
    receipt = services.paper_register(
        actor=dw.oscar,
        organization=dw.mine,
        data=_paper(),
        files=[SimpleUploadedFile("scan.png", PNG)],
    )
    assert receipt.is_paper and receipt.document is None
    assert (receipt.status, receipt.signed_by, receipt.copies) == ("registered", dw.oscar, 2)
    assert receipt.register_no == f"收〔{timezone.localdate().year}〕1号"
    assert receipt.files.get().purpose == "scan"


@pytest.mark.parametrize("level", ["secret", "confidential", "top_secret"])
def test_a_classified_paper_document_refuses_any_file(dw, level):
    with pytest.raises(ServiceError, match="不得上传扫描件"):
        services.paper_register(
            actor=dw.oscar,
            organization=dw.mine,
            data=_paper(classification=level),
            files=[_pdf("scan.pdf")],
        )
    assert not Receipt.objects.filter(is_paper=True).exists()
    receipt = services.paper_register(
        actor=dw.oscar, organization=dw.mine, data=_paper(classification=level)
    )
    assert receipt.classification == level and not receipt.files.exists()


def test_paper_registration_outside_ones_scope_or_with_bad_data_is_refused(dw):
    with pytest.raises(ServiceError, match="不能为这个组织"):
        services.paper_register(actor=dw.bob, organization=dw.branch2, data=_paper())
    with pytest.raises(ServiceError, match="来文机关"):
        services.paper_register(actor=dw.bob, organization=dw.branch1, data=_paper(source_name=""))
    future = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.paper_register(
            actor=dw.bob, organization=dw.branch1, data=_paper(received_on=future)
        )
    with pytest.raises(ServiceError, match="办理期限"):
        services.paper_register(
            actor=dw.bob, organization=dw.branch1, data=_paper(reply_required=True)
        )


def test_a_paper_receipt_is_not_returned_or_replied_online(dw):
    receipt = services.paper_register(actor=dw.bob, organization=dw.branch1, data=_paper())
    with pytest.raises(ServiceError, match="线下"):
        services.receipt_return(actor=dw.bob, receipt=receipt, reason="不是我们的")
    assert services.receipt_archive(actor=dw.bob, receipt=receipt).status == "archived"


def test_counters_are_kept_in_the_document_row(dw):
    document = issue_now(dw, to=[dw.branch1, dw.branch2])
    services.receipt_sign(actor=dw.bob, receipt=_receipt(document, dw.branch1))
    services.receipt_sign(actor=dw.cora, receipt=_receipt(document, dw.branch2))
    services.receipt_open(actor=dw.cora, receipt=_receipt(document, dw.branch2))
    services.receipt_return(
        actor=dw.bob, receipt=_receipt(document, dw.branch1), reason="不涉及本支部"
    )
    assert _counts(document) == (2, 1, 0, 1)
    assert Document.objects.get(pk=document.pk).recipient_count == 2
