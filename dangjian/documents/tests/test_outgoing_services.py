"""发文 services: every transition and refusal, who may take each step, what issuing writes
(number, receipts, notifications, audit), withdrawal, correction, 机关代字 and files."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.documents.models import (
    DocType,
    Document,
    DocumentAddress,
    DocumentFile,
    IssuerPrefix,
    Receipt,
)
from dangjian.documents.services import outgoing
from dangjian.documents.services.dispatch import AddressSpec
from dangjian.documents.testing import issue_now
from dangjian.documents.tests.outgoing_helpers import data, docx, draft, issued, pdf, signed
from dangjian.notifications.models import Notification
from dangjian.orgs.models import Organization, OrgType

Status = Document.Status


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _actions(document) -> list[str]:
    rows = AuditEntry.objects.filter(object_type="documents.document", object_id=str(document.pk))
    return list(rows.order_by("pk").values_list("action", flat=True))


def _sign_one(document) -> None:
    """What the receiving side's 签收 writes (the receipt and the summary counter)."""
    receipt = document.receipts.order_by("copy_no").first()
    Receipt.objects.filter(pk=receipt.pk).update(
        status=Receipt.Status.SIGNED, signed_at=timezone.now()
    )
    Document.objects.filter(pk=document.pk).update(signed_count=F("signed_count") + 1)


# ---------------------------------------------------------------- the whole way


def test_a_draft_goes_through_review_and_sign_off_to_issue(dw):
    document = signed(dw)
    assert document.status == Status.SIGNED
    assert (document.signer, document.signer_name) == (dw.lee, "李振华")
    assert document.dated == timezone.localdate()
    assert document.number == ""

    outgoing.document_issue(actor=dw.oscar, document=document)

    document.refresh_from_db()
    year = timezone.localdate().year
    assert document.status == Status.ISSUED
    assert document.number == f"一矿党〔{year}〕{document.serial}号"
    assert document.issued_by == dw.oscar
    assert document.recipient_count == 2
    holders = set(document.receipts.values_list("organization_id", "number", "status"))
    assert holders == {
        (dw.branch1.pk, document.number, Receipt.Status.RECEIVED),
        (dw.branch2.pk, document.number, Receipt.Status.RECEIVED),
    }
    assert _actions(document) == [
        "documents.document_create",
        "documents.document_submit",
        "documents.document_review",
        "documents.document_sign",
        "documents.document_issue",
    ]


def test_issuing_tells_whoever_signs_for_each_recipient_once(dw):
    document = issued(dw, addresses=[AddressSpec(organization=dw.mine, include_subtree=True)])
    told = Notification.objects.filter(dedupe_key=f"documents:issued:{document.pk}")
    assert set(told.values_list("recipient__username", flat=True)) == {"bob", "cora"}
    assert all(row.category == "documents" for row in told)


def test_each_step_tells_the_next_people(dw):
    document = draft(dw)
    outgoing.document_submit(actor=dw.oscar, document=document)
    reviewers = Notification.objects.filter(
        dedupe_key__startswith=f"documents:submitted:{document.pk}:"
    )
    assert "olivia" in set(reviewers.values_list("recipient__username", flat=True))
    assert "oscar" not in set(reviewers.values_list("recipient__username", flat=True))
    outgoing.document_review(actor=dw.olivia, document=document)
    signers = Notification.objects.filter(
        dedupe_key__startswith=f"documents:reviewed:{document.pk}:"
    )
    assert set(signers.values_list("recipient__username", flat=True)) == {"lee"}


def test_a_person_addressed_gets_a_copy_and_a_notification(dw):
    document = issued(dw, addresses=[AddressSpec(user=dw.mia)])
    assert list(document.receipts.values_list("user_id", flat=True)) == [dw.mia.pk]
    assert Notification.objects.filter(
        recipient=dw.mia, dedupe_key=f"documents:issued:{document.pk}"
    ).exists()


def test_issuing_to_many_organisations_costs_the_same_queries(dw):
    def issue_to_subtree(size):
        tree = Organization.objects
        root = tree.get(pk=dw.branch3.pk)
        branch = {"org_type": OrgType.GENERAL_BRANCH, "name": f"总支{size}", "code": f"T{size}"}
        parent = tree.add_child(root, branch)
        for index in range(size):
            child = {"org_type": OrgType.BRANCH, "name": f"支部{index}", "code": f"T{size}-{index}"}
            tree.add_child(tree.get(pk=parent.pk), child)
        prefix = IssuerPrefix.objects.create(
            organization=dw.mine2, code=f"二矿党{size}", header="中共二矿委员会文件"
        )
        document = Document.objects.create(
            issuer=dw.mine2, doc_type=DocType.NOTICE, prefix=prefix, title="通知",
            body_html="<p>正文</p>", status=Status.SIGNED, drafted_by=dw.dave,
            signer=dw.dave, signer_name="戴维",
        )  # fmt: skip
        DocumentAddress.objects.create(
            document=document, organization=parent, include_subtree=True, org_type="branch"
        )
        with CaptureQueriesContext(connection) as queries:
            outgoing.document_issue(actor=dw.dave, document=document)
        assert document.recipient_count == size
        return len(queries)

    issue_to_subtree(1)  # warm the per-process caches (content types, roles)
    assert issue_to_subtree(3) == issue_to_subtree(30)


# ---------------------------------------------------------------- who may take each step


def test_the_drafter_cannot_review_their_own_draft(dw):
    document = draft(dw)
    outgoing.document_submit(actor=dw.oscar, document=document)
    with pytest.raises(ServiceError, match="拟稿人以外"):
        outgoing.document_review(actor=dw.oscar, document=document)
    document.refresh_from_db()
    assert document.status == Status.REVIEWING


def test_only_the_leader_signs_off(dw):
    document = draft(dw)
    outgoing.document_submit(actor=dw.oscar, document=document)
    outgoing.document_review(actor=dw.olivia, document=document)
    with pytest.raises(ServiceError, match="负责人"):
        outgoing.document_sign(actor=dw.olivia, document=document)
    document.refresh_from_db()
    assert (document.status, document.signer_id) == (Status.SIGNING, None)


def test_the_leader_cannot_issue(dw):
    document = signed(dw)
    with pytest.raises(ServiceError, match="发文的权限"):
        outgoing.document_issue(actor=dw.lee, document=document)
    assert Document.objects.get(pk=document.pk).serial is None


@pytest.mark.parametrize("who", ["bob", "charlie", "dave"])
def test_people_outside_the_issuers_scope_get_a_404(dw, who):
    document = draft(dw)
    user = getattr(dw, who)
    with pytest.raises(Http404):
        outgoing.document_submit(actor=user, document=document)
    with pytest.raises(Http404):
        outgoing.document_create(actor=user, issuer=dw.mine, data=data(dw), addresses=[])
    assert Document.objects.get(pk=document.pk).status == Status.DRAFT


def test_steps_out_of_order_are_refused(dw):
    document = draft(dw)
    with pytest.raises(ServiceError, match="尚未提交核稿"):
        outgoing.document_review(actor=dw.olivia, document=document)
    with pytest.raises(ServiceError):
        outgoing.document_issue(actor=dw.oscar, document=document)
    outgoing.document_submit(actor=dw.oscar, document=document)
    with pytest.raises(ServiceError, match="正在核稿"):
        outgoing.document_submit(actor=dw.oscar, document=document)


# ---------------------------------------------------------------- content rules


@pytest.mark.parametrize("level", ["secret", "confidential", "top_secret"])
def test_classified_documents_are_refused_with_the_reason(dw, level):
    with pytest.raises(ServiceError, match="机要渠道") as refused:
        draft(dw, classification=level)
    assert "§8.3" in refused.value.messages[0]
    document = draft(dw)
    with pytest.raises(ServiceError, match="涉密"):
        outgoing.document_update(
            actor=dw.oscar, document=document, data=data(dw, classification=level), addresses=None
        )
    assert Document.objects.get(pk=document.pk).classification == "none"


def test_an_unknown_classification_is_refused(dw):
    with pytest.raises(ServiceError, match="非密"):
        draft(dw, classification="whatever")


def test_a_reply_must_answer_a_request_the_issuer_received(dw):
    with pytest.raises(ServiceError, match="请选择所批复的请示"):
        draft(dw, doc_type=DocType.REPLY, title="关于同意的批复")
    notice = issue_now(dw, to=[dw.branch1])
    not_a_request = notice.receipts.get()
    with pytest.raises(ServiceError, match="本组织收到的请示"):
        draft(dw, doc_type=DocType.REPLY, in_reply_to=not_a_request)
    request = Receipt.objects.create(
        organization=dw.mine, doc_type=DocType.REQUEST, title="关于购置学习资料的请示",
        source_name="综采一队党支部", sent_at=timezone.now(), is_paper=True,
    )  # fmt: skip
    reply = draft(
        dw, doc_type=DocType.REPLY, title="关于同意购置学习资料的批复", in_reply_to=request
    )
    assert reply.in_reply_to == request
    someone_elses = Receipt.objects.create(
        organization=dw.branch1, doc_type=DocType.REQUEST, title="请示",
        source_name="x", sent_at=timezone.now(), is_paper=True,
    )  # fmt: skip
    with pytest.raises(ServiceError, match="本组织收到的请示"):
        draft(dw, doc_type=DocType.REPLY, in_reply_to=someone_elses)


def test_a_request_goes_to_one_superior_and_is_not_copied_down(dw):
    request = DocType.REQUEST
    up = AddressSpec(organization=dw.group)
    with pytest.raises(ServiceError, match="只能主送一个上级机关"):
        draft(dw, [up, AddressSpec(organization=dw.mine2)], doc_type=request)
    with pytest.raises(ServiceError, match="不得抄送下级"):
        draft(dw, [up, AddressSpec(role="copy", organization=dw.branch1)], doc_type=request)
    with pytest.raises(ServiceError, match="主送上级机关"):
        draft(dw, [AddressSpec(organization=dw.branch1)], doc_type=request)
    document = draft(dw, [up, AddressSpec(role="copy", organization=dw.mine2)], doc_type=request)
    assert document.addresses.count() == 2


def test_an_upward_document_shows_its_signer(dw):
    document = issued(dw, [AddressSpec(organization=dw.group)], doc_type=DocType.REPORT)
    assert document.is_upward
    assert document.signer_name == "李振华"


def test_a_distribution_needs_a_main_recipient(dw):
    with pytest.raises(ServiceError, match="至少填写一个主送"):
        draft(dw, [AddressSpec(role="copy", organization=dw.branch1)])
    with pytest.raises(ServiceError, match="至少填写一个主送"):
        draft(dw, [])


def test_a_reply_needs_a_deadline_that_has_not_passed(dw):
    with pytest.raises(ServiceError, match="办理期限"):
        draft(dw, reply_required=True)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ServiceError, match="不能早于今天"):
        draft(dw, reply_required=True, deadline=yesterday)
    document = draft(dw, reply_required=True, deadline=timezone.localdate() + dt.timedelta(days=3))
    assert document.reply_required


def test_a_deadline_that_passed_while_waiting_stops_the_issue(dw):
    document = signed(dw, reply_required=True, deadline=timezone.localdate() + dt.timedelta(days=1))
    later = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ServiceError, match="办理期限已过"):
        outgoing.document_issue(actor=dw.oscar, document=document, now=later)
    document.refresh_from_db()
    assert (document.status, document.serial) == (Status.SIGNED, None)


def test_the_body_is_sanitised(dw):
    document = draft(dw, body_html='<p onclick="x()">正文<script>alert(1)</script></p>')
    assert document.body_html == "<p>正文</p>"


def test_an_empty_body_cannot_be_submitted_until_a_body_file_is_added(dw):
    document = draft(dw, body_html="")
    with pytest.raises(ServiceError, match="正文是空的"):
        outgoing.document_submit(actor=dw.oscar, document=document)
    outgoing.document_file_add(actor=dw.oscar, document=document, file=docx(), purpose="body")
    outgoing.document_submit(actor=dw.oscar, document=document)
    assert document.status == Status.REVIEWING


# ---------------------------------------------------------------- return, delete


def test_a_return_needs_a_reason_and_sends_the_draft_back(dw):
    document = draft(dw)
    outgoing.document_submit(actor=dw.oscar, document=document)
    outgoing.document_review(actor=dw.olivia, document=document)
    with pytest.raises(ServiceError, match="退回理由"):
        outgoing.document_return(actor=dw.lee, document=document, reason="  ")
    outgoing.document_return(actor=dw.lee, document=document, reason="标题请写明时间")
    document.refresh_from_db()
    assert (document.status, document.return_reason) == (Status.DRAFT, "标题请写明时间")
    assert document.reviewed_by is None
    assert Notification.objects.filter(
        recipient=dw.oscar, dedupe_key__startswith=f"documents:returned:{document.pk}:"
    ).exists()
    outgoing.document_submit(actor=dw.oscar, document=document)
    assert document.return_reason == ""


def test_a_signed_document_returned_before_issue_loses_its_sign_off(dw):
    document = signed(dw)
    outgoing.document_return(actor=dw.oscar, document=document, reason="附件不全")
    document.refresh_from_db()
    assert (document.status, document.signer_id, document.dated) == (Status.DRAFT, None, None)


def test_an_issued_document_cannot_be_returned_or_deleted(dw):
    document = issued(dw)
    with pytest.raises(ServiceError, match="可以退回"):
        outgoing.document_return(actor=dw.lee, document=document, reason="x")
    with pytest.raises(ServiceError, match="撤回或更正"):
        outgoing.document_delete(actor=dw.oscar, document=document)


def test_a_draft_can_be_deleted_with_its_files(dw):
    document = draft(dw)
    outgoing.document_file_add(actor=dw.oscar, document=document, file=pdf(), purpose="attachment")
    outgoing.document_delete(actor=dw.oscar, document=document)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not DocumentFile.objects.filter(document_id=document.pk).exists()


def test_an_edit_changes_the_draft_and_its_distribution(dw):
    document = draft(dw)
    outgoing.document_update(
        actor=dw.olivia,
        document=document,
        data=data(dw, title="关于开展“七一”主题党日活动的通知", urgency="urgent"),
        addresses=[AddressSpec(organization=dw.branch1)],
    )
    document.refresh_from_db()
    assert (document.title, document.urgency) == ("关于开展“七一”主题党日活动的通知", "urgent")
    assert list(document.addresses.values_list("organization_id", flat=True)) == [dw.branch1.pk]
    outgoing.document_submit(actor=dw.oscar, document=document)
    with pytest.raises(ServiceError, match="只有草稿"):
        outgoing.document_update(actor=dw.oscar, document=document, data=data(dw), addresses=None)


# ---------------------------------------------------------------- withdraw and correct


def test_withdrawing_before_anyone_signed_cancels_every_copy(dw):
    document = issued(dw)
    with pytest.raises(ServiceError, match="撤回理由"):
        outgoing.document_withdraw(actor=dw.oscar, document=document, reason="")
    outgoing.document_withdraw(actor=dw.oscar, document=document, reason="发错了范围")
    document.refresh_from_db()
    assert (document.status, document.withdraw_reason) == (Status.WITHDRAWN, "发错了范围")
    assert set(document.receipts.values_list("status", flat=True)) == {Receipt.Status.CANCELLED}
    told = Notification.objects.filter(dedupe_key=f"documents:withdrawn:{document.pk}")
    assert set(told.values_list("recipient__username", flat=True)) == {"bob", "cora"}


def test_withdrawing_after_one_signature_is_refused(dw):
    document = issued(dw)
    _sign_one(document)
    with pytest.raises(ServiceError, match="已有单位签收"):
        outgoing.document_withdraw(actor=dw.oscar, document=document, reason="发错了")
    document.refresh_from_db()
    assert document.status == Status.ISSUED
    assert Receipt.Status.CANCELLED not in set(document.receipts.values_list("status", flat=True))


def test_a_correction_is_a_new_draft_linked_to_the_original(dw):
    document = issued(dw, addresses=[AddressSpec(organization=dw.mine, include_subtree=True)])
    correction = outgoing.document_correct(actor=dw.oscar, document=document)
    assert correction.status == Status.DRAFT
    assert correction.corrects == document
    assert correction.title == "关于更正《关于开展主题党日活动的通知》的通知"
    assert document.number in correction.body_html
    written = correction.addresses.values_list("organization_id", "include_subtree")
    assert list(written) == [(dw.mine.pk, True)]
    assert list(document.corrections.all()) == [correction]
    with pytest.raises(ServiceError, match="尚未发出的更正"):
        outgoing.document_correct(actor=dw.oscar, document=document)


def test_only_an_issued_document_can_be_corrected(dw):
    with pytest.raises(ServiceError, match="已发出"):
        outgoing.document_correct(actor=dw.oscar, document=draft(dw))


def test_issuing_to_nobody_is_refused(dw):
    document = signed(dw, addresses=[AddressSpec(organization=dw.mine)])
    with pytest.raises(ServiceError, match="找不到任何收文单位"):
        outgoing.document_issue(actor=dw.oscar, document=document)
    document.refresh_from_db()
    assert (document.status, document.serial) == (Status.SIGNED, None)


# ---------------------------------------------------------------- 机关代字


def test_prefixes_are_kept_by_the_office(dw):
    prefix = outgoing.prefix_save(
        actor=dw.oscar,
        organization=dw.mine,
        code="一矿党办",
        header="中共一矿委员会办公室",
        is_default=True,
    )
    assert not IssuerPrefix.objects.get(pk=dw.prefix.pk).is_default
    with pytest.raises(ServiceError, match="已有机关代字"):
        outgoing.prefix_save(actor=dw.oscar, organization=dw.mine, code="一矿党办", header="x")
    with pytest.raises(ServiceError, match="不含括号"):
        outgoing.prefix_save(actor=dw.oscar, organization=dw.mine, code="一矿〔党〕", header="x")
    with pytest.raises(ServiceError, match="权限"):
        outgoing.prefix_save(actor=dw.lee, organization=dw.mine, code="矿", header="x")
    with pytest.raises(Http404):
        outgoing.prefix_save(actor=dw.bob, organization=dw.mine, code="矿", header="x")
    outgoing.prefix_save(
        actor=dw.oscar, prefix=prefix, organization=None, code="一矿党办", header="改"
    )
    assert IssuerPrefix.objects.get(pk=prefix.pk).header == "改"


def test_a_prefix_in_use_keeps_its_code(dw):
    issue_now(dw, to=[dw.branch1])
    with pytest.raises(ServiceError, match="不能再改"):
        outgoing.prefix_save(
            actor=dw.oscar, prefix=dw.prefix, organization=None, code="新代字", header="x"
        )


def test_a_draft_must_use_its_issuers_active_prefix(dw):
    other = IssuerPrefix.objects.create(organization=dw.mine2, code="二矿党", header="x")
    with pytest.raises(ServiceError, match="自己启用中的机关代字"):
        draft(dw, prefix=other)


# ---------------------------------------------------------------- files


def test_files_are_checked_by_their_content(dw):
    document = draft(dw)
    body = outgoing.document_file_add(
        actor=dw.oscar, document=document, file=docx(), purpose="body"
    )
    assert (body.file_kind, body.title) == ("docx", "正文.docx")
    with pytest.raises(ServiceError, match="已有正文文件"):
        outgoing.document_file_add(actor=dw.oscar, document=document, file=pdf(), purpose="body")
    fake = SimpleUploadedFile("假的.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ServiceError):
        outgoing.document_file_add(
            actor=dw.oscar, document=document, file=fake, purpose="attachment"
        )
    outgoing.document_file_remove(actor=dw.oscar, file=body)
    assert not document.files.exists()


def test_files_of_a_submitted_document_cannot_change(dw):
    document = draft(dw)
    attachment = outgoing.document_file_add(
        actor=dw.oscar, document=document, file=pdf(), purpose="attachment"
    )
    outgoing.document_submit(actor=dw.oscar, document=document)
    with pytest.raises(ServiceError, match="只有草稿"):
        outgoing.document_file_add(
            actor=dw.oscar, document=document, file=pdf(), purpose="attachment"
        )
    with pytest.raises(ServiceError, match="只有草稿"):
        outgoing.document_file_remove(actor=dw.oscar, file=attachment)


def test_the_work_waiting_for_each_step(dw):
    from dangjian.documents.selectors_outgoing import workflow_waiting

    document = draft(dw, urgency="extra")
    outgoing.document_submit(actor=dw.oscar, document=document)

    def waiting(user):
        return {row["tab"]: (row["count"], row["urgent"]) for row in workflow_waiting(user)}

    assert waiting(dw.olivia)["reviewing"] == (1, True)
    assert waiting(dw.oscar)["reviewing"] == (0, False)  # not their own draft
    assert waiting(dw.lee) == {"reviewing": (1, True), "signing": (0, False)}
    assert waiting(dw.charlie) == {}
    outgoing.document_review(actor=dw.olivia, document=document)
    assert waiting(dw.lee)["signing"] == (1, True)
