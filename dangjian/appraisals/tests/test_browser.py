"""民主评议 end to end in a real browser, at desktop and phone widths: the secretary opens a
round, two members self-assess and rate, the secretary is stopped at too many 优秀, finalises,
and the grade shows on the member's record."""

import pytest


def _accept_and_click(page, locator):
    page.once("dialog", lambda dialog: dialog.accept())
    locator.click()
    page.wait_for_load_state("networkidle")


def _member_part(browser_session, user, round_pk, text):
    from playwright.sync_api import expect

    page = browser_session.page
    browser_session.context.clear_cookies()
    browser_session.sign_in(user)
    browser_session.goto(f"/appraisals/mine/{round_pk}/")
    page.fill("#id_text", text)
    page.get_by_test_id("save-self").click()
    expect(page.get_by_text("个人自评已保存")).to_be_visible()


def _member_rates(browser_session, user, round_pk, shot=""):
    from playwright.sync_api import expect

    page = browser_session.page
    browser_session.context.clear_cookies()
    browser_session.sign_in(user)
    browser_session.goto(f"/appraisals/mine/{round_pk}/")
    rows = page.get_by_test_id("rating-row")
    for index in range(rows.count()):
        rows.nth(index).get_by_label("合格", exact=True).check()
    if shot:
        browser_session.screenshot(shot)
    _accept_and_click(page, page.get_by_test_id("submit-ratings"))
    expect(page.get_by_test_id("rated")).to_be_visible()


@pytest.mark.browser
def test_a_secretary_runs_the_appraisal_from_opening_to_the_member_record(
    browser_session, live_world
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.appraisals.models import Phase, Result, Round
    from dangjian.appraisals.tests.helpers import member_with_account
    from dangjian.members.tests.factories import make_member

    world = live_world
    zhang, zhang_user = member_with_account(world.branch1, "张三", "zhang")
    li, li_user = member_with_account(world.branch1, "李四", "li")
    make_member(world.branch1, "王五")
    make_member(world.branch1, "赵六", category="probationary")
    page = browser_session.page

    browser_session.sign_in(world.bob)
    browser_session.goto("/appraisals/")
    page.get_by_test_id("open-round").click()
    page.get_by_test_id("search-organization").fill("综采")  # one match chooses itself
    expect(page.locator("#id_organization")).to_have_value(str(world.branch1.pk))
    page.select_option("#id_peer_scope", "branch")
    browser_session.screenshot("appraisals-open")
    page.get_by_role("button", name="开启评议").click()
    expect(page.get_by_text("共 4 名党员参加")).to_be_visible()
    round_pk = Round.objects.get().pk
    browser_session.screenshot("appraisals-round-self")

    browser_session.goto("/appraisals/")
    page.get_by_test_id("search-within").fill("zongcai")
    expect(page.locator("#id_within")).to_contain_text("没有匹配的结果")
    page.get_by_test_id("search-within").fill("G-M1-B1")
    page.get_by_test_id("search-within").press("Enter")  # searches, does not submit
    expect(page.locator("#id_within")).to_have_value(str(world.branch1.pk))
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("round-table")).to_contain_text("综采一队党支部")
    assert f"within={world.branch1.pk}" in page.url and "q=" not in page.url
    browser_session.screenshot("appraisals-list-filter")

    _member_part(browser_session, zhang_user, round_pk, "认真学习党的理论，按时交纳党费。")
    _member_part(browser_session, li_user, round_pk, "带头完成生产任务，安全无事故。")

    browser_session.context.clear_cookies()
    browser_session.sign_in(world.bob)
    browser_session.goto(f"/appraisals/{round_pk}/")
    _accept_and_click(page, page.get_by_test_id("advance"))
    expect(page.get_by_test_id("phase-badge")).to_have_text("党员互评")

    _member_rates(browser_session, zhang_user, round_pk, shot="appraisals-mine-rate")
    _member_rates(browser_session, li_user, round_pk)

    browser_session.context.clear_cookies()
    browser_session.sign_in(world.bob)
    browser_session.goto(f"/appraisals/{round_pk}/")
    expect(page.get_by_test_id("round-progress")).to_contain_text("已提交互评")
    browser_session.screenshot("appraisals-round-peer")
    _accept_and_click(page, page.get_by_test_id("advance"))
    page.get_by_test_id("grading-link").click()
    selects = page.locator("select.dj-grade")
    selects.nth(0).select_option("excellent")
    selects.nth(1).select_option("excellent")
    selects.nth(2).select_option("qualified")
    expect(page.get_by_test_id("cap-counter")).to_contain_text("超出 1 人")
    browser_session.screenshot("appraisals-grading-over")
    page.get_by_test_id("save-proposals").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("超过了上限 1 人")
    expect(page.get_by_test_id("form-error")).to_contain_text("三分之一")
    selects = page.locator("select.dj-grade")
    selects.nth(1).select_option("qualified")
    expect(page.get_by_test_id("cap-counter")).not_to_contain_text("超出")
    expect(page.get_by_test_id("ungraded-row")).to_contain_text("不参加评定等次")
    page.get_by_test_id("save-proposals").click()
    expect(page.get_by_text("拟定等次已保存")).to_be_visible()

    browser_session.goto(f"/appraisals/{round_pk}/")
    _accept_and_click(page, page.get_by_test_id("advance"))
    page.get_by_test_id("grading-link").click()
    page.select_option("#id_meeting_kind", "assembly")
    page.fill("#id_meeting_date", timezone.localdate().isoformat())
    browser_session.screenshot("appraisals-confirm")
    page.get_by_test_id("finalise").click()
    expect(page.get_by_test_id("results-table")).to_be_visible()
    browser_session.screenshot("appraisals-results")
    assert Round.objects.get().phase == Phase.CLOSED
    excellent = Result.objects.get(grade="excellent")

    browser_session.goto(f"/members/{excellent.member_id}/?tab=appraisals")
    expect(page.get_by_test_id("appraisal-results")).to_contain_text("优秀")
    expect(page.get_by_test_id("grade-badge")).to_be_visible()
    browser_session.screenshot("appraisals-member-tab")
    assert Result.objects.get(member=li).grade in {"qualified", "excellent"}
    browser_session.context.clear_cookies()
    browser_session.sign_in(li_user)
    browser_session.goto(f"/appraisals/mine/{round_pk}/")
    expect(page.get_by_test_id("my-result")).to_contain_text("合格")
    today = timezone.localdate()
    # The round form proposes the year just ended until July (评议 of the past year), then this one.
    assert Result.objects.get(member=zhang).year == (
        today.year if today.month >= 7 else today.year - 1
    )
