"""User account services: create, update, activate, deactivate, reset password, unlock, and the
dormant-account sweep. The system administrator manages accounts; the security administrator
unlocks them. Conventions: see `common`.
"""

import datetime

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.accounts import permissions as perms
from dangjian.accounts.manage_selectors import locked_until
from dangjian.accounts.models import AdminKind, User
from dangjian.accounts.services.common import (
    MOBILE_RE,
    generate_password,
    not_self,
    require_user,
    set_temporary_password,
    user_snapshot,
    validate_login_name,
)
from dangjian.accounts.services.grants import last_active_admin
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.core.scope import forget_scope
from dangjian.core.services import require_global


def _clean_mobile(mobile: str) -> str:
    value = (mobile or "").strip()
    if value and not MOBILE_RE.match(value):
        raise ServiceError("手机号须为 1 开头的 11 位数字。")
    return value


def _clean_display_name(display_name: str) -> str:
    value = (display_name or "").strip()
    if not value:
        raise ServiceError("请填写姓名。")
    if len(value) > 50:
        raise ServiceError("姓名不能超过 50 个字符。")
    return value


def _clean_email(email: str) -> str:
    from django.core.validators import validate_email

    value = (email or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ServiceError(f"电子邮箱格式不正确：{value}") from exc
    return value


def _check_password(password: str, user) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("初始密码不符合密码策略：" + "".join(exc.messages)) from exc


def user_create(
    *,
    actor,
    username: str,
    display_name: str,
    mobile: str = "",
    email: str = "",
    password: str = "",
) -> tuple[User, str]:
    """Create an account; returns it with its initial password (generated when none given)."""
    require_global(actor, perms.MANAGE_USER)
    username = validate_login_name(username)
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(f"登录名“{username}”已被使用。")
    user = User(
        username=username,
        display_name=_clean_display_name(display_name),
        mobile=_clean_mobile(mobile),
        email=_clean_email(email),
    )
    if password:
        _check_password(password, user)
    try:
        with transaction.atomic():
            user.set_unusable_password()
            user.save()
            password = password or generate_password(user)
            set_temporary_password(user, password)
            audit_log(
                actor=actor, action="accounts.user_create", obj=user, after=user_snapshot(user)
            )
    except IntegrityError as exc:  # the same login name created a moment earlier
        raise ServiceError(f"登录名“{username}”已被使用。") from exc
    return user, password


def user_update(*, actor, user, display_name: str, mobile: str = "", email: str = "") -> User:
    """Change an account's name and contact details (the login name stays)."""
    require_user(actor, perms.MANAGE_USER, user)
    cleaned = {
        "display_name": _clean_display_name(display_name),
        "mobile": _clean_mobile(mobile),
        "email": _clean_email(email),
    }
    with transaction.atomic():
        before = user_snapshot(user)
        for field, value in cleaned.items():
            setattr(user, field, value)
        user.save(update_fields=[*cleaned])
        audit_log(
            actor=actor,
            action="accounts.user_update",
            obj=user,
            before=before,
            after=user_snapshot(user),
        )
    return user


def user_link_person(*, actor, user, person) -> User:
    """Link the account to a person's record (`person=None` unlinks): one account per person.

    The system administrator links accounts across the whole group, so this needs
    `accounts.manage_user` on a root; the person's row is locked so two administrators cannot
    link the same person to two accounts at once.
    """
    from dangjian.core.idnumbers import mask_id_number
    from dangjian.members.models import Person

    require_global(actor, perms.MANAGE_USER)
    require_user(actor, perms.MANAGE_USER, user)
    with transaction.atomic():
        if person is not None:
            person = Person.objects.select_for_update().get(pk=person.pk)
            other = User.objects.filter(person=person).exclude(pk=user.pk).first()
            if other is not None:
                raise ServiceError(
                    f"人员档案“{person.name}”已关联账号 {other}，一个人员档案只能关联一个账号；"
                    "请先在该账号的编辑页面解除关联。"
                )
        before = user.person

        def described(linked) -> str:
            if linked is None:
                return ""
            return f"{linked.name}（{mask_id_number(linked.id_number)}）"

        if (before.pk if before else None) == (person.pk if person else None):
            return user
        user.person = person
        user.save(update_fields=["person"])
        audit_log(
            actor=actor,
            action="accounts.user_link_person",
            obj=user,
            before={"person": before.pk if before else None, "shown": described(before)},
            after={"person": person.pk if person else None, "shown": described(person)},
        )
    return user


def _revoke_api_tokens(user) -> None:
    # A reset password or a stopped account must not keep acting through the API.
    Token.objects.filter(user=user).delete()


def user_deactivate(*, actor, user) -> User:
    """Stop an account from logging in; its grants stay so reactivation restores them."""
    require_user(actor, perms.MANAGE_USER, user)
    not_self(actor, user, "不能停用自己的账号。")
    if not user.is_active:
        raise ServiceError(f"{user} 已是停用状态。")
    with transaction.atomic():
        kind = last_active_admin(user)
        if kind:
            raise ServiceError(
                f"{user} 是唯一在用的{AdminKind(kind).label}，不能停用；请先为其他人授予该角色。"
            )
        return _set_active(actor, user, active=False)


def user_activate(*, actor, user) -> User:
    require_user(actor, perms.MANAGE_USER, user)
    if user.is_active:
        raise ServiceError(f"{user} 已是启用状态。")
    return _set_active(actor, user, active=True)


def _set_active(actor, user, *, active: bool) -> User:
    with transaction.atomic():
        before = user_snapshot(user)
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            _revoke_api_tokens(user)
        action = "accounts.user_activate" if active else "accounts.user_deactivate"
        audit_log(actor=actor, action=action, obj=user, before=before, after=user_snapshot(user))
    forget_scope(user)
    return user


def user_reset_password(*, actor, user) -> str:
    """Give the account a new temporary password (shown once); it must change it at login."""
    require_user(actor, perms.MANAGE_USER, user)
    not_self(actor, user, "不能在这里重置自己的密码，请到“个人设置”修改。")
    password = generate_password(user)
    with transaction.atomic():
        set_temporary_password(user, password)
        _revoke_api_tokens(user)
        audit_log(
            actor=actor,
            action="accounts.user_reset_password",
            obj=user,
            after={"must_change_password": True},
        )
    return password


def user_unlock(*, actor, user) -> int:
    """Lift a lockout before it expires; returns the number of failure records cleared."""
    from axes.utils import reset

    require_user(actor, perms.UNLOCK_USER, user)
    until = locked_until([user.username]).get(user.username)
    if until is None:
        raise ServiceError(f"{user} 当前没有被锁定，无需解锁。")
    with transaction.atomic():
        cleared = reset(username=user.username)
        audit_log(
            actor=actor,
            action="accounts.user_unlock",
            obj=user,
            before={"locked_until": until},
            after={"locked_until": None},
            message=f"清除失败记录 {cleared} 条",
        )
    return cleared


def users_deactivate_dormant(*, now=None) -> int:
    """Stop accounts unused for `accounts.dormant_account_days` (等保 8.1.4.2 c).

    "Unused" is no login since that many days (or, never logged in, created that long ago). The
    last active holder of an administrator role is kept, so the platform can always be run. Each
    account stopped is an audit entry by the system; the account administrator can reactivate it.
    Returns how many accounts were stopped.
    """
    from dangjian.accounts.rules import DORMANT_ACCOUNT_DAYS

    cutoff = (now or timezone.now()) - datetime.timedelta(days=rule_value(DORMANT_ACCOUNT_DAYS))
    dormant = User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    stopped = 0
    for user in dormant.iterator():
        with transaction.atomic():
            if last_active_admin(user):
                continue
            before = user_snapshot(user)
            User.objects.filter(pk=user.pk).update(is_active=False)
            _revoke_api_tokens(user)
            user.is_active = False
            audit_log(
                actor=None,
                action="accounts.user_dormant_deactivate",
                obj=user,
                before=before,
                after=user_snapshot(user),
                message=f"超过 {rule_value(DORMANT_ACCOUNT_DAYS)} 天未登录，自动停用",
            )
        stopped += 1
    return stopped
