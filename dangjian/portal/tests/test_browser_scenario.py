"""The issue's "done when", tried as a new user would, in one browser run:

易琳 (宣传干事, 一矿) writes a 党务公开 article with a picture uploaded through the editor and a
table pasted from Word, limits it to 一矿党委, and submits it; 方锐 (宣传部长) returns it with a
reason; she reads the reason, fixes the text and submits again; 方锐 reviews it with the
保密审查; 艾丽 (组织部) approves it. The 一矿 home page — already cached before — shows it at
once; searching a two-character word of its body finds it; 聂克, a party member of 二矿, gets a
404 on the article and does not find it. Screenshots of the home page at 1280 and 390 px.
"""

import io

import pytest

WORD_CLIPBOARD = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta charset="utf-8">'
    "<style>p.MsoNormal{margin:0cm;font-size:10.5pt}</style></head><body><!--StartFragment-->"
    "<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0"
    ' style="border-collapse:collapse">'
    "<tr><td width=184 style='width:138.25pt;border:solid windowtext 1.0pt'>"
    "<p class=MsoNormal><b><span style='font-family:宋体'>支部</span></b><o:p></o:p></p></td>"
    "<td width=184><p class=MsoNormal><b>发展对象</b></p></td>"
    "<td width=184><p class=MsoNormal><b>预备党员</b></p></td></tr>"
    "<tr><td><p class=MsoNormal>综采一队党支部</p></td><td><p class=MsoNormal>2</p></td>"
    "<td><p class=MsoNormal>1</p></td></tr>"
    "<tr><td><p class=MsoNormal>掘进二队党支部</p></td><td><p class=MsoNormal>1</p></td>"
    "<td><p class=MsoNormal>1</p></td></tr>"
    "</table><!--EndFragment--></body></html>"
)

PASTE = """(html) => {
  const editor = document.querySelector('[data-testid=body-input]');
  const data = new DataTransfer();
  data.setData('text/html', html);
  data.setData('text/plain', '支部\\t发展对象');
  editor.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                    cancelable: true}));
}"""

TITLE = "一矿党委2026年第三季度发展党员情况公示"
REASON = "请补充公示期和监督电话"
WORD = "监督"  # a two-character word of the body, added with the fix


@pytest.fixture
def live_portal(transactional_db):
    from dangjian.portal.testing import build_portal_world

    return build_portal_world()


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 675), (179, 18, 26))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 1120, 595), outline=(255, 215, 0), width=12)
    draw.ellipse((500, 240, 700, 440), fill=(255, 215, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _as(session, user):
    session.context.clear_cookies()
    session.sign_in(user)


def _fits_the_phone(session) -> bool:
    return (
        session.page.evaluate("document.documentElement.scrollWidth") <= session.viewport["width"]
    )


@pytest.mark.browser
def test_write_return_fix_review_approve_publish_search_and_scope(
    chromium, live_server, live_portal
):
    from playwright.sync_api import expect

    from dangjian.core.testing.browser import DESKTOP, PHONE, BrowserSession
    from dangjian.portal.models import Article

    pw = live_portal
    home = f"/s/{pw.mine_site.code}/"
    session = BrowserSession(chromium, live_server.url, DESKTOP)
    page = session.page
    try:
        # a member opens the 一矿 home page first, so its blocks are cached
        _as(session, pw.mia)
        assert session.goto(home).status == 200
        expect(page.locator("main")).not_to_contain_text(TITLE)

        # 易琳 writes: text, a Word table, a picture, limited to 一矿党委, and submits
        _as(session, pw.erin)
        session.goto("/portal/articles/new/")
        page.get_by_test_id("title").fill(TITLE)
        page.select_option("select[name=column]", label="党务公开")
        body = page.get_by_test_id("body-input")
        body.click()
        page.keyboard.type("经支部大会讨论、党委审批，现将本季度党建工作中发展党员的情况公示如下：")
        page.keyboard.press("Enter")
        page.evaluate(PASTE, WORD_CLIPBOARD)
        expect(body.locator("table td")).to_have_count(9)
        page.keyboard.press("Control+End")
        with page.expect_file_chooser() as chooser:
            page.get_by_test_id("editor-toolbar").locator("button.ql-image").click()
        chooser.value.set_files(
            files=[{"name": "支部大会.png", "mimeType": "image/png", "buffer": _png()}]
        )
        expect(body.locator("img[src^='/portal/media/']")).to_have_count(1)
        page.check("input[name=visibility][value=orgs]")
        page.check(f"input[name=audience][value='{pw.mine.pk}']")
        page.get_by_test_id("submit-article").click()
        page.wait_for_load_state("networkidle")
        article = Article.objects.get(title=TITLE)
        assert article.status == Article.Status.SUBMITTED
        assert "<table>" in article.body and "掘进二队党支部" in article.body
        assert "MsoNormal" not in article.body
        assert article.media.count() == 1
        assert list(article.audience.all()) == [pw.mine]

        # 方锐 finds it in his queue and returns it with a reason
        _as(session, pw.frank)
        session.goto("/portal/review/")
        session.screenshot("wf-review-queue")
        page.get_by_test_id("queue-row").filter(has_text=TITLE).click()
        expect(page.get_by_test_id("preview-body").locator("table td")).to_have_count(9)
        expect(page.get_by_test_id("preview-body").locator("img")).to_have_count(1)
        page.get_by_test_id("return-form").locator("textarea[name=reason]").fill(REASON)
        page.get_by_test_id("review-return").click()
        expect(page.get_by_text("撰稿人会收到退回原因")).to_be_visible()

        # 易琳 reads the reason, fixes the text and submits again
        _as(session, pw.erin)
        session.goto(f"/portal/articles/{article.pk}/")
        expect(page.get_by_test_id("return-reason")).to_contain_text(REASON)
        page.get_by_test_id("edit-article").click()
        body = page.get_by_test_id("body-input")
        expect(body.locator("table td")).to_have_count(9)
        expect(page.locator(f"input[name=audience][value='{pw.mine.pk}']")).to_be_checked()
        body.click()
        page.keyboard.press("Control+End")
        page.keyboard.press("Enter")
        page.keyboard.type("公示期为5个工作日，监督电话：0351-1234567。")
        page.get_by_test_id("submit-article").click()
        page.wait_for_load_state("networkidle")
        article.refresh_from_db()
        assert article.status == Article.Status.SUBMITTED
        assert WORD in article.body_text and "<table>" in article.body

        # 方锐 reviews, with the 保密审查 the column asks for
        _as(session, pw.frank)
        session.goto(f"/portal/review/{article.pk}/")
        page.get_by_test_id("review-pass").click()  # the box is required: the browser stops it
        assert Article.objects.get(pk=article.pk).status == Article.Status.SUBMITTED
        page.get_by_test_id("secrecy-checked").check()
        page.get_by_test_id("review-pass").click()
        expect(page.get_by_text("已通知审批人")).to_be_visible()

        # 艾丽 approves; the trail shows the three looks
        _as(session, pw.alice)
        session.goto("/portal/review/")
        page.get_by_test_id("queue-row").filter(has_text=TITLE).click()
        expect(page.get_by_test_id("trail-return")).to_contain_text(REASON)
        session.screenshot("wf-review-detail")
        page.get_by_test_id("review-approve").click()
        expect(page.get_by_text("已审批")).to_be_visible()
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
        session.goto(f"/a/{article.pk}/")
        expect(page.get_by_test_id("trail")).to_contain_text("已通过保密审查")

        # the member sees it on the home page at once, and finds it by a two-character word
        _as(session, pw.mia)
        session.goto(home)
        expect(page.locator("main").get_by_text(TITLE)).to_be_visible()
        session.screenshot("wf-home")
        session.goto(f"/search/?q={WORD}")
        expect(page.get_by_test_id("search-hits")).to_contain_text(TITLE)
        session.goto(f"/a/{article.pk}/")
        expect(page.get_by_test_id("trail")).to_have_count(0)  # readers see no trail
        expect(page.locator("main table")).to_contain_text("综采一队党支部")

        # a member of 二矿 neither opens nor finds it
        _as(session, pw.nick)
        assert session.goto(f"/a/{article.pk}/").status == 404
        session.goto(f"/search/?q={WORD}")
        expect(page.locator("main")).not_to_contain_text(TITLE)
        session.goto(home)
        expect(page.locator("main")).not_to_contain_text(TITLE)
        assert session.outside_requests == []
    finally:
        session.close()

    phone = BrowserSession(chromium, live_server.url, PHONE)
    try:
        _as(phone, pw.mia)
        phone.goto(home)
        expect(phone.page.locator("main").get_by_text(TITLE)).to_be_visible()
        assert _fits_the_phone(phone), "the home page scrolls sideways on a phone"
        phone.screenshot("wf-home")
        _as(phone, pw.alice)
        phone.goto(f"/portal/review/{article.pk}/")
        assert _fits_the_phone(phone), "the review page scrolls sideways on a phone"
        phone.screenshot("wf-review-detail")
        phone.goto("/portal/review/?tab=published")
        expect(phone.page.get_by_test_id("queue-row")).to_contain_text(TITLE)
        phone.screenshot("wf-review-queue")
        assert phone.outside_requests == []
    finally:
        phone.close()
