"""换届 and the monthly guide in a real browser at desktop and phone widths: the 组织部 writes and
publishes a guide, the branch secretary reads it, records an election through the candidate
picker and confirms it; the terms page lists soon and overdue terms."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.appraisals.tests.helpers import full_members


@pytest.mark.browser
def test_guide_and_election_in_the_browser(browser_session, live_world):
    from playwright.sync_api import expect

    from dangjian.meetings.models import Election, Guide
    from dangjian.orgs.models import Committee

    world = live_world
    today = timezone.localdate()
    people = [m.person for m in full_members(world.branch1, 8, prefix="党员")]
    Committee.objects.create(
        organization=world.branch1,
        term_start=today - timedelta(days=3 * 365 - 50),
        term_end=today + timedelta(days=50),
    )
    Committee.objects.create(
        organization=world.branch2,
        term_start=today - timedelta(days=3 * 365 + 20),
        term_end=today - timedelta(days=20),
    )
    page = browser_session.page

    # The 组织部 writes the month's guide and publishes it.
    browser_session.sign_in(world.alice)
    browser_session.goto("/meetings/guides/new/")
    page.get_by_test_id("search-organization").fill("一矿")
    page.wait_for_load_state("networkidle")
    page.fill("#id_title", "十二月组织生活指南")
    page.fill("#id_body", "一、学习党的二十届四中全会精神\n二、开展冬季安全生产主题党日")
    page.select_option("#id_topic-0-category", "theme_day")
    page.fill("#id_topic-0-title", "安全生产主题党日")
    page.fill("#id_topic-0-description", "结合冬季安全检查，组织党员到井口开展安全承诺")
    page.select_option("#id_topic-1-category", "lecture")
    page.fill("#id_topic-1-title", "书记讲党课：新时代的安全发展观")
    browser_session.screenshot("terms-guide-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("guide-publish")).to_be_visible()
    page.get_by_test_id("guide-publish").click()
    expect(page.get_by_test_id("guide-withdraw")).to_be_visible()
    guide = Guide.objects.get()
    assert guide.status == "published"

    # The branch secretary reads it.
    browser_session.context.clear_cookies()
    browser_session.sign_in(world.bob)
    browser_session.goto("/meetings/guides/")
    browser_session.screenshot("terms-guide-list")
    page.get_by_role("link", name="十二月组织生活指南").click()
    expect(page.get_by_test_id("guide-topics")).to_contain_text("安全生产主题党日")
    browser_session.screenshot("terms-guide-detail")

    # The terms page shows the branch's term ending in 50 days.
    browser_session.goto("/meetings/terms/")
    expect(page.get_by_test_id("terms-table")).to_contain_text("综采一队党支部")
    browser_session.screenshot("terms-soon")

    # Record the election through the picker.
    browser_session.goto(f"/meetings/elections/new/?organization={world.branch1.pk}")
    page.fill("#id_seats", "3")
    for index, (person, votes) in enumerate(zip(people[:4], (8, 7, 6, 3), strict=True)):
        box = page.get_by_test_id("search-person").nth(index)
        box.fill(person.name)
        box.press("Enter")
        expect(page.locator(f"#id_cand-{index}-person")).to_have_value(str(person.pk))
        page.fill(f"#id_cand-{index}-votes", str(votes))
    page.fill("#id_present_count", "8")
    page.fill("#id_ballots_issued", "8")
    page.fill("#id_ballots_returned", "8")
    page.fill("#id_ballots_valid", "8")
    browser_session.screenshot("terms-election-form")
    page.get_by_role("button", name="保存计票结果").click()
    expect(page.get_by_test_id("quorum")).to_have_text("有效")
    browser_session.screenshot("terms-election-detail")
    page.select_option(
        f"#post-{Election.objects.get().candidates.order_by('-votes')[0].pk}", "secretary"
    )
    page.get_by_role("button", name="确认结果").click()
    expect(page.get_by_text("已产生新一届班子").first).to_be_visible()
    browser_session.screenshot("terms-election-confirmed")

    # Alice sees the overdue branch.
    browser_session.context.clear_cookies()
    browser_session.sign_in(world.alice)
    browser_session.goto("/meetings/terms/?tab=overdue")
    expect(page.get_by_test_id("days-overdue")).to_have_text("20 天")
    browser_session.screenshot("terms-overdue")
