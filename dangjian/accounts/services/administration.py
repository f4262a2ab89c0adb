"""Administration services: accounts, roles, grants, and the three administrators (三员分立).

Every function is keyword-only, runs in one transaction, validates its input with Chinese
messages (`ServiceError`) and writes one audit entry. Permission pattern: the target must lie in
the actor's scope for the permission (`dangjian.core.scope`); when it does not — or when the actor
lacks the permission altogether — the service raises `Http404`, exactly like a missing object.

Powers (DESIGN §4, domain.md §7.1): the system administrator manages accounts
(`accounts.manage_user`); the security administrator manages roles, grants and unlocks
(`accounts.manage_role`, `accounts.grant_role`, `accounts.unlock_user`); the audit administrator
has none of these. A person holds at most one of the three roles.
"""

import datetime
import re
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.http import Http404
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.accounts import permissions as perms
from dangjian.accounts.manage_selectors import locked_until, users_visible_to
from dangjian.accounts.models import AdminKind, PasswordHistory, Role, RoleAssignment, User
from dangjian.accounts.roles import BUILTIN_ROLES
from dangjian.audit.services import audit_log, snapshot
from dangjian.core import permissions as registry
from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.core.scope import forget_scope, require_in_scope
from dangjian.core.services import require_global

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
WORK_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$")
ROLE_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
USER_FIELDS = ("username", "display_name", "email", "is_active", "must_change_password")
ROLE_FIELDS = ("name", "code", "description", "permissions")


# ---------------------------------------------------------------- validation helpers


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


def _check_password(password: str, user) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("初始密码不符合密码策略：" + "".join(exc.messages)) from exc


def set_temporary_password(user, password: str) -> None:
    """Set a password the user must replace at the next login; it joins the history."""
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    PasswordHistory.objects.create(user=user, password=user.password)


def _user_snapshot(user) -> dict:
    return {**snapshot(user, USER_FIELDS), "mobile": user.masked_mobile}


def _require_user(actor, permission: str, user) -> None:
    if not users_visible_to(actor, permission).filter(pk=user.pk).exists():
        raise Http404


def _not_self(actor, user, message: str) -> None:
    if actor.pk == user.pk:
        raise ServiceError(message)


# ---------------------------------------------------------------- users


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
                actor=actor, action="accounts.user_create", obj=user, after=_user_snapshot(user)
            )
    except IntegrityError as exc:  # the same login name created a moment earlier
        raise ServiceError(f"登录名“{username}”已被使用。") from exc
    return user, password


def user_update(*, actor, user, display_name: str, mobile: str = "", email: str = "") -> User:
    """Change an account's name and contact details (the login name stays)."""
    _require_user(actor, perms.MANAGE_USER, user)
    cleaned = {
        "display_name": _clean_display_name(display_name),
        "mobile": _clean_mobile(mobile),
        "email": _clean_email(email),
    }
    with transaction.atomic():
        before = _user_snapshot(user)
        for field, value in cleaned.items():
            setattr(user, field, value)
        user.save(update_fields=[*cleaned])
        audit_log(
            actor=actor,
            action="accounts.user_update",
            obj=user,
            before=before,
            after=_user_snapshot(user),
        )
    return user


def _other_active_admins(kind: str, user) -> int:
    """How many active users besides `user` hold the administrator role `kind`.

    Call inside the write's transaction: every active holder row of that kind is locked (in pk
    order, so concurrent writers queue rather than deadlock) before counting, so two requests
    cannot each remove "another" holder and leave none.
    """
    holders = list(
        RoleAssignment.objects.select_for_update()
        .filter(admin_kind=kind, user__is_active=True)
        .order_by("pk")
    )
    return sum(1 for row in holders if row.user_id != user.pk)


def _last_active_admin(user) -> str:
    """The admin kind for which this user is the only active holder, or ''. Locks (see above)."""
    kinds = (
        RoleAssignment.objects.filter(user=user)
        .exclude(admin_kind="")
        .values_list("admin_kind", flat=True)
    )
    return next((kind for kind in kinds if not _other_active_admins(kind, user)), "")


def _revoke_api_tokens(user) -> None:
    # A reset password or a stopped account must not keep acting through the API.
    Token.objects.filter(user=user).delete()


def user_deactivate(*, actor, user) -> User:
    """Stop an account from logging in; its grants stay so reactivation restores them."""
    _require_user(actor, perms.MANAGE_USER, user)
    _not_self(actor, user, "不能停用自己的账号。")
    if not user.is_active:
        raise ServiceError(f"{user} 已是停用状态。")
    with transaction.atomic():
        kind = _last_active_admin(user)
        if kind:
            raise ServiceError(
                f"{user} 是唯一在用的{AdminKind(kind).label}，不能停用；请先为其他人授予该角色。"
            )
        return _set_active(actor, user, active=False)


def user_activate(*, actor, user) -> User:
    _require_user(actor, perms.MANAGE_USER, user)
    if user.is_active:
        raise ServiceError(f"{user} 已是启用状态。")
    return _set_active(actor, user, active=True)


def _set_active(actor, user, *, active: bool) -> User:
    with transaction.atomic():
        before = _user_snapshot(user)
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            _revoke_api_tokens(user)
        action = "accounts.user_activate" if active else "accounts.user_deactivate"
        audit_log(actor=actor, action=action, obj=user, before=before, after=_user_snapshot(user))
    forget_scope(user)
    return user


def user_reset_password(*, actor, user) -> str:
    """Give the account a new temporary password (shown once); it must change it at login."""
    _require_user(actor, perms.MANAGE_USER, user)
    _not_self(actor, user, "不能在这里重置自己的密码，请到“个人设置”修改。")
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

    _require_user(actor, perms.UNLOCK_USER, user)
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


# ---------------------------------------------------------------- roles


def reserved_permissions() -> frozenset[str]:
    """Codes only the three administrators hold; a custom role with one would undo 三员分立."""
    admin_codes = {c for spec in BUILTIN_ROLES if spec.admin_kind for c in spec.permissions}
    other_codes = {c for spec in BUILTIN_ROLES if not spec.admin_kind for c in spec.permissions}
    return frozenset(admin_codes - other_codes)


def _clean_permissions(codes) -> list[str]:
    chosen = sorted({code.strip() for code in codes or () if code and code.strip()})
    if not chosen:
        raise ServiceError("请至少选择一项权限。")
    unknown = [code for code in chosen if not registry.is_registered(code)]
    if unknown:
        raise ServiceError("没有这些权限：" + "、".join(unknown))
    reserved = [code for code in chosen if code in reserved_permissions()]
    if reserved:
        labels = "、".join(f"“{registry.label_of(code)}”" for code in reserved)
        raise ServiceError(f"{labels}是三员专有权限，不能加入自定义角色。")
    return chosen


def _clean_role_name(name: str, *, exclude_pk=None) -> str:
    value = (name or "").strip()
    if not value:
        raise ServiceError("请填写角色名称。")
    if len(value) > 50:
        raise ServiceError("角色名称不能超过 50 个字符。")
    if Role.objects.filter(name=value).exclude(pk=exclude_pk).exists():
        raise ServiceError(f"已有名为“{value}”的角色。")
    return value


def _clean_role_code(code: str) -> str:
    value = (code or "").strip().lower()
    if not value:
        return f"custom_{secrets.token_hex(4)}"
    if not ROLE_CODE_RE.match(value):
        raise ServiceError("角色代码须以小写字母开头，只含小写字母、数字和下划线（2～50 位）。")
    if Role.objects.filter(code=value).exists():
        raise ServiceError(f"角色代码“{value}”已被使用。")
    return value


def _require_editable(role) -> None:
    if role.admin_kind:
        raise ServiceError(f"“{role.name}”是三员角色，任何人都不能修改或删除。")
    if role.is_builtin:
        raise ServiceError(f"“{role.name}”是内置角色，只能查看，不能修改或删除。")


def role_create(*, actor, name: str, permissions, code: str = "", description: str = "") -> Role:
    """Create a custom role (never one of the three administrators)."""
    require_global(actor, perms.MANAGE_ROLE)
    role = Role(
        name=_clean_role_name(name),
        code=_clean_role_code(code),
        description=(description or "").strip()[:300],
        permissions=_clean_permissions(permissions),
    )
    try:
        with transaction.atomic():
            role.save()
            audit_log(
                actor=actor,
                action="accounts.role_create",
                obj=role,
                after=snapshot(role, ROLE_FIELDS),
            )
    except IntegrityError as exc:  # the same name or code created a moment earlier
        raise ServiceError(f"已有名为“{role.name}”或代码为“{role.code}”的角色。") from exc
    return role


def role_update(*, actor, role, name: str, permissions, description: str = "") -> Role:
    """Rename a custom role or change its permissions; built-in roles are read-only."""
    require_global(actor, perms.MANAGE_ROLE)
    _require_editable(role)
    cleaned = {
        "name": _clean_role_name(name, exclude_pk=role.pk),
        "description": (description or "").strip()[:300],
        "permissions": _clean_permissions(permissions),
    }
    with transaction.atomic():
        before = snapshot(role, ROLE_FIELDS)
        for field, value in cleaned.items():
            setattr(role, field, value)
        role.save(update_fields=[*cleaned, "updated_at"])
        audit_log(
            actor=actor,
            action="accounts.role_update",
            obj=role,
            before=before,
            after=snapshot(role, ROLE_FIELDS),
        )
    return role


def role_delete(*, actor, role) -> None:
    """Delete a custom role that nobody holds any more."""
    require_global(actor, perms.MANAGE_ROLE)
    _require_editable(role)
    with transaction.atomic():
        # The lock makes a concurrent grant (its foreign key needs the role row) wait for us.
        Role.objects.select_for_update().filter(pk=role.pk).first()
        _check_no_holders(role)
        before = snapshot(role, ROLE_FIELDS)
        audit_log(actor=actor, action="accounts.role_delete", obj=role, before=before)
        try:
            role.delete()
        except ProtectedError as exc:  # a grant slipped in all the same
            raise ServiceError(_holders_message(role, 1)) from exc


def _holders_message(role, holders: int) -> str:
    return f"“{role.name}”仍有 {holders} 项授权，请先收回这些授权再删除。"


def _check_no_holders(role) -> None:
    holders = RoleAssignment.objects.filter(role_id=role.pk).count()
    if holders:
        raise ServiceError(_holders_message(role, holders))


# ---------------------------------------------------------------- grants


def _assignment_list(user) -> list[str]:
    """The user's grants as readable lines, for before/after in the audit log."""
    rows = RoleAssignment.objects.filter(user=user).select_related("role", "organization")
    return sorted(f"{row.role.name} @ {row.organization.name}" for row in rows)


def check_admin_exclusivity(user, role, organization) -> None:
    held = RoleAssignment.objects.filter(user=user).select_related("role")
    admin = next((a for a in held if a.admin_kind), None)
    if role.admin_kind and admin is not None:
        raise ServiceError(f"该用户已是{admin.role.name}，三员不得兼任。")
    if role.admin_kind and organization.depth != 1:
        raise ServiceError(f"“{role.name}”只能授予在根组织上，管理范围为全部组织。")
    # The audit administrator only reads the log: no business role beside it, either way.
    if admin is not None and admin.admin_kind == AdminKind.AUDIT:
        raise ServiceError("该用户是审计管理员，不得兼任其他角色。")
    if role.admin_kind == AdminKind.AUDIT and held:
        raise ServiceError("审计管理员不得兼任其他角色：该用户已有其他角色，请先收回。")


def _check_grant(actor, user, role, organization) -> None:
    require_in_scope(actor, perms.GRANT_ROLE, organization.path)
    _not_self(actor, user, "不能给自己授予角色。")
    if not user.is_active:
        raise ServiceError(f"{user} 已停用，不能授予角色。")
    if not organization.is_active:
        raise ServiceError(f"“{organization.name}”已撤销，不能在其上授予角色。")
    if RoleAssignment.objects.filter(user=user, role=role, organization=organization).exists():
        raise ServiceError(f"{user} 已在“{organization.name}”持有“{role.name}”角色。")
    check_admin_exclusivity(user, role, organization)


def role_grant(*, actor, user, role, organization, note: str = "") -> RoleAssignment:
    """Grant a role over an organisation's subtree (security administrator only)."""
    _check_grant(actor, user, role, organization)
    try:
        with transaction.atomic():
            before = _assignment_list(user)
            assignment = RoleAssignment.objects.create(
                user=user,
                role=role,
                organization=organization,
                admin_kind=role.admin_kind,
                granted_by=actor,
                note=(note or "").strip()[:200],
            )
            audit_log(
                actor=actor,
                action="accounts.role_grant",
                obj=assignment,
                organization=organization,
                before={"user": user.username, "roles": before},
                after={"user": user.username, "roles": _assignment_list(user)},
                message=assignment.note,
            )
    except IntegrityError as exc:
        # A concurrent grant won the race; the constraint speaks for 三员分立 and duplicates.
        raise ServiceError(f"{user} 已持有三员角色或同一授权，未能授予。") from exc
    forget_scope(user)
    return assignment


def _check_not_last_admin(assignment) -> None:
    if not assignment.admin_kind:
        return
    if not _other_active_admins(assignment.admin_kind, assignment.user):
        label = AdminKind(assignment.admin_kind).label
        raise ServiceError(f"{assignment.user} 是最后一位{label}，不能收回；请先为他人授予该角色。")


def role_revoke(*, actor, assignment, reason: str = "") -> None:
    """Withdraw a grant; the last active holder of an administrator role keeps it."""
    require_in_scope(actor, perms.GRANT_ROLE, assignment.organization.path)
    _not_self(actor, assignment.user, "不能收回自己的角色。")
    user = assignment.user
    with transaction.atomic():
        _check_not_last_admin(assignment)
        before = _assignment_list(user)
        pk, label = assignment.pk, str(assignment)
        assignment.delete()
        audit_log(
            actor=actor,
            action="accounts.role_revoke",
            object_type=RoleAssignment._meta.label_lower,
            object_id=str(pk),
            object_repr=label,
            organization=assignment.organization,
            before={"user": user.username, "roles": before},
            after={"user": user.username, "roles": _assignment_list(user)},
            message=(reason or "").strip(),
        )
    forget_scope(user)


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
            if _last_active_admin(user):
                continue
            before = _user_snapshot(user)
            User.objects.filter(pk=user.pk).update(is_active=False)
            _revoke_api_tokens(user)
            user.is_active = False
            audit_log(
                actor=None,
                action="accounts.user_dormant_deactivate",
                obj=user,
                before=before,
                after=_user_snapshot(user),
                message=f"超过 {rule_value(DORMANT_ACCOUNT_DAYS)} 天未登录，自动停用",
            )
        stopped += 1
    return stopped
