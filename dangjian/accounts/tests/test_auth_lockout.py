"""Lockout after repeated failures (django-axes, numbers from the rules), its message with the
remaining time, unlocking by time and by reset, and the `lockout_status` selector."""

from datetime import timedelta

from axes.utils import reset
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.lockout import lockout_response
from dangjian.accounts.models import LoginEvent
from dangjian.accounts.selectors import lockout_status, lockout_statuses
from dangjian.audit.models import AuditEntry
from dangjian.core.services import rule_set

LOGIN = reverse("accounts:login")


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def fail(client, username, times):
    return [attempt(client, username, "Wrong#Pass1") for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def set_rule(world, key, value):
    rule_set(
        actor=world.secadmin, key=key, value=value, valid_from=timezone.localdate(), note="收紧策略"
    )


def test_five_wrong_passwords_lock_the_account(client, world):
    responses = fail(client, "charlie", 5)
    assert "账号已锁定" not in responses[3].content.decode()
    assert "账号已锁定，请于 30 分钟后重试，或联系安全管理员解锁" in responses[4].content.decode()
    assert lockout_status("charlie")[0] is True
    entry = AuditEntry.objects.get(action="accounts.lockout")
    assert entry.object_id == str(world.charlie.pk)
    assert entry.result == AuditEntry.Result.FAILURE


def test_the_right_password_then_fails_with_the_remaining_time(client, world, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    fail(client, "charlie", 5)
    time_machine.move_to(start + timedelta(minutes=7), tick=False)
    response = attempt(client, "charlie", world.password)
    body = response.content.decode()
    assert "账号已锁定，请于 23 分钟后重试，或联系安全管理员解锁" in body
    assert not logged_in(client)
    assert LoginEvent.objects.order_by("-id").first().result == "locked"
    assert AuditEntry.objects.filter(action="accounts.login_failed").count() == 6


def test_an_attempt_during_the_lock_does_not_extend_it(client, world, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    fail(client, "charlie", 5)
    time_machine.move_to(start + timedelta(minutes=20), tick=False)
    attempt(client, "charlie", world.password)
    _, until = lockout_status("charlie")
    assert abs((until - (start + timedelta(minutes=30))).total_seconds()) < 1


def test_the_lock_lifts_after_thirty_minutes(client, world, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    fail(client, "charlie", 5)
    time_machine.move_to(start + timedelta(minutes=29, seconds=50), tick=False)
    attempt(client, "charlie", world.password)
    assert not logged_in(client)
    time_machine.move_to(start + timedelta(minutes=30, seconds=5), tick=False)
    assert lockout_status("charlie") == (False, None)
    response = attempt(client, "charlie", world.password)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_lower_failure_limit_locks_sooner(client, world):
    set_rule(world, "accounts.lockout_failures", 3)
    responses = fail(client, "charlie", 3)
    assert "账号已锁定" in responses[2].content.decode()
    assert "连续输错 3 次" in responses[0].content.decode()


def test_a_shorter_lock_lifts_sooner(client, world, time_machine):
    set_rule(world, "accounts.lockout_minutes", 10)
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    assert "请于 10 分钟后重试" in fail(client, "charlie", 5)[4].content.decode()
    time_machine.move_to(start + timedelta(minutes=10, seconds=5), tick=False)
    attempt(client, "charlie", world.password)
    assert logged_in(client)


def test_the_lock_is_per_login_name(client, world):
    fail(client, "charlie", 5)
    attempt(client, "bob", world.password)
    assert logged_in(client)


def test_a_success_clears_earlier_failures(client, world):
    fail(client, "charlie", 4)
    attempt(client, "charlie", world.password)
    client.post(reverse("accounts:logout"))
    fail(client, "charlie", 4)
    assert lockout_status("charlie") == (False, None)


def test_an_unknown_name_is_locked_like_a_real_one(client, db):
    responses = fail(client, "ghost", 5)
    assert "账号已锁定" in responses[4].content.decode()


def test_resetting_the_attempts_unlocks(client, world):
    fail(client, "charlie", 5)
    reset(username="charlie")
    attempt(client, "charlie", world.password)
    assert logged_in(client)


def test_lockout_statuses_answers_for_many_names_in_one_query(
    client, world, django_assert_num_queries
):
    fail(client, "charlie", 5)
    fail(client, "bob", 2)
    attempt(client, "bob", "Wrong#Pass1")
    with django_assert_num_queries(1):
        statuses = lockout_statuses(["charlie", "bob", "alice"])
    assert set(statuses) == {"charlie"}


def test_the_axes_lockout_callable_shows_the_login_page_elsewhere(world):
    client_request = RequestFactory().post("/api/v1/whatever/")
    response = lockout_response(client_request, None, {"username": "charlie"})
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
