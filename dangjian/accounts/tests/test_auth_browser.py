"""The login flow in a real browser at 1280 and 390 px: password login, an administrator's
first login with authenticator enrolment, a recovery-code login, the forced password change and
the profile page. Screenshots go to test-artifacts/screenshots/."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.browser


def assert_fits(session):
    """Nothing sticks out sideways (the 390 px phone layout)."""
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= session.viewport["width"], f"page is {width}px wide"


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_a_member_logs_in_with_the_password(browser_session, live_world):
    page = browser_session.page
    browser_session.goto("/accounts/login/")
    assert page.locator(".dj-login-bg").count() == 1
    assert page.locator(".dj-navbar").count() == 0
    assert_fits(browser_session)
    browser_session.screenshot("login")
    page.fill("input[name=username]", "charlie")
    page.fill("input[name=password]", "Wrong#Pass1")
    page.click("button[type=submit]")
    assert "登录名或密码不正确" in page.inner_text("[data-testid=login-error]")
    browser_session.screenshot("login-failed")
    browser_session.login("charlie", live_world.password)
    assert page.url == browser_session.base_url + "/workbench/"
    browser_session.goto("/accounts/profile/")
    assert_fits(browser_session)
    browser_session.screenshot("profile")
    browser_session.goto("/accounts/login-history/")
    assert page.locator("[data-testid=login-history] tbody tr").count() == 2
    assert_fits(browser_session)
    browser_session.screenshot("login-history")


def test_an_administrator_enrols_an_authenticator_then_uses_a_recovery_code(
    browser_session, live_world
):
    page = browser_session.page
    browser_session.login("secadmin", live_world.password)
    assert page.url.endswith("/accounts/login/enroll/")
    assert page.locator("[data-testid=otp-qr]").is_visible()
    assert_fits(browser_session)
    browser_session.screenshot("login-enroll")
    page.fill("input[name=code]", current_code(live_world.secadmin))
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    assert_fits(browser_session)
    browser_session.screenshot("recovery-codes")

    page.click("text=我已妥善保存，继续")
    page.click("button.dropdown-toggle >> nth=-1")
    page.click("text=退出登录")
    page.wait_for_load_state("networkidle")
    browser_session.login("secadmin", live_world.password)
    assert page.url.endswith("/accounts/login/verify/")
    assert_fits(browser_session)
    browser_session.screenshot("login-verify")
    page.fill("input[name=code]", codes[0])
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "还剩 9 个" in page.content()


def test_a_first_login_must_change_the_password(browser_session, live_world):
    user = live_world.bob
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    page = browser_session.page
    browser_session.login("bob", live_world.password)
    assert "/accounts/password/" in page.url
    assert "首次登录" in page.inner_text("[data-testid=password-reason]")
    assert_fits(browser_session)
    browser_session.screenshot("password-change")
    page.fill("input[name=old_password]", live_world.password)
    page.fill("input[name=new_password1]", "Meikuang#2026")
    page.fill("input[name=new_password2]", "Meikuang#2026")
    page.click("form button[type=submit] >> text=保存新密码")
    page.wait_for_load_state("networkidle")
    assert "密码已修改" in page.content()
    browser_session.goto("/accounts/scope/")
    assert "综采一队党支部" in page.inner_text("[data-testid=grant]")
    assert_fits(browser_session)
    browser_session.screenshot("my-scope")
