"""The 台账 page in a browser: find the branch by typing, preview the year, the download links."""

import pytest

from dangjian.meetings.tests.test_ledger_export import YEAR, held_meeting

pytestmark = pytest.mark.browser


def test_an_org_department_finds_a_branch_and_previews_its_year(browser_session, live_world):
    from datetime import date

    from playwright.sync_api import expect

    from dangjian.meetings.defaults import ensure_defaults
    from dangjian.members.tests.factories import make_member

    ensure_defaults()  # a transactional test's flush removed the migration's types and rules
    world = live_world
    member = make_member(world.branch1, "王建国")
    held_meeting(world.branch1, "lecture", date(YEAR, 3, 5), "学习贯彻安全生产法专题党课",
                 people=[(member, "leave", "下井")])  # fmt: skip
    page = browser_session.page
    browser_session.sign_in(world.alice)
    browser_session.goto("/meetings/ledger/")
    expect(page.get_by_text("请先选择党组织和年度")).to_be_visible()
    page.get_by_test_id("search-organization").fill("综采")  # one match chooses itself
    expect(page.locator("#id_organization")).to_have_value(str(world.branch1.pk))
    page.select_option("#id_year", str(YEAR))
    page.get_by_test_id("ledger-preview").click()
    expect(page.get_by_test_id("ledger-meetings")).to_contain_text("学习贯彻安全生产法专题党课")
    expect(page.get_by_test_id("ledger-summary")).to_contain_text("党课每季度至少1次")
    expect(page.get_by_test_id("ledger-pdf")).to_be_visible()
    expect(page.get_by_test_id("ledger-xlsx")).to_be_visible()
    browser_session.screenshot("meetings-ledger")
