"""Login (password, then a second factor where required), logout, password change and the
personal pages: profile, two-factor management, API tokens, login history, "my scope".

Views parse input, call one service or selector and render; the rules are in
`accounts/services/authentication.py`, `accounts/selectors.py` and `accounts/lockout.py`.
"""

from urllib.parse import urlencode

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from dangjian.accounts import otp, selectors
from dangjian.accounts.forms import (
    EnrollForm,
    LoginForm,
    OTPForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    ReplaceAuthenticatorForm,
)
from dangjian.accounts.lockout import HANDLED_ATTR, cooloff_time, failure_limit, lockout_message
from dangjian.accounts.services import authentication as auth
from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate

NOTICES = {
    "timeout": ("warning", "由于长时间未操作，您已安全退出，请重新登录。"),
    "logout": ("success", "您已安全退出。"),
    "pending_expired": ("warning", "验证等待时间过长，请重新输入密码登录。"),
    "second_factor": ("warning", "您的账号持有管理员角色，须使用双因素认证登录，请重新登录。"),
}
HISTORY_PAGE_SIZE = 20
SHOW_ONCE_KEY = "accounts_show_once"


def _safe_next(request, url: str | None) -> str:
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else ""


def _next_from(request) -> str:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _home() -> str:
    return reverse("dashboard:home")


def _failure_text() -> str:
    minutes = int(cooloff_time().total_seconds() // 60)
    return f"登录名或密码不正确。连续输错 {failure_limit()} 次，账号将被锁定 {minutes} 分钟。"


def _show_once_put(request, kind: str, value) -> None:
    request.session[SHOW_ONCE_KEY] = {"kind": kind, "value": value}


def _show_once_pop(request, kind: str):
    stored = request.session.get(SHOW_ONCE_KEY)
    if not stored or stored.get("kind") != kind:
        return None
    del request.session[SHOW_ONCE_KEY]
    return stored["value"]


def _render_locked(request, until, username: str = ""):
    setattr(request, HANDLED_ATTR, True)
    context = {
        "form": LoginForm(initial={"username": username}),
        "error": lockout_message(until),
        "locked": True,
    }
    return render(request, "accounts/login.html", context)


# ---------------------------------------------------------------------------------------------
# Login


def _after_password(request, user, next_url: str):
    if not selectors.otp_required(user):
        auth.login_complete(request=request, user=user)
        return redirect(next_url or _home())
    auth.pending_login_start(request, user=user, next_url=next_url)
    if selectors.confirmed_totp_device(user) is None:
        return redirect("accounts:login_enroll")
    return redirect("accounts:login_verify")


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _next_from(request)
    if request.user.is_authenticated:
        return redirect(next_url or _home())
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        outcome = auth.password_login(
            request=request, username=username, password=form.cleaned_data["password"]
        )
        if outcome.locked:
            return _render_locked(request, outcome.locked_until, username)
        if outcome.user is not None:
            return _after_password(request, outcome.user, next_url)
        error = _failure_text()
    if request.method == "GET":
        auth.pending_login_clear(request)
    notice = NOTICES.get(request.session.pop(auth.NOTICE_KEY, ""))
    context = {"form": form, "error": error, "notice": notice, "next": next_url}
    return render(request, "accounts/login.html", context)


def _pending_or_restart(request):
    """The user between the two steps; a stale one is told why they start again."""
    started = auth.PENDING_KEY in request.session
    user, next_url = auth.pending_login(request)
    if user is None and started:
        request.session[auth.NOTICE_KEY] = "pending_expired"
    return user, next_url


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request):
    """Step 2: a code from the authenticator, or one recovery code (consumed)."""
    if request.user.is_authenticated:
        return redirect(_home())
    user, next_url = _pending_or_restart(request)
    if user is None:
        return redirect("accounts:login")
    if selectors.confirmed_totp_device(user) is None:
        return redirect("accounts:login_enroll")
    form = OTPForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        outcome = auth.otp_login(request=request, user=user, code=form.cleaned_data["code"])
        if outcome.locked:
            auth.pending_login_clear(request)
            return _render_locked(request, outcome.locked_until, user.username)
        if outcome.user is not None:
            auth.login_complete(
                request=request,
                user=user,
                device=outcome.device,
                used_recovery_code=outcome.used_recovery_code,
            )
            if outcome.used_recovery_code:
                left = selectors.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"您使用了一个恢复码登录，还剩 {left} 个。如手机丢失，请尽快重新绑定验证器。",
                )
            return redirect(next_url or _home())
        error = (
            "尝试过于频繁，请稍等几秒再输入。"
            if outcome.throttled
            else "动态口令或恢复码不正确，请重新输入。"
        )
    context = {"form": form, "error": error, "pending_user": user}
    return render(request, "accounts/login_verify.html", context)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_enroll(request):
    """Step 2 for an administrator without an authenticator yet: bind one before entering."""
    if request.user.is_authenticated:
        return redirect(_home())
    user, next_url = _pending_or_restart(request)
    if user is None:
        return redirect("accounts:login")
    if selectors.confirmed_totp_device(user) is not None:
        return redirect("accounts:login_verify")
    device = auth.totp_device_prepare(user=user)
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = auth.totp_enroll_confirm(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except ServiceError as exc:
            form.add_error(None, exc)
        else:
            auth.login_complete(request=request, user=user, device=device)
            _show_once_put(request, "recovery_codes", codes)
            return redirect(_with_next(reverse("accounts:recovery_codes"), next_url))
    return render(request, "accounts/login_enroll.html", _setup_context(form, device))


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _setup_context(form, device) -> dict:
    return {
        "form": form,
        "qr": otp.qr_data_uri(device.config_url),
        "secret": otp.secret_text(device),
    }


@require_POST
def logout_view(request):
    auth.logout_user(request=request)
    request.session[auth.NOTICE_KEY] = "logout"
    return redirect("accounts:login")


# ---------------------------------------------------------------------------------------------
# Password


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ServiceError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "密码已修改。下次登录请使用新密码。")
            return redirect(_next_from(request) or reverse("accounts:profile"))
    context = {
        "form": form,
        "reason": selectors.password_change_reason(request.user),
        "policy": _policy_texts(),
        "next": _next_from(request),
    }
    return render(request, "accounts/password_change.html", context)


def _policy_texts() -> list[str]:
    return password_validators_help_texts()


# ---------------------------------------------------------------------------------------------
# Profile, two-factor management, API tokens


@never_cache
@login_required
def profile(request):
    user = request.user
    context = {
        "is_admin": selectors.is_admin(user),
        "totp_device": selectors.confirmed_totp_device(user),
        "codes_left": selectors.recovery_codes_left(user),
        "token": Token.objects.filter(user=user).only("created").first(),
        "new_token": _show_once_pop(request, "token"),
        "password_expires_at": selectors.password_expires_at(user),
        "confirm_form": PasswordConfirmForm(),
        "regenerate_form": PasswordConfirmForm(auto_id="id_regenerate_%s"),
    }
    return render(request, "accounts/profile.html", context)


@sensitive_post_parameters("code", "password")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Bind (or, with the current password, replace) the authenticator from the profile page."""
    replacing = auth.has_confirmed_totp(request.user)
    device = auth.totp_device_prepare(user=request.user)
    form = (ReplaceAuthenticatorForm if replacing else EnrollForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = auth.totp_enroll_confirm(
                user=request.user,
                device=device,
                code=form.cleaned_data["code"],
                password=form.cleaned_data.get("password"),
            )
        except ServiceError as exc:
            form.add_error(None, exc)
        else:
            django_otp.login(request, device)
            _show_once_put(request, "recovery_codes", codes)
            messages.success(request, "已更换身份验证器。" if replacing else "双因素认证已启用。")
            return redirect(
                _with_next(reverse("accounts:recovery_codes"), reverse("accounts:profile"))
            )
    context = {**_setup_context(form, device), "replacing": replacing}
    return render(request, "accounts/otp_setup.html", context)


@sensitive_post_parameters("password")
@login_required
@require_POST
def otp_disable(request):
    form = PasswordConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请输入当前密码以确认关闭双因素认证。")
        return redirect("accounts:profile")
    try:
        auth.otp_disable(user=request.user, password=form.cleaned_data["password"])
    except ServiceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "双因素认证已关闭，恢复码已作废。")
    return redirect("accounts:profile")


@sensitive_post_parameters("password")
@login_required
@require_POST
def recovery_regenerate(request):
    form = PasswordConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请输入当前密码以确认重新生成恢复码。")
        return redirect(reverse("accounts:profile") + "#two-factor")
    try:
        codes = auth.recovery_codes_regenerate(
            user=request.user, password=form.cleaned_data["password"]
        )
    except ServiceError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:profile")
    _show_once_put(request, "recovery_codes", codes)
    return redirect(_with_next(reverse("accounts:recovery_codes"), reverse("accounts:profile")))


@never_cache
@login_required
def recovery_codes(request):
    """The recovery codes just generated, shown exactly once."""
    context = {
        "codes": _show_once_pop(request, "recovery_codes"),
        "next": _next_from(request) or _home(),
    }
    return render(request, "accounts/recovery_codes.html", context)


@login_required
@require_POST
def token_create(request):
    try:
        _show_once_put(request, "token", auth.api_token_create(user=request.user))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已生成新的 API 令牌，旧令牌（如有）已失效。")
    return redirect(reverse("accounts:profile") + "#api-token")


@login_required
@require_POST
def token_revoke(request):
    if auth.api_token_revoke(user=request.user):
        messages.success(request, "API 令牌已吊销。")
    else:
        messages.info(request, "您没有可吊销的 API 令牌。")
    return redirect(reverse("accounts:profile") + "#api-token")


@login_required
@require_POST
def toggle_large_font(request):
    enabled = auth.large_font_toggle(user=request.user)
    messages.success(request, "已开启大字模式。" if enabled else "已关闭大字模式。")
    return redirect(_next_from(request) or _home())


# ---------------------------------------------------------------------------------------------
# Login history, my scope


@login_required
def login_history(request):
    context = paginate(request, selectors.login_history(request.user), HISTORY_PAGE_SIZE)
    for event in context["page_obj"].object_list:
        event.browser = selectors.describe_user_agent(event.user_agent)
    return render(request, "accounts/login_history.html", context)


@login_required
def my_scope(request):
    context = {"grants": selectors.scope_explanation(request.user)}
    return render(request, "accounts/my_scope.html", context)
