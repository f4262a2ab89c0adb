"""The issue's "done when", tried as a new user would, in one browser run (clock: 2 October 2026,
the September assessment):

艾丽 (一矿党委组织部) opens a monthly period for the mine's 40 党支部 from the pages and has
the 三会一课 leaf computed from the meetings app: 掘进二队, which held its 党课 and 主题党日 but
missed the quarterly 党员大会, shows the computed deduction with the meeting list as its
explanation. 鲍勃 (综采一队) fills his card on a 390-px phone, photographs the evidence and submits;
the other branches submit through the service. 裴特 (宣传部长) scores his leaves at a desk: one
deduction for 掘进二队 with its reason, and returns 综采一队's 意识形态 leaf for more evidence;
鲍勃 adds a photo on the phone and resubmits, 裴特 scores it. The rest is scored through the
services, 艾丽 locks and publishes; 柯然 (掘进二队) appeals the deduction from her phone and wins;
the ranking and the bulletin PDF show the new total and rank.

Desk pages at 1280 px, the branch side at 390 px; every step is photographed; no request leaves
the site and no page raises a Content-Security-Policy violation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

NOW = dt.datetime(2026, 10, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BRANCHES = 40
NAMES = ("综采{}队党支部", "机电{}队党支部", "机关第{}党支部", "运输{}队党支部")


def _watch(session) -> list[str]:
    problems: list[str] = []

    def console(message):
        if "Content Security Policy" in message.text or (
            message.type == "error" and "Failed to load resource" not in message.text
        ):
            problems.append(message.text)

    session.page.on("console", console)
    session.page.on("pageerror", lambda error: problems.append(str(error)))
    session.page.on("dialog", lambda dialog: dialog.accept())
    return problems


def _as(session, user):
    session.context.clear_cookies()
    session.sign_in(user)


def _fits(session) -> bool:
    width = session.page.evaluate("document.documentElement.scrollWidth")
    return width <= session.viewport["width"]


@pytest.fixture
def live_aw(transactional_db):
    """The assessment world with the mine grown to 40 党支部 and branch2's third quarter:
    a 党课 in July and a 主题党日 in September, no 党员大会."""
    from dangjian.assessment.testing import build_assessment_world
    from dangjian.meetings.models import Meeting
    from dangjian.meetings.tests.compliance_helpers import meetings
    from dangjian.orgs.models import Organization, OrgType

    aw = build_assessment_world()
    for number in range(3, BRANCHES + 1):
        mine = Organization.objects.get(pk=aw.mine.pk)
        Organization.objects.add_child(
            mine,
            {
                "org_type": OrgType.BRANCH,
                "name": NAMES[number % len(NAMES)].format(number),
                "code": f"G-M1-Z{number:02d}",
            },
        )
    for code, day, topic in (
        ("lecture", dt.date(2026, 7, 3), "七月党课：安全生产与党员责任"),
        ("theme_day", dt.date(2026, 9, 10), "九月主题党日：党员安全责任区挂牌"),
    ):
        (meeting,) = meetings(aw.branch2, code, day)
        Meeting.objects.filter(pk=meeting.pk).update(topic=topic)
    return aw


def _self_check_and_submit(actor, card, template, *, skip=()):
    """Self-check every leaf (with a photo) and submit, through the services."""
    from dangjian.assessment.services import selfcheck
    from dangjian.assessment.testing import leaf
    from dangjian.assessment.tests.test_self_services import png_bytes, upload

    inputs = {
        "1.1.1": {"occurrences": 0},
        "1.1.2": {"achieved": True},
        "2.1.1": {"level": "好"},
        "2.1.2": {"achieved": True},
        "3.1.1": {"occurrences": 0},
        "4.1.1": {"occurrences": 0},
    }
    for code, given in inputs.items():
        if code in skip:
            continue
        indicator = leaf(template, code)
        selfcheck.leaf_self_check(actor=actor, card=card, indicator=indicator, **given)
        selfcheck.evidence_upload(
            actor=actor, card=card, indicator=indicator, file=upload(f"{code}.png", png_bytes())
        )
    if not skip:
        selfcheck.card_submit(actor=actor, card=card)


@pytest.mark.browser
def test_a_month_opened_self_checked_scored_returned_published_appealed_and_ranked(
    chromium, live_server, live_aw
):
    import time_machine
    from playwright.sync_api import expect

    from dangjian.assessment.models import Appeal, LeafScore, Period, Scorecard
    from dangjian.assessment.services import scoring
    from dangjian.assessment.testing import card_of, leaf, make_template
    from dangjian.assessment.tests.test_self_services import png_bytes
    from dangjian.core.testing.browser import DESKTOP, PHONE, BrowserSession

    aw = live_aw
    template = make_template(aw)
    with time_machine.travel(NOW, tick=True):
        desk = BrowserSession(chromium, live_server.url, DESKTOP)
        phone = BrowserSession(chromium, live_server.url, PHONE)
        desk_problems, phone_problems = _watch(desk), _watch(phone)
        page, mobile = desk.page, phone.page
        try:
            # 1 — 组织部 opens September for the 40 branches (the form's defaults: last month).
            _as(desk, aw.alice)
            desk.goto("/assessment/periods/new/")
            form = page.get_by_test_id("period-form")
            form.locator("select[name=template]").select_option(str(template.pk))
            expect(form.locator("input[name=name]")).to_have_value("2026年9月党支部工作考核")
            expect(form.locator("input[name=ends_on]")).to_have_value("2026-09-30")
            page.get_by_test_id("period-save").click()
            page.wait_for_load_state("networkidle")
            expect(page.get_by_test_id("estimate")).to_have_text(str(BRANCHES))
            page.get_by_test_id("period-open").click()
            page.wait_for_load_state("networkidle")
            expect(page.get_by_test_id("count-targets")).to_have_text(str(BRANCHES))
            desk.screenshot("assess-done-opened")
            period = Period.objects.get()
            assert period.status == Period.Status.OPEN and period.scorecards.count() == BRANCHES
            one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
            sanhui = leaf(template, "1.1.1")

            # 2 — the 三会一课 leaf computed from the meetings app, with its explanation.
            desk.goto(f"/assessment/scoring/periods/{period.pk}/leaves/{sanhui.pk}/?q=掘进二队")
            page.get_by_test_id("compute").click()
            page.wait_for_load_state("networkidle")
            row = page.locator(f"#scr-row-{two.pk}-{sanhui.pk}")
            expect(row.get_by_test_id("row-computed")).to_contain_text("4")
            row.get_by_test_id("row-explain").locator("summary").click()
            explain = row.get_by_test_id("row-explain")
            expect(explain).to_contain_text(
                "支部党员大会（每季度至少1次）2026年第3季度：应开1次，实开0次，缺1次"
            )
            expect(explain).to_contain_text("2026-07-03 党课：七月党课：安全生产与党员责任")
            expect(explain).to_contain_text("2026-09-10 主题党日：九月主题党日：党员安全责任区挂牌")
            desk.screenshot("assess-done-computed")
            computed = LeafScore.objects.get(scorecard=two, indicator=sanhui)
            assert computed.computed_points == Decimal("4.00") and computed.points is None

            # 3 — 鲍勃 on his phone: five leaves were filled earlier; he grades 2.1.1 himself,
            # photographs the evidence and submits.
            _self_check_and_submit(aw.bob, one, template, skip=("2.1.1",))
            _as(phone, aw.bob)
            phone.goto("/assessment/mine/")
            mobile.get_by_test_id("my-card").click()
            mobile.wait_for_load_state("networkidle")
            box = mobile.get_by_test_id("leaf-2.1.1")
            box.locator("label", has_text="好").first.click()
            box.get_by_test_id("save-self").click()
            phone.settle()
            box.locator("input[type=file]").set_input_files(
                {"name": "九月宣传报道.png", "mimeType": "image/png", "buffer": png_bytes()}
            )
            expect(
                mobile.get_by_test_id("leaf-2.1.1").get_by_test_id("evidence-link")
            ).to_have_count(1)
            phone.settle()
            expect(mobile.get_by_test_id("self-progress")).to_have_text("已自查 6/6")
            assert _fits(phone)
            phone.screenshot("assess-done-phone-selfcheck")
            mobile.get_by_test_id("submit-card").click()
            mobile.wait_for_load_state("networkidle")
            expect(mobile.get_by_test_id("submitted-alert")).to_be_visible()
            phone.screenshot("assess-done-phone-submitted")
            one.refresh_from_db()
            assert one.status == Scorecard.Status.SUBMITTED and one.evidence_count == 6

            # The other 39 branches submit through the service: 柯然 for 掘进二队, and the 组织部
            # for the branches without an account of their own.
            _self_check_and_submit(aw.cora, two, template)
            for card in Scorecard.objects.filter(period=period).exclude(pk__in=(one.pk, two.pk)):
                _self_check_and_submit(aw.alice, card, template)

            # 4 — 宣传部长 scores his leaves: a deduction with its reason for 掘进二队, and
            # returns 综采一队's 意识形态 leaf for more evidence.
            graded, ideology = leaf(template, "2.1.1"), leaf(template, "2.1.2")
            _as(desk, aw.pete)
            desk.goto("/assessment/scoring/")
            expect(page.get_by_test_id("total-pending")).to_have_text(str(2 * BRANCHES))
            desk.screenshot("assess-done-queue")
            desk.goto(f"/assessment/scoring/periods/{period.pk}/leaves/{graded.pk}/?q=掘进二队")
            page.locator(f"[name='r{two.pk}-{graded.pk}-level']").select_option("一般")
            page.locator(f"[name='r{two.pk}-{graded.pk}-reason']").fill(
                "九月仅上报宣传稿件1篇，无图片"
            )
            row = page.locator(f"#scr-row-{two.pk}-{graded.pk}")
            row.get_by_test_id("save-score").click()
            desk.settle()
            expect(row.get_by_test_id("row-reason")).to_contain_text("九月仅上报宣传稿件1篇")
            desk.screenshot("assess-done-deduction")
            desk.goto(f"/assessment/scoring/periods/{period.pk}/leaves/{ideology.pk}/?q=综采一队")
            row = page.locator(f"#scr-row-{one.pk}-{ideology.pk}")
            row.get_by_test_id("return-toggle").click()
            page.locator(f"[name='r{one.pk}-{ideology.pk}-message']").fill(
                "请补充九月意识形态工作台账扫描件"
            )
            row.get_by_test_id("return-leaf").click()
            desk.settle()
            expect(row.get_by_test_id("row-status")).to_contain_text("已退回补充")
            desk.screenshot("assess-done-returned")

            # 5 — 鲍勃 completes the returned leaf on the phone; 裴特 scores it.
            phone.goto(f"/assessment/cards/{one.pk}/self/")
            section = mobile.get_by_test_id("returned-section")
            expect(section.get_by_test_id("return-message")).to_contain_text("意识形态工作台账")
            section.locator("input[type=file]").set_input_files(
                {
                    "name": "意识形态台账.png",
                    "mimeType": "image/png",
                    "buffer": png_bytes((20, 90, 200)),
                }
            )
            expect(
                mobile.get_by_test_id("returned-section").get_by_test_id("evidence-link")
            ).to_have_count(2)
            phone.settle()
            phone.screenshot("assess-done-phone-returned")
            mobile.get_by_test_id("resubmit").click()
            mobile.wait_for_load_state("networkidle")
            expect(mobile.get_by_test_id("returned-section")).to_have_count(0)
            desk.goto(f"/assessment/scoring/periods/{period.pk}/leaves/{ideology.pk}/?q=综采一队")
            row = page.locator(f"#scr-row-{one.pk}-{ideology.pk}")
            row.get_by_text("达标（3分）").check()
            row.get_by_test_id("save-score").click()
            desk.settle()
            expect(row.get_by_test_id("row-saved")).to_be_visible()

            # Everything else is scored through the services (全部采用 for 三会一课).
            scoring.sources_compute(actor=aw.alice, period=period)
            for card in Scorecard.objects.filter(period=period).select_related("organization"):
                for indicator in period.template.indicators.filter(level=3):
                    row = LeafScore.objects.filter(scorecard=card, indicator=indicator).first()
                    if row and row.points is not None:
                        continue
                    role = indicator.scorer_role.code if indicator.scorer_role_id else ""
                    scorer = {"propaganda_head": aw.pete, "party_office": aw.oscar}.get(
                        role, aw.alice
                    )
                    given = {
                        "1.1.1": {"points": row.computed_points if row else None},
                        "1.1.2": {"achieved": True},
                        "2.1.1": {"level": "好"},
                        "2.1.2": {"achieved": True},
                        "3.1.1": {"occurrences": 0},
                        "4.1.1": {"occurrences": 0 if card.pk in (one.pk, two.pk) else card.pk % 2},
                    }[indicator.code]
                    reason = ""
                    if indicator.code == "1.1.1" and row and row.computed_points < 5:
                        reason = "系统按实时数据计算：缺开会议"
                    scoring.leaf_score(
                        actor=scorer, card=card, indicator=indicator, reason=reason, **given
                    )

            # 6 — 组织部 locks and publishes.
            _as(desk, aw.alice)
            desk.goto(f"/assessment/periods/{period.pk}/")
            page.get_by_test_id("period-lock").click()
            page.wait_for_load_state("networkidle")
            expect(page.get_by_test_id("period-status")).to_contain_text("已审核锁定")
            page.get_by_test_id("period-publish").click()
            page.wait_for_load_state("networkidle")
            expect(page.get_by_test_id("period-status")).to_contain_text("公示中")
            desk.screenshot("assess-done-published")
            two.refresh_from_db()
            before_total, before_rank = two.total, two.rank
            # 三会一课 4 (党员大会 missing) + 2 + 一般 1 + 3 + 3, no bonus.
            assert before_total == Decimal("13.00")
            row = _ranking_row(desk, period, two, "掘进二队党支部")
            expect(row).to_contain_text(str(before_total))
            expect(row.locator("td").first).to_have_text(str(before_rank))
            desk.screenshot("assess-done-ranking-before")

            # 7 — 柯然 (掘进二队) appeals the 宣传 deduction from her phone.
            _as(phone, aw.cora)
            phone.goto(f"/assessment/cards/{two.pk}/self/")
            expect(mobile.get_by_test_id("card-result")).to_be_visible()
            mobile.get_by_test_id("section-2").locator("summary").click()
            mobile.get_by_test_id("leaf-2.1.1").get_by_test_id("appeal").click()
            mobile.wait_for_load_state("networkidle")
            mobile.locator("textarea[name=reason]").fill(
                "九月共上报宣传稿件3篇（9月5日、15日、26日），其中2篇因系统原因未能上传，现补充截图。"
            )
            mobile.locator("input[name=files]").set_input_files(
                {"name": "稿件截图.png", "mimeType": "image/png", "buffer": png_bytes()}
            )
            phone.screenshot("assess-done-phone-appeal")
            mobile.get_by_test_id("appeal-submit").click()
            mobile.wait_for_load_state("networkidle")
            appeal = Appeal.objects.get()
            assert appeal.status == Appeal.Status.PENDING and appeal.evidence.count() == 1

            # 8 — 组织部 decides it in the branch's favour.
            desk.goto(f"/assessment/periods/{period.pk}/appeals/")
            page.get_by_test_id("appeal-row").click()
            page.wait_for_load_state("networkidle")
            form = page.get_by_test_id("decision-form")
            form.get_by_label("申诉成立，改正得分").check()
            form.locator("select[name=level]").select_option("好")
            form.locator("textarea[name=decision]").fill("经核实九月上报稿件3篇，撤销扣分。")
            desk.screenshot("assess-done-decide")
            page.get_by_test_id("decide").click()
            page.wait_for_load_state("networkidle")
            appeal.refresh_from_db()
            assert appeal.status == Appeal.Status.UPHELD
            two.refresh_from_db()
            assert two.total == before_total + 4 and two.rank <= before_rank

            # 9 — the ranking and the bulletin show the new total.
            ranking = _ranking_row(desk, period, two, "掘进二队党支部")
            expect(ranking).to_contain_text(str(two.total))
            expect(ranking.locator("td").first).to_have_text(str(two.rank))
            desk.screenshot("assess-done-ranking-after")
            response = page.request.get(
                f"{live_server.url}/assessment/results/periods/{period.pk}/bulletin.pdf"
            )
            assert response.status == 200 and response.headers["content-type"] == "application/pdf"
            text = _pdf_text(response.body())
            assert "掘进二队党支部" in text and str(two.total) in text
        finally:
            desk.close()
            phone.close()
    assert not desk_problems, desk_problems
    assert not phone_problems, phone_problems
    assert not desk.outside_requests and not phone.outside_requests


def _ranking_row(session, period, card, name):
    """The ranking row of `name` in its category's table (20 rows a page: look page by page)."""
    for number in (1, 2, 3):
        session.goto(
            f"/assessment/results/periods/{period.pk}/?category={card.category_id}&page={number}"
        )
        row = session.page.get_by_test_id("rank-row").filter(has_text=name)
        if row.count():
            return row
    raise AssertionError(f"{name} is not in the ranking")


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in document)
