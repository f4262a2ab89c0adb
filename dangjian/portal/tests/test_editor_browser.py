"""The article editor in a real browser: the 宣传干事 types a paragraph, pastes a table copied
from Word (a real paste event with Word's clipboard HTML), uploads a picture through the
toolbar, picks a column and saves; the stored body keeps the table and the picture, and the
editor reloads it. Desktop flow, then the same pages at phone width for the screenshots."""

import io

import pytest

WORD_CLIPBOARD = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta charset="utf-8">'
    "<style>p.MsoNormal{margin:0cm;font-size:10.5pt;font-family:等线}</style></head><body>"
    "<!--StartFragment-->"
    '<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style="border-collapse:'
    'collapse;border:none;mso-yfti-tbllook:1184">'
    "<tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes'>"
    "<td width=184 valign=top style='width:138.25pt;border:solid windowtext 1.0pt'>"
    "<p class=MsoNormal><b><span style='font-family:宋体'>支部</span></b><o:p></o:p></p></td>"
    "<td width=184 valign=top style='width:138.25pt'><p class=MsoNormal><b>党员人数</b></p></td>"
    "<td width=184 valign=top><p class=MsoNormal><b>本季度党课</b></p></td></tr>"
    "<tr><td width=184><p class=MsoNormal>综采一队党支部</p></td>"
    "<td width=184><p class=MsoNormal>36</p></td><td width=184><p class=MsoNormal>3</p></td></tr>"
    "<tr><td width=184><p class=MsoNormal>掘进二队党支部</p></td>"
    "<td width=184><p class=MsoNormal>28</p></td><td width=184><p class=MsoNormal>2</p></td></tr>"
    "</table><p class=MsoNormal><img width=200 height=120 "
    'src="file:///C:/Users/yl/AppData/Local/Temp/msohtmlclip1/01/clip_image002.png"></p>'
    "<!--EndFragment--></body></html>"
)

PASTE = """(html) => {
  const editor = document.querySelector('[data-testid=body-input]');
  const data = new DataTransfer();
  data.setData('text/html', html);
  data.setData('text/plain', '支部\\t党员人数');
  editor.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                    cancelable: true}));
}"""


@pytest.fixture
def live_portal(transactional_db):
    from dangjian.portal.testing import build_portal_world

    return build_portal_world()


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 675), (179, 18, 26))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 1120, 595), outline=(255, 215, 0), width=12)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.browser
def test_write_paste_a_word_table_upload_a_picture_and_save(chromium, live_server, live_portal):
    from playwright.sync_api import expect

    from dangjian.core.testing.browser import DESKTOP, PHONE, BrowserSession
    from dangjian.portal.models import Article
    from dangjian.portal.services import articles, workflow

    pw = live_portal
    returned = articles.save_article(
        actor=pw.erin,
        site=pw.mine_site,
        column=pw.column(pw.mine_site, "disclosure"),
        data={"title": "一矿党委2026年第三季度党费收缴情况公开", "body": "<p>党费收缴情况</p>"},
    )
    workflow.submit(pw.erin, returned)
    workflow.return_article(pw.frank, returned, "请补充各支部明细表，并核对合计金额")
    session = BrowserSession(chromium, live_server.url, DESKTOP)
    try:
        page = session.page
        session.sign_in(pw.erin)
        session.goto("/portal/articles/new/")
        expect(page.get_by_test_id("editor-toolbar")).to_be_visible()
        page.get_by_test_id("title").fill("一矿党委召开党建引领安全生产推进会")
        page.select_option("select[name=column]", label="舆论宣传 · 新闻动态")
        expect(page.locator("input[name=visibility][value=public]")).to_be_checked()

        body = page.get_by_test_id("body-input")
        body.click()
        page.keyboard.type("11月20日，一矿党委召开推进会，各支部汇报了战斗堡垒作用的发挥情况。")
        page.keyboard.press("Enter")
        page.evaluate(PASTE, WORD_CLIPBOARD)
        expect(body.locator("table td")).to_have_count(9)
        expect(body.locator("table")).to_contain_text("综采一队党支部")
        # Word's picture points at the writer's disk: the editor says it will not be kept
        expect(page.locator("[data-editor-status]")).to_contain_text("保存时会被去掉")

        page.keyboard.press("Control+End")
        with page.expect_file_chooser() as chooser:
            page.get_by_test_id("editor-toolbar").locator("button.ql-image").click()
        chooser.value.set_files(
            files=[{"name": "推进会现场.png", "mimeType": "image/png", "buffer": _png()}]
        )
        picture = body.locator("img[src^='/portal/media/']")
        expect(picture).to_have_count(1)
        expect(page.locator("[data-editor-status]")).to_contain_text("已插入")
        page.get_by_test_id("tags").fill("安全生产，党建")
        session.screenshot("ed-editor")

        page.get_by_test_id("save-draft").click()
        expect(page.get_by_text("稿件已保存")).to_be_visible()
        article = Article.objects.exclude(pk=returned.pk).get()
        assert article.status == Article.Status.DRAFT
        assert article.column.slug == "news"
        assert "<table>" in article.body and "掘进二队党支部" in article.body
        assert "MsoNormal" not in article.body and "style=" not in article.body
        assert '<img src="/portal/media/' in article.body
        assert article.body.count("<img") == 1  # Word's file:/// picture was dropped
        assert article.media.count() == 1
        assert "战斗堡垒" in article.body_text and "36" in article.body_text

        # the editor loads the stored body back: table and picture are still there
        expect(body.locator("table td")).to_have_count(9)
        expect(picture).to_be_visible()
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("img => img.naturalWidth") > 0  # the media view served it
        session.screenshot("ed-editor-saved")

        # a second version: the first paragraph changes; the revisions page shows the change
        body.locator("p").first.click()
        page.keyboard.press("End")
        page.keyboard.type("会议要求把支部建在连上。")
        page.get_by_test_id("save-draft").click()
        expect(page.get_by_text("稿件已保存")).to_be_visible()
        page.get_by_test_id("revisions-link").click()
        expect(page.get_by_test_id("diff").locator("ins")).to_contain_text("会议要求把支部建在连上")
        expect(page.get_by_test_id("revision-2")).to_contain_text("当前")
        session.screenshot("ed-revisions")

        session.goto(f"/portal/articles/{article.pk}/")
        expect(page.get_by_test_id("preview-body").locator("table")).to_be_visible()
        session.screenshot("ed-preview")
        session.goto("/portal/articles/")
        expect(page.get_by_test_id(f"article-{article.pk}")).to_contain_text("草稿")
        expect(page.get_by_test_id(f"return-reason-{returned.pk}")).to_contain_text("各支部明细表")
        session.screenshot("ed-my-articles")
        assert session.outside_requests == []
    finally:
        session.close()

    phone = BrowserSession(chromium, live_server.url, PHONE)
    try:
        phone.sign_in(pw.erin)
        phone.goto(f"/portal/articles/{article.pk}/edit/")
        expect(phone.page.get_by_test_id("body-input").locator("table td")).to_have_count(9)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the editor page scrolls sideways on a phone"
        phone.screenshot("ed-editor")
        phone.goto(f"/portal/articles/{article.pk}/revisions/")
        phone.screenshot("ed-revisions")
        phone.goto("/portal/articles/")
        phone.screenshot("ed-my-articles")
        assert phone.outside_requests == []
    finally:
        phone.close()
