"""The inbox in a real browser, at phone and desktop widths."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.notifications.models import Notification


def fill_inbox(user):
    now = timezone.now()
    rows = [
        (
            "关于召开2026年第一季度党员大会的通知",
            "请各位党员于3月6日（周五）15:00到三楼会议室参加。",
            "system",
            "/inbox/",
            None,
        ),
        ("发展对象“张三”的政审材料待审核", "", "task", "/jobs/", None),
        (
            "党费收缴提醒：3 月份党费请于 10 日前交清",
            "综采一队党支部尚有 4 名党员未交。",
            "reminder",
            "",
            now,
        ),
        ("您的密码将于 7 天后过期", "请及时在个人设置中修改密码。", "security", "", now),
    ]
    for minutes, (title, body, category, url, read_at) in enumerate(rows):
        note = Notification.objects.create(
            recipient=user, title=title, body=body, category=category, url=url, read_at=read_at
        )
        Notification.objects.filter(pk=note.pk).update(
            created_at=now - timedelta(minutes=minutes * 37)
        )


@pytest.mark.browser
def test_the_inbox_lists_marks_read_and_follows_links(browser_session, live_world):
    from playwright.sync_api import expect

    fill_inbox(live_world.alice)
    browser_session.sign_in(live_world.alice)
    page = browser_session.page
    browser_session.goto("/inbox/")
    expect(page.locator("[data-testid=inbox-badge]")).to_have_text("2")
    assert page.locator("[data-testid=inbox-item]").count() == 4
    browser_session.screenshot("inbox")

    page.locator("[data-testid=inbox-item]", has_text="政审材料").click()
    page.wait_for_url("**/jobs/")
    expect(page.locator("[data-testid=inbox-badge]")).to_have_text("1")

    browser_session.goto("/inbox/preferences/")
    browser_session.screenshot("inbox-preferences")
