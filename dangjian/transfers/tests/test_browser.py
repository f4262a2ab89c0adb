"""The outgoing path and the in-tree accept in a real browser, at desktop and phone widths."""

import pytest


@pytest.mark.browser
def test_a_member_moves_to_another_mine_through_the_pages(browser_session, live_world):
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.members.models import Member
    from dangjian.members.tests.factories import make_member
    from dangjian.orgs.models import Organization, OrgType
    from dangjian.transfers.models import State, Transfer

    world = live_world
    today = timezone.localdate().isoformat()
    zhang = make_member(world.branch1, "张三")
    make_member(world.branch1, "李四")
    Organization.objects.add_child(
        world.mine2, {"org_type": OrgType.BRANCH, "name": "机电队党支部", "code": "G-M2-B4"}
    )
    page = browser_session.page

    browser_session.sign_in(world.bob)
    browser_session.goto("/transfers/new/")
    # The member and the destination are found by typing (pinyin initials, part of a name);
    # a search with one match chooses it.
    page.get_by_test_id("search-member").fill("zs")
    expect(page.locator("#id_member")).to_have_value(str(zhang.pk))
    expect(page.locator("#id_member option")).to_have_count(2)  # blank + 张三
    page.get_by_label("本平台（集团内）").check()
    page.get_by_test_id("search-destination").fill("二矿")
    expect(page.locator("#id_destination")).to_have_value(str(world.mine2.pk))
    expect(page.locator("#id_destination option:checked")).to_have_text("中共二矿委员会（党委）")
    page.get_by_test_id("search-destination").press("Enter")  # searches, does not submit
    expect(page.locator("#id_destination")).to_have_value(str(world.mine2.pk))
    page.fill("#id_reason", "工作调动到二矿通风区。")
    browser_session.screenshot("transfers-request-search")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("[data-testid=timeline]")).to_contain_text("已申请")
    transfer = Transfer.objects.get()
    page.locator("[data-testid=action-branch_approve]").click()
    page.fill("#id_approved_on", today)
    page.get_by_role("button", name="确认支部同意").click()
    expect(page.locator("[data-testid=timeline]")).to_contain_text("支部已同意")

    browser_session.sign_in(world.alice)
    browser_session.goto(f"/transfers/{transfer.pk}/")
    page.locator("[data-testid=action-issue_letter]").click()
    page.fill("#id_validity_days", "120")
    page.get_by_role("button", name="确认审批并开具介绍信").click()
    expect(page.locator("[data-testid=form-error]")).to_contain_text("不能超过 90 天")
    browser_session.screenshot("transfers-issue-error")
    page.fill("#id_validity_days", "30")
    page.get_by_role("button", name="确认审批并开具介绍信").click()
    expect(page.locator("[data-testid=letters]")).to_contain_text("第0001号")
    browser_session.screenshot("transfers-detail-issued")
    browser_session.goto("/transfers/")
    expect(page.locator("a:visible", has_text="张三").first).to_be_visible()
    browser_session.screenshot("transfers-outgoing-list")

    browser_session.sign_in(world.dave)
    browser_session.goto("/transfers/incoming/")
    page.locator("a:visible", has_text="张三").first.click()
    form = page.locator("[data-testid=accept-form]")
    expect(form.locator("select[name=branch] option")).to_have_count(3)  # blank + two branches
    form.get_by_test_id("search-branch").fill("通风")
    expect(form.locator("select[name=branch]")).to_have_value(str(world.branch3.pk))
    browser_session.screenshot("transfers-accept")
    page.once("dialog", lambda dialog: dialog.accept())
    form.locator("[data-testid=action-accept]").click()  # the one click
    expect(page.locator("[data-testid=state-badge]").first).to_contain_text("已办结")
    browser_session.screenshot("transfers-closed")
    assert Transfer.objects.get().state == State.CLOSED
    assert Member.objects.get(pk=zhang.pk).organization_id == world.branch3.pk
    browser_session.goto(f"/members/{zhang.pk}/?tab=transfers")
    expect(page.locator("[data-testid=member-transfers]")).to_contain_text("已办结")
    browser_session.screenshot("transfers-member-tab")
