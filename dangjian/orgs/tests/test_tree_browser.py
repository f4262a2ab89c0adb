"""The organisation tree in a real browser, at desktop and phone widths."""

import pytest

from dangjian.orgs.models import Organization, OrgType


@pytest.mark.browser
def test_the_tree_opens_nodes_on_demand_and_searches(browser_session, live_world):
    from playwright.sync_api import expect

    mine = live_world.mine
    for number in range(12):
        Organization.objects.add_child(
            mine,
            {"org_type": OrgType.BRANCH, "name": f"掘进{number + 3}队党支部", "code": f"J{number}"},
        )
        mine.refresh_from_db()
    browser_session.sign_in(live_world.alice)
    page = browser_session.page
    browser_session.goto("/orgs/")
    tree = page.locator("[data-testid=org-tree]")
    expect(tree).to_contain_text("一矿党委")
    expect(tree).to_contain_text("掘进14队党支部")
    expect(tree).not_to_contain_text("二矿党委")
    expect(page.get_by_text("第一党小组")).to_have_count(0)  # not loaded yet

    toggle = page.locator(f"[aria-controls=org-children-{live_world.branch1.pk}]")
    toggle.click()
    expect(page.get_by_text("第一党小组")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    browser_session.screenshot("orgs-tree")
    toggle.click()
    expect(page.get_by_text("第一党小组")).to_be_hidden()

    page.fill("#org-search", "第一党小组")
    results = page.locator("[data-testid=search-results]")
    expect(results).to_contain_text("综采一队党支部")  # its ancestor path
    browser_session.screenshot("orgs-search")
    results.get_by_role("link", name="第一党小组").click()
    page.wait_for_url(f"**/orgs/{live_world.group1.pk}/")
    expect(page.locator("h1")).to_contain_text("第一党小组")
    browser_session.screenshot("orgs-detail")
