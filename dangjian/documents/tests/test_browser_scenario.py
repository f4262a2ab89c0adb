"""The issue's "done when", tried as a new user would, in one browser run:

欧阳晓 (一矿党委办公室) drafts a 通知 to all 40 党支部 of the mine, reply required within three
days; 区丽 核稿; 李振华 签发; 欧阳晓 发文 — all through the pages at a desk. 30 branches sign:
鲍勃 (综采一队) on a 390-px phone, the others through the service. The sender's table shows 10
unsigned, the 未签收 filter lists them, and one click chases them (their secretaries get a
notification). 鲍勃 reads the document on his phone, circulates it to two members, 米娅 and 马骁,
who mark it read on their phones (米娅 writes a 批示), and replies with a PDF; the sender's table
then shows 综采一队 as 已阅 and 已回复. The printed PDF is a 红头文件: page 1 rendered as an image
has the red header and the red line.

Every step is photographed (desk at 1280 px, the branch side at 390 px); no request leaves the
site and no page raises a Content-Security-Policy violation.
"""

import datetime

import pytest

TITLE = "关于开展2026年度党员冬训工作的通知"
BODY = "根据集团党委安排，现就做好本年度党员冬训工作通知如下，请各支部认真组织、按期回复。"
REPLY = "综采一队党支部已组织学习，冬训安排见附件。"
INSTRUCTION = "请支部委员认真学习，按期完成冬训。"
BRANCHES = 40
SIGNED = 30


def _pdf() -> bytes:
    """A real small PDF (one page, some text) for the reply."""
    from weasyprint import HTML

    return HTML(string="<p>综采一队党支部冬训安排</p>").write_pdf()


def _watch(session) -> list[str]:
    problems: list[str] = []

    def console(message):
        if "Content Security Policy" in message.text or (
            message.type == "error" and "Failed to load resource" not in message.text
        ):
            problems.append(message.text)

    session.page.on("console", console)
    session.page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _fits_the_phone(session) -> bool:
    return (
        session.page.evaluate("document.documentElement.scrollWidth") <= session.viewport["width"]
    )


@pytest.fixture
def live_dw(transactional_db):
    """The documents world with the mine grown to 40 党支部; the 38 new ones get a secretary
    each (who signs or is chased)."""
    from dangjian.accounts.models import Role, RoleAssignment
    from dangjian.core.testing.world import make_user
    from dangjian.documents.testing import build_documents_world
    from dangjian.orgs.models import Organization, OrgType

    dw = build_documents_world()
    mine = Organization.objects.get(pk=dw.mine.pk)
    secretary = Role.objects.get(code="branch_secretary")
    dw.extra = []
    for number in range(3, BRANCHES + 1):
        branch = Organization.objects.add_child(
            mine,
            {
                "org_type": OrgType.BRANCH,
                "name": f"第{number}党支部",
                "code": f"G-M1-X{number:02d}",
            },
        )
        mine.refresh_from_db()  # treebeard: the parent's numchild moved
        user = make_user(f"sec{number:02d}", f"书记{number:02d}")
        RoleAssignment.objects.create(
            user=user, role=secretary, organization=branch, admin_kind=secretary.admin_kind
        )
        dw.extra.append((branch, user))
    return dw


def _as(session, user):
    session.context.clear_cookies()
    session.sign_in(user)


def _click(page, test_id: str):
    page.get_by_test_id(test_id).click()
    page.wait_for_load_state("networkidle")


def _accept_dialogs(session) -> list[str]:
    """Answer 确定 to every confirmation; the list of questions asked is returned."""
    asked: list[str] = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    session.page.on("dialog", accept)
    return asked


@pytest.mark.browser
def test_a_notice_to_40_branches_signed_chased_circulated_replied_and_printed(
    chromium, live_server, live_dw
):
    import time_machine
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.core.testing.browser import DESKTOP, PHONE, BrowserSession
    from dangjian.core.workdays import add_working_days
    from dangjian.documents.models import Circulation, Document, Receipt
    from dangjian.documents.services.receiving import receipt_sign
    from dangjian.notifications.models import Notification

    dw = live_dw
    today = timezone.localdate()
    deadline = today + datetime.timedelta(days=3)
    desk = BrowserSession(chromium, live_server.url, DESKTOP)
    phone = BrowserSession(chromium, live_server.url, PHONE)
    desk_problems, phone_problems = _watch(desk), _watch(phone)
    asked = _accept_dialogs(desk)
    page = desk.page
    try:
        # 欧阳晓 drafts the notice: to every 党支部 of the mine, reply within three days
        _as(desk, dw.oscar)
        desk.goto("/documents/outgoing/new/")
        page.select_option("select[name=doc_type]", label="通知")
        page.fill("input[name=title]", TITLE)
        page.locator("[data-testid=body-editor] .ql-editor").click()
        page.keyboard.type(BODY)
        page.check("input[name=reply_required]")
        page.fill("input[name=deadline]", deadline.isoformat())
        row = page.get_by_test_id("address-row").first
        row.get_by_test_id("search-organization").fill("一矿")
        desk.settle()
        row.locator("select[name$=organization]").select_option(str(dw.mine.pk))
        row.locator("input[name$=include_subtree]").check()
        row.locator("select[name$=org_type]").select_option("branch")
        desk.screenshot("documents-scenario-draft")
        _click(page, "save-draft")
        document = Document.objects.get(title=TITLE)
        assert document.status == Document.Status.DRAFT
        assert document.reply_required and document.deadline == deadline
        assert BODY in document.body_html
        _click(page, "action-submit")
        assert Document.objects.get(pk=document.pk).status == Document.Status.REVIEWING

        # 区丽 核稿, 李振华 签发
        _as(desk, dw.olivia)
        desk.goto(f"/documents/outgoing/{document.pk}/")
        _click(page, "action-review")
        assert Document.objects.get(pk=document.pk).status == Document.Status.SIGNING
        _as(desk, dw.lee)
        desk.goto(f"/documents/outgoing/{document.pk}/")
        desk.screenshot("documents-scenario-to-sign")
        _click(page, "action-sign")
        assert Document.objects.get(pk=document.pk).status == Document.Status.SIGNED

        # 欧阳晓 发文: a number, and one receipt for each of the 40 branches
        _as(desk, dw.oscar)
        desk.goto(f"/documents/outgoing/{document.pk}/")
        _click(page, "action-issue")
        issue_questions = list(asked)
        document = Document.objects.get(pk=document.pk)
        assert document.status == Document.Status.ISSUED
        assert document.number == f"一矿党〔{today.year}〕1号"
        assert document.recipient_count == BRANCHES
        expect(page.get_by_test_id("doc-number")).to_contain_text(document.number)
        desk.screenshot("documents-scenario-issued")

        # 鲍勃 signs on his phone: the inbox, the document, the big 签收 button
        _as(phone, dw.bob)
        phone.goto("/documents/inbox/")
        rows = phone.page.get_by_test_id("inbox-row")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(TITLE)
        phone.screenshot("documents-scenario-inbox")
        assert _fits_the_phone(phone), "the inbox scrolls sideways on a phone"
        rows.click()
        phone.page.wait_for_load_state("networkidle")
        phone.screenshot("documents-scenario-to-sign")
        _click(phone.page, "sign-button")
        expect(phone.page.get_by_test_id("signed")).to_contain_text(dw.bob.display_name)
        expect(phone.page.get_by_test_id("document-body")).to_contain_text(BODY)
        phone.screenshot("documents-scenario-signed")
        assert _fits_the_phone(phone), "the receipt page scrolls sideways on a phone"
        receipt = Receipt.objects.get(document=document, organization=dw.branch1)
        assert receipt.signed_by_id == dw.bob.pk and receipt.read_at is not None

        # 29 more branches sign (柯然 and 28 of the new secretaries); 10 do not
        receipt_sign(
            actor=dw.cora, receipt=Receipt.objects.get(document=document, organization=dw.branch2)
        )
        for branch, user in dw.extra[:28]:
            receipt_sign(
                actor=user, receipt=Receipt.objects.get(document=document, organization=branch)
            )
        late = dw.extra[28:]
        assert len(late) == BRANCHES - SIGNED
        assert Document.objects.get(pk=document.pk).signed_count == SIGNED

        # the sender's table: 30 signed, 10 unsigned; the 未签收 filter lists those ten
        desk.goto(f"/documents/outgoing/{document.pk}/recipients/")
        expect(page.get_by_test_id("count-recipients")).to_have_text(str(BRANCHES))
        expect(page.get_by_test_id("count-signed")).to_have_text(str(SIGNED))
        expect(page.get_by_test_id("count-unsigned")).to_have_text(str(BRANCHES - SIGNED))
        desk.screenshot("documents-scenario-table")
        _click(page, "filter-unsigned")
        expect(page.get_by_test_id("recipient-row")).to_have_count(BRANCHES - SIGNED)
        for branch, _user in late:
            expect(page.get_by_test_id("recipients")).to_contain_text(branch.name)

        # two working days later the ten are late; one click chases them
        later = timezone.make_aware(
            datetime.datetime.combine(add_working_days(today, 2), datetime.time(9, 0))
        )
        with time_machine.travel(later, tick=True):
            _as(desk, dw.oscar)  # the session of two days ago has expired
            desk.goto(f"/documents/outgoing/{document.pk}/recipients/?show=unsigned")
            expect(page.get_by_test_id("count-late")).to_have_text(str(BRANCHES - SIGNED))
            expect(page.get_by_test_id("late-sign")).to_have_count(BRANCHES - SIGNED)
            desk.screenshot("documents-scenario-unsigned")
            page.get_by_test_id("chase-open").click()
            expect(page.get_by_test_id("chase-confirm")).to_be_visible()
            desk.screenshot("documents-scenario-chase-confirm")
            _click(page, "chase-confirm")
            expect(page.locator(".alert-success")).to_contain_text(
                f"已催办 {BRANCHES - SIGNED} 个单位"
            )
            desk.screenshot("documents-scenario-chased")
        notified = Notification.objects.filter(
            category="documents", recipient__in=[user for _b, user in late], title__contains="催"
        )
        assert set(notified.values_list("recipient_id", flat=True)) == {u.pk for _b, u in late}
        chased = Receipt.objects.filter(document=document, chase_count=1)
        assert set(chased.values_list("organization_id", flat=True)) == {b.pk for b, _u in late}

        # 鲍勃 reads it again and circulates it to 米娅 and 马骁
        _as(phone, dw.bob)
        phone.goto(f"/documents/inbox/{receipt.pk}/")
        phone.page.get_by_test_id("circulate-box").locator("summary").click()
        form = phone.page.get_by_test_id("circulate-form")
        form.locator("select[name=reader_1]").select_option(str(dw.mia.pk))
        form.locator("select[name=reader_2]").select_option(str(dw.max.pk))
        phone.screenshot("documents-scenario-circulate")
        _click(phone.page, "circulate-button")
        expect(phone.page.get_by_test_id("circulation-line")).to_contain_text("未阅")
        assert Circulation.objects.filter(receipt=receipt).count() == 2

        # 米娅 and 马骁 mark it read on their phones; 米娅 writes a 批示
        for reader, instruction in ((dw.mia, INSTRUCTION), (dw.max, "")):
            _as(phone, reader)
            phone.goto("/documents/reading/")
            expect(phone.page.get_by_test_id("reading-row")).to_contain_text(TITLE)
            if instruction:
                phone.screenshot("documents-scenario-reading")
            phone.page.get_by_test_id("reading-row").click()
            phone.page.wait_for_load_state("networkidle")
            expect(phone.page.get_by_test_id("document-body")).to_contain_text(BODY)
            if instruction:
                phone.page.fill("textarea[name=instruction]", instruction)
                phone.screenshot("documents-scenario-read")
            _click(phone.page, "read-button")
            expect(phone.page.get_by_test_id("my-circulation")).to_contain_text("您已于")
            assert _fits_the_phone(phone), "the receipt page scrolls sideways for a reader"
        read = Circulation.objects.filter(receipt=receipt, read_at__isnull=False)
        assert read.count() == 2
        assert read.get(reader=dw.mia).instruction == INSTRUCTION

        # 鲍勃 sees both readings and the 批示, and replies with a PDF
        _as(phone, dw.bob)
        phone.goto(f"/documents/inbox/{receipt.pk}/")
        expect(phone.page.get_by_test_id("circulation-line")).not_to_contain_text("未阅")
        expect(phone.page.get_by_test_id("instruction")).to_contain_text(INSTRUCTION)
        form = phone.page.get_by_test_id("reply-form")
        form.locator("textarea[name=text]").fill(REPLY)
        form.locator("input[name=files]").set_input_files(
            files=[{"name": "冬训安排.pdf", "mimeType": "application/pdf", "buffer": _pdf()}]
        )
        phone.screenshot("documents-scenario-reply")
        _click(phone.page, "reply-button")
        expect(phone.page.get_by_test_id("replies")).to_contain_text(REPLY)
        phone.screenshot("documents-scenario-replied")
        receipt = Receipt.objects.get(pk=receipt.pk)
        assert receipt.replied_at is not None
        assert receipt.replies.get().files.count() == 1

        # the sender's table shows 综采一队 as read and replied, with the reply's file
        desk.context.clear_cookies()
        _as(desk, dw.oscar)
        desk.goto(f"/documents/outgoing/{document.pk}/recipients/")
        expect(page.get_by_test_id("count-read")).to_have_text("1")
        expect(page.get_by_test_id("count-replied")).to_have_text("1")
        row = page.get_by_test_id("recipient-row").filter(has_text=dw.branch1.name)
        expect(row.get_by_test_id("row-status")).to_have_text("已回复")
        expect(row).not_to_contain_text("未阅")  # the reading time instead
        expect(page.get_by_test_id("reply")).to_contain_text(REPLY)
        expect(page.get_by_test_id("reply-file")).to_contain_text("冬训安排.pdf")
        desk.screenshot("documents-scenario-table-replied")

        # the printed document is a 红头文件
        response = page.request.get(f"{live_server.url}/documents/outgoing/{document.pk}/pdf/")
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        _looks_like_a_red_header_document(response.body())

        assert desk.outside_requests == [] and phone.outside_requests == []
        assert desk_problems == [] and phone_problems == [], desk_problems + phone_problems
        # 编号发文 asks once before numbering and sending (core/app.js asks for every
        # form[data-confirm]; a page script asking again makes the user answer twice)
        assert issue_questions == ["发文后将编号并分发到各收文单位，确定发文吗？"], issue_questions
    finally:
        desk.close()
        phone.close()


def _looks_like_a_red_header_document(content: bytes):
    """Page 1 rasterised (pypdfium2, as the pdf part's tests do): red ink in the top band (the
    发文机关标志) and a red line across most of the width below it; the text below is black."""
    import pypdfium2
    from PIL import ImageChops

    from dangjian.core.testing.browser import ARTIFACTS

    scale = 2  # 144 dpi: one millimetre is about 5.7 pixels
    image = pypdfium2.PdfDocument(content)[0].render(scale=scale).to_pil().convert("RGB")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "documents-scenario-pdf-page1.png")
    width, height = image.size
    r, g, b = image.split()
    red = ImageChops.multiply(  # 255 where the pixel is red
        r.point(lambda v: 255 if v > 180 else 0),
        ImageChops.multiply(
            g.point(lambda v: 255 if v < 90 else 0), b.point(lambda v: 255 if v < 90 else 0)
        ),
    ).tobytes()
    red_per_row = [red[y * width : (y + 1) * width].count(255) for y in range(height)]
    lines = [y for y, n in enumerate(red_per_row) if n > 0.6 * width]
    assert lines, "no red line across the page"
    line = lines[-1]
    assert line < height * 0.45, f"the red line is too low ({line} of {height})"
    assert sum(red_per_row[: lines[0]]) > width, "no red 发文机关标志 above the line"
    below = line + round(6 * 72 / 25.4 * scale)  # clear of the star on the line
    assert sum(red_per_row[below:]) == 0, "red ink in the body, below the separator line"
