"""Reads for the account pages: lockout state, two-factor state, password age, login history
and the explanation of a user's data scope."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.db.models import Count, Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.lockout import cooloff_time, failure_limit
from dangjian.accounts.models import LoginEvent
from dangjian.accounts.rules import PASSWORD_MAX_AGE_DAYS
from dangjian.core.permissions import label_of
from dangjian.core.rules import definition, rule_value
from dangjian.core.scope import scope_of
from dangjian.orgs.selectors import ancestor_paths

# ---------------------------------------------------------------------------------------------
# Lockout


def _lock_until(rows, limit: int, cooloff: timedelta) -> datetime | None:
    """rows: (attempt_time, failures), newest first, inside the cool-off window.

    Axes locks while the failures inside the window reach the limit, so the lock lifts when the
    oldest attempt still needed to reach the limit leaves the window.
    """
    total = 0
    for attempt_time, failures in rows:
        total += failures
        if total >= limit:
            return attempt_time + cooloff
    return None


def lockout_statuses(usernames) -> dict[str, datetime]:
    """{username: locked until} for the locked ones among `usernames` (one query)."""
    cooloff = cooloff_time()
    limit = failure_limit()
    rows = (
        AccessAttempt.objects.filter(
            username__in=list(usernames), attempt_time__gte=timezone.now() - cooloff
        )
        .order_by("username", "-attempt_time")
        .values_list("username", "attempt_time", "failures_since_start")
    )
    grouped = defaultdict(list)
    for username, attempt_time, failures in rows:
        grouped[username].append((attempt_time, failures))
    locked = {}
    for username, attempts in grouped.items():
        until = _lock_until(attempts, limit, cooloff)
        if until is not None:
            locked[username] = until
    return locked


def lockout_status(username: str) -> tuple[bool, datetime | None]:
    """(locked, until) for one login name, as django-axes sees it right now."""
    if not username:
        return False, None
    until = lockout_statuses([username]).get(username)
    return until is not None, until


# ---------------------------------------------------------------------------------------------
# Two-factor authentication


def is_admin(user) -> bool:
    """Does the user hold one of the three administrator roles (三员)? (From the cached scope.)"""
    return scope_of(user).is_admin


def otp_required(user) -> bool:
    """Two factors are mandatory for the three administrators, chosen by everyone else."""
    return bool(user.otp_opt_in) or is_admin(user)


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-id").first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


# ---------------------------------------------------------------------------------------------
# Password age


def password_expires_at(user) -> datetime:
    changed = user.password_changed_at or user.date_joined
    return changed + timedelta(days=int(rule_value(PASSWORD_MAX_AGE_DAYS)))


def password_change_reason(user) -> str:
    """ "first" when the password must be replaced (first login, reset by an administrator),
    "expired" when it is older than the policy allows, "" otherwise."""
    if user.must_change_password:
        return "first"
    changed = user.password_changed_at or user.date_joined
    age = timezone.now() - changed
    # The shortest age the rule allows: below it no lookup of the rule is needed.
    if age < timedelta(days=definition(PASSWORD_MAX_AGE_DAYS).minimum):
        return ""
    return "expired" if timezone.now() >= password_expires_at(user) else ""


# ---------------------------------------------------------------------------------------------
# Login history


def login_history(user):
    """The user's own login events, newest first (paginated by the caller)."""
    return LoginEvent.objects.filter(user_id=user.pk).only(
        "created_at", "ip", "user_agent", "result", "username"
    )


_BROWSERS = (
    ("Edg/", "Edge"),
    ("MicroMessenger", "微信"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> str:
    """A short "Chrome 120 · Windows" label for a User-Agent header."""
    if not user_agent:
        return "未知"
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    if browser:
        key = next(key for key, name in _BROWSERS if name == browser)
        version = re.search(re.escape(key) + r"(\d+)", user_agent)
        if version and browser != "微信":
            browser = f"{browser} {version.group(1)}"
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    label = " · ".join(part for part in (browser, system) if part)
    return label or user_agent[:40]


# ---------------------------------------------------------------------------------------------
# My scope


@dataclass
class GrantExplanation:
    role_name: str
    organization_id: int
    organization_name: str
    ancestors: list[str]
    subtree_size: int
    permissions: list[str] = field(default_factory=list)


def scope_explanation(user) -> list[GrantExplanation]:
    """Each grant of the user with its organisation's ancestry, subtree size and permissions.

    Three queries whatever the number of grants: the grants, the ancestors, the subtree counts.
    """
    from dangjian.orgs.models import Organization

    grants = scope_of(user).grants
    if not grants:
        return []
    wanted = {p for grant in grants for p in ancestor_paths(grant.path)}
    names = dict(Organization.objects.filter(path__in=wanted).values_list("path", "name"))
    counts = Organization.objects.filter(is_active=True).aggregate(
        **{
            f"g{index}": Count("pk", filter=Q(path__startswith=grant.path))
            for index, grant in enumerate(grants)
        }
    )
    return [
        GrantExplanation(
            role_name=grant.role_name,
            organization_id=grant.organization_id,
            organization_name=grant.organization_name,
            ancestors=[names[p] for p in ancestor_paths(grant.path) if p in names],
            subtree_size=counts[f"g{index}"],
            permissions=sorted(label_of(code) for code in grant.permissions),
        )
        for index, grant in enumerate(grants)
    ]
