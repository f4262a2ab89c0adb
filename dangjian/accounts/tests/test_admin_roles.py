"""Role services: custom roles only; built-in and administrator roles are read-only."""

import pytest
from django.http import Http404

from dangjian.accounts.models import Role
from dangjian.accounts.services import roles as role_services
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.world import grant


def state():
    return list(Role.objects.order_by("pk").values()), AuditEntry.objects.count()


def clerk_plus(world, **extra):
    fields = {
        "name": "通讯报道员",
        "permissions": ["orgs.view_organization", "members.view_member"],
    }
    return role_services.role_create(actor=world.secadmin, **{**fields, **extra})


def test_it_creates_a_custom_role(world):
    role = clerk_plus(world, code="propaganda", description="负责宣传")
    assert (role.code, role.is_builtin, role.admin_kind) == ("propaganda", False, "")
    assert role.permissions == ["members.view_member", "orgs.view_organization"]
    entry = AuditEntry.objects.get(action="accounts.role_create")
    assert entry.after["name"] == "通讯报道员"


def test_it_generates_a_code_when_none_is_given(world):
    assert clerk_plus(world).code.startswith("custom_")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"name": ""}, "请填写角色名称"),
        ({"name": "组织部"}, "已有名为"),
        ({"code": "Bad Code"}, "角色代码须以小写字母开头"),
        ({"code": "org_department"}, "已被使用"),
        ({"permissions": []}, "至少选择一项"),
        ({"permissions": ["orgs.fly"]}, "没有这些权限：orgs.fly"),
        ({"permissions": ["audit.view_log"]}, "“查阅审计日志”是三员专有权限"),
        ({"permissions": ["accounts.grant_role"]}, "三员专有"),
    ],
)
def test_it_refuses_bad_roles_and_changes_nothing(world, extra, message):
    before = state()
    with pytest.raises(ServiceError, match=message):
        clerk_plus(world, **extra)
    assert state() == before


@pytest.mark.parametrize("actor", ["sysadmin", "auditor", "alice", "charlie"])
def test_only_the_security_administrator_manages_roles(world, actor):
    role = clerk_plus(world)
    before = state()
    with pytest.raises(Http404):
        role_services.role_create(
            actor=getattr(world, actor), name="X", permissions=["orgs.view_organization"]
        )
    with pytest.raises(Http404):
        role_services.role_update(actor=getattr(world, actor), role=role, name="Y", permissions=[])
    with pytest.raises(Http404):
        role_services.role_delete(actor=getattr(world, actor), role=role)
    assert state() == before


def test_it_updates_a_custom_role(world):
    role = clerk_plus(world)
    role_services.role_update(
        actor=world.secadmin, role=role, name="宣传委员", permissions=["orgs.view_committee"]
    )
    role.refresh_from_db()
    assert (role.name, role.permissions) == ("宣传委员", ["orgs.view_committee"])
    entry = AuditEntry.objects.get(action="accounts.role_update")
    assert entry.before["name"] == "通讯报道员" and entry.after["name"] == "宣传委员"


@pytest.mark.parametrize(
    ("code", "message"),
    [("security_admin", "三员角色，任何人都不能修改"), ("org_department", "内置角色")],
)
def test_built_in_and_administrator_roles_are_read_only(world, code, message):
    role = Role.objects.get(code=code)
    before = state()
    with pytest.raises(ServiceError, match=message):
        role_services.role_update(
            actor=world.secadmin, role=role, name="改名", permissions=["orgs.view_organization"]
        )
    with pytest.raises(ServiceError, match=message):
        role_services.role_delete(actor=world.secadmin, role=role)
    assert state() == before


def test_it_deletes_an_unused_custom_role(world):
    role = clerk_plus(world)
    role_services.role_delete(actor=world.secadmin, role=role)
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.role_delete").count() == 1


def test_it_refuses_to_delete_a_role_still_held(world):
    role = clerk_plus(world)
    grant(world.charlie, role.code, world.branch1)
    before = state()
    with pytest.raises(ServiceError, match="仍有 1 项授权"):
        role_services.role_delete(actor=world.secadmin, role=role)
    assert state() == before


def test_reserved_permissions_are_exactly_the_separated_duties():
    assert role_services.reserved_permissions() == {
        "accounts.manage_user",
        "accounts.manage_role",
        "accounts.grant_role",
        "accounts.unlock_user",
        "accounts.manage_security_policy",
        "audit.view_log",
        "audit.export_log",
        "audit.view_auditor_log",
    }
