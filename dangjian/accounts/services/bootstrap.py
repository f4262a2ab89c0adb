"""The first administrators of a new installation (`dangjian bootstrap`).

Run from the command line with no logged-in actor: the audit entries carry no actor and the
message "bootstrap". The same rules as in `role_grant` keep the three administrators apart.
"""

from dataclasses import dataclass

from django.db import transaction

from dangjian.accounts.models import AdminKind, Role, RoleAssignment, User
from dangjian.accounts.services.common import (
    generate_password,
    set_temporary_password,
    validate_login_name,
)
from dangjian.accounts.services.grants import check_admin_exclusivity
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError


@dataclass(frozen=True)
class AdminAccount:
    kind: str
    username: str
    display_name: str
    password: str


def _bootstrap_root(name: str, code: str):
    from dangjian.orgs.models import Organization, OrgType

    roots = Organization.objects.get_root_nodes()
    if code and roots.filter(code=code).exists():
        return roots.get(code=code)
    if roots.exists():
        if code:
            raise ServiceError(f"组织代码为“{code}”的根组织不存在。")
        return roots.first()
    if not (name or "").strip() or not (code or "").strip():
        raise ServiceError("组织树为空：请用 --org-name 和 --org-code 指定根组织（集团党委）。")
    root = Organization.objects.add_root(
        {"org_type": OrgType.COMMITTEE, "name": name.strip(), "code": code.strip()}
    )
    audit_log(
        actor=None,
        action="orgs.organization_create",
        obj=root,
        organization=root,
        after={"name": root.name, "code": root.code},
        message="bootstrap",
    )
    return root


def _bootstrap_account(kind: str, username: str, display_name: str, root, *, force: bool):
    from dangjian.accounts.roles import ensure_builtin_roles

    ensure_builtin_roles()
    role = Role.objects.get(admin_kind=kind, is_builtin=True)
    user = User.objects.filter(username__iexact=username).first()
    if user is not None and not force:
        raise ServiceError(
            f"登录名“{username}”已被使用：请换一个，或加 --force 把它设为{role.name}。"
        )
    if user is None:
        user = User.objects.create_user(username, None, display_name=display_name or role.name)
    user.is_active = True
    user.save(update_fields=["is_active"])
    password = generate_password(user)
    set_temporary_password(user, password)
    if not RoleAssignment.objects.filter(user=user, role=role, organization=root).exists():
        check_admin_exclusivity(user, role, root)
        RoleAssignment.objects.create(user=user, role=role, organization=root, admin_kind=kind)
    audit_log(
        actor=None,
        action="accounts.bootstrap",
        obj=user,
        organization=root,
        after={"role": role.name, "must_change_password": True},
        message="bootstrap",
    )
    return AdminAccount(kind, user.username, user.display_name, password)


def administrators_bootstrap(
    *,
    accounts: dict[str, tuple[str, str]],
    organization_name: str = "",
    organization_code: str = "",
    force: bool = False,
) -> list[AdminAccount]:
    """Create the three administrators (kind → (login name, display name)) on the root.

    Refuses when administrators already exist unless `force`; never sets `is_superuser`.
    """
    names = {kind: validate_login_name(username) for kind, (username, _) in accounts.items()}
    if set(names) != set(AdminKind.values):
        raise ServiceError("须同时指定系统管理员、安全管理员和审计管理员的登录名。")
    if len({name.lower() for name in names.values()}) != len(names):
        raise ServiceError("三员须为三个不同的账号，登录名不能重复。")
    if not force and RoleAssignment.objects.exclude(admin_kind="").exists():
        raise ServiceError("系统中已有三员管理员，未做任何更改；如确需重新创建，请加 --force。")
    with transaction.atomic():
        root = _bootstrap_root(organization_name, organization_code)
        return [
            _bootstrap_account(kind, names[kind], accounts[kind][1], root, force=force)
            for kind in AdminKind.values
        ]
