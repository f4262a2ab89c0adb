"""Login lockout (等保 8.1.4.1 b) through django-axes, with the numbers taken from the rules.

Settings point axes at the three callables below, so the security administrator changes the
failure limit and the lock duration as rules (`accounts.lockout_failures`,
`accounts.lockout_minutes`) and the next attempt already uses the new values.
"""

import math
from datetime import datetime, timedelta

from django.shortcuts import render
from django.utils import timezone

from dangjian.accounts.rules import LOCKOUT_FAILURES, LOCKOUT_MINUTES
from dangjian.core.rules import rule_value

# Set by the login views when they have already rendered the lockout message themselves.
HANDLED_ATTR = "dangjian_lockout_rendered"


def failure_limit(request=None, credentials=None) -> int:
    return int(rule_value(LOCKOUT_FAILURES))


def cooloff_time(request=None) -> timedelta:
    return timedelta(minutes=int(rule_value(LOCKOUT_MINUTES)))


def minutes_left(until: datetime | None) -> int:
    """Whole minutes until the lock lifts, rounded up so "0 分钟" is never shown."""
    if until is None:
        return 0
    seconds = (until - timezone.now()).total_seconds()
    return max(1, math.ceil(seconds / 60))


def lockout_message(until: datetime | None) -> str:
    return f"账号已锁定，请于 {minutes_left(until)} 分钟后重试，或联系安全管理员解锁。"


def lockout_response(request, original_response=None, credentials=None):
    """What axes answers once a login attempt hits the limit.

    The login and two-factor views show the message in their own page and mark the request;
    any other entry point that authenticates gets the login page with the message.
    """
    if original_response is not None and getattr(request, HANDLED_ATTR, False):
        return original_response
    from dangjian.accounts.forms import LoginForm
    from dangjian.accounts.selectors import lockout_status

    username = (credentials or {}).get("username") or ""
    _, until = lockout_status(username)
    context = {"form": LoginForm(initial={"username": username}), "error": lockout_message(until)}
    return render(request, "accounts/login.html", context, status=429)
