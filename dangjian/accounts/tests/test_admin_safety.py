"""Review fixes: API tokens die with a reset or a stop; the last administrator checks lock every
holder inside the write's transaction; a role deletion counts holders under a lock; mobile
numbers used as login names are masked on the administration pages."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.accounts.services import grants as grant_services
from dangjian.accounts.services import roles as role_services
from dangjian.accounts.services import users as user_services
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.world import grant, make_user

MOBILE = "13812345678"


# ---------------------------------------------------------------- API tokens


def test_a_password_reset_revokes_the_api_token(world):
    Token.objects.create(user=world.bob)
    user_services.user_reset_password(actor=world.sysadmin, user=world.bob)
    assert not Token.objects.filter(user=world.bob).exists()


def test_deactivation_revokes_the_api_token(world):
    Token.objects.create(user=world.charlie)
    Token.objects.create(user=world.bob)
    user_services.user_deactivate(actor=world.sysadmin, user=world.charlie)
    assert not Token.objects.filter(user=world.charlie).exists()
    assert Token.objects.filter(user=world.bob).exists()


def test_a_dormant_stop_revokes_the_api_token(world):
    Token.objects.create(user=world.charlie)
    User.objects.filter(pk=world.charlie.pk).update(
        last_login=timezone.now() - datetime.timedelta(days=200)
    )
    user_services.users_deactivate_dormant()
    assert not Token.objects.filter(user=world.charlie).exists()


def test_a_refused_deactivation_keeps_the_token(world):
    Token.objects.create(user=world.secadmin)
    with pytest.raises(ServiceError):
        user_services.user_deactivate(actor=world.sysadmin, user=world.secadmin)
    assert Token.objects.filter(user=world.secadmin).exists()


# ---------------------------------------------------------------- the last administrator


@pytest.fixture
def holder_checks(monkeypatch):
    """Record, for each last-administrator check, how deep inside transactions it ran."""
    calls = []
    original = grant_services._other_active_admins

    def spy(kind, user):
        calls.append((kind, len(connection.atomic_blocks)))
        return original(kind, user)

    monkeypatch.setattr(grant_services, "_other_active_admins", spy)
    return calls


def test_every_last_admin_check_runs_inside_the_write_transaction(world, holder_checks):
    base = len(connection.atomic_blocks)
    with pytest.raises(ServiceError, match="唯一在用的安全管理员"):
        user_services.user_deactivate(actor=world.sysadmin, user=world.secadmin)
    with pytest.raises(ServiceError, match="最后一位审计管理员"):
        grant_services.role_revoke(
            actor=world.secadmin, assignment=RoleAssignment.objects.get(user=world.auditor)
        )
    User.objects.filter(pk=world.secadmin.pk).update(
        last_login=timezone.now() - datetime.timedelta(days=200)
    )
    user_services.users_deactivate_dormant()
    assert [kind for kind, _ in holder_checks] == ["security", "audit", "security"]
    assert all(depth > base for _, depth in holder_checks)
    assert User.objects.get(pk=world.secadmin.pk).is_active


def test_a_second_active_holder_lets_the_first_go(world):
    second = make_user("sec2", "第二安全员")
    grant(second, "security_admin", world.group)
    assert grant_services._other_active_admins("security", world.secadmin) == 1
    user_services.user_deactivate(actor=world.sysadmin, user=world.secadmin)
    assert grant_services._other_active_admins("security", second) == 0
    with pytest.raises(ServiceError, match="唯一在用的安全管理员"):
        user_services.user_deactivate(actor=world.sysadmin, user=second)


# ---------------------------------------------------------------- role deletion


def custom_role(world):
    return role_services.role_create(
        actor=world.secadmin, name="宣传员", permissions=["orgs.view_organization"]
    )


def test_a_grant_slipping_past_the_count_is_refused_in_chinese(world, monkeypatch):
    role = custom_role(world)
    grant(world.charlie, role.code, world.branch1)
    monkeypatch.setattr(role_services, "_check_no_holders", lambda role: None)
    audits = AuditEntry.objects.count()
    with pytest.raises(ServiceError, match="仍有 1 项授权"):
        role_services.role_delete(actor=world.secadmin, role=role)
    assert Role.objects.filter(pk=role.pk).exists()
    assert AuditEntry.objects.count() == audits


# ---------------------------------------------------------------- masked login names


def test_a_mobile_login_name_is_masked_and_a_work_number_is_not(world):
    assert User(username=MOBILE).masked_login_name == "138****5678"
    assert User(username="E10023").masked_login_name == "E10023"
    assert User(username="1381234567８").masked_login_name == "1381234567８"
    assert str(User(username=MOBILE, display_name="王五")) == "王五（138****5678）"
    assert str(User(username=MOBILE)) == "138****5678"


@pytest.fixture
def mobile_user(world):
    user = make_user(MOBILE, "王五")
    grant(user, "branch_secretary", world.branch2)
    return user


def test_administration_pages_mask_a_mobile_login_name(client, world, mobile_user):
    client.force_login(world.sysadmin)
    for url in (reverse("manage:users"), reverse("manage:user_detail", args=[mobile_user.pk])):
        body = client.get(url).content.decode()
        assert "138****5678" in body
        assert MOBILE not in body
    client.force_login(world.secadmin)
    for url in (reverse("manage:grants"), reverse("manage:grants") + f"?user={mobile_user.pk}"):
        body = client.get(url).content.decode()
        assert "138****5678" in body
        assert MOBILE not in body


def test_audit_entries_and_messages_carry_the_masked_name(client, world, mobile_user):
    client.force_login(world.sysadmin)
    response = client.post(reverse("manage:user_deactivate", args=[mobile_user.pk]), follow=True)
    assert MOBILE not in response.content.decode()
    entry = AuditEntry.objects.get(action="accounts.user_deactivate")
    assert entry.object_repr == "王五（138****5678）"


def test_the_user_sees_their_own_login_name_in_full(client, mobile_user):
    client.force_login(mobile_user)
    assert MOBILE in client.get(reverse("accounts:profile")).content.decode()
