"""Two-factor login with TOTP (required for the three administrators, optional for others),
enrolment with a QR code, recovery codes, management from the profile, and lockout on bad codes.

Codes are computed from the device key exactly as an authenticator app would.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import LoginEvent
from dangjian.accounts.otp import recovery_digest
from dangjian.accounts.selectors import lockout_status
from dangjian.accounts.services.authentication import totp_enroll_confirm
from dangjian.audit.models import AuditEntry

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
ENROLL = reverse("accounts:login_enroll")
PROFILE = reverse("accounts:profile")
HOME = reverse("dashboard:home")


def code_for(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code_for(device) -> str:
    return f"{(int(code_for(device)) + 500000) % 1000000:06d}"


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def clock(time_machine):
    """Frozen time that a test moves forward by seconds (TOTP steps are 30 s)."""
    state = {"now": timezone.now()}
    time_machine.move_to(state["now"], tick=False)

    def advance(seconds):
        state["now"] += timedelta(seconds=seconds)
        time_machine.move_to(state["now"], tick=False)

    return advance


def enrolled(user):
    """Give the user a confirmed authenticator and recovery codes, as the enrolment does."""
    device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
    codes = totp_enroll_confirm(user=user, device=device, code=code_for(device))
    device.refresh_from_db()
    return device, codes


def password_step(client, user, password):
    return client.post(LOGIN, {"username": user.username, "password": password})


# ---------------------------------------------------------------------------------------------
# Administrators: enrolment at the first login


def test_an_admin_without_authenticator_is_sent_to_enrolment(client, world):
    response = password_step(client, world.secadmin, world.password)
    assert response["Location"] == ENROLL
    assert not logged_in(client)
    assert client.get(PROFILE).status_code == 302
    body = client.get(ENROLL).content.decode()
    assert 'src="data:image/svg+xml;base64,' in body
    assert "style=" not in body
    device = TOTPDevice.objects.get(user=world.secadmin)
    assert not device.confirmed
    secret = body.split('data-testid="otp-secret">')[1].split("<")[0].replace(" ", "")
    assert len(secret) == 32


def test_enrolment_confirms_the_device_and_shows_recovery_codes_once(client, world, clock):
    password_step(client, world.secadmin, world.password)
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=world.secadmin)
    response = client.post(ENROLL, {"code": code_for(device)})
    assert response["Location"] == reverse("accounts:recovery_codes")
    assert logged_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    device.refresh_from_db()
    assert device.confirmed
    body = client.get(response["Location"]).content.decode()
    codes = body.split('data-testid="recovery-codes">')[1].split("</ul>")[0].count("<li>")
    assert codes == 10
    assert "只显示这一次" in body
    assert 'data-testid="recovery-codes"' not in client.get(response["Location"]).content.decode()
    assert StaticToken.objects.filter(device__user=world.secadmin).count() == 10
    assert AuditEntry.objects.filter(action="accounts.otp_enable", actor=world.secadmin).exists()
    assert LoginEvent.objects.get(user=world.secadmin).result == "success"


def test_a_wrong_enrolment_code_keeps_the_user_out(client, world):
    password_step(client, world.secadmin, world.password)
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=world.secadmin)
    body = client.post(ENROLL, {"code": wrong_code_for(device)}).content.decode()
    assert "动态口令不正确" in body
    assert not logged_in(client)
    device.refresh_from_db()
    assert not device.confirmed


def test_recovery_codes_are_stored_only_as_hashes(world):
    _, codes = enrolled(world.auditor)
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & set(codes)
    assert stored == {recovery_digest(code) for code in codes}


# ---------------------------------------------------------------------------------------------
# The second step


def test_an_enrolled_admin_must_give_a_code(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    clock(30)
    assert password_step(client, world.sysadmin, world.password)["Location"] == VERIFY
    assert not logged_in(client)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response["Location"] == HOME
    assert logged_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    entry = AuditEntry.objects.filter(action="accounts.login").latest("id")
    assert "动态口令" in entry.message


def test_a_wrong_code_is_refused_and_recorded(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    clock(30)
    password_step(client, world.sysadmin, world.password)
    body = client.post(VERIFY, {"code": wrong_code_for(device)}).content.decode()
    assert "动态口令或恢复码不正确" in body
    assert not logged_in(client)
    assert LoginEvent.objects.get(user=world.sysadmin).result == "bad_otp"
    assert AuditEntry.objects.filter(action="accounts.login_failed").count() == 1


def test_a_code_right_after_a_failure_is_throttled(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    clock(30)
    password_step(client, world.sysadmin, world.password)
    client.post(VERIFY, {"code": wrong_code_for(device)})
    body = client.post(VERIFY, {"code": code_for(device)}).content.decode()
    assert "尝试过于频繁" in body
    clock(2)
    assert client.post(VERIFY, {"code": code_for(device)})["Location"] == HOME


def test_a_code_cannot_be_replayed(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    clock(30)
    password_step(client, world.sysadmin, world.password)
    code = code_for(device)
    client.post(VERIFY, {"code": code})
    client.post(reverse("accounts:logout"))
    password_step(client, world.sysadmin, world.password)
    assert "不正确" in client.post(VERIFY, {"code": code}).content.decode()


def test_a_recovery_code_works_once(client, world, clock):
    _, codes = enrolled(world.sysadmin)
    password_step(client, world.sysadmin, world.password)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response["Location"] == HOME
    assert "还剩 9 个" in client.get(HOME).content.decode()
    client.post(reverse("accounts:logout"))
    clock(5)
    password_step(client, world.sysadmin, world.password)
    assert not logged_in(client)
    assert "不正确" in client.post(VERIFY, {"code": codes[0]}).content.decode()
    assert StaticToken.objects.filter(device__user=world.sysadmin).count() == 9


def test_the_verify_page_needs_a_password_first(client, world):
    response = client.get(VERIFY)
    assert response["Location"] == LOGIN
    assert client.get(ENROLL)["Location"] == LOGIN
    assert "验证等待时间过长" not in client.get(LOGIN).content.decode()


def test_a_pending_login_expires(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    password_step(client, world.sysadmin, world.password)
    clock(11 * 60)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response["Location"] == LOGIN
    assert not logged_in(client)
    assert "验证等待时间过长" in client.get(LOGIN).content.decode()


def test_the_next_url_survives_the_second_step(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    clock(30)
    client.post(
        LOGIN, {"username": "sysadmin", "password": world.password, "next": "/accounts/scope/"}
    )
    assert client.post(VERIFY, {"code": code_for(device)})["Location"] == "/accounts/scope/"


# ---------------------------------------------------------------------------------------------
# Failed codes count towards the lockout


def test_five_wrong_codes_lock_the_account(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    password_step(client, world.sysadmin, world.password)
    for _ in range(4):
        clock(20)  # past django-otp's own growing delay
        assert "不正确" in client.post(VERIFY, {"code": wrong_code_for(device)}).content.decode()
    clock(20)
    body = client.post(VERIFY, {"code": wrong_code_for(device)}).content.decode()
    assert "账号已锁定，请于 30 分钟后重试" in body
    assert lockout_status("sysadmin")[0]
    assert AuditEntry.objects.filter(action="accounts.lockout").count() == 1
    assert "账号已锁定" in password_step(client, world.sysadmin, world.password).content.decode()
    assert client.get(VERIFY)["Location"] == LOGIN


def test_password_and_code_failures_add_up(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    for _ in range(3):
        password_step(client, world.sysadmin, "Wrong#Pass1")
    password_step(client, world.sysadmin, world.password)
    client.post(VERIFY, {"code": wrong_code_for(device)})
    clock(5)
    body = client.post(VERIFY, {"code": wrong_code_for(device)}).content.decode()
    assert "账号已锁定" in body


def test_a_locked_account_cannot_finish_the_second_step(client, world, clock):
    device, _ = enrolled(world.sysadmin)
    clock(30)
    password_step(client, world.sysadmin, world.password)
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="sysadmin",
        ip_address="127.0.0.1",
        user_agent="x",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )
    body = client.post(VERIFY, {"code": code_for(device)}).content.decode()
    assert "账号已锁定" in body
    assert not logged_in(client)


# ---------------------------------------------------------------------------------------------
# Everyone else: optional, from the profile


def test_a_user_without_two_factor_logs_in_with_the_password(client, world):
    assert password_step(client, world.charlie, world.password)["Location"] == HOME


def test_a_user_can_enable_two_factor_from_the_profile(client, world, clock):
    client.force_login(world.charlie)
    body = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "data:image/svg+xml" in body
    device = TOTPDevice.objects.get(user=world.charlie)
    response = client.post(reverse("accounts:otp_setup"), {"code": code_for(device)})
    assert response["Location"].startswith(reverse("accounts:recovery_codes"))
    world.charlie.refresh_from_db()
    assert world.charlie.otp_opt_in
    assert "已启用" in client.get(PROFILE).content.decode()
    client.post(reverse("accounts:logout"))
    clock(30)
    assert password_step(client, world.charlie, world.password)["Location"] == VERIFY


def test_a_user_can_disable_two_factor_with_the_password(client, world):
    enrolled(world.charlie)
    client.force_login(world.charlie)
    client.post(reverse("accounts:otp_disable"), {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=world.charlie).exists()
    client.post(reverse("accounts:otp_disable"), {"password": world.password})
    assert not TOTPDevice.objects.filter(user=world.charlie).exists()
    assert not StaticToken.objects.filter(device__user=world.charlie).exists()
    world.charlie.refresh_from_db()
    assert not world.charlie.otp_opt_in
    assert AuditEntry.objects.filter(action="accounts.otp_disable").exists()


def test_an_admin_cannot_disable_two_factor(client, world):
    enrolled(world.auditor)
    client.force_login(world.auditor)
    response = client.post(
        reverse("accounts:otp_disable"), {"password": world.password}, follow=True
    )
    assert "必须使用双因素认证，不能关闭" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.auditor, confirmed=True).exists()


def test_regenerating_recovery_codes_voids_the_old_ones(client, world):
    _, old_codes = enrolled(world.charlie)
    client.force_login(world.charlie)
    response = client.post(reverse("accounts:recovery_regenerate"), {"password": world.password})
    body = client.get(response["Location"]).content.decode()
    assert body.count("<li>") >= 10
    stored = set(
        StaticToken.objects.filter(device__user=world.charlie).values_list("token", flat=True)
    )
    assert len(stored) == 10
    assert not stored & {recovery_digest(code) for code in old_codes}


def test_recovery_codes_need_an_authenticator(client, world):
    client.force_login(world.charlie)
    response = client.post(
        reverse("accounts:recovery_regenerate"), {"password": world.password}, follow=True
    )
    assert "请先启用双因素认证" in response.content.decode()
    assert not StaticToken.objects.exists()


def test_replacing_the_authenticator_removes_the_old_one(client, world, clock):
    old, _ = enrolled(world.charlie)
    client.force_login(world.charlie)
    client.get(reverse("accounts:otp_setup"))
    new = TOTPDevice.objects.get(user=world.charlie, confirmed=False)
    clock(30)
    client.post(reverse("accounts:otp_setup"), {"code": code_for(new), "password": world.password})
    assert list(TOTPDevice.objects.filter(user=world.charlie)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize("password", ["", "wrong"])
def test_replacing_the_authenticator_needs_the_current_password(client, world, clock, password):
    old, old_codes = enrolled(world.charlie)
    client.force_login(world.charlie)
    body = client.get(reverse("accounts:otp_setup")).content.decode()
    assert 'name="password"' in body
    new = TOTPDevice.objects.get(user=world.charlie, confirmed=False)
    clock(30)
    response = client.post(
        reverse("accounts:otp_setup"), {"code": code_for(new), "password": password}
    )
    assert response.status_code == 200
    assert ("当前密码不正确" if password else "请输入当前密码") in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=world.charlie, confirmed=True)) == [old]
    stored = set(
        StaticToken.objects.filter(device__user=world.charlie).values_list("token", flat=True)
    )
    assert stored == {recovery_digest(code) for code in old_codes}
    assert AuditEntry.objects.filter(action="accounts.otp_enable").count() == 1  # the first only


def test_the_first_authenticator_needs_no_password(client, world, clock):
    client.force_login(world.charlie)
    body = client.get(reverse("accounts:otp_setup")).content.decode()
    assert 'name="password"' not in body


@pytest.mark.parametrize("password", ["", "wrong"])
def test_regenerating_recovery_codes_needs_the_current_password(client, world, password):
    _, old_codes = enrolled(world.charlie)
    client.force_login(world.charlie)
    response = client.post(
        reverse("accounts:recovery_regenerate"), {"password": password}, follow=True
    )
    body = response.content.decode()
    assert ("当前密码不正确，未重新生成恢复码" if password else "请输入当前密码") in body
    stored = set(
        StaticToken.objects.filter(device__user=world.charlie).values_list("token", flat=True)
    )
    assert stored == {recovery_digest(code) for code in old_codes}
    assert not AuditEntry.objects.filter(action="accounts.recovery_codes").exists()
