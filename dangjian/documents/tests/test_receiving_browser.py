"""签收 on a phone (and at a desk): Bob, a branch secretary, opens 收文签收, taps the 特急
document, taps the big 签收 button, sees 已签收 with his name and the full text; a double click
and a second tap from the back button change nothing. Mia reads a circulated document and
marks it read. Screenshots at 1280 and 390 px; nothing is loaded from outside."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.documents.models import Document, Receipt, Urgency

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def documents_world(transactional_db):
    from dangjian.documents.testing import build_documents_world

    return build_documents_world()


def test_a_branch_secretary_signs_a_document_on_a_phone(browser_session, documents_world):
    from dangjian.documents.testing import issue_now

    dw = documents_world
    body = "<p>各党支部：</p><p>请于本周内组织全体党员学习会议精神，并报送学习情况。</p>"
    document = issue_now(
        dw,
        "关于学习贯彻全会精神的通知",
        to=[dw.branch1],
        urgency=Urgency.EXTRA,
        body=body,
        reply_required=True,
        deadline=timezone.localdate() + dt.timedelta(days=3),
    )
    issue_now(dw, "关于做好冬季安全生产的通知", to=[dw.branch1])
    session, page = browser_session, browser_session.page
    session.sign_in(dw.bob)

    session.goto("/documents/inbox/")
    rows = page.locator("[data-testid=inbox-row]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("特急")
    session.screenshot("receiving-inbox")
    rows.first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=document-text]")).to_have_count(0)
    button = page.locator("[data-testid=sign-button]")
    box = button.bounding_box()
    assert box["height"] >= 56 and box["width"] >= 300  # one big target on a phone
    session.screenshot("receiving-before-sign")
    button.dblclick()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=signed]")).to_contain_text("已签收")
    expect(page.locator("[data-testid=signed]")).to_contain_text(dw.bob.display_name)
    expect(page.locator("[data-testid=document-body]")).to_contain_text("组织全体党员学习")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    session.screenshot("receiving-signed")

    # The page from before signing, tapped again: nothing changes, the page says who signed.
    page.go_back()
    page.wait_for_load_state("networkidle")
    if page.locator("[data-testid=sign-button]").count():
        page.locator("[data-testid=sign-button]").click()
        page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=signed]")).to_contain_text("已签收")
    document.refresh_from_db()
    assert (document.signed_count, document.read_count) == (1, 1)
    receipt = Receipt.objects.get(document=document)
    assert receipt.signed_by_id == dw.bob.pk

    # Bob sends it to Mia (found by the person picker), who reads it on her phone.
    page.locator("[data-testid=circulate-box] summary").click()
    page.get_by_test_id("search-reader_1").fill("米娅")
    session.settle()
    page.locator("select[name=reader_1]").select_option(str(dw.mia.pk))
    session.screenshot("receiving-actions")
    page.get_by_test_id("circulate-button").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("circulation-line")).to_contain_text("米娅（未阅）")
    assert receipt.circulations.get().reader_id == dw.mia.pk
    session.sign_in(dw.mia)
    session.goto("/documents/reading/")
    page.locator("[data-testid=reading-row]").first.click()
    page.wait_for_load_state("networkidle")
    page.fill("#instruction", "已学习，支部周五集中讨论。")
    page.locator("[data-testid=read-button]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=my-circulation]")).to_contain_text("您已于")
    session.screenshot("receiving-read")
    assert Document.objects.get(pk=document.pk).signed_count == 1

    # 登记纸质来文: a secret document allows no scan, and the form says so before sending.
    session.sign_in(dw.bob)
    session.goto("/documents/inbox/paper/new/")
    page.select_option("select[name=classification]", "secret")
    expect(page.locator("[data-testid=secret-note]")).to_be_visible()
    expect(page.locator("input[name=files]")).to_be_disabled()
    session.screenshot("receiving-paper-secret")

    # Bob replies with a PDF from his phone; the first reply is counted once.
    session.goto(f"/documents/inbox/{receipt.pk}/")
    form = page.get_by_test_id("reply-form")
    form.locator("textarea[name=text]").fill("已组织学习，学习记录见附件。")
    form.locator("input[name=files]").set_input_files(
        files=[{"name": "学习记录.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.get_by_test_id("reply-button").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("replies")).to_contain_text("学习记录.pdf")
    session.screenshot("receiving-replied")
    assert Document.objects.get(pk=document.pk).replied_count == 1
