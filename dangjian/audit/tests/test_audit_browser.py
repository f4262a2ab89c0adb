"""The audit pages in a real browser, at desktop and phone widths."""

import pytest


@pytest.mark.browser
def test_the_auditor_filters_the_log_and_opens_an_entry(browser_session, live_world):
    from playwright.sync_api import expect

    from dangjian.audit.services import audit_log, audit_verify

    world = live_world
    audit_log(actor=world.alice, action="accounts.login", ip="10.12.3.9")
    audit_log(
        actor=None, action="accounts.login_failed", obj=world.bob, success=False, ip="10.1.1.1"
    )
    changed = audit_log(
        actor=world.alice,
        action="orgs.organization_update",
        obj=world.branch1,
        organization=world.branch1,
        before={"name": "综采一队党支部", "sort_order": 1},
        after={"name": "综采一队第一党支部", "sort_order": 1},
    )
    audit_verify(actor=world.auditor)
    browser_session.sign_in(world.auditor)
    page = browser_session.page
    browser_session.goto("/audit/")
    expect(page.locator("[data-testid=chain-status]")).to_contain_text("完整")
    browser_session.screenshot("audit-list")

    page.select_option("#id_action", "orgs.organization_update")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/audit/?*action=orgs.organization_update*")
    desktop = browser_session.viewport["width"] >= 768  # the table; phones get a list of cards
    rows = page.locator(
        "[data-testid=audit-table] tbody tr" if desktop else "[data-testid=audit-cards] a"
    )
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("修改党组织")
    (rows.first.locator("a").first if desktop else rows.first).click()
    page.wait_for_url(f"**/audit/{changed.pk}/")
    expect(page.locator("[data-testid=audit-diff]")).to_contain_text("综采一队第一党支部")
    expect(page.get_by_text("本条内容与哈希一致")).to_be_visible()
    browser_session.screenshot("audit-detail")
