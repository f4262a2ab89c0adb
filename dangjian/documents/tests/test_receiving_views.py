"""收文 pages: the inbox (待签收 first, 特急 first), who may open a receipt (404 otherwise),
the actions through POST, 登记纸质来文, 我的传阅, the todo items, and query-count guards."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.documents.models import Circulation, DocumentFile, Receipt, Urgency
from dangjian.documents.portal_todo import documents_todo
from dangjian.documents.services import receiving as services
from dangjian.documents.testing import issue_now

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _login(client, user):
    client.force_login(user)
    return client


def _receipt(document, org):
    return Receipt.objects.select_related("organization").get(document=document, organization=org)


def _url(receipt, action=None):
    if action:
        return reverse("documents:receipt_action", args=[receipt.pk, action])
    return reverse("documents:receipt", args=[receipt.pk])


# ------------------------------------------------------------------------------ inbox


def test_the_inbox_lists_extra_urgent_first_then_the_oldest(dw, client):
    now = timezone.now()
    issue_now(dw, "旧的平件", to=[dw.branch1], issued_at=now - dt.timedelta(days=2))
    issue_now(dw, "新的平件", to=[dw.branch1], issued_at=now - dt.timedelta(hours=1))
    issue_now(dw, "特急件", to=[dw.branch1], urgency=Urgency.EXTRA, issued_at=now)
    issue_now(dw, "二支部的", to=[dw.branch2])
    response = _login(client, dw.bob).get(reverse("documents:inbox"))
    assert response.status_code == 200
    titles = [row.title for row in response.context["page_obj"].object_list]
    assert titles == ["特急件", "旧的平件", "新的平件"]
    assert "已超过签收时限" in response.content.decode()


def test_the_inbox_answers_404_to_people_with_nothing_to_sign(dw, client):
    assert _login(client, dw.mia).get(reverse("documents:inbox")).status_code == 404


def test_a_person_recipient_finds_their_copy_in_the_inbox(dw, client):
    issue_now(dw, "发给个人的通知", people=[dw.mia])
    response = _login(client, dw.mia).get(reverse("documents:inbox"))
    assert [r.title for r in response.context["page_obj"].object_list] == ["发给个人的通知"]


def test_the_inbox_filters_by_text_and_tab(dw, client):
    document = issue_now(dw, "关于党费收缴的通知", to=[dw.branch1])
    issue_now(dw, "关于学习的通知", to=[dw.branch1])
    services.receipt_sign(actor=dw.bob, receipt=_receipt(document, dw.branch1))
    _login(client, dw.bob)
    doing = client.get(reverse("documents:inbox") + "?tab=doing")
    assert [r.title for r in doing.context["page_obj"].object_list] == ["关于党费收缴的通知"]
    found = client.get(reverse("documents:inbox") + "?tab=all&q=学习")
    assert [r.title for r in found.context["page_obj"].object_list] == ["关于学习的通知"]


def _queries(client, url) -> int:
    client.get(url)  # the session's first request loads what later ones find cached
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_inbox_runs_the_same_queries_for_3_and_30_rows(dw, client):
    _login(client, dw.oscar)
    url = reverse("documents:inbox") + "?tab=all"
    for index in range(3):
        issue_now(dw, f"通知{index}", to=[dw.branch1, dw.branch2], people=[dw.mia])
    few = _queries(client, url)
    for index in range(9):
        issue_now(dw, f"再一个通知{index}", to=[dw.branch1, dw.branch2], people=[dw.mia])
    assert _queries(client, url) == few


def test_the_reading_list_runs_the_same_queries_for_3_and_30_rows(dw, client):
    _login(client, dw.mia)
    url = reverse("documents:reading")

    def circulate(count):
        for index in range(count):
            document = issue_now(dw, f"传阅件{index}", to=[dw.branch1])
            receipt = _receipt(document, dw.branch1)
            services.receipt_sign(actor=dw.bob, receipt=receipt)
            services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia])

    circulate(3)
    few = _queries(client, url)
    circulate(27)
    assert _queries(client, url) == few


# ------------------------------------------------------------------------------ access


def test_another_branch_secretary_and_a_plain_member_get_404(dw, client):
    receipt = _receipt(issue_now(dw, to=[dw.branch1]), dw.branch1)
    services.receipt_sign(actor=dw.bob, receipt=receipt)
    for user in (dw.cora, dw.mia, dw.nick, dw.charlie):
        client.force_login(user)
        assert client.get(_url(receipt)).status_code == 404
        assert client.post(_url(receipt, "archive")).status_code == 404
    assert Receipt.objects.get(pk=receipt.pk).status == "signed"


def test_a_circulated_member_reads_the_text_and_marks_it_read(dw, client):
    receipt = _receipt(issue_now(dw, to=[dw.branch1], body="<p>全文内容</p>"), dw.branch1)
    services.receipt_sign(actor=dw.bob, receipt=receipt)
    services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia])
    _login(client, dw.mia)
    page = client.get(_url(receipt))
    assert page.status_code == 200
    assert "全文内容" in page.content.decode()
    assert "actions" not in page.context or not page.context.get("circulate_form")
    response = client.post(_url(receipt, "read"), {"instruction": "请认真学习"})
    assert response.status_code == 302
    circulation = Circulation.objects.get(receipt=receipt)
    assert circulation.read_at and circulation.instruction == "请认真学习"
    # The member cannot act for the branch.
    client.post(_url(receipt, "archive"))
    assert Receipt.objects.get(pk=receipt.pk).status == "circulating"
    bob_page = _login(client, dw.bob).get(_url(receipt)).content.decode()
    assert "米娅（已阅" in bob_page and "请认真学习" in bob_page


# ------------------------------------------------------------------------------ actions


def test_the_text_shows_only_after_signing_and_a_double_post_signs_once(dw, client):
    document = issue_now(dw, to=[dw.branch1], body="<p>正文第一段</p>")
    receipt = _receipt(document, dw.branch1)
    _login(client, dw.bob)
    before = client.get(_url(receipt)).content.decode()
    assert "正文第一段" not in before and 'data-testid="sign-button"' in before
    client.post(_url(receipt, "sign"))
    second = client.post(_url(receipt, "sign"), follow=True)
    assert "无需重复签收" in second.content.decode()
    page = client.get(_url(receipt)).content.decode()
    assert "正文第一段" in page and "已签收" in page
    document.refresh_from_db()
    assert (document.signed_count, document.read_count) == (1, 1)


def test_a_refusal_comes_back_as_a_message_and_changes_nothing(dw, client):
    receipt = _receipt(issue_now(dw, to=[dw.branch1]), dw.branch1)
    services.receipt_sign(actor=dw.bob, receipt=receipt)
    response = _login(client, dw.bob).post(_url(receipt, "return"), {"reason": ""}, follow=True)
    assert "请填写退回理由" in response.content.decode()
    assert Receipt.objects.get(pk=receipt.pk).status == "signed"


def test_register_circulate_assign_reply_and_archive_through_the_page(dw, client):
    deadline = timezone.localdate() + dt.timedelta(days=3)
    document = issue_now(dw, to=[dw.branch1], reply_required=True, deadline=deadline)
    receipt = _receipt(document, dw.branch1)
    _login(client, dw.bob)
    client.post(_url(receipt, "sign"))
    client.post(_url(receipt, "register"), {"proposal": "请支委传阅"})
    client.post(_url(receipt, "circulate"), {"reader_1": dw.mia.pk, "reader_2": dw.max.pk})
    client.post(_url(receipt, "assign"), {"lead": dw.mia.pk, "due_on": deadline.isoformat()})
    reply = SimpleUploadedFile("落实情况.pdf", PDF, content_type="application/pdf")
    client.post(_url(receipt, "reply"), {"text": "已落实", "files": [reply]})
    client.post(_url(receipt, "archive"), {"note": "办毕"})
    receipt.refresh_from_db()
    assert receipt.register_no and receipt.proposal == "请支委传阅"
    assert set(receipt.circulations.values_list("reader", flat=True)) == {dw.mia.pk, dw.max.pk}
    assert receipt.handlings.get().handler == dw.mia
    assert (receipt.status, receipt.result_note) == ("archived", "办毕")
    stored = DocumentFile.objects.get(reply__receipt=receipt)
    download = client.get(reverse("documents:receipt_file", args=[receipt.pk, stored.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    # Another branch's file number is a 404 on this receipt.
    other = issue_now(dw, to=[dw.branch2])
    assert (
        client.get(reverse("documents:receipt_file", args=[receipt.pk, 999999])).status_code == 404
    )
    assert other.pk


def test_the_people_picker_lists_only_the_organisations_accounts(dw, client):
    receipt = _receipt(issue_now(dw, to=[dw.branch1]), dw.branch1)
    response = _login(client, dw.bob).get(
        reverse("documents:receipt_people", args=[receipt.pk]) + "?q=米"
    )
    body = response.content.decode()
    assert "米娅" in body and "聂克" not in body
    client.force_login(dw.cora)
    assert client.get(reverse("documents:receipt_people", args=[receipt.pk])).status_code == 404


def test_an_assigned_handler_opens_the_receipt_and_reports_done(dw, client):
    receipt = _receipt(issue_now(dw, to=[dw.branch1]), dw.branch1)
    services.receipt_sign(actor=dw.bob, receipt=receipt)
    services.receipt_assign(actor=dw.bob, receipt=receipt, lead=dw.max)
    _login(client, dw.max)
    assert client.get(reverse("documents:reading")).context["handlings"]
    assert client.get(_url(receipt)).status_code == 200
    handling = receipt.handlings.get()
    client.post(_url(receipt, "done"), {"handling": handling.pk, "note": "已完成"})
    handling.refresh_from_db()
    assert handling.note == "已完成"


def test_a_cancelled_receipt_shows_withdrawn_and_offers_nothing(dw, client):
    receipt = _receipt(issue_now(dw, to=[dw.branch1]), dw.branch1)
    Receipt.objects.filter(pk=receipt.pk).update(status=Receipt.Status.CANCELLED)
    page = _login(client, dw.bob).get(_url(receipt)).content.decode()
    assert "已撤回" in page and 'data-testid="sign-button"' not in page
    response = client.post(_url(receipt, "sign"), follow=True)
    assert "已撤回" in response.content.decode()
    assert Receipt.objects.get(pk=receipt.pk).signed_at is None


# ------------------------------------------------------------------------------ paper


def _paper_post(**overrides):
    data = {
        "organization": "",
        "source_name": "市委组织部",
        "number": "市组〔2026〕3号",
        "title": "关于报送党员信息的通知",
        "doc_type": "tongzhi",
        "classification": "none",
        "urgency": "normal",
        "copies": "1",
        "received_on": timezone.localdate().isoformat(),
    }
    return data | overrides


def test_registering_a_paper_document_through_the_form(dw, client):
    _login(client, dw.bob)
    assert client.get(reverse("documents:paper_new")).status_code == 200
    scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("documents:paper_new"),
        _paper_post(organization=dw.branch1.pk, files=[scan]),
    )
    receipt = Receipt.objects.get(is_paper=True)
    assert response.status_code == 302 and response.url == _url(receipt)
    assert receipt.files.count() == 1 and receipt.register_no


def test_the_paper_form_refuses_a_scan_of_a_secret_document(dw, client):
    _login(client, dw.bob)
    scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("documents:paper_new"),
        _paper_post(organization=dw.branch1.pk, classification="secret", files=[scan]),
    )
    assert response.status_code == 400
    assert "不得上传扫描件" in response.content.decode()
    assert not Receipt.objects.filter(is_paper=True).exists()


def test_the_paper_form_offers_only_the_users_own_organisations(dw, client):
    _login(client, dw.bob)
    response = client.post(reverse("documents:paper_new"), _paper_post(organization=dw.branch2.pk))
    assert response.status_code == 400
    assert not Receipt.objects.filter(is_paper=True).exists()
    assert _login(client, dw.mia).get(reverse("documents:paper_new")).status_code == 404


# ------------------------------------------------------------------------------ todo


def test_the_todo_counts_receipts_to_sign_and_circulations_to_read(
    dw, django_assert_max_num_queries
):
    issue_now(dw, to=[dw.branch1], urgency=Urgency.EXTRA)
    document = issue_now(dw, to=[dw.branch1])
    receipt = _receipt(document, dw.branch1)
    services.receipt_sign(actor=dw.bob, receipt=receipt)
    services.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia])
    from dangjian.core.scope import scope_of

    scope_of(dw.bob)
    with django_assert_max_num_queries(2):
        items = {item.label: item for item in documents_todo(dw.bob, None)}
    assert (items["待签收公文"].count, items["待签收公文"].urgent) == (1, True)
    assert items["待阅公文"].count == 0
    mia = {item.label: item for item in documents_todo(dw.mia, None)}
    assert (mia["待阅公文"].count, mia["待阅公文"].urgent) == (1, False)


def test_the_mine_office_sees_its_own_copies_first_and_the_branches_on_request(dw, client):
    data = _paper_post(copies=1, received_on=timezone.localdate(), title="市委来文")
    data.pop("organization")
    services.paper_register(actor=dw.oscar, organization=dw.mine, data=data)
    issue_now(dw, "一矿发给支部的通知", to=[dw.branch1, dw.branch2])
    _login(client, dw.oscar)
    own = client.get(reverse("documents:inbox") + "?tab=all")
    assert [r.title for r in own.context["page_obj"].object_list] == ["市委来文"]
    everything = client.get(reverse("documents:inbox") + "?tab=all&scope=all")
    assert everything.context["page_obj"].paginator.count == 3
    items = {item.label: item.count for item in documents_todo(dw.oscar, None)}
    assert items["待签收公文"] == 0
    bob = {item.label: item.count for item in documents_todo(dw.bob, None)}
    assert bob["待签收公文"] == 1


def test_the_sending_side_finds_the_drafts_waiting_for_its_step_on_my_todo(dw):
    from dangjian.documents.services import outgoing
    from dangjian.documents.tests.outgoing_helpers import draft

    document = draft(dw, urgency="urgent")
    outgoing.document_submit(actor=dw.oscar, document=document)
    olivia = {item.label: item for item in documents_todo(dw.olivia, None)}
    assert (olivia["待核稿公文"].count, olivia["待核稿公文"].urgent) == (1, True)
    assert "?tab=" in olivia["待核稿公文"].url
    # The drafter does not review their own draft; the leader has nothing to sign yet.
    oscar = {item.label: item.count for item in documents_todo(dw.oscar, None)}
    assert oscar.get("待核稿公文", 0) == 0
    outgoing.document_review(actor=dw.olivia, document=document)
    lee = {item.label: item.count for item in documents_todo(dw.lee, None)}
    assert lee["待签发公文"] == 1
