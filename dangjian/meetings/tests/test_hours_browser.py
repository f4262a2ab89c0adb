"""学时 in a real browser at desktop and phone widths: 组织部 narrows the statistics to one branch
with the search box, drills down to its members, registers outside training for one of them
and sees the hours counted."""

import pytest


@pytest.mark.browser
def test_the_department_finds_a_branch_drills_down_and_registers_hours(browser_session, live_world):
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.meetings.tests.hours_helpers import credit
    from dangjian.members.tests.factories import make_member

    world = live_world
    zhang = make_member(world.branch1, "张三")
    credit(zhang, 20, on=timezone.localdate())  # this year's: the pages count the current year
    make_member(world.branch2, "李四")
    page = browser_session.page
    browser_session.sign_in(world.alice)

    browser_session.goto("/meetings/hours/")
    expect(page.get_by_test_id("hours-branches")).to_contain_text("掘进二队党支部")
    page.get_by_test_id("search-organization").fill("综采")
    # The search fetches the options after a 300 ms pause; wait for them, not for "networkidle"
    # (already reached before the request starts, so it did not wait at all).
    options = page.locator("select[name=organization] option")
    expect(options.filter(has_text="掘进二队党支部")).to_have_count(0)
    browser_session.settle()
    page.get_by_test_id("hours-filters").get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    table = page.get_by_test_id("hours-branches")
    expect(table).to_contain_text("综采一队党支部")
    expect(table).not_to_contain_text("掘进二队党支部")
    browser_session.screenshot("hours-overview")

    table.get_by_role("link", name="综采一队党支部").click()
    page.wait_for_load_state("networkidle")
    members = page.get_by_test_id("hours-members")
    expect(members).to_contain_text("张三")
    expect(page.get_by_test_id("hours-below")).to_have_text("1")

    page.goto(f"{browser_session.base_url}/meetings/hours/add/?member={zhang.pk}")
    page.fill("#id_hours", "12")
    page.fill("#id_note", "党校轮训班")
    page.get_by_test_id("credit-form").get_by_role("button", name="登记").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已为张三登记 12 学时")).to_be_visible()
    expect(page.get_by_test_id("hours-below")).to_have_text("0")
    browser_session.screenshot("hours-branch")
    assert browser_session.outside_requests == []
