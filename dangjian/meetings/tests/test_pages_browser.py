"""组织生活 end to end in a real browser (issue 5's scenario): the branch secretary plans a
支部党员大会, publishes the notice, two members sign in with the code on a 390-px phone, the
secretary types the minutes in the editor and uploads a photo, and the meeting page shows 实到
and the quorum. Every page is photographed at the session's width; no request leaves the site
and the editor raises no Content-Security-Policy violation."""

import datetime
import io

import pytest


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 30, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def _local(moment: datetime.datetime) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def _watch_csp(session) -> list[str]:
    problems: list[str] = []

    def console(message):
        # A refused form answers 400 on purpose ("Failed to load resource"); anything else the
        # console reports as an error — a CSP refusal above all — is a fault of the page.
        if "Content Security Policy" in message.text or (
            message.type == "error" and "Failed to load resource" not in message.text
        ):
            problems.append(message.text)

    session.page.on("console", console)
    session.page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _accept_and_click(page, locator):
    page.once("dialog", lambda dialog: dialog.accept())
    locator.click()
    page.wait_for_load_state("networkidle")


def _member_signs_in(chromium, live_server, user, code, shot: str):
    from playwright.sync_api import expect

    from dangjian.core.testing.browser import PHONE, BrowserSession

    phone = BrowserSession(chromium, live_server.url, PHONE)
    try:
        problems = _watch_csp(phone)
        phone.sign_in(user)
        phone.goto("/meetings/mine/")
        expect(phone.page.get_by_test_id("signin-now")).to_be_visible()
        if shot:
            phone.screenshot("meetings-mine-upcoming")
        phone.page.get_by_test_id("signin-now").click()
        phone.page.fill("input[name=code]", code)
        if shot:
            phone.screenshot("meetings-signin-form")
        phone.page.get_by_test_id("signin-submit").click()
        expect(phone.page.get_by_test_id("signin-ok")).to_contain_text("签到成功")
        if shot:
            phone.screenshot(shot)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"sign-in page scrolls sideways ({width}px)"
        assert not problems, problems
        assert not phone.outside_requests, phone.outside_requests
    finally:
        phone.close()


@pytest.mark.browser
def test_a_secretary_runs_a_party_congress_and_members_sign_in_by_phone(
    browser_session, live_world, chromium, live_server
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.meetings.defaults import ensure_defaults
    from dangjian.meetings.models import Meeting
    from dangjian.meetings.tests.factories import account, add_members

    ensure_defaults()  # the live server's database is flushed between tests, types included
    world = live_world
    members = add_members(world.branch1, full=3, probationary=1, accounts=True)
    page = browser_session.page
    problems = _watch_csp(browser_session)
    now = timezone.now()

    # Bob plans the 党员大会 (it started ten minutes ago, so sign-in is open now).
    browser_session.sign_in(world.bob)
    browser_session.goto("/meetings/")
    browser_session.screenshot("meetings-list-empty")
    page.get_by_test_id("plan-meeting").click()
    expect(page.locator("#id_organization")).to_have_value(str(world.branch1.pk))
    expect(page.locator("input[name=attendees]:checked")).to_have_count(4)
    page.fill("#id_topic", "支部党员大会：学习贯彻全会精神")
    page.fill("#id_planned_start", _local(now - datetime.timedelta(minutes=10)))
    page.fill("#id_planned_end", _local(now + datetime.timedelta(hours=1)))
    page.fill("#id_place", "综采一队党员活动室")
    browser_session.screenshot("meetings-plan")
    page.get_by_test_id("save-plan").click()
    expect(page.get_by_test_id("meeting-topic")).to_have_text("支部党员大会：学习贯彻全会精神")
    meeting = Meeting.objects.get()
    assert meeting.expected_count == 4

    _accept_and_click(page, page.get_by_test_id("notify"))
    expect(page.get_by_text("会议通知已发出")).to_be_visible()
    code = page.get_by_test_id("signin-code").inner_text().strip()
    assert code == Meeting.objects.get().signin_code
    expect(page.locator("img.dj-qr")).to_be_visible()
    browser_session.screenshot("meetings-detail-signin")

    browser_session.goto(f"/meetings/{meeting.pk}/edit/")
    expect(page.get_by_test_id("plan-form")).to_be_visible()
    browser_session.screenshot("meetings-edit")
    browser_session.goto(f"/meetings/{meeting.pk}/cancel/")
    browser_session.screenshot("meetings-cancel")

    # Two members sign in with the code from their phones.
    _member_signs_in(chromium, live_server, account(members[0]), code, "meetings-signin-ok")
    _member_signs_in(chromium, live_server, account(members[1]), code, "")

    # Bob ticks the rest, writes the minutes in the editor and uploads a photo.
    browser_session.goto(f"/meetings/{meeting.pk}/attendance/")
    rows = page.locator("[data-mark-row]")
    expect(rows).to_have_count(4)
    rows.nth(2).get_by_text("请假", exact=True).click()
    rows.nth(2).locator("input[type=text]").fill("井下值班")
    rows.nth(3).get_by_text("缺席", exact=True).click()
    browser_session.screenshot("meetings-attendance")
    page.get_by_test_id("save-attendance").click()
    expect(page.get_by_text("出勤已保存")).to_be_visible()

    browser_session.goto(f"/meetings/{meeting.pk}/record/")
    editor = page.locator(".ql-editor")
    editor.click()
    page.keyboard.type("书记传达全会精神，与会党员逐一发言。")
    page.keyboard.press("Enter")
    page.keyboard.type("会议一致同意下季度工作安排。")
    page.fill("#id_resolutions", "同意下季度工作安排")
    browser_session.screenshot("meetings-record")
    page.get_by_test_id("save-record").click()
    expect(page.get_by_test_id("minutes")).to_contain_text("与会党员逐一发言")

    browser_session.goto(f"/meetings/{meeting.pk}/upload/")
    page.set_input_files(
        "#id_files", {"name": "会场.png", "mimeType": "image/png", "buffer": _png()}
    )
    browser_session.screenshot("meetings-upload")
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("gallery").locator("img")).to_have_count(1)

    # The meeting page: 实到 2 of 4, the quorum of the 3 voting members met (2 > 1.5).
    expect(page.get_by_test_id("present-count")).to_have_text("2")
    expect(page.get_by_test_id("quorum-box")).to_contain_text("达到法定人数")
    browser_session.screenshot("meetings-detail-recorded")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.present_count, meeting.has_quorum) == ("held", 2, True)

    browser_session.goto("/meetings/")
    expect(page.get_by_test_id("meeting-table")).to_contain_text("学习贯彻全会精神")
    browser_session.screenshot("meetings-list")

    # The compliance table: this quarter's 党员大会 requirement of branch1 is now met (green).
    quarter = (meeting.held_on.month - 1) // 3 + 1
    browser_session.goto(
        f"/meetings/compliance/?organization={world.branch1.pk}&year={meeting.held_on.year}"
        f"&quarter={quarter}&view=table"
    )
    congress = page.get_by_test_id("compliance-table-org").first.locator(
        "tr", has_text="支部党员大会每季度至少召开1次"
    )
    expect(congress.locator(".dj-cp-green")).to_contain_text("1/1")
    browser_session.screenshot("meetings-compliance-green")

    # The upper organisation reviews it; the member sees the record on their own page.
    browser_session.context.clear_cookies()
    browser_session.sign_in(world.alice)
    browser_session.goto(f"/meetings/{meeting.pk}/")
    browser_session.screenshot("meetings-detail-review")
    page.get_by_test_id("review").click()
    expect(page.get_by_test_id("badge-reviewed")).to_be_visible()

    browser_session.context.clear_cookies()
    browser_session.sign_in(account(members[0]))
    browser_session.goto("/meetings/mine/")
    expect(page.get_by_test_id("history")).to_contain_text("学习贯彻全会精神")
    browser_session.screenshot("meetings-mine")
    browser_session.goto(f"/meetings/mine/{meeting.pk}/")
    expect(page.get_by_test_id("meeting-topic")).to_be_visible()
    browser_session.screenshot("meetings-mine-detail")
    browser_session.context.clear_cookies()
    browser_session.sign_in(account(members[3]))
    browser_session.goto(f"/meetings/s/{meeting.signin_token}/")
    expect(page.get_by_text("扫码签到", exact=True).first).to_be_visible()
    browser_session.screenshot("meetings-signin-qr")
    browser_session.goto("/meetings/signin/")
    page.fill("input[name=code]", "12")
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signin-error")).to_contain_text("签到码不正确")
    browser_session.screenshot("meetings-signin-error")
    assert not problems, problems
