"""`/api/v1/documents/`: the caller's receipts (list, detail, sign, read, reply) and the sender's
side (sent documents, recipients table) — scope (401 anonymous, 404 outside), sign idempotence
through the API, replies with a real PDF and a refused file, and query counts that do not grow
with the rows."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.documents.models import Circulation, Document, Receipt
from dangjian.documents.services import receiving
from dangjian.documents.testing import issue_now

API = "/api/v1/documents"


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def _pdf_bytes() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _receipt(document, org) -> Receipt:
    return document.receipts.get(organization=org)


# ---------------------------------------------------------------- scope


def test_anonymous_answers_401_everywhere(dw, client):
    document = issue_now(dw, to=[dw.branch1])
    receipt = _receipt(document, dw.branch1)
    for url in (
        f"{API}/",
        f"{API}/{receipt.pk}/",
        f"{API}/sent/",
        f"{API}/sent/{document.pk}/",
        f"{API}/sent/{document.pk}/recipients/",
    ):
        response = _as(client, None).get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    response = client.post(f"{API}/{receipt.pk}/sign/")
    assert response.status_code == 401
    assert not Receipt.objects.filter(pk=receipt.pk, signed_at__isnull=False).exists()


def test_outsiders_get_404_and_change_nothing(dw, client):
    document = issue_now(dw, to=[dw.branch1, dw.branch2])
    receipt = _receipt(document, dw.branch1)
    receiving.receipt_sign(actor=dw.bob, receipt=receipt)
    # another mine's office, a member it was not circulated to, another branch's secretary
    for user in (dw.dave, dw.mia, dw.cora, dw.charlie):
        api = _as(client, user)
        assert api.get(f"{API}/{receipt.pk}/").status_code == 404, user
        assert api.post(f"{API}/{receipt.pk}/sign/").status_code == 404, user
        assert api.post(f"{API}/{receipt.pk}/read/", {}).status_code == 404, user
        response = api.post(f"{API}/{receipt.pk}/reply/", {"text": "收到"})
        assert response.status_code == 404, user
        assert response.json()["error"]["message"] == "请求的对象不存在。"
        assert receipt.pk not in [row["id"] for row in api.get(f"{API}/").json()["results"]]
    for user in (dw.dave, dw.mia, dw.bob, dw.cora):  # the sender's side: its office only
        api = _as(client, user)
        assert api.get(f"{API}/sent/{document.pk}/").status_code == 404, user
        assert api.get(f"{API}/sent/{document.pk}/recipients/").status_code == 404, user
        assert api.get(f"{API}/sent/").json()["count"] == 0, user
    assert _as(client, dw.oscar).get(f"{API}/999999/").status_code == 404
    assert not document.receipts.filter(read_at__isnull=False).exists()


# ---------------------------------------------------------------- the receiving side


def test_the_inbox_lists_my_receipts_by_status_newest_first(dw, client):
    now = timezone.now()
    old = issue_now(dw, "较早的通知", to=[dw.branch1], issued_at=now - dt.timedelta(days=2))
    new = issue_now(dw, "最新的通知", to=[dw.branch1], issued_at=now - dt.timedelta(hours=1))
    receiving.receipt_sign(actor=dw.bob, receipt=_receipt(old, dw.branch1))
    api = _as(client, dw.bob)

    rows = api.get(f"{API}/").json()["results"]
    titles = [row["title"] for row in rows]
    assert titles.index("最新的通知") < titles.index("较早的通知")
    first = rows[titles.index("最新的通知")]
    assert first["status"] == "received" and first["status_display"] == "待签收"
    assert first["can_handle"] is True and first["number"] == new.number
    assert "body_html" not in first and "document" not in first

    to_sign = [r["title"] for r in api.get(f"{API}/", {"status": "to_sign"}).json()["results"]]
    handling = [r["title"] for r in api.get(f"{API}/", {"status": "handling"}).json()["results"]]
    assert "最新的通知" in to_sign and "较早的通知" not in to_sign
    assert handling == ["较早的通知"]
    assert api.get(f"{API}/", {"status": "done"}).json()["results"] == []
    response = api.get(f"{API}/", {"status": "bogus"})
    assert response.status_code == 400
    assert "未知的取值" in response.json()["error"]["message"]


def test_sign_twice_through_the_api_counts_once(dw, client):
    document = issue_now(dw, to=[dw.branch1, dw.branch2])
    receipt = _receipt(document, dw.branch1)
    api = _as(client, dw.bob)

    before = api.get(f"{API}/{receipt.pk}/").json()
    assert before["document"]["body_html"] is None  # no text before signing
    assert before["pdf_url"] is None

    first = api.post(f"{API}/{receipt.pk}/sign/")
    second = api.post(f"{API}/{receipt.pk}/sign/")

    assert first.status_code == 200 and second.status_code == 200
    assert first.json()["already"] is False and second.json()["already"] is True
    assert "签收" in second.json()["message"]
    signed = first.json()["receipt"]
    assert signed["status"] == "signed" and signed["signed_by_name"] == dw.bob.display_name
    assert second.json()["receipt"]["signed_at"] == signed["signed_at"]
    assert signed["document"]["body_html"].startswith("<p>")
    assert signed["pdf_url"].endswith(f"/documents/inbox/{receipt.pk}/pdf/")
    document.refresh_from_db()
    assert document.signed_count == 1


def test_a_circulated_reader_reads_with_an_instruction_but_cannot_sign(dw, client):
    document = issue_now(dw, to=[dw.branch1])
    receipt = _receipt(document, dw.branch1)
    receiving.receipt_sign(actor=dw.bob, receipt=receipt)
    receiving.receipt_circulate(actor=dw.bob, receipt=receipt, readers=[dw.mia, dw.max])
    api = _as(client, dw.mia)

    detail = api.get(f"{API}/{receipt.pk}/").json()
    assert detail["can_handle"] is False
    assert detail["document"]["body_html"]
    mine = Circulation.objects.get(receipt=receipt, reader=dw.mia)
    assert detail["my_circulation_id"] == mine.pk
    assert [r["id"] for r in api.get(f"{API}/").json()["results"]] == [receipt.pk]

    response = api.post(f"{API}/{receipt.pk}/read/", {"instruction": "已阅，同意。"})
    assert response.status_code == 200
    rows = {row["reader_name"]: row for row in response.json()["circulations"]}
    assert rows[dw.mia.display_name]["read_at"] is not None
    assert rows[dw.mia.display_name]["instruction"] == "已阅，同意。"
    assert rows[dw.max.display_name]["read_at"] is None
    document.refresh_from_db()
    assert document.read_count == 1

    response = api.post(f"{API}/{receipt.pk}/sign/")
    assert response.status_code == 400
    assert "签收人" in response.json()["error"]["message"]


def test_a_handler_reads_once_after_signing(dw, client):
    document = issue_now(dw, to=[dw.branch1])
    receipt = _receipt(document, dw.branch1)
    api = _as(client, dw.bob)

    response = api.post(f"{API}/{receipt.pk}/read/", {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请先签收这份公文，再标记已阅。"

    api.post(f"{API}/{receipt.pk}/sign/")
    for _ in range(2):
        response = api.post(f"{API}/{receipt.pk}/read/", {}, content_type="application/json")
        assert response.status_code == 200
    assert response.json()["read_at"] is not None
    document.refresh_from_db()
    assert document.read_count == 1

    response = api.post(
        f"{API}/{receipt.pk}/read/", {"instruction": "同意"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "传阅人" in response.json()["error"]["message"]


def test_reply_with_a_pdf_and_a_refused_file(dw, client):
    deadline = timezone.localdate() + dt.timedelta(days=3)
    document = issue_now(dw, to=[dw.branch1], reply_required=True, deadline=deadline)
    receipt = _receipt(document, dw.branch1)
    api = _as(client, dw.bob)

    response = api.post(f"{API}/{receipt.pk}/reply/", {"text": "已按要求开展活动。"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请先签收这份公文，再进行后续办理。"

    api.post(f"{API}/{receipt.pk}/sign/")
    refused = SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 200)
    response = api.post(f"{API}/{receipt.pk}/reply/", {"text": "见附件", "files": [refused]})
    assert response.status_code == 400
    assert "格式不对" in response.json()["error"]["message"]
    assert not receipt.replies.exists()

    report = SimpleUploadedFile("活动情况.pdf", _pdf_bytes(), content_type="application/pdf")
    response = api.post(
        f"{API}/{receipt.pk}/reply/", {"text": "已按要求开展活动，情况见附件。", "files": [report]}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "replied" and body["replied_at"] is not None
    (reply,) = body["replies"]
    assert reply["text"] == "已按要求开展活动，情况见附件。"
    assert reply["author_name"] == dw.bob.display_name
    (stored,) = reply["files"]
    assert stored["file_kind"] == "pdf" and stored["title"] == "活动情况.pdf"
    download = api.get(stored["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    document.refresh_from_db()
    assert document.replied_count == 1

    response = api.post(f"{API}/{receipt.pk}/reply/", {"text": ""})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请填写回复内容。"


def test_a_withdrawn_document_refuses_signing_with_a_message(dw, client):
    document = issue_now(dw, to=[dw.branch1])
    receipt = _receipt(document, dw.branch1)
    Receipt.objects.filter(pk=receipt.pk).update(status=Receipt.Status.CANCELLED)
    Document.objects.filter(pk=document.pk).update(status=Document.Status.WITHDRAWN)

    response = _as(client, dw.bob).post(f"{API}/{receipt.pk}/sign/")

    assert response.status_code == 400
    assert "撤回" in response.json()["error"]["message"]
    rows = client.get(f"{API}/", {"status": "done"}).json()["results"]
    assert [row["status"] for row in rows if row["id"] == receipt.pk] == ["cancelled"]


def test_a_copy_addressed_to_a_person_and_a_paper_document(dw, client):
    document = issue_now(dw, "关于参加党务培训的通知", people=[dw.mia])
    mine = document.receipts.get(user=dw.mia)
    api = _as(client, dw.mia)

    (row,) = api.get(f"{API}/", {"status": "to_sign"}).json()["results"]
    assert row["id"] == mine.pk and row["can_handle"] is True
    assert row["organization"] is None and row["holder_name"] == dw.mia.display_name
    assert api.post(f"{API}/{mine.pk}/sign/").json()["already"] is False

    paper = receiving.paper_register(
        actor=dw.bob,
        organization=dw.branch1,
        data={
            "source_name": "某县委组织部",
            "number": "县组〔2026〕3号",
            "title": "关于报送党员信息的函",
            "doc_type": "han",
            "classification": "secret",
            "received_on": timezone.localdate(),
        },
    )
    detail = _as(client, dw.bob).get(f"{API}/{paper.pk}/").json()
    assert detail["is_paper"] is True and detail["document"] is None
    assert detail["classification_display"] == "秘密" and detail["scans"] == []
    assert detail["pdf_url"] is None


# ---------------------------------------------------------------- the sender's side


def test_the_sender_sees_counters_and_the_late_recipients(dw, client):
    past = timezone.now() - dt.timedelta(days=5)
    document = issue_now(dw, to=[dw.branch1, dw.branch2], issued_at=past)
    receiving.receipt_sign(actor=dw.bob, receipt=_receipt(document, dw.branch1))
    api = _as(client, dw.oscar)

    rows = api.get(f"{API}/sent/").json()["results"]
    (row,) = [r for r in rows if r["id"] == document.pk]
    assert row["recipient_count"] == 2 and row["signed_count"] == 1
    assert row["number"] == document.number and row["status"] == "issued"

    detail = api.get(f"{API}/sent/{document.pk}/").json()
    assert detail["counts"]["unsigned"] == 1 and detail["counts"]["late"] == 1
    assert detail["pdf_url"].endswith(f"/documents/outgoing/{document.pk}/pdf/")
    assert detail["body_html"]

    table = api.get(f"{API}/sent/{document.pk}/recipients/").json()
    assert table["count"] == 2
    by_name = {r["holder_name"]: r for r in table["results"]}
    assert by_name[dw.branch1.name]["signed_by_name"] == dw.bob.display_name
    assert by_name[dw.branch2.name]["sign_late"] is True

    late = api.get(f"{API}/sent/{document.pk}/recipients/", {"late": "1"}).json()
    assert [r["holder_name"] for r in late["results"]] == [dw.branch2.name]
    response = api.get(f"{API}/sent/{document.pk}/recipients/", {"show": "nope"})
    assert response.status_code == 400


def test_drafts_are_not_in_the_sent_list(dw, client):
    draft = Document.objects.create(
        issuer=dw.mine, doc_type="tongzhi", prefix=dw.prefix, title="未发的稿", drafted_by=dw.oscar
    )
    api = _as(client, dw.oscar)
    assert draft.pk not in [r["id"] for r in api.get(f"{API}/sent/").json()["results"]]
    assert api.get(f"{API}/sent/{draft.pk}/").status_code == 404


# ---------------------------------------------------------------- query counts


def _count_queries(client, url) -> int:
    client.get(url, {"page_size": 50})  # the session's first request writes its own rows
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 50})
    assert response.status_code == 200
    return len(captured)


def test_the_lists_do_not_grow_with_their_rows(dw, client):
    api = _as(client, dw.bob)
    for n in range(3):
        issue_now(dw, f"通知{n}", to=[dw.branch1])
    inbox_small = _count_queries(api, f"{API}/")
    sent_small = _count_queries(_as(client, dw.oscar), f"{API}/sent/")
    for n in range(3, 30):
        issue_now(dw, f"通知{n}", to=[dw.branch1])
    api = _as(client, dw.bob)
    assert len(api.get(f"{API}/", {"page_size": 50}).json()["results"]) >= 30
    assert _count_queries(api, f"{API}/") == inbox_small
    assert _count_queries(_as(client, dw.oscar), f"{API}/sent/") == sent_small
