"""Session policies applied to every request of a logged-in user (等保 8.1.4.1 a, b).

`SessionIdleTimeoutMiddleware` ends a session after `accounts.idle_timeout_minutes` without a
request; `LoginPolicyMiddleware` keeps a user whose password must change (first login, reset,
expired) on the password change page. Both only look at session users: API calls with a token
are authenticated later, by DRF, and answer normally.

Neither reads the database in the steady state: the last activity is a timestamp in the session,
refreshed at most every `ACTIVITY_RESOLUTION` seconds, and the rules are only looked up once the
elapsed time could exceed the smallest value the rule allows.
"""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import IDLE_TIMEOUT_MINUTES
from dangjian.core.rules import definition, rule_value

ACTIVITY_RESOLUTION = 30  # seconds; the timeout may come this much early, never late
API_PREFIX = "/api/"


@functools.cache
def _paths(*names: str) -> frozenset[str]:
    return frozenset(reverse(name) for name in names)


def _is_exempt_path(path: str) -> bool:
    return path.startswith(settings.STATIC_URL) or path in _paths("healthz")


def _redirect(request, url: str) -> HttpResponse:
    """A redirect that also works for HTMX requests (which would otherwise swap in the page)."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _api_refusal(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "details": None}}, status=status
    )


class SessionIdleTimeoutMiddleware:
    """Logs out a session user after the idle timeout and sends them to the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_exempt_path(request.path) and request.user.is_authenticated:
            response = self.check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request):
        from dangjian.accounts.services.authentication import ACTIVITY_KEY

        now = time.time()
        last = request.session.get(ACTIVITY_KEY)
        if last is not None and self.expired(now - last):
            return self.time_out(request)
        if last is None or now - last >= ACTIVITY_RESOLUTION:
            request.session[ACTIVITY_KEY] = now
            if last is not None:
                self.remember_activity(request.user)
        return None

    @staticmethod
    def expired(idle_seconds: float) -> bool:
        floor = definition(IDLE_TIMEOUT_MINUTES).minimum * 60
        return idle_seconds >= floor and idle_seconds >= rule_value(IDLE_TIMEOUT_MINUTES) * 60

    @staticmethod
    def remember_activity(user) -> None:
        from dangjian.accounts.models import User

        User.objects.filter(pk=user.pk).update(last_activity_at=timezone.now())

    @staticmethod
    def time_out(request):
        from dangjian.accounts.models import LoginEvent
        from dangjian.accounts.services.authentication import NOTICE_KEY, logout_user

        next_url = request.get_full_path()
        logout_user(request=request, result=LoginEvent.Result.TIMEOUT)
        request.session[NOTICE_KEY] = "timeout"
        if request.path.startswith(API_PREFIX):
            return _api_refusal(
                "session_timeout", "由于长时间未操作，会话已结束，请重新登录。", 401
            )
        login_url = reverse("accounts:login")
        if request.method == "GET" and request.headers.get("HX-Request") != "true":
            login_url += "?" + urlencode({"next": next_url})
        return _redirect(request, login_url)


class LoginPolicyMiddleware:
    """Sends a user whose password must change to the change page, whatever they ask for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not _is_exempt_path(request.path)
            and request.user.is_authenticated
            and not self.allowed_while_pending(request.path)
        ):
            response = self.check(request)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def allowed_while_pending(path: str) -> bool:
        return path in _paths(
            "accounts:password_change",
            "accounts:logout",
            "accounts:login_verify",
            "accounts:login_enroll",
            "accounts:recovery_codes",
        )

    @staticmethod
    def check(request):
        from dangjian.accounts.selectors import password_change_reason
        from dangjian.core.scope import scope_of

        if scope_of(request.user).is_admin and not request.user.is_verified():
            return LoginPolicyMiddleware.require_second_factor(request)
        if not password_change_reason(request.user):
            return None
        if request.path.startswith(API_PREFIX):
            return _api_refusal(
                "password_change_required", "请先在网页上修改密码，然后再使用本接口。", 403
            )
        target = reverse("accounts:password_change")
        if request.method == "GET" and request.headers.get("HX-Request") != "true":
            target += "?" + urlencode({"next": request.get_full_path()})
        return _redirect(request, target)

    @staticmethod
    def require_second_factor(request):
        """An administrator's session without a verified second factor is ended (等保 8.1.4.1 d).

        The login flow verifies the factor for anyone holding an administrator role; this catches
        a session that began before the role was granted.
        """
        from dangjian.accounts.services.authentication import NOTICE_KEY, logout_user

        logout_user(request=request)
        request.session[NOTICE_KEY] = "second_factor"
        if request.path.startswith(API_PREFIX):
            return _api_refusal(
                "second_factor_required", "管理员账号须使用双因素认证登录，请重新登录。", 401
            )
        return _redirect(request, reverse("accounts:login"))
