"""Authentication services: password login with lockout, the second factor, logout and the idle
timeout, password change with history, two-factor enrolment, recovery codes and API tokens.

Every attempt writes a `LoginEvent` (the user's login history) and an audit entry. Neither ever
contains a password, a one-time code or a token key.
"""

import time
from dataclasses import dataclass
from datetime import datetime

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from dangjian.accounts import otp
from dangjian.accounts.lockout import failure_limit
from dangjian.accounts.models import LoginEvent, PasswordHistory, User
from dangjian.accounts.rules import PASSWORD_HISTORY
from dangjian.accounts.selectors import is_admin, lockout_status
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.request_context import client_ip
from dangjian.core.rules import rule_value

Result = LoginEvent.Result

# Session keys. The pending login lives in the session between the password and the second
# factor; it is not a login (request.user stays anonymous) and it expires quickly.
PENDING_KEY = "accounts_pending_login"
PENDING_SECONDS = 600  # long enough to install an authenticator app during enrolment
ACTIVITY_KEY = "accounts_last_activity"
NOTICE_KEY = "accounts_notice"
# The backend that checked the password (the axes backend before it only checks the lockout).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class LoginOutcome:
    user: User | None = None
    locked_until: datetime | None = None
    throttled: bool = False
    used_recovery_code: bool = False
    device: object = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


# ---------------------------------------------------------------------------------------------
# Recording attempts


def _event(request, *, user, username: str, result: str) -> LoginEvent:
    return LoginEvent.objects.create(
        user=user,
        username=username[:150],
        ip=client_ip(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        result=result,
    )


def _audit_attempt(request, *, user, username: str, action: str, success: bool, message: str):
    audit_log(
        actor=user if success else None,
        action=action,
        obj=user,
        object_type="" if user else "accounts.user",
        object_repr="" if user else username[:300],
        success=success,
        message=message,
        ip=client_ip(request),
    )


def _record_failure(request, *, user, username, result, message) -> None:
    with transaction.atomic():
        _event(request, user=user, username=username, result=result)
        _audit_attempt(
            request,
            user=user,
            username=username,
            action="accounts.login_failed",
            success=False,
            message=message,
        )


def _record_lockout(request, *, user, username: str) -> datetime | None:
    _, until = lockout_status(username)
    limit = failure_limit()
    when = timezone.localtime(until).strftime("%H:%M") if until else ""
    _audit_attempt(
        request,
        user=user,
        username=username,
        action="accounts.lockout",
        success=False,
        message=f"连续 {limit} 次认证失败，账号锁定至 {when}",
    )
    return until


# ---------------------------------------------------------------------------------------------
# Step 1: password


def password_login(*, request, username: str, password: str) -> LoginOutcome:
    """Check the password through the axes backend. Does not log the user in."""
    user = User.objects.filter(username=username).first()
    locked, until = lockout_status(username)
    if locked:
        _record_failure(
            request,
            user=user,
            username=username,
            result=Result.LOCKED,
            message="账号锁定期间尝试登录",
        )
        return LoginOutcome(locked_until=until)
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is not None:
        return LoginOutcome(user=authenticated)
    inactive = user is not None and not user.is_active and user.check_password(password)
    result, message = (
        (Result.INACTIVE, "账号已停用") if inactive else (Result.BAD_PASSWORD, "登录名或密码错误")
    )
    _record_failure(request, user=user, username=username, result=result, message=message)
    if getattr(request, "axes_locked_out", False):
        return LoginOutcome(locked_until=_record_lockout(request, user=user, username=username))
    return LoginOutcome()


# ---------------------------------------------------------------------------------------------
# Between the steps


def pending_login_start(request, *, user: User, next_url: str) -> None:
    # A new session key here keeps a planted session id from riding the second step.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user_id": user.pk, "at": time.time(), "next": next_url}


def pending_login(request) -> tuple[User | None, str]:
    """The user waiting for the second factor and where they were going, or (None, "")."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        pending_login_clear(request)
        return None, ""
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending.get("next", "")


def pending_login_clear(request) -> None:
    request.session.pop(PENDING_KEY, None)


# ---------------------------------------------------------------------------------------------
# Step 2: one-time code or recovery code


def _device_for(user: User, code: str):
    model = TOTPDevice if otp.looks_like_totp(code) else StaticDevice
    return model.objects.filter(user_id=user.pk, confirmed=True).order_by("-id").first()


def _token_for(code: str) -> str:
    return otp.normalise_code(code) if otp.looks_like_totp(code) else otp.recovery_digest(code)


def otp_login(*, request, user: User, code: str) -> LoginOutcome:
    """Verify the second factor. Failures count towards the same lockout as passwords."""
    locked, until = lockout_status(user.username)
    if locked:
        _record_failure(
            request,
            user=user,
            username=user.username,
            result=Result.LOCKED,
            message="账号锁定期间尝试验证",
        )
        return LoginOutcome(locked_until=until)
    device = _device_for(user, code)
    if device is not None and not device.verify_is_allowed()[0]:
        return LoginOutcome(throttled=True)
    token = _token_for(code)
    verified = django_otp.verify_token(user, device.persistent_id, token) if device else None
    if verified is not None:
        used_recovery = isinstance(verified, StaticDevice)
        return LoginOutcome(user=user, device=verified, used_recovery_code=used_recovery)
    AxesProxyHandler.user_login_failed(
        sender=__name__, credentials={"username": user.username}, request=request
    )
    _record_failure(
        request,
        user=user,
        username=user.username,
        result=Result.BAD_OTP,
        message="动态口令或恢复码错误",
    )
    if getattr(request, "axes_locked_out", False):
        return LoginOutcome(
            locked_until=_record_lockout(request, user=user, username=user.username)
        )
    return LoginOutcome()


def login_complete(*, request, user: User, device=None, used_recovery_code=False) -> None:
    """Start the session: Django login (which also clears the axes failures), the verified
    device, the idle clock, the login event and the audit entry."""
    pending_login_clear(request)
    with transaction.atomic():
        login(request, user, backend=MODEL_BACKEND)
        if device is not None:
            django_otp.login(request, device)
        request.session[ACTIVITY_KEY] = time.time()
        User.objects.filter(pk=user.pk).update(last_activity_at=timezone.now())
        _event(request, user=user, username=user.username, result=Result.SUCCESS)
        factor = (
            "密码" if device is None else ("密码+恢复码" if used_recovery_code else "密码+动态口令")
        )
        _audit_attempt(
            request,
            user=user,
            username=user.username,
            action="accounts.login",
            success=True,
            message=f"登录成功（{factor}）",
        )


# ---------------------------------------------------------------------------------------------
# Logout and idle timeout


def logout_user(*, request, result: str = Result.LOGOUT) -> None:
    """End the session (explicit logout or idle timeout) and flush everything stored in it."""
    user = request.user
    if user.is_authenticated:
        with transaction.atomic():
            _event(request, user=user, username=user.username, result=result)
            timeout = result == Result.TIMEOUT
            audit_log(
                actor=user,
                action="accounts.timeout" if timeout else "accounts.logout",
                obj=user,
                message="长时间未操作，自动退出" if timeout else "用户退出登录",
                ip=client_ip(request),
            )
    logout(request)


# ---------------------------------------------------------------------------------------------
# Passwords


def password_history_record(user: User) -> None:
    """Remember the user's current password hash, keeping only the last N (rule)."""
    PasswordHistory.objects.create(user=user, password=user.password)
    keep = max(int(rule_value(PASSWORD_HISTORY)), 1)
    stale = user.password_history.values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def password_change(*, user: User, old_password: str, new_password: str, request=None) -> None:
    """The user replaces their password. Keeps the current session when `request` is given."""
    if not user.check_password(old_password):
        raise ServiceError({"old_password": ["当前密码不正确，请重新输入。"]})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ServiceError({"new_password1": exc.messages}) from exc
    reason = "首次登录或重置后修改" if user.must_change_password else "用户修改密码"
    with transaction.atomic():
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        password_history_record(user)
        audit_log(actor=user, action="accounts.password_change", obj=user, message=reason)
    if request is not None:
        update_session_auth_hash(request, user)


# ---------------------------------------------------------------------------------------------
# Two-factor enrolment, recovery codes


def totp_device_prepare(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (reused until confirmed)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)


def _recovery_codes_replace(user: User) -> list[str]:
    device = StaticDevice.objects.filter(user_id=user.pk).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    StaticDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [otp.new_recovery_code() for _ in range(otp.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=otp.recovery_digest(code)) for code in codes
    )
    return codes


def has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def _require_current_password(user: User, password: str | None, message: str) -> None:
    """Changes to an enrolled second factor need the current password, so a session left
    open (or stolen) cannot take the second factor over. The same check for every such change:
    a wrong password changes nothing and is answered in Chinese."""
    if not password or not user.check_password(password):
        raise ServiceError({"password": [message]})


def totp_enroll_confirm(
    *, user: User, device: TOTPDevice, code: str, password: str | None = None
) -> list[str]:
    """Confirm a new authenticator with a code from it; returns fresh recovery codes (shown once).

    Replacing an authenticator already confirmed needs the current password; the first
    enrolment (at login or from the profile) does not. The code is checked after the password,
    outside the transaction, so a wrong code still counts towards django-otp's throttling.
    """
    if device.user_id != user.pk or device.confirmed:
        raise ServiceError("该验证器已失效，请刷新页面重新扫码。")
    if has_confirmed_totp(user):
        _require_current_password(user, password, "当前密码不正确，未更换验证器。")
    if django_otp.verify_token(user, device.persistent_id, otp.normalise_code(code)) is None:
        raise ServiceError(
            {"code": ["动态口令不正确。请确认手机时间准确，并输入验证器上当前显示的 6 位数字。"]}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        User.objects.filter(pk=user.pk).update(otp_opt_in=True)
        user.otp_opt_in = True
        codes = _recovery_codes_replace(user)
        audit_log(actor=user, action="accounts.otp_enable", obj=user, message="绑定身份验证器")
    device.confirmed = True
    return codes


def recovery_codes_regenerate(*, user: User, password: str | None) -> list[str]:
    """New recovery codes (the old ones are void); needs the current password."""
    if not has_confirmed_totp(user):
        raise ServiceError("请先启用双因素认证，再生成恢复码。")
    _require_current_password(user, password, "当前密码不正确，未重新生成恢复码。")
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit_log(actor=user, action="accounts.recovery_codes", obj=user, message="重新生成恢复码")
    return codes


def otp_disable(*, user: User, password: str) -> None:
    if is_admin(user):
        raise ServiceError("系统管理员、安全管理员和审计管理员必须使用双因素认证，不能关闭。")
    _require_current_password(user, password, "密码不正确，未关闭双因素认证。")
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        StaticDevice.objects.filter(user_id=user.pk).delete()
        User.objects.filter(pk=user.pk).update(otp_opt_in=False)
        user.otp_opt_in = False
        audit_log(actor=user, action="accounts.otp_disable", obj=user, message="关闭双因素认证")


# ---------------------------------------------------------------------------------------------
# Personal settings


def api_token_create(*, user: User) -> str:
    """A new API token for the user (replacing any old one). The key is returned only here.

    The three administrators get none: they act only through the web login with its second
    factor, and the token authentication refuses their tokens as well.
    """
    if is_admin(user):
        raise ServiceError("三员管理员账号不能使用 API 令牌，请通过网页登录操作。")
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_log(actor=user, action="accounts.token_create", obj=user, message="生成 API 令牌")
    return token.key


def api_token_revoke(*, user: User) -> bool:
    with transaction.atomic():
        deleted, _ = Token.objects.filter(user=user).delete()
        if deleted:
            audit_log(actor=user, action="accounts.token_revoke", obj=user, message="吊销 API 令牌")
    return bool(deleted)


def large_font_toggle(*, user: User) -> bool:
    with transaction.atomic():
        user.large_font = not user.large_font
        user.save(update_fields=["large_font"])
        audit_log(
            actor=user,
            action="accounts.large_font",
            obj=user,
            after={"large_font": user.large_font},
        )
    return user.large_font
