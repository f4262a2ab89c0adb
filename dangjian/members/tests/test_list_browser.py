"""The member list and detail pages in a real browser, at desktop and phone widths."""

from datetime import date

import pytest

from dangjian.orgs.models import Unit


def _roster(world):
    from dangjian.members.tests.factories import make_member

    unit = Unit.objects.create(name="综采一队", code="ZC1", owner=world.mine)
    zhang = make_member(
        world.branch1,
        "张三",
        party_group=world.group1,
        unit=unit,
        post="采煤机司机",
        education="college",
        mobile="13812345678",
        id_number="410402198506150035",
        address="河南省平顶山市新华区矿工路12号",
        work_number="100231",
    )
    make_member(world.branch1, "张珊", gender="female", birth=date(1992, 3, 8), unit=unit)
    make_member(world.branch1, "李四", category="probationary", joined_on=date(2025, 7, 1))
    make_member(world.branch2, "单小明", education="bachelor", birth=date(1978, 11, 2))
    make_member(world.branch2, "曾国强", birth=date(1966, 1, 20), joined_on=date(1990, 7, 1))
    make_member(world.branch2, "王五", status="suspended")
    for index in range(8):
        make_member(
            world.branch2, f"刘{'一二三四五六七八'[index]}", joined_on=date(2000 + index, 7, 1)
        )
    return zhang


@pytest.mark.browser
def test_alice_filters_searches_zs_and_opens_the_record(browser_session, live_world):
    from playwright.sync_api import expect

    world = live_world
    zhang = _roster(world)
    session = browser_session
    page = session.page
    desktop = session.viewport["width"] >= 768
    session.sign_in(world.alice)
    session.goto("/members/")
    count = page.locator("[data-testid=result-count]")
    expect(count).to_contain_text("共 13 名党员")  # 王五 (停止党籍) is not in good standing
    session.screenshot("members-list")

    if not desktop:  # the extra filters are folded away on phones
        expect(page.locator("#id_category")).to_be_hidden()
        page.locator("[data-testid=filter-toggle]").click()
        expect(page.locator("#id_category")).to_be_visible()
    page.select_option("#id_category", "probationary")
    expect(count).to_contain_text("共 1 名党员")
    assert "category=probationary" in page.url  # HTMX pushed the filters into the address
    page.select_option("#id_category", "")
    expect(count).to_contain_text("共 13 名党员")

    # The organisation filter is the platform's search-select: one match chooses itself.
    page.fill("#org-search", "掘进")
    expect(page.locator("#id_org")).to_have_value(str(world.branch2.pk))
    expect(count).to_contain_text("共 10 名党员")
    page.select_option("#id_org", "")
    expect(count).to_contain_text("共 13 名党员")

    page.fill("#id_q", "zs")
    expect(count).to_contain_text("共 2 名党员")
    session.screenshot("members-search")
    rows = page.locator(
        "[data-testid=member-table] tbody tr" if desktop else "[data-testid=member-cards] > li"
    )
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("张三")
    session.settle()  # the search's swap must be over before the click (flaky on a loaded CI)
    rows.first.get_by_role("link").first.click()

    page.wait_for_url(f"**/members/{zhang.pk}/")
    expect(page.locator("[data-testid=sensitive-id_number]")).to_contain_text("410402********0035")
    page.locator("[data-testid=reveal-mobile]").click()
    expect(page.locator("[data-testid=sensitive-mobile]")).to_contain_text("13812345678")
    session.screenshot("members-detail")
    page.locator("[data-testid=member-tabs]").get_by_role("link", name="党员信息").click()
    expect(page.locator("[data-testid=tab-party]")).to_contain_text("第一党小组")
    session.screenshot("members-detail-party")


@pytest.mark.browser
def test_the_filters_work_without_javascript(chromium, live_server, live_world):
    from playwright.sync_api import expect

    from dangjian.core.testing.browser import DESKTOP, BrowserSession

    world = live_world
    _roster(world)
    session = BrowserSession(chromium, live_server.url, DESKTOP)
    session.context.close()
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    session.context = context
    session.page = context.new_page()
    try:
        session.sign_in(world.alice)
        session.goto("/members/?q=zs")
        expect(session.page.locator("[data-testid=result-count]")).to_contain_text("共 2 名党员")
        session.page.fill("#id_q", "曾")
        session.page.get_by_role("button", name="查询").first.click()
        expect(session.page.locator("[data-testid=result-count]")).to_contain_text("共 1 名党员")
    finally:
        context.close()
