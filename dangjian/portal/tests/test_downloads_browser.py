"""The downloads library in a real browser at desktop and phone widths: the 宣传部长 creates a
folder limited to the mine, uploads a Word template and a video, adds a version; a member of
the mine finds and downloads them (the video answers range requests, so the player seeks),
a member of the other mine does not see them. Screenshots of every page."""

import pytest

from dangjian.portal.tests.media_files import docx_bytes, mp4_bytes


@pytest.fixture
def live_portal(transactional_db):
    from dangjian.portal.testing import build_portal_world

    return build_portal_world()


@pytest.mark.browser
def test_a_manager_fills_the_library_and_members_see_only_their_scope(browser_session, live_portal):
    from playwright.sync_api import expect

    world = live_portal
    page = browser_session.page
    code = world.mine_site.code
    browser_session.sign_in(world.frank)

    browser_session.goto("/portal/downloads/manage/")
    expect(page.get_by_test_id("manage-tree")).to_contain_text("还没有文件夹")
    form = page.get_by_test_id("folder-new")
    expect(form.locator("[data-audience-wrap]")).to_be_hidden()  # only for 指定组织
    form.locator("#id_name").fill("表格模板")
    form.locator("#id_visibility").select_option("orgs")
    expect(form.locator("[data-audience-wrap]")).to_be_visible()
    form.locator("#id_audience").select_option(str(world.mine.pk))
    form.get_by_role("button", name="新建").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已新建文件夹“表格模板”")).to_be_visible()

    for title, name, content, mime in (
        ("入党申请书模板", "入党申请书.docx", docx_bytes("入党申请书"), "application/msword"),
        ("安全生产警示教育片", "警示片.mp4", mp4_bytes(payload=50_000), "video/mp4"),
    ):
        browser_session.goto("/portal/downloads/manage/")
        page.get_by_test_id("item-new").click()
        page.wait_for_load_state("networkidle")
        item_form = page.get_by_test_id("item-form")
        item_form.locator("#id_title").fill(title)
        item_form.locator("#id_folder").select_option(label="表格模板")
        item_form.locator("#id_visibility").select_option("members")
        item_form.locator("#id_file").set_input_files(
            {"name": name, "mimeType": mime, "buffer": content}
        )
        item_form.get_by_role("button", name="上传").click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_text(f"已上传“{title}”")).to_be_visible()
    browser_session.screenshot("downloads-manage-item")

    browser_session.goto("/portal/downloads/manage/")
    page.get_by_test_id("manage-items").get_by_role("link", name="入党申请书模板").click()
    page.wait_for_load_state("networkidle")
    version = page.get_by_test_id("version-new")
    version.locator("#id_file").set_input_files(
        {"name": "新版.docx", "mimeType": "application/msword", "buffer": docx_bytes("第二版")}
    )
    version.locator("#id_note").fill("按 2026 年新格式修订")
    version.get_by_role("button", name="上传新版本").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已上传第 2 版")).to_be_visible()
    browser_session.goto("/portal/downloads/manage/")
    browser_session.screenshot("downloads-manage")

    # A member of the mine reads the library.
    browser_session.context.clear_cookies()
    browser_session.sign_in(world.mia)
    browser_session.goto("/portal/downloads/")
    items = page.get_by_test_id("downloads-items")
    expect(items).to_contain_text("入党申请书模板")
    expect(items).to_contain_text("安全生产警示教育片")
    expect(page.get_by_test_id("downloads-tree")).to_contain_text("表格模板")
    browser_session.screenshot("downloads-list")
    items.get_by_role("link", name="入党申请书模板").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("download-versions")).to_contain_text("按 2026 年新格式修订")
    browser_session.screenshot("downloads-item")

    browser_session.goto(f"/s/{code}/downloads/")
    page.get_by_test_id("downloads-items").get_by_role("link", name="安全生产警示教育片").click()
    page.wait_for_load_state("networkidle")
    video = page.get_by_test_id("download-video")
    expect(video).to_be_visible()
    src = video.get_attribute("src")
    # Seeking: the player asks for a byte range; the server answers with that part only.
    seek = browser_session.context.request.get(
        browser_session.base_url + src, headers={"Range": "bytes=40000-"}
    )
    assert seek.status == 206
    assert (
        seek.headers["content-range"]
        == f"bytes 40000-{len(mp4_bytes(50_000)) - 1}/{len(mp4_bytes(50_000))}"
    )
    assert seek.body() == mp4_bytes(payload=50_000)[40000:]
    assert seek.headers["accept-ranges"] == "bytes"
    browser_session.screenshot("downloads-video")

    # A member of the other mine sees neither the folder nor the items.
    browser_session.context.clear_cookies()
    browser_session.sign_in(world.nick)
    browser_session.goto(f"/s/{code}/downloads/")
    expect(page.get_by_test_id("downloads-empty")).to_be_visible()
    expect(page.get_by_test_id("downloads-tree")).not_to_contain_text("表格模板")

    # A visitor who is not logged in is invited to log in and sees public items only.
    browser_session.context.clear_cookies()
    browser_session.goto(f"/s/{code}/downloads/")
    expect(page.get_by_test_id("visitor-bar")).to_contain_text("登录")
    expect(page.get_by_test_id("downloads-empty")).to_be_visible()
    browser_session.screenshot("downloads-visitor")
    assert browser_session.outside_requests == []
