"""Helpers shared by the administration services (`users`, `roles`, `grants`) and `bootstrap`.

Every administration service is keyword-only, runs in one transaction, validates its input with
Chinese messages (`ServiceError`) and writes one audit entry. Permission pattern: the target must
lie in the actor's scope for the permission (`dangjian.core.scope`); when it does not — or when
the actor lacks the permission altogether — the service raises `Http404`, exactly like a missing
object.

Powers (DESIGN §4, domain.md §7.1): the system administrator manages accounts
(`accounts.manage_user`); the security administrator manages roles, grants and unlocks
(`accounts.manage_role`, `accounts.grant_role`, `accounts.unlock_user`); the audit administrator
has none of these. A person holds at most one of the three roles.
"""

import re
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.manage_selectors import users_visible_to
from dangjian.accounts.models import PasswordHistory
from dangjian.audit.services import snapshot
from dangjian.core.exceptions import ServiceError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
WORK_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$")
USER_FIELDS = ("username", "display_name", "email", "is_active", "must_change_password")


def validate_login_name(username: str) -> str:
    """A login name is a 工号 (letters, digits, - _ .) or an 11-digit mainland mobile number."""
    name = (username or "").strip()
    if not name:
        raise ServiceError("请填写登录名（工号或手机号）。")
    if name.isdigit() and len(name) == 11:
        if not MOBILE_RE.match(name):
            raise ServiceError(f"“{name}”不是有效的手机号：手机号须为 1 开头的 11 位数字。")
        return name
    if not WORK_NUMBER_RE.match(name):
        raise ServiceError(
            "登录名须为工号（2～32 位字母、数字，可含 - _ .）或 11 位手机号，不能含空格或汉字。"
        )
    return name


def generate_password(user=None) -> str:
    """A random password that satisfies the policy; ambiguous characters (0/O, 1/l) left out."""
    classes = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#%+-=@?!")
    pool = "".join(classes)
    for _ in range(20):
        chars = [secrets.choice(c) for c in classes]
        chars += [secrets.choice(pool) for _ in range(10)]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise ServiceError("无法生成符合密码策略的随机密码，请检查密码策略设置。")


def set_temporary_password(user, password: str) -> None:
    """Set a password the user must replace at the next login; it joins the history."""
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    PasswordHistory.objects.create(user=user, password=user.password)


def user_snapshot(user) -> dict:
    """The account's audited fields, the mobile number masked."""
    return {**snapshot(user, USER_FIELDS), "mobile": user.masked_mobile}


def require_user(actor, permission: str, user) -> None:
    """404 unless `user` lies in the actor's scope for `permission`."""
    if not users_visible_to(actor, permission).filter(pk=user.pk).exists():
        raise Http404


def not_self(actor, user, message: str) -> None:
    """Refuse, with `message`, an administrative action the actor aims at themselves."""
    if actor.pk == user.pk:
        raise ServiceError(message)
