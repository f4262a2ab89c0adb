"""考核周期 in a real browser at 1280 and 390 px: the 组织部 creates a monthly period (the month
picker fills the dates and the name), opens it, locks it once scored, publishes it and decides
a branch's appeal in its favour. Screenshots of every page."""

import pytest

from dangjian.assessment.models import Appeal, Period, Scorecard
from dangjian.assessment.services.appeals import appeal_file
from dangjian.assessment.testing import card_of, leaf, make_template
from dangjian.assessment.tests.per_helpers import bulk_branches, score


@pytest.fixture
def live_aw(transactional_db):
    from dangjian.assessment.testing import build_assessment_world

    return build_assessment_world()


@pytest.mark.browser
def test_the_committee_runs_a_period_from_the_pages(browser_session, live_aw):
    from playwright.sync_api import expect

    aw = live_aw
    template = make_template(aw)
    bulk_branches(aw.mine, ["机电三队党支部", "综掘一队党支部", "机关第一党支部"])
    page = browser_session.page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_session.sign_in(aw.alice)

    browser_session.goto("/assessment/periods/new/")
    form = page.get_by_test_id("period-form")
    form.locator("select[name=template]").select_option(str(template.pk))
    form.locator("select[name=kind]").select_option("quarter")
    form.locator("input[name=year]").fill("2026")
    form.locator("input[name=number]").fill("3")
    form.locator("input[name=number]").dispatch_event("change")
    expect(form.locator("input[name=starts_on]")).to_have_value("2026-07-01")
    expect(form.locator("input[name=ends_on]")).to_have_value("2026-09-30")
    expect(form.locator("input[name=name]")).to_have_value("2026年第三季度党支部工作考核")
    # Back to a month: November.
    form.locator("select[name=kind]").select_option("month")
    form.locator("input[name=number]").fill("11")
    form.locator("input[name=number]").dispatch_event("change")
    expect(form.locator("input[name=name]")).to_have_value("2026年11月党支部工作考核")
    expect(form.locator("input[name=ends_on]")).to_have_value("2026-11-30")
    expect(page.get_by_test_id("category-row").filter(has=page.locator(":visible"))).to_have_count(
        3
    )
    browser_session.screenshot("assess-per-new")
    page.get_by_test_id("period-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("period-name")).to_have_text("2026年11月党支部工作考核")
    expect(page.get_by_test_id("estimate")).to_have_text("5")
    browser_session.screenshot("assess-per-draft")

    page.get_by_test_id("period-open").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("count-targets")).to_have_text("5")
    expect(page.get_by_test_id("card-row")).to_have_count(5)
    browser_session.screenshot("assess-per-open")
    period = Period.objects.get()
    assert period.status == Period.Status.OPEN

    # Lock refused while nothing is scored; the message says how much is missing.
    page.get_by_test_id("period-lock").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text("5 张考核表")
    for card in Scorecard.objects.filter(period=period):
        occurrences = 2 if card.organization_id == aw.branch1.pk else 0
        score(card, {"1.1.1": {"occurrences": occurrences}})
    page.get_by_test_id("period-lock").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("period-status")).to_contain_text("已审核锁定")
    browser_session.screenshot("assess-per-locked")
    page.get_by_test_id("period-publish").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("period-status")).to_contain_text("公示中")

    appeal = appeal_file(
        actor=aw.bob,
        card=card_of(period, aw.branch1),
        leaf=leaf(period.template, "1.1.1"),
        reason="11月12日已召开支部委员会和党员大会，会议记录已补传。",
    )
    page.get_by_test_id("period-appeals").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("appeal-row")).to_have_count(1)
    browser_session.screenshot("assess-per-appeals")
    page.get_by_test_id("appeal-row").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("appeal-reason")).to_contain_text("11月12日已召开")
    expect(page.get_by_test_id("points-before")).to_have_text("3（2次）")
    form = page.get_by_test_id("decision-form")
    form.get_by_label("申诉成立，改正得分").check()
    form.locator("input[name=occurrences]").fill("0")
    form.locator("textarea[name=decision]").fill("经核实会议已召开，撤销扣分。")
    browser_session.screenshot("assess-per-decide")
    page.get_by_test_id("decide").click()
    page.wait_for_load_state("networkidle")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    card = card_of(period, aw.branch1)
    assert card.rank == 1  # full marks again, tied first with the others
    browser_session.goto(f"/assessment/periods/{period.pk}/")
    browser_session.screenshot("assess-per-published")
