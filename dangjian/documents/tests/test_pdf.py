"""The 红头文件 PDF (GB/T 9704 layout): its text, the 份号 of a recipient's copy, scope, and what
page 1 looks like when rasterised (pypdfium2: red masthead, red rule, no red in the body)."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pypdfium2
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ImageChops

from dangjian.audit.models import AuditEntry
from dangjian.documents import pdf
from dangjian.documents.models import (
    Circulation,
    DocType,
    Document,
    DocumentAddress,
    DocumentFile,
    Handling,
    Receipt,
    Urgency,
)
from dangjian.documents.testing import issue_now

ISSUED_AT = timezone.make_aware(dt.datetime(2026, 3, 5, 10, 0))
BODY = (
    "<p>为深入学习贯彻党的二十大精神，进一步加强基层党组织建设，经党委研究决定，"
    "在全矿开展主题党日活动。现将有关事项通知如下。</p>"
    "<h2>一、活动安排</h2>"
    "<table><tr><th>时间</th><th>内容</th></tr><tr><td>3月</td><td>学习党章</td></tr></table>"
    "<p>请各党支部于3月20日前报送活动情况。</p>"
)
# Beside the browser tests' screenshots (core.testing.browser).
ARTIFACTS = Path(os.environ.get("DANGJIAN_ARTIFACTS", "test-artifacts")) / "screenshots"
MM = 72 / 25.4


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _issue(dw, **kwargs):
    kwargs.setdefault("to", [dw.branch1, dw.branch2])
    kwargs.setdefault("copy_to", [dw.group])
    kwargs.setdefault("issued_at", ISSUED_AT)
    kwargs.setdefault("body", BODY)
    return issue_now(dw, "关于开展“不忘初心、牢记使命”主题党日活动的通知", **kwargs)


def _text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _get(client, user, name, pk):
    client.force_login(user)
    return client.get(reverse(f"documents:{name}", args=[pk]))


def _signed(receipt: Receipt, user) -> Receipt:
    Receipt.objects.filter(pk=receipt.pk).update(
        status=Receipt.Status.SIGNED, signed_at=timezone.now(), signed_by=user
    )
    receipt.refresh_from_db()
    return receipt


def test_the_sender_prints_the_issued_document_with_every_element(dw, client):
    document = _issue(dw, urgency=Urgency.URGENT)
    Document.objects.filter(pk=document.pk).update(
        attachment_note="1. 活动安排表\n2. 情况统计表", remark="此件发至党支部"
    )

    response = _get(client, dw.oscar, "pdf", document.pk)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    text = _text(response.content)
    for expected in (
        "中共一矿委员会文件",
        document.number,
        "加急",
        "关于开展“不忘初心、牢记使命”",
        "主题党日活动的通知",
        "综采一队党支部、掘进二队党支部：",
        "一、活动安排",
        "学习党章",
        "附件：1. 活动安排表",
        "中共一矿委员会\n2026年3月5日",
        "（此件发至党支部）",
        "抄送：中共某煤业集团委员会。",
        "中共一矿委员会办公室 2026年3月5日印发",
        "— 1 —",
    ):
        assert expected in text, expected
    assert document.number.startswith("一矿党〔2026〕")
    assert not any(f"{n:06d}" in text for n in range(1, 4))  # the file copy has no 份号
    entry = AuditEntry.objects.get(action="documents.pdf_print", object_id=str(document.pk))
    assert entry.actor == dw.oscar
    assert entry.organization_path == dw.mine.path


def test_a_recipient_prints_its_own_copy_with_its_copy_number(dw, client):
    document = _issue(dw)
    receipt = _signed(document.receipts.get(organization=dw.branch2), dw.cora)
    copy_no = f"{receipt.copy_no:06d}"
    assert copy_no != "000000"

    response = _get(client, dw.cora, "receipt_pdf", receipt.pk)

    assert response.status_code == 200
    text = _text(response.content)
    assert copy_no in text
    assert document.number in text
    assert f"-{copy_no}.pdf" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="documents.pdf_print", object_id=str(document.pk))
    assert entry.organization_path == dw.branch2.path
    assert copy_no in entry.message


def test_a_copy_is_printed_only_after_signing_and_never_once_withdrawn(dw, client):
    document = _issue(dw)
    receipt = document.receipts.get(organization=dw.branch2)

    response = _get(client, dw.cora, "receipt_pdf", receipt.pk)
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="documents.pdf_print").exists()

    Receipt.objects.filter(pk=receipt.pk).update(status=Receipt.Status.CANCELLED)
    response = _get(client, dw.cora, "receipt_pdf", receipt.pk)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("撤回" in m for m in messages)


def test_scope_outsiders_get_404(dw, client):
    document = _issue(dw)
    receipt = _signed(document.receipts.get(organization=dw.branch1), dw.bob)

    # another mine's office, a member without a circulation, a user without any role
    for user in (dw.dave, dw.mia, dw.charlie, dw.nick):
        assert _get(client, user, "pdf", document.pk).status_code == 404, user
        assert _get(client, user, "receipt_pdf", receipt.pk).status_code == 404, user
    # a branch secretary sees its receipt, not the sender's file copy; nor another's receipt
    assert _get(client, dw.cora, "pdf", document.pk).status_code == 404
    assert _get(client, dw.cora, "receipt_pdf", receipt.pk).status_code == 404
    assert _get(client, dw.oscar, "pdf", 999999).status_code == 404
    client.logout()
    response = client.get(reverse("documents:pdf", args=[document.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not AuditEntry.objects.filter(action="documents.pdf_print").exists()


def test_a_circulated_reader_and_a_named_handler_print_the_copy(dw, client):
    document = _issue(dw)
    receipt = _signed(document.receipts.get(organization=dw.branch1), dw.bob)
    Circulation.objects.create(receipt=receipt, reader=dw.mia, sent_by=dw.bob)
    Handling.objects.create(receipt=receipt, handler=dw.max, assigned_by=dw.bob)

    for user in (dw.mia, dw.max):
        response = _get(client, user, "receipt_pdf", receipt.pk)
        assert response.status_code == 200
        assert f"{receipt.copy_no:06d}" in _text(response.content)


def test_an_upward_document_shows_its_signer_on_the_number_line(dw, client):
    document = issue_now(
        dw,
        "关于召开年度党建述职评议会议的请示",
        to=[dw.group],
        doc_type=DocType.REQUEST,
        issued_at=ISSUED_AT,
    )
    text = _text(_get(client, dw.oscar, "pdf", document.pk).content)
    assert f"签发人：{dw.lee.display_name}" in text
    assert "中共某煤业集团委员会：" in text


def test_a_draft_prints_as_a_preview_and_a_withdrawn_document_says_so(dw, client):
    draft = Document.objects.create(
        issuer=dw.mine,
        doc_type=DocType.NOTICE,
        prefix=dw.prefix,
        title="关于做好年底党费收缴工作的通知",
        body_html="<p>各党支部要按时收缴党费。</p>",
        drafted_by=dw.oscar,
    )
    DocumentAddress.objects.create(
        document=draft, organization=dw.mine, include_subtree=True, org_type="branch"
    )
    response = _get(client, dw.oscar, "pdf", draft.pk)
    assert response.status_code == 200
    text = _text(response.content)
    assert "草稿" in text and "一矿党〔　　〕　号" in text
    assert "各党支部：" in text
    assert (
        "（草稿）" in response["Content-Disposition"]
        or "%EF%BC%88" in (response["Content-Disposition"])
    )
    assert AuditEntry.objects.get(action="documents.pdf_print").message == "打印草稿预览"

    issued = _issue(dw)
    Document.objects.filter(pk=issued.pk).update(status=Document.Status.WITHDRAWN)
    assert "已撤回" in _text(_get(client, dw.oscar, "pdf", issued.pk).content)


def test_page_one_looks_like_a_red_header_document(dw):
    document = _issue(dw)
    receipt = document.receipts.get(organization=dw.branch1)
    content = pdf.render_document_pdf(document, receipt=receipt)

    scale = 2  # 144 dpi
    page = pypdfium2.PdfDocument(content)[0]
    image = page.render(scale=scale).to_pil().convert("RGB")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "documents-pdf-page1.png")
    width, height = image.size

    def px(mm: float) -> int:
        return round(mm * MM * scale)

    def mask(test) -> bytes:
        """One byte per pixel, 255 where `test(r, g, b)` holds (counted row by row below)."""
        r, g, b = (
            band.point(lambda v, t=t: 255 if t(v) else 0)
            for band, t in zip(image.split(), test, strict=True)
        )
        return ImageChops.multiply(ImageChops.multiply(r, g), b).tobytes()

    red = mask((lambda v: v > 180, lambda v: v < 90, lambda v: v < 90))
    ink = mask((lambda v: v < 150, lambda v: v < 150, lambda v: v < 150))
    left, right = px(28), width - px(26)
    text_width = right - left

    def count(data: bytes, y: int, x0: int = left, x1: int = right) -> int:
        return data[y * width + x0 : y * width + x1].count(255)

    red_rows = [count(red, y) for y in range(height)]

    # 发文机关标志: plenty of red in the band 35–65 mm below the top of the 版心.
    masthead = sum(red_rows[px(37 + 35) : px(37 + 65)])
    assert masthead > text_width * px(10) * 0.15, masthead
    # the separator: a red line across most of the 版心's width, below the masthead
    rule_rows = [y for y in range(px(37 + 60), px(37 + 110)) if red_rows[y] > 0.85 * text_width]
    assert rule_rows, "no red separator line below the masthead"
    rule = rule_rows[-1]
    # nothing red in the body below it (title, 主送, text and the table are black)
    body_top = rule + px(8)
    assert sum(red_rows[body_top : height - px(35)]) == 0
    # the body's table prints with borders: a dark line across most of the width
    assert any(count(ink, y) > 0.9 * text_width for y in range(body_top, height - px(35)))
    # the 份号 is black, top left of the 版心
    assert any(count(ink, y, left, left + px(30)) for y in range(px(37), px(47)))


def test_the_body_keeps_the_grid_of_28_characters_and_22_lines(dw):
    document = _issue(dw, body="<p>" + "党" * 1200 + "</p>")
    page = pypdfium2.PdfDocument(pdf.render_document_pdf(document))[1]
    text = page.get_textpage()
    rows: dict[int, int] = {}
    for index in range(text.count_chars()):
        if text.get_text_range(index, 1) == "党":
            baseline = round(text.get_charbox(index)[1])
            rows[baseline] = rows.get(baseline, 0) + 1
    assert len(rows) == 22
    assert set(rows.values()) == {28}


def test_title_lines_cut_between_words_upper_lines_longer():
    assert pdf.title_lines("关于开展主题党日活动的通知") == ["关于开展主题党日活动的通知"]
    assert pdf.title_lines("关于开展“不忘初心、牢记使命”主题党日活动的通知") == [
        "关于开展“不忘初心、牢记使命”",
        "主题党日活动的通知",
    ]
    lines = pdf.title_lines("关于进一步加强基层党组织标准化规范化建设工作的实施意见")
    assert lines == ["关于进一步加强基层党组织标准化", "规范化建设工作的实施意见"]
    long = pdf.title_lines("甲" * 45)
    assert "".join(long) == "甲" * 45 and all(len(line) <= 20 for line in long)


def test_a_body_and_attachments_uploaded_as_files_are_named(dw, client):
    document = _issue(dw, body="")
    for purpose, title in (
        (DocumentFile.Purpose.BODY, "正文.docx"),
        (DocumentFile.Purpose.ATTACHMENT, "活动安排表.xlsx"),
        (DocumentFile.Purpose.ATTACHMENT, "情况统计表.xlsx"),
    ):
        DocumentFile.objects.create(
            document=document, purpose=purpose, title=title, file="x", file_kind="docx"
        )
    text = _text(_get(client, dw.oscar, "pdf", document.pk).content)
    assert "（正文见文件：正文.docx）" in text
    assert "附件：1. 活动安排表" in text and "2. 情况统计表" in text


def test_small_formats():
    assert pdf.chinese_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert pdf.copy_number(12) == "000012"
    assert pdf.copy_number(0) == ""
    assert pdf.attachment_lines("活动安排表\n\n统计表") == ["附件：活动安排表", "统计表"]
    one = [SimpleNamespace(title="2026年计划.v2.docx")]
    assert pdf.attachment_lines("", one) == ["附件：2026年计划.v2"]
    assert pdf.attachment_lines("", []) == []
    assert pdf.header_style("中共一矿委员会文件")["size"] == pytest.approx(15 * MM, abs=0.01)
    narrow = pdf.header_style("中共某煤业集团有限责任公司委员会文件")
    assert narrow["size"] * 17 <= 150 * MM + 0.1
