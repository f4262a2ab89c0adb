"""The secretary's self-check on a phone (390 px) and at a desk (1280 px): bob opens 我的考核,
fills every leaf with the input of its rule, photographs evidence (a generated PNG), is told
what is missing when he submits too early, then submits. Screenshots of each page."""

import pytest

from dangjian.assessment.tests.test_self_services import png_bytes


@pytest.fixture
def live_aw(transactional_db):
    from dangjian.assessment.testing import build_assessment_world

    return build_assessment_world()


def leaf_card(page, code):
    return page.get_by_test_id(f"leaf-{code}")


@pytest.mark.browser
def test_a_secretary_fills_the_card_on_a_phone_and_submits(browser_session, live_aw):
    from playwright.sync_api import expect

    from dangjian.assessment.models import Scorecard
    from dangjian.assessment.testing import card_of, make_period

    aw = live_aw
    period = make_period(aw)
    card = card_of(period, aw.branch1)
    page = browser_session.page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_session.sign_in(aw.bob)

    browser_session.goto("/assessment/mine/")
    expect(page.get_by_test_id("my-card")).to_have_count(1)
    expect(page.get_by_test_id("card-progress")).to_have_text("已自查 0/6")
    browser_session.screenshot("assess-self-my-cards")
    page.get_by_test_id("my-card").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("self-progress")).to_have_text("已自查 0/6")

    # Submitting too early lists what is missing.
    page.get_by_test_id("submit-card").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-danger")).to_contain_text("1.1.1（未自查、缺佐证材料）")
    browser_session.screenshot("assess-self-refused")

    def save(code, fill):
        box = leaf_card(page, code)
        fill(box)
        box.get_by_test_id("save-self").click()
        browser_session.settle()
        expect(leaf_card(page, code).get_by_test_id("leaf-saved")).to_be_visible()

    def photo(code):
        leaf_card(page, code).locator("input[type=file]").set_input_files(
            {"name": f"现场照片{code}.png", "mimeType": "image/png", "buffer": png_bytes()}
        )
        expect(leaf_card(page, code).get_by_test_id("evidence-link")).to_have_count(1)
        browser_session.settle()

    def occurrences(value):
        def fill(box):
            box.locator("input[name=occurrences]").fill(value)

        return fill

    def choose(label):
        def fill(box):
            box.locator("label", has_text=label).first.click()

        return fill

    save("1.1.1", occurrences("1"))
    expect(leaf_card(page, "1.1.1").get_by_test_id("self-result")).to_have_text("4")
    expect(page.get_by_test_id("self-progress")).to_have_text("已自查 1/6")
    photo("1.1.1")
    browser_session.screenshot("assess-self-filling")
    save("1.1.2", choose("达标（"))
    save("2.1.1", choose("较好"))
    save("2.1.2", choose("达标（"))
    save("3.1.1", occurrences("0"))
    save("4.1.1", occurrences("1"))
    for code in ("1.1.2", "2.1.1", "2.1.2", "3.1.1", "4.1.1"):
        photo(code)
    expect(page.get_by_test_id("self-progress")).to_have_text("已自查 6/6")
    expect(page.get_by_test_id("section-1").get_by_test_id("section-count")).to_have_text("2/2")

    # Nothing sticks out sideways on the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= browser_session.viewport["width"], width

    page.get_by_test_id("submit-card").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("submitted-alert")).to_be_visible()
    expect(page.get_by_test_id("save-self")).to_have_count(0)
    browser_session.screenshot("assess-self-submitted")
    card = Scorecard.objects.get(pk=card.pk)
    assert card.status == Scorecard.Status.SUBMITTED
    assert card.evidence_count == 6
    assert str(card.self_total) == "16.00"  # 4 + 2 + 3 + 3 + 3 + 1

    # Complete sections fold up; open the first one to look at a photo.
    page.get_by_test_id("section-1").locator("summary").click()
    page.get_by_test_id("evidence-link").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("preview-image")).to_be_visible()
    browser_session.screenshot("assess-self-preview")


@pytest.mark.browser
def test_a_returned_leaf_is_completed_and_a_deduction_appealed(browser_session, live_aw):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.assessment.models import Appeal, LeafScore, Period
    from dangjian.assessment.services import selfcheck as svc
    from dangjian.assessment.testing import card_of, leaf, make_period
    from dangjian.assessment.tests.test_self_services import fill_all

    aw = live_aw
    period = make_period(aw)
    card = card_of(period, aw.branch1)
    fill_all(aw, period, card)
    svc.card_submit(actor=aw.bob, card=card)
    returned = leaf(period.template, "2.1.1")
    LeafScore.objects.filter(scorecard=card, indicator=returned).update(
        status=LeafScore.Status.RETURNED, return_message="请补充11月宣传稿件的截图"
    )
    page = browser_session.page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_session.sign_in(aw.bob)
    browser_session.goto(f"/assessment/cards/{card.pk}/self/")
    section = page.get_by_test_id("returned-section")
    expect(section.get_by_test_id("return-message")).to_contain_text("宣传稿件的截图")
    section.locator("input[type=file]").set_input_files(
        {"name": "稿件截图.png", "mimeType": "image/png", "buffer": png_bytes((20, 90, 200))}
    )
    expect(page.get_by_test_id("returned-section").get_by_test_id("evidence-link")).to_have_count(2)
    browser_session.settle()
    browser_session.screenshot("assess-self-returned")
    page.get_by_test_id("resubmit").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("returned-section")).to_have_count(0)
    assert LeafScore.objects.get(scorecard=card, indicator=returned).status == "self_done"

    # Published with a deduction on 1.1.1: the secretary appeals it from the phone.
    deducted = leaf(period.template, "1.1.1")
    LeafScore.objects.filter(scorecard=card).update(
        status=LeafScore.Status.SCORED, points=None, reason=""
    )
    for row in LeafScore.objects.filter(scorecard=card).select_related("indicator"):
        from dangjian.assessment import engine

        row.points = engine.full_points(row.indicator)
        row.save(update_fields=["points"])
    LeafScore.objects.filter(scorecard=card, indicator=deducted).update(
        points=Decimal("3"), reason="11月缺两次党小组会"
    )
    engine.recompute_card(card)
    Period.objects.filter(pk=period.pk).update(
        status=Period.Status.PUBLISHED, appeal_until=timezone.now() + dt.timedelta(days=5)
    )
    browser_session.goto(f"/assessment/cards/{card.pk}/self/")
    expect(page.get_by_test_id("card-result")).to_be_visible()
    page.get_by_test_id("section-1").locator("summary").click()
    page.get_by_test_id("leaf-1.1.1").get_by_test_id("appeal").click()
    page.wait_for_load_state("networkidle")
    page.locator("textarea[name=reason]").fill("第二次党小组会于11月28日召开，附会议照片。")
    page.locator("input[name=files]").set_input_files(
        {"name": "会议照片.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    browser_session.screenshot("assess-self-appeal")
    page.get_by_test_id("appeal-submit").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("leaf-1.1.1").get_by_test_id("appeals")).to_contain_text("待裁定")
    browser_session.screenshot("assess-self-published")
    appeal = Appeal.objects.get()
    assert appeal.evidence.count() == 1
