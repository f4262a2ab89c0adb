"""The portal back-end in a real browser at desktop and phone widths: the 宣传部长 finds his
site from the menu, adds a 党务公开-type column (the review boxes lock themselves), moves a
home-page block up and fills the links block with the links editor's extra row."""

import pytest


@pytest.fixture
def browser_session(desktop_session):
    """A desk workflow: run at 1280 px only (see core/testing/browser.py)."""
    return desktop_session


@pytest.fixture
def live_portal(transactional_db):
    from dangjian.portal.testing import build_portal_world

    return build_portal_world()


@pytest.mark.browser
def test_site_columns_and_blocks_in_the_browser(browser_session, live_portal):
    from playwright.sync_api import expect

    from dangjian.orgs.models import Organization, OrgType
    from dangjian.portal.models import HomeBlock, Site

    pw = live_portal
    general = Organization.objects.add_child(
        Organization.objects.get(pk=pw.mine.pk),
        {
            "org_type": OrgType.GENERAL_BRANCH,
            "name": "一矿机关党总支",
            "short_name": "一矿机关",
            "code": "G-M1-J",
        },
    )
    site = pw.mine_site
    page = browser_session.page
    browser_session.sign_in(pw.frank)

    # The site list, reached from the 信息交流 menu.
    browser_session.goto("/workbench/")
    if browser_session.viewport["width"] < 992:
        page.locator(".navbar-toggler").click()
    menu = page.locator("#dj-nav")
    menu.get_by_role("button", name="信息交流").click()
    menu.get_by_role("link", name="站点与栏目").click()
    expect(page.get_by_test_id("site-row")).to_have_count(1)
    browser_session.screenshot("mgmt-sites")

    # Opening a site for the mine's 党总支 with the organisation picker.
    page.get_by_test_id("site-new").click()
    page.get_by_test_id("search-organization").fill("机关")
    expect(page.locator("#id_organization")).to_have_value(str(general.pk))
    page.fill("#id_code", "m1-jiguan")
    browser_session.screenshot("mgmt-site-new")
    page.get_by_role("button", name="开通").click()
    expect(page.get_by_test_id("column-row")).to_have_count(11)
    assert Site.objects.get(code="m1-jiguan").name == "一矿机关党建网"
    page.get_by_role("link", name="站点与栏目").click()
    page.get_by_role("link", name=site.name).first.click()

    # The column tree; a new 党务公开-type column locks its review boxes on.
    expect(page.get_by_test_id("column-row")).to_have_count(11)
    browser_session.screenshot("mgmt-columns")
    page.get_by_test_id("column-new").click()
    page.fill("#id_name", "村务公开")
    page.fill("#id_slug", "village")
    page.select_option("#id_kind", "disclosure")
    expect(page.locator("#id_needs_secrecy_review")).to_be_checked()
    expect(page.locator("#id_needs_secrecy_review")).to_be_disabled()
    browser_session.screenshot("mgmt-column-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("栏目“村务公开”已保存。")).to_be_visible()
    village = site.columns.get(slug="village")
    assert village.needs_review and village.needs_secrecy_review

    # The home-page blocks: 我的待办 moves above 通知公告.
    page.get_by_role("link", name="首页区块").click()
    todo = site.blocks.get(kind=HomeBlock.Kind.TODO)
    page.locator(f"#block-{todo.pk}").get_by_role("button", name="上移我的待办").click()
    expect(page.get_by_test_id("block-row").nth(1)).to_contain_text("我的待办")
    browser_session.screenshot("mgmt-blocks")

    # The links block: two rows, the second one added by the editor's button.
    links = site.blocks.get(kind=HomeBlock.Kind.LINKS)
    page.locator(f"#block-{links.pk}").get_by_role("link", name="修改相关链接").click()
    expect(page.locator("#id_column")).to_be_hidden()
    page.fill("#link-name-1", "共产党员网")
    page.fill("#link-url-1", "https://www.12371.cn/")
    page.fill("#link-name-2", "坏链接")
    page.fill("#link-url-2", "javascript:alert(1)")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("第 2 行链接“坏链接”的网址无效")
    page.fill("#link-name-2", "工作台")
    page.fill("#link-url-2", "/workbench/")
    page.locator("[data-link-add]").click()
    page.fill("#link-name-6", "人民网")
    page.fill("#link-url-6", "http://www.people.com.cn/")
    browser_session.screenshot("mgmt-block-links")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("首页区块“相关链接”已保存。")).to_be_visible()
    links.refresh_from_db()
    assert [row["name"] for row in links.config["links"]] == ["共产党员网", "工作台", "人民网"]

    # The site settings: a taken code is refused in Chinese.
    page.get_by_role("link", name="站点设置").click()
    page.fill("#id_code", pw.mine2_site.code)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("已被")
    browser_session.screenshot("mgmt-site-settings")
