"""The 党内统计 page and the export confirmation in a real browser, at desktop and phone widths."""

from datetime import date

import pytest

from dangjian.members.models import Category, Education, Employment, Gender, Occupation
from dangjian.members.tests.factories import make_member

HUI, MONGOL = "03", "02"


def _roster(world):
    people = [
        (world.branch1, "张三", {"education": Education.BACHELOR, "occupation": Occupation.WORKER}),
        (
            world.branch1,
            "李四",
            {"gender": Gender.FEMALE, "birth": date(1996, 5, 4), "education": Education.COLLEGE},
        ),
        (world.branch1, "王五", {"ethnicity": HUI, "occupation": Occupation.TECHNICIAN}),
        (
            world.branch2,
            "赵六",
            {
                "birth": date(1952, 8, 1),
                "joined_on": date(1976, 7, 1),
                "employment": Employment.RETIRED,
                "education": Education.HIGH_SCHOOL,
            },
        ),
        (
            world.branch2,
            "钱七",
            {
                "category": Category.PROBATIONARY,
                "joined_on": date(2025, 6, 1),
                "birth": date(2000, 1, 9),
                "gender": Gender.FEMALE,
                "education": Education.MASTER,
            },
        ),
        (world.branch2, "孙八", {"ethnicity": MONGOL, "birth": date(1970, 3, 3)}),
        (world.branch1, "周九", {"birth": date(1980, 10, 10), "joined_on": date(2001, 7, 1)}),
        (world.branch3, "二矿党员", {}),
    ]
    for organization, name, fields in people:
        make_member(organization, name, **fields)


@pytest.mark.browser
def test_the_statistics_page_draws_its_charts_and_drills_down(browser_session, live_world):
    from playwright.sync_api import expect

    _roster(live_world)
    browser_session.sign_in(live_world.alice)
    page = browser_session.page
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    browser_session.goto("/members/statistics/")
    expect(page.locator("[data-testid=total]")).to_contain_text("7")
    for key in ("category", "gender", "ethnicity", "age", "party_age", "education", "occupation"):
        chart = page.locator(f"[data-chart={key}]")
        expect(chart).to_have_attribute("data-rendered", "true")
        expect(chart.locator("canvas")).to_have_count(1)
    expect(page.locator("[data-testid=minorities]")).to_contain_text("回族 1")
    expect(page.locator("[data-testid=children]")).to_contain_text("掘进二队党支部")
    expect(page.locator("[data-testid=children]")).not_to_contain_text("通风区")
    browser_session.screenshot("members-statistics")

    page.locator("[data-testid=children]").get_by_role("link", name="综采一队党支部").click()
    page.wait_for_url(f"**/members/statistics/?org={live_world.branch1.pk}*")
    expect(page.locator("[data-testid=total]")).to_contain_text("4")
    expect(page.locator("[data-testid=children]")).to_contain_text("未编入党小组")
    page.fill("#stats-on", "2001-12-31")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("[data-testid=total]")).to_contain_text("1")
    browser_session.screenshot("members-statistics-branch")
    assert not [text for text in problems if "Content Security Policy" in text], problems


@pytest.mark.browser
def test_the_export_confirmation_offers_full_values_only_when_allowed(browser_session, live_world):
    from playwright.sync_api import expect

    _roster(live_world)
    browser_session.sign_in(live_world.alice)
    page = browser_session.page
    browser_session.goto(f"/members/export/?org={live_world.branch1.pk}&gender=female")
    expect(page.locator("[data-testid=export-rows]")).to_have_text("1")
    expect(page.get_by_label("导出完整身份证号和手机号（将记录审计）")).to_be_visible()
    browser_session.screenshot("members-export-confirm")
    page.locator("[data-testid=export-submit]").click()
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("[data-testid=job-result]")).to_be_visible()
    browser_session.screenshot("members-export-job")
