"""The administration pages (/manage/) in a real browser at 1280 and 390 px: the security
administrator builds a role, grants and revokes it and meets the 三员 rule; the system administrator
manages accounts; the security policy takes a new value. Every administrator signs in with the
password and a code from the authenticator. Screenshots go to test-artifacts/screenshots/."""

import datetime

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.models import RuleVersion


@pytest.fixture
def browser_session(desktop_session):
    """A desk workflow: run at 1280 px only (see core/testing/browser.py)."""
    return desktop_session


pytestmark = pytest.mark.browser

NAV_COLLAPSES_BELOW = 992  # navbar-expand-lg


def assert_fits(session):
    """Nothing sticks out sideways (the 390 px phone layout)."""
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= session.viewport["width"], f"page is {width}px wide"


def admin_login(session, user, password):
    """An administrator with an authenticator already bound: password, then the current code."""
    device = TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=True)
    session.login(user.username, password)
    assert session.page.url.endswith("/accounts/login/verify/")
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    session.page.fill("input[name=code]", f"{code:06d}")
    session.page.click("form button[type=submit]")
    session.page.wait_for_load_state("networkidle")
    assert session.page.url == session.base_url + "/workbench/"


def admin_menu(session):
    """Open the 管理 menu of the top bar (behind the hamburger on a phone); its entries."""
    page = session.page
    if session.viewport["width"] < NAV_COLLAPSES_BELOW:
        page.click(".navbar-toggler")
        page.locator("#dj-nav.show").wait_for()  # the collapse has finished opening
    page.locator("#dj-nav .dropdown-toggle", has_text="管理").click()
    entries = page.locator("#dj-nav .dropdown-menu.show a")
    entries.first.wait_for()
    return entries


def open_from_menu(session, label: str, url: str):
    admin_menu(session).filter(has_text=label).click()
    session.page.wait_for_url(f"**{url}")


def test_the_security_administrator_builds_grants_and_revokes_a_role(browser_session, live_world):
    from playwright.sync_api import expect

    page = browser_session.page
    admin_login(browser_session, live_world.secadmin, live_world.password)

    # 角色管理: a custom role with three permissions.
    open_from_menu(browser_session, "角色管理", "/manage/roles/")
    expect(page.locator("h1")).to_have_text("角色管理")
    expect(page.locator("tbody")).to_contain_text("安全管理员")
    assert_fits(browser_session)
    browser_session.screenshot("manage-roles")
    page.get_by_role("link", name="新建角色").click()
    page.wait_for_url("**/manage/roles/new/")
    expect(page.get_by_label("管理角色")).to_be_disabled()  # 三员 only
    page.get_by_label("角色名称").fill("通讯报道员")
    page.get_by_label("说明").fill("矿党委宣传部门：查看党组织、班子和党员。")
    for label in ("查看党组织", "查看班子", "查看党员信息"):
        page.get_by_label(label).check()
    assert_fits(browser_session)
    browser_session.screenshot("manage-role-form")
    page.get_by_role("button", name="创建角色").click()
    page.wait_for_url("**/manage/roles/*/")
    expect(page.locator(".alert-success")).to_contain_text("已创建角色“通讯报道员”")
    expect(page.locator("h1")).to_contain_text("自定义")
    expect(page.locator(".list-group-item")).to_have_count(3)
    assert_fits(browser_session)
    browser_session.screenshot("manage-role-detail")
    page.get_by_role("link", name="角色管理").first.click()  # the breadcrumb
    row = page.locator("tbody tr", has_text="通讯报道员")
    expect(row).to_contain_text("3 项")
    expect(row).to_contain_text("0 人")

    # 授权管理: grant it to Charlie on 一矿党委, finding both through the search boxes.
    page.get_by_role("link", name="授权管理").first.click()
    page.wait_for_url("**/manage/grants/")
    assert_fits(browser_session)
    browser_session.screenshot("manage-grants")
    page.get_by_role("link", name="授予角色").click()
    page.wait_for_url("**/manage/grants/new/")
    page.get_by_placeholder("输入登录名或姓名搜索").fill("charl")
    expect(page.locator("#id_user option")).to_have_count(2)  # "请选择用户" and Charlie
    page.select_option("#id_user", label="查理（charlie）")
    page.select_option("#id_role", label="通讯报道员")
    page.get_by_placeholder("输入组织名称或代码搜索").fill("一矿党委")
    expect(page.locator("#id_organization option")).to_have_count(2)
    page.select_option("#id_organization", label="中共一矿委员会")
    page.get_by_label("备注").fill("负责一矿宣传工作")
    assert_fits(browser_session)
    browser_session.screenshot("manage-grant-form")
    page.get_by_role("button", name="授予", exact=True).click()
    page.wait_for_url("**/manage/grants/")
    expect(page.locator(".alert-success")).to_contain_text("已授予 查理")
    granted = page.locator("tbody tr", has_text="通讯报道员")
    expect(granted).to_contain_text("查理")
    expect(granted).to_contain_text("一矿党委")
    assert RoleAssignment.objects.filter(user=live_world.charlie, role__name="通讯报道员").exists()

    # A second administrator role for the auditor: refused with the 三员 rule, nothing granted.
    page.get_by_role("link", name="授予角色").click()
    page.get_by_placeholder("输入登录名或姓名搜索").fill("auditor")
    expect(page.locator("#id_user option")).to_have_count(2)
    page.select_option("#id_user", label="审计管理员（auditor）")
    page.select_option("#id_role", label="系统管理员")
    page.get_by_placeholder("输入组织名称或代码搜索").fill("集团")
    expect(page.locator("#id_organization option")).to_have_count(2)
    page.select_option("#id_organization", label="中共某煤业集团委员会")
    page.get_by_role("button", name="授予", exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-danger")).to_contain_text("该用户已是审计管理员，三员不得兼任。")
    assert page.url.endswith("/manage/grants/new/")
    assert live_world.auditor.role_assignments.count() == 1
    assert_fits(browser_session)
    browser_session.screenshot("manage-grant-refused")

    # Revoke Charlie's grant, through the confirmation page.
    page.get_by_role("link", name="取消").click()
    page.wait_for_url("**/manage/grants/")
    page.locator("tbody tr", has_text="通讯报道员").get_by_role("link", name="收回").click()
    page.wait_for_url("**/manage/grants/*/revoke/")
    expect(page.locator(".card")).to_contain_text("中共一矿委员会 及下级")
    page.get_by_label("收回原因").fill("岗位调整")
    assert_fits(browser_session)
    browser_session.screenshot("manage-grant-revoke")
    page.get_by_role("button", name="确认收回").click()
    page.wait_for_url("**/manage/grants/")
    expect(page.locator(".alert-success")).to_contain_text("已收回")
    expect(page.locator("tbody tr", has_text="通讯报道员")).to_have_count(0)
    assert not RoleAssignment.objects.filter(user=live_world.charlie).exists()


def test_the_system_administrator_manages_accounts(browser_session, live_world):
    from playwright.sync_api import expect

    page = browser_session.page
    admin_login(browser_session, live_world.sysadmin, live_world.password)
    entries = admin_menu(browser_session).all_inner_texts()
    assert "用户管理" in entries
    assert "授权管理" not in entries and "角色管理" not in entries
    browser_session.screenshot("manage-menu-sysadmin")
    admin_menu_link = page.locator("#dj-nav .dropdown-menu.show a", has_text="用户管理")
    admin_menu_link.click()
    page.wait_for_url("**/manage/users/")
    expect(page.locator(".nav-underline")).not_to_contain_text("授权管理")
    assert_fits(browser_session)
    browser_session.screenshot("manage-users")

    page.get_by_label("按登录名或姓名搜索").fill("查理")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/manage/users/?*q=*")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("charlie")
    expect(rows.first).to_contain_text("无角色")

    # A new account: the generated first password is shown on this one page only.
    page.get_by_role("link", name="新建用户").click()
    page.wait_for_url("**/manage/users/new/")
    page.get_by_label("登录名").fill("20260318")
    page.get_by_label("姓名").fill("王建国")
    page.get_by_label("手机号").fill("13912345678")
    assert_fits(browser_session)
    browser_session.screenshot("manage-user-form")
    page.get_by_role("button", name="创建").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".card-header")).to_contain_text("已创建用户")
    first = page.inner_text("[data-testid=temporary-password]").strip()
    created = User.objects.get(username="20260318")
    assert created.check_password(first) and created.must_change_password
    assert_fits(browser_session)
    browser_session.screenshot("manage-user-created")

    page.get_by_role("link", name="查看用户").click()
    page.wait_for_url(f"**/manage/users/{created.pk}/")
    expect(page.locator("h1")).to_contain_text("王建国")
    assert first not in page.content()
    expect(page.get_by_text("139****5678")).to_be_visible()  # the mobile, masked
    assert_fits(browser_session)
    browser_session.screenshot("manage-user-detail")

    # Reset a password: confirm the dialog, the temporary password is shown once.
    browser_session.goto(f"/manage/users/{live_world.charlie.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="重置密码").click()
    page.wait_for_url(f"**/manage/users/{live_world.charlie.pk}/reset-password/")
    expect(page.locator(".card-header")).to_contain_text("已重置 查理")
    temporary = page.inner_text("[data-testid=temporary-password]").strip()
    expect(page.get_by_role("alert")).to_contain_text("只显示这一次")
    live_world.charlie.refresh_from_db()
    assert live_world.charlie.check_password(temporary)
    assert live_world.charlie.must_change_password
    assert_fits(browser_session)
    browser_session.screenshot("manage-password-reset")
    page.get_by_role("link", name="查看用户").click()
    expect(page.get_by_text("下次登录须修改")).to_be_visible()
    assert temporary not in page.content()

    # No way into the grant pages by address either.
    response = browser_session.goto("/manage/grants/")
    assert response.status == 403


def test_the_security_administrator_changes_the_lockout_duration(browser_session, live_world):
    from playwright.sync_api import expect

    page = browser_session.page
    admin_login(browser_session, live_world.secadmin, live_world.password)
    open_from_menu(browser_session, "规则与策略", "/manage/security-policy/")
    row = page.locator("tbody tr", has_text="锁定时长")
    expect(row).to_contain_text("30 分钟")
    expect(page.locator("[data-dj-tabs] .active")).to_be_in_viewport(ratio=0.95)  # scrolled to it
    assert_fits(browser_session)
    browser_session.screenshot("manage-policy")

    # From today: the new value is the current one at once.
    row.get_by_role("link", name="修改").click()
    page.wait_for_url("**/manage/security-policy/accounts.lockout_minutes/")
    expect(page.locator(".dj-stat")).to_contain_text("30")
    today = timezone.localdate()
    page.get_by_label("新取值").fill("20")
    page.get_by_label("生效日期").fill(f"{today:%Y-%m-%d}")
    page.get_by_label("修改原因").fill("集团信息安全制度 2026 版")
    assert_fits(browser_session)
    browser_session.screenshot("manage-policy-rule")
    page.get_by_role("button", name="保存新取值").click()
    page.wait_for_url("**/manage/security-policy/")
    expect(page.locator(".alert-success")).to_contain_text(f"将自 {today:%Y-%m-%d} 起取 20分钟")
    expect(page.locator("tbody tr", has_text="锁定时长")).to_contain_text("20 分钟")

    # From next week: pending, today's value unchanged.
    page.locator("tbody tr", has_text="锁定时长").get_by_role("link", name="修改").click()
    next_week = today + datetime.timedelta(days=7)
    page.get_by_label("新取值").fill("15")
    page.get_by_label("生效日期").fill(f"{next_week:%Y-%m-%d}")
    page.get_by_label("修改原因").fill("夜班账号锁定过久，缩短")
    page.get_by_role("button", name="保存新取值").click()
    page.wait_for_url("**/manage/security-policy/")
    row = page.locator("tbody tr", has_text="锁定时长")
    expect(row).to_contain_text("20 分钟")
    pending = row.locator("[data-testid=pending]:visible")  # its own column, or under the name
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(f"{next_week:%Y-%m-%d} 起取 15分钟")
    assert_fits(browser_session)
    browser_session.screenshot("manage-policy-pending")
    assert RuleVersion.objects.filter(key="accounts.lockout_minutes").count() == 2

    # A value outside the allowed range: a Chinese message and nothing saved.
    row.get_by_role("link", name="修改").click()
    expect(page.locator("tbody tr")).to_have_count(2)  # the history
    page.get_by_label("新取值").fill("5000")
    page.get_by_label("修改原因").fill("试一试")
    page.get_by_role("button", name="保存新取值").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_contain_text("1440")
    assert RuleVersion.objects.filter(key="accounts.lockout_minutes").count() == 2
    assert_fits(browser_session)
    browser_session.screenshot("manage-policy-rule-error")
