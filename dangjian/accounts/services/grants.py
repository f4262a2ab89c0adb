"""Grant services: grant and revoke roles, keeping the three administrators apart (三员分立).

A person holds at most one of the three administrator roles, the audit administrator holds no
other role, and the last active holder of each administrator role keeps it. Conventions: see
`common`.
"""

from django.db import IntegrityError, transaction

from dangjian.accounts import permissions as perms
from dangjian.accounts.models import AdminKind, RoleAssignment
from dangjian.accounts.services.common import not_self
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import forget_scope, require_in_scope


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


def last_active_admin(user) -> str:
    """The admin kind for which this user is the only active holder, or ''. Locks (see above)."""
    kinds = (
        RoleAssignment.objects.filter(user=user)
        .exclude(admin_kind="")
        .values_list("admin_kind", flat=True)
    )
    return next((kind for kind in kinds if not _other_active_admins(kind, user)), "")


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
    not_self(actor, user, "不能给自己授予角色。")
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
    not_self(actor, assignment.user, "不能收回自己的角色。")
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
