"""The 党籍 change pages in a real browser, at desktop and phone widths."""

from datetime import date, timedelta

import pytest


@pytest.mark.browser
def test_the_secretary_suspends_a_lost_member_and_retires_another(browser_session, live_world):
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.members.models import Member, RetireeBranch, Status
    from dangjian.members.tests.factories import make_member
    from dangjian.orgs.models import Organization, OrgType

    world = live_world
    today = timezone.localdate()
    zhang = make_member(world.branch1, "张三", joined_on=date(2008, 7, 1))
    Member.objects.filter(pk=zhang.pk).update(
        is_lost_contact=True, lost_contact_since=today - timedelta(days=400)
    )
    li = make_member(world.branch1, "李四", party_group=world.group1)
    retirees = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.BRANCH, "name": "离退休第一党支部", "code": "G-M1-R1"},
    )
    RetireeBranch.objects.create(organization=world.mine, branch=retirees)

    browser_session.sign_in(world.alice)
    page = browser_session.page
    browser_session.goto(f"/members/{zhang.pk}/status/")
    expect(page.locator("[data-testid=status-choices]")).to_contain_text("取消失去联系")
    browser_session.screenshot("status-choose")

    page.locator("a[href='?kind=suspend']").click()
    page.wait_for_url("**kind=suspend")
    expect(page.locator("[data-testid=status-consequence]")).to_contain_text("不计入党员人数")
    expect(page.locator("[data-testid=lost-contact-rule]")).to_contain_text("最早可在")
    page.get_by_label("与党组织失去联系，经多方查找仍无音讯").check()
    page.fill("#id_effective_on", (today + timedelta(days=3)).isoformat())
    page.fill("#id_reason", "电话停机一年多，家属也不知去向，支部多次查找无果。")
    browser_session.screenshot("status-suspend-form")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认停止党籍").click()
    expect(page.locator("[data-testid=form-error]")).to_be_visible()
    expect(page.locator(".invalid-feedback").first).to_contain_text("生效日期不能晚于今天")
    browser_session.screenshot("status-suspend-error")

    page.fill("#id_effective_on", today.isoformat())
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认停止党籍").click()
    page.wait_for_url(f"**/members/{zhang.pk}/?tab=party")
    assert Member.objects.get(pk=zhang.pk).status == Status.SUSPENDED
    expect(page.get_by_text("已为张三办理停止党籍。")).to_be_visible()
    expect(page.locator("[data-testid=status-changes]")).to_contain_text("停止党籍")
    browser_session.screenshot("status-detail-after")

    browser_session.goto(f"/members/{li.pk}/status/?kind=retire")
    box = page.get_by_label("转入离退休党支部：离退休第一党支部")
    expect(box).to_be_visible()
    page.fill("#id_effective_on", today.isoformat())
    page.fill("#id_reason", "到达法定退休年龄。")
    box.check()
    browser_session.screenshot("status-retire-form")
    page.get_by_role("button", name="确认办理退休").click()
    page.wait_for_url(f"**/members/{li.pk}/?tab=party")
    assert Member.objects.get(pk=li.pk).organization_id == retirees.pk

    browser_session.goto("/members/retirees/")
    expect(page.locator("[data-testid=retiree-settings]")).to_contain_text("离退休第一党支部")
    browser_session.screenshot("status-retiree-settings")
    page.get_by_role("link", name="修改").click()
    page.wait_for_url(f"**/members/retirees/{world.mine.pk}/")
    expect(page.locator("#id_branch")).to_have_value(str(retirees.pk))
    browser_session.screenshot("status-retiree-form")
