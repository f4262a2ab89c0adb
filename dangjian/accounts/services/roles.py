"""Role services: create, update and delete custom roles (security administrator only).

The three administrator roles and the other built-in roles are read-only; a custom role may not
carry a permission reserved to the three administrators (三员分立). Conventions: see `common`.
"""

import re
import secrets

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from dangjian.accounts import permissions as perms
from dangjian.accounts.models import Role, RoleAssignment
from dangjian.accounts.roles import BUILTIN_ROLES
from dangjian.audit.services import audit_log, snapshot
from dangjian.core import permissions as registry
from dangjian.core.exceptions import ServiceError
from dangjian.core.services import require_global

ROLE_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
ROLE_FIELDS = ("name", "code", "description", "permissions")


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
