"""Results in Chromium at 1280 and 390 px: the organisation department opens 考核查询, the
period's ranking with both charts drawn, a branch's card with its deduction reasons and trend
chart, the trends and annual pages; a member finds their branch's published result. Nothing
loads from outside and the page never scrolls sideways."""

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def live_aw(transactional_db):
    from dangjian.assessment.testing import build_assessment_world

    return build_assessment_world()


def _fits(session):
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= session.viewport["width"], f"page is {width}px wide"


def test_results_pages_with_charts(browser_session, live_aw):
    from playwright.sync_api import expect

    from dangjian.assessment.testing import card_of, make_period, make_template
    from dangjian.assessment.tests.res_helpers import (
        add_category,
        extra_branches,
        month,
        score,
        scored_period,
        settle,
    )

    aw = live_aw
    template = make_template(aw)
    others = extra_branches(aw, 4, prefix="机电")
    orgs = [aw.branch1, aw.branch2, *others]
    september = scored_period(
        aw, template, month(9), {org: {"1.1.1": str(i % 3 + 2)} for i, org in enumerate(orgs)}
    )
    october = scored_period(
        aw,
        template,
        month(10),
        {org: {"2.1.1": "3" if i % 2 else "5"} for i, org in enumerate(orgs)},
        previous=september,
    )
    period = make_period(aw, template, targets=orgs, month=month(11), previous=october)
    add_category(period, "辅助区队", others[2:])
    reasons = {"1.1.1": "第四季度党员大会未召开，缺1次", "3.1.1": "2份公文逾期签收"}
    for index, org in enumerate(orgs):
        points = {"1.1.1": str(5 - index % 3), "3.1.1": str(3 - (index % 2))}
        if index == 0:
            points["4.1.1"] = "2"
        score(card_of(period, org), points, reasons=reasons)
    settle(period)
    page = browser_session.page

    browser_session.sign_in(aw.alice)
    browser_session.goto("/assessment/results/")
    expect(page.get_by_test_id("period-row")).to_have_count(3)
    browser_session.screenshot("assess-res-home")
    page.get_by_test_id("period-row").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("rank-row")).to_have_count(6)
    expect(page.locator("[data-res-chart=categories][data-rendered=true]")).to_have_count(1)
    expect(page.locator("[data-res-chart=losses][data-rendered=true]")).to_have_count(1)
    expect(page.get_by_test_id("ranking")).to_contain_text("▲")
    _fits(browser_session)
    browser_session.screenshot("assess-res-period")

    page.get_by_test_id("category-tab").nth(1).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("rank-row")).to_have_count(2)

    browser_session.goto(f"/assessment/results/cards/{card_of(period, aw.branch2).pk}/")
    expect(page.get_by_test_id("leaf-reason").first).to_contain_text("第四季度党员大会未召开")
    expect(page.locator("[data-res-chart=trend][data-rendered=true]")).to_have_count(1)
    _fits(browser_session)
    browser_session.screenshot("assess-res-card")

    browser_session.goto("/assessment/results/trends/?year=2026")
    expect(page.locator("[data-res-chart=periods][data-rendered=true]")).to_have_count(1)
    _fits(browser_session)
    browser_session.screenshot("assess-res-trends")

    browser_session.goto("/assessment/results/annual/?year=2026")
    expect(page.get_by_test_id("annual-row")).to_have_count(6)
    _fits(browser_session)
    browser_session.screenshot("assess-res-annual")

    # A member of branch1 finds the branch's published result on 考核查询.
    browser_session.context.clear_cookies()
    browser_session.sign_in(aw.mia)
    browser_session.goto("/assessment/results/")
    expect(page.get_by_test_id("my-card")).to_have_count(3)
    expect(page.get_by_test_id("my-card").first).to_contain_text("综采一队党支部")
    _fits(browser_session)
    browser_session.screenshot("assess-res-member-home")
    page.get_by_test_id("my-card").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("card-total")).to_contain_text("20.00")
