"""The publicity department scores its leaves in a browser at 1280 and 390 px: pete opens 评分任务,
goes to 2.1.1 and scores two branches (one with a deduction, refused until he gives a reason),
then on 2.1.2 scores one branch and returns the other for more evidence. Screenshots of the
queue, the leaf table and the card page."""

import pytest

from dangjian.assessment.tests.test_self_services import png_bytes, upload


@pytest.fixture
def live_aw(transactional_db):
    from dangjian.assessment.testing import build_assessment_world

    return build_assessment_world()


def _self_check(aw, period):
    """Both branches self-check pete's leaves (branch1 with a photo) and have submitted."""
    from decimal import Decimal

    from dangjian.assessment.services import selfcheck
    from dangjian.assessment.testing import card_of, leaf
    from dangjian.assessment.tests.scr_helpers import submit

    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    for card, secretary in ((one, aw.bob), (two, aw.cora)):
        for code, points, note in (
            ("2.1.1", "5", "本月在矿报发表报道3篇"),
            ("2.1.2", "3", "意识形态工作责任制落实，台账齐全"),
        ):
            selfcheck.leaf_self_check(
                actor=secretary,
                card=card,
                indicator=leaf(period.template, code),
                self_points=Decimal(points),
                self_note=note,
            )
    selfcheck.evidence_upload(
        actor=aw.bob,
        card=one,
        indicator=leaf(period.template, "2.1.1"),
        file=upload("报道截图.png", png_bytes(), "image/png"),
    )
    submit(one, two)
    return one, two


@pytest.mark.browser
def test_the_publicity_department_scores_and_returns(browser_session, live_aw):
    from playwright.sync_api import expect

    from dangjian.assessment.models import LeafScore
    from dangjian.assessment.testing import leaf, make_period

    aw = live_aw
    period = make_period(aw)
    one, two = _self_check(aw, period)
    graded, veto = leaf(period.template, "2.1.1"), leaf(period.template, "2.1.2")
    page = browser_session.page
    browser_session.sign_in(aw.pete)

    def row(card, indicator):
        return page.locator(f"#scr-row-{card.pk}-{indicator.pk}")

    def field(card, indicator, name):
        return page.locator(f"[name='r{card.pk}-{indicator.pk}-{name}']")

    browser_session.goto("/assessment/scoring/")
    expect(page.get_by_test_id("total-pending")).to_have_text("4")
    expect(page.get_by_test_id("queue-row")).to_have_count(2)
    browser_session.screenshot("assess-scr-queue")
    page.locator("[data-testid=queue-row][data-code='2.1.1']").get_by_test_id("go-score").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("indicator-title")).to_contain_text("宣传报道及时、质量高")
    expect(page.get_by_test_id("scr-row")).to_have_count(2)
    expect(row(one, graded).get_by_test_id("row-evidence")).to_contain_text("报道截图.png")

    # branch1: full marks
    field(one, graded, "level").select_option("好")
    row(one, graded).get_by_test_id("save-score").click()
    browser_session.settle()
    expect(row(one, graded).get_by_test_id("row-saved")).to_be_visible()
    expect(row(one, graded).get_by_test_id("row-points")).to_contain_text("5")
    expect(page.get_by_test_id("count-pending")).to_have_text("1")  # the counters follow
    expect(page.get_by_test_id("count-scored")).to_have_text("1")

    # branch2: a deduction — refused without a reason, then saved with one
    field(two, graded, "level").select_option("一般")
    row(two, graded).get_by_test_id("save-score").click()
    browser_session.settle()
    expect(row(two, graded).get_by_test_id("row-error")).to_contain_text("扣分须写明理由")
    field(two, graded, "reason").fill("本月仅报道1篇，且未报送图片")
    row(two, graded).get_by_test_id("save-score").click()
    browser_session.settle()
    expect(row(two, graded).get_by_test_id("row-reason")).to_contain_text("本月仅报道1篇")
    expect(page.locator("details.scr-edit[open]")).to_have_count(0)  # scored: forms folded
    browser_session.screenshot("assess-scr-indicator")

    # 2.1.2: branch1 达标, branch2 returned for more evidence
    browser_session.goto(f"/assessment/scoring/periods/{period.pk}/leaves/{veto.pk}/")
    row(one, veto).get_by_text("达标（3分）").check()
    row(one, veto).get_by_test_id("save-score").click()
    browser_session.settle()
    expect(row(one, veto).get_by_test_id("row-saved")).to_be_visible()
    row(two, veto).get_by_test_id("return-toggle").click()
    field(two, veto, "message").fill("请补充本月意识形态工作台账扫描件")
    row(two, veto).get_by_test_id("return-leaf").click()
    browser_session.settle()
    expect(row(two, veto).get_by_test_id("row-status")).to_contain_text("已退回补充")
    expect(row(two, veto).get_by_test_id("row-return-message")).to_contain_text("台账扫描件")
    browser_session.screenshot("assess-scr-returned")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= browser_session.viewport["width"], width

    browser_session.goto(f"/assessment/scoring/cards/{two.pk}/")
    expect(page.get_by_test_id("scr-row")).to_have_count(2)
    browser_session.screenshot("assess-scr-card")

    browser_session.goto("/assessment/scoring/")
    expect(page.get_by_test_id("total-pending")).to_have_text("0")
    expect(page.get_by_test_id("total-returned")).to_have_text("1")
    expect(page.get_by_test_id("total-scored")).to_have_text("3")

    scores = {
        (row.scorecard_id, row.indicator_id): (str(row.points), row.status, row.reason)
        for row in LeafScore.objects.filter(scorecard__period=period)
    }
    assert scores[(one.pk, graded.pk)] == ("5.00", "scored", "")
    assert scores[(two.pk, graded.pk)] == ("1.00", "scored", "本月仅报道1篇，且未报送图片")
    assert scores[(one.pk, veto.pk)] == ("3.00", "scored", "")
    assert scores[(two.pk, veto.pk)][:2] == ("None", "returned")


@pytest.mark.browser
def test_the_organisation_department_accepts_computed_scores(browser_session, live_aw):
    """alice computes 三会一课 from the meetings app for both branches, reads the explanation
    and accepts the computed scores for all with one button."""
    from playwright.sync_api import expect

    from dangjian.assessment.models import LeafScore
    from dangjian.assessment.testing import card_of, leaf, make_period
    from dangjian.assessment.tests.scr_helpers import submit

    aw = live_aw
    period = make_period(aw)
    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    submit(one, two)
    sanhui = leaf(period.template, "1.1.1")
    page = browser_session.page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_session.sign_in(aw.alice)

    browser_session.goto(f"/assessment/scoring/periods/{period.pk}/leaves/{sanhui.pk}/")
    expect(page.get_by_test_id("scr-row")).to_have_count(2)
    page.get_by_test_id("compute").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("row-computed")).to_have_count(2)
    page.get_by_test_id("row-explain").first.locator("summary").click()
    browser_session.screenshot("assess-scr-computed")
    page.get_by_test_id("accept-all").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("count-scored")).to_have_text("2")
    browser_session.screenshot("assess-scr-accepted")

    for row in LeafScore.objects.filter(indicator=sanhui):
        assert row.points == row.computed_points
        assert row.points == 5 or row.reason.startswith("系统按实时数据计算：")
