"""Account services: create, update, (de)activate, reset password, unlock."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.models import PasswordHistory, User
from dangjian.accounts.services import common
from dangjian.accounts.services import users as user_services
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError


def state():
    users = list(User.objects.order_by("pk").values())
    return users, PasswordHistory.objects.count(), AuditEntry.objects.count()


def lock(username, failures=5):
    return AccessAttempt.objects.create(
        username=username,
        ip_address="10.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=failures,
    )


def test_it_creates_a_user_with_a_generated_password(world):
    user, password = user_services.user_create(
        actor=world.sysadmin, username="20230815", display_name="张三", mobile="13800138000"
    )
    assert user.check_password(password)
    assert user.must_change_password
    assert not user.is_superuser
    assert user.mobile == "13800138000"
    entry = AuditEntry.objects.get(action="accounts.user_create")
    assert entry.actor == world.sysadmin
    assert entry.after["mobile"] == "138****8000"


def test_it_accepts_a_given_password_that_meets_the_policy(world):
    user, password = user_services.user_create(
        actor=world.sysadmin, username="13912345678", display_name="李四", password="Kuang#2026x"
    )
    assert password == "Kuang#2026x"
    assert user.check_password("Kuang#2026x")
    assert user.password_history.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "", "display_name": "张三"}, "请填写登录名"),
        ({"username": "张三", "display_name": "张三"}, "不能含空格或汉字"),
        ({"username": "a b", "display_name": "张三"}, "不能含空格或汉字"),
        ({"username": "12345678901", "display_name": "张三"}, "不是有效的手机号"),
        ({"username": "ALICE", "display_name": "张三"}, "已被使用"),
        ({"username": "zs01", "display_name": " "}, "请填写姓名"),
        ({"username": "zs01", "display_name": "张三", "mobile": "1234"}, "手机号须为"),
        ({"username": "zs01", "display_name": "张三", "email": "x@"}, "电子邮箱格式不正确"),
        ({"username": "zs01", "display_name": "张三", "password": "short"}, "不符合密码策略"),
        ({"username": "zs01", "display_name": "张三", "password": "zs01Abc#2026"}, "登录名"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(world, fields, message):
    before = state()
    with pytest.raises(ServiceError, match=message):
        user_services.user_create(actor=world.sysadmin, **fields)
    assert state() == before


@pytest.mark.parametrize("actor", ["secadmin", "auditor", "alice", "charlie"])
def test_only_the_system_administrator_creates_users(world, actor):
    before = state()
    with pytest.raises(Http404):
        user_services.user_create(actor=getattr(world, actor), username="zs01", display_name="张三")
    assert state() == before


def test_it_updates_name_and_contacts_but_not_the_login_name(world):
    user_services.user_update(
        actor=world.sysadmin, user=world.bob, display_name="鲍勃新", mobile="13700000000"
    )
    world.bob.refresh_from_db()
    assert (world.bob.username, world.bob.display_name) == ("bob", "鲍勃新")
    entry = AuditEntry.objects.get(action="accounts.user_update")
    assert entry.before["display_name"] == "鲍勃" and entry.after["display_name"] == "鲍勃新"


def test_a_department_viewer_cannot_update_users(world):
    before = state()
    with pytest.raises(Http404):
        user_services.user_update(actor=world.alice, user=world.bob, display_name="X")
    assert state() == before


def test_it_deactivates_and_reactivates(world):
    user_services.user_deactivate(actor=world.sysadmin, user=world.charlie)
    assert not User.objects.get(pk=world.charlie.pk).is_active
    user_services.user_activate(actor=world.sysadmin, user=world.charlie)
    assert User.objects.get(pk=world.charlie.pk).is_active
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["accounts.user_deactivate", "accounts.user_activate"]


@pytest.mark.parametrize(
    ("target", "message"),
    [("sysadmin", "不能停用自己"), ("secadmin", "唯一在用的安全管理员"), ("auditor", "审计管理员")],
)
def test_it_refuses_to_deactivate_self_or_the_last_administrator(world, target, message):
    before = state()
    with pytest.raises(ServiceError, match=message):
        user_services.user_deactivate(actor=world.sysadmin, user=getattr(world, target))
    assert state() == before


def test_it_refuses_to_activate_an_active_user(world):
    before = state()
    with pytest.raises(ServiceError, match="已是启用状态"):
        user_services.user_activate(actor=world.sysadmin, user=world.bob)
    assert state() == before


def test_reset_password_gives_a_temporary_password_and_forces_a_change(world):
    password = user_services.user_reset_password(actor=world.sysadmin, user=world.bob)
    world.bob.refresh_from_db()
    assert world.bob.check_password(password)
    assert not world.bob.check_password(world.password)
    assert world.bob.must_change_password
    entry = AuditEntry.objects.get(action="accounts.user_reset_password")
    assert password not in str(entry.after)


def test_reset_password_of_oneself_is_refused(world):
    before = state()
    with pytest.raises(ServiceError, match="个人设置"):
        user_services.user_reset_password(actor=world.sysadmin, user=world.sysadmin)
    assert state() == before


def test_the_security_administrator_cannot_reset_passwords(world):
    before = state()
    with pytest.raises(Http404):
        user_services.user_reset_password(actor=world.secadmin, user=world.bob)
    assert state() == before


def test_generated_passwords_satisfy_the_policy(world):
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        validate_password(common.generate_password(world.bob), world.bob)


def test_it_unlocks_a_locked_account(world):
    lock("bob")
    cleared = user_services.user_unlock(actor=world.secadmin, user=world.bob)
    assert cleared == 1
    assert not AccessAttempt.objects.filter(username="bob").exists()
    entry = AuditEntry.objects.get(action="accounts.user_unlock")
    assert entry.before["locked_until"] and entry.after == {"locked_until": None}


def test_unlock_needs_the_unlock_permission(world):
    lock("bob")
    for actor in (world.sysadmin, world.auditor, world.alice):
        with pytest.raises(Http404):
            user_services.user_unlock(actor=actor, user=world.bob)
    assert AccessAttempt.objects.filter(username="bob").exists()
    assert not AuditEntry.objects.exists()


def test_unlock_refuses_an_account_that_is_not_locked(world):
    lock("bob", failures=2)
    with pytest.raises(ServiceError, match="没有被锁定"):
        user_services.user_unlock(actor=world.secadmin, user=world.bob)
    assert AccessAttempt.objects.filter(username="bob").exists()


def test_an_expired_lockout_is_not_a_lockout(world):
    attempt = lock("bob")
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - datetime.timedelta(hours=2)
    )
    with pytest.raises(ServiceError, match="没有被锁定"):
        user_services.user_unlock(actor=world.secadmin, user=world.bob)
