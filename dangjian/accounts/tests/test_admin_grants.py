"""Granting and revoking roles; the three administrators (三员分立)."""

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from dangjian.accounts.models import Role, RoleAssignment
from dangjian.accounts.services import grants as grant_services
from dangjian.accounts.services import roles as role_services
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import has_permission
from dangjian.core.testing.world import grant, make_user


def state():
    return list(RoleAssignment.objects.order_by("pk").values()), AuditEntry.objects.count()


def role(code):
    return Role.objects.get(code=code)


def test_the_security_administrator_grants_a_role_anywhere_under_the_root(world):
    assignment = grant_services.role_grant(
        actor=world.secadmin,
        user=world.charlie,
        role=role("party_clerk"),
        organization=world.branch3,
        note="新任干事",
    )
    assert assignment.granted_by == world.secadmin
    assert has_permission(world.charlie, "members.view_member")
    entry = AuditEntry.objects.get(action="accounts.role_grant")
    assert entry.organization_path == world.branch3.path
    assert entry.before == {"user": "charlie", "roles": []}
    assert entry.after == {"user": "charlie", "roles": ["党务干事 @ 通风区党支部"]}


@pytest.mark.parametrize("actor", ["alice", "sysadmin", "auditor", "bob", "charlie"])
def test_nobody_without_grant_role_can_grant(world, actor):
    before = state()
    with pytest.raises(Http404):
        grant_services.role_grant(
            actor=getattr(world, actor),
            user=world.charlie,
            role=role("party_clerk"),
            organization=world.branch1,
        )
    assert state() == before


def test_a_granter_on_a_subtree_cannot_grant_outside_it(world):
    granter = make_user("granter", "授权员")
    custom = role_services.role_create(
        actor=world.secadmin, name="二级授权员", permissions=["accounts.view_role_assignment"]
    )
    # grant_role is reserved to the security administrator, so give it by hand to test scope.
    Role.objects.filter(pk=custom.pk).update(permissions=["accounts.grant_role"])
    grant(granter, custom.code, world.mine)
    grant_services.role_grant(
        actor=granter, user=world.charlie, role=role("party_clerk"), organization=world.branch2
    )
    before = state()
    with pytest.raises(Http404):
        grant_services.role_grant(
            actor=granter, user=world.charlie, role=role("party_clerk"), organization=world.branch3
        )
    assert state() == before


def test_nobody_grants_a_role_to_themselves(world):
    before = state()
    with pytest.raises(ServiceError, match="不能给自己"):
        grant_services.role_grant(
            actor=world.secadmin,
            user=world.secadmin,
            role=role("org_department"),
            organization=world.mine,
        )
    assert state() == before


def test_a_second_administrator_role_is_refused_with_a_clear_message(world):
    before = state()
    with pytest.raises(ServiceError, match="该用户已是系统管理员，三员不得兼任"):
        grant_services.role_grant(
            actor=world.secadmin,
            user=world.sysadmin,
            role=role("audit_admin"),
            organization=world.group,
        )
    assert state() == before


def test_the_database_refuses_a_second_administrator_role(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            user=world.sysadmin,
            role=role("security_admin"),
            organization=world.group,
            admin_kind="security",
        )


def test_administrator_roles_are_granted_only_on_a_root(world):
    before = state()
    with pytest.raises(ServiceError, match="只能授予在根组织上"):
        grant_services.role_grant(
            actor=world.secadmin,
            user=world.charlie,
            role=role("system_admin"),
            organization=world.mine,
        )
    assert state() == before


def test_a_second_holder_of_an_administrator_role_can_be_granted(world):
    grant_services.role_grant(
        actor=world.secadmin,
        user=world.charlie,
        role=role("system_admin"),
        organization=world.group,
    )
    assert RoleAssignment.objects.filter(admin_kind="system").count() == 2


@pytest.mark.parametrize(
    ("user", "code", "message"),
    [
        ("auditor", "party_clerk", "审计管理员，不得兼任其他角色"),
        ("bob", "audit_admin", "审计管理员不得兼任其他角色"),
        ("bob", "branch_secretary", "已在“综采一队党支部”持有"),
    ],
)
def test_it_refuses_grants_that_break_the_rules(world, user, code, message):
    organization = world.group if code == "audit_admin" else world.branch1
    before = state()
    with pytest.raises(ServiceError, match=message):
        grant_services.role_grant(
            actor=world.secadmin,
            user=getattr(world, user),
            role=role(code),
            organization=organization,
        )
    assert state() == before


def test_it_refuses_inactive_users_and_dissolved_organisations(world):
    world.charlie.is_active = False
    world.charlie.save()
    with pytest.raises(ServiceError, match="已停用"):
        grant_services.role_grant(
            actor=world.secadmin,
            user=world.charlie,
            role=role("party_clerk"),
            organization=world.branch1,
        )
    world.branch2.is_active = False
    world.branch2.save()
    with pytest.raises(ServiceError, match="已撤销"):
        grant_services.role_grant(
            actor=world.secadmin,
            user=world.bob,
            role=role("party_clerk"),
            organization=world.branch2,
        )
    assert not AuditEntry.objects.exists()


def test_revoking_a_grant_removes_it_and_is_audited(world):
    assignment = RoleAssignment.objects.get(user=world.bob)
    pk = assignment.pk
    grant_services.role_revoke(actor=world.secadmin, assignment=assignment, reason="调离")
    assert not RoleAssignment.objects.filter(user=world.bob).exists()
    entry = AuditEntry.objects.get(action="accounts.role_revoke")
    assert entry.object_id == str(pk)
    assert entry.before == {"user": "bob", "roles": ["党支部书记 @ 综采一队党支部"]}
    assert entry.after == {"user": "bob", "roles": []}
    assert entry.message == "调离"


def test_only_the_security_administrator_revokes(world):
    assignment = RoleAssignment.objects.get(user=world.bob)
    before = state()
    for actor in (world.alice, world.sysadmin, world.auditor, world.dave):
        with pytest.raises(Http404):
            grant_services.role_revoke(actor=actor, assignment=assignment)
    assert state() == before


@pytest.mark.parametrize("kind", ["system", "audit"])
def test_the_last_holder_of_an_administrator_role_cannot_be_revoked(world, kind):
    assignment = RoleAssignment.objects.get(admin_kind=kind)
    before = state()
    with pytest.raises(ServiceError, match="最后一位"):
        grant_services.role_revoke(actor=world.secadmin, assignment=assignment)
    assert state() == before


def test_an_inactive_second_holder_does_not_count(world):
    grant_services.role_grant(
        actor=world.secadmin,
        user=world.charlie,
        role=role("system_admin"),
        organization=world.group,
    )
    world.charlie.is_active = False
    world.charlie.save()
    with pytest.raises(ServiceError, match="最后一位系统管理员"):
        grant_services.role_revoke(
            actor=world.secadmin, assignment=RoleAssignment.objects.get(user=world.sysadmin)
        )


def test_an_administrator_role_with_another_holder_can_be_revoked(world):
    grant_services.role_grant(
        actor=world.secadmin,
        user=world.charlie,
        role=role("system_admin"),
        organization=world.group,
    )
    grant_services.role_revoke(
        actor=world.secadmin, assignment=RoleAssignment.objects.get(user=world.sysadmin)
    )
    assert list(
        RoleAssignment.objects.filter(admin_kind="system").values_list("user__username", flat=True)
    ) == ["charlie"]


def test_nobody_revokes_their_own_role(world):
    # Even with a second security administrator, one cannot revoke one's own grant.
    grant(make_user("sec2", "安全员二"), "security_admin", world.group)
    assignment = RoleAssignment.objects.get(user=world.secadmin)
    before = state()
    with pytest.raises(ServiceError, match="不能收回自己"):
        grant_services.role_revoke(actor=world.secadmin, assignment=assignment)
    assert state() == before
