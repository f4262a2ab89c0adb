"""The login page, the password step, logout (LoginEvent + audit for every attempt)."""

import pytest
from django.urls import reverse

from dangjian.accounts.models import LoginEvent
from dangjian.audit.models import AuditEntry

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
LOGIN = reverse("accounts:login")


def post_login(client, username, password, **data):
    return client.post(
        LOGIN,
        {"username": username, "password": password, **data},
        HTTP_USER_AGENT=CHROME,
        REMOTE_ADDR="10.1.2.3",
    )


def test_the_login_page_is_chinese_and_has_no_top_navigation(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "账号登录" in body
    assert "dj-login-bg" in body
    assert "工号或手机号" in body
    assert "dj-navbar" not in body


def test_a_good_password_logs_in_and_records_the_event_and_audit(client, world):
    response = post_login(client, "charlie", world.password)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    event = LoginEvent.objects.get()
    assert (event.user, event.username, event.result) == (world.charlie, "charlie", "success")
    assert event.ip == "10.1.2.3"
    assert "Chrome/120" in event.user_agent
    entry = AuditEntry.objects.get(action="accounts.login")
    assert entry.actor == world.charlie
    assert entry.result == AuditEntry.Result.SUCCESS
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_wrong_password_and_an_unknown_name_get_the_same_message(client, world):
    wrong = post_login(client, "charlie", "Wrong#Pass1").content.decode()
    unknown = post_login(client, "nobody", "Wrong#Pass1").content.decode()
    message = "登录名或密码不正确"
    assert message in wrong
    assert message in unknown
    assert "不存在" not in unknown
    events = LoginEvent.objects.order_by("id")
    assert [(e.user, e.username, e.result) for e in events] == [
        (world.charlie, "charlie", "bad_password"),
        (None, "nobody", "bad_password"),
    ]
    failures = AuditEntry.objects.filter(action="accounts.login_failed").order_by("id")
    assert [e.result for e in failures] == [AuditEntry.Result.FAILURE] * 2
    assert failures[1].object_repr == "nobody"
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_gets_the_generic_message(client, world):
    world.charlie.is_active = False
    world.charlie.save()
    body = post_login(client, "charlie", world.password).content.decode()
    assert "登录名或密码不正确" in body
    assert LoginEvent.objects.get().result == "inactive"


def test_empty_fields_are_explained(client, db):
    body = post_login(client, "", "").content.decode()
    assert "请输入工号或手机号" in body
    assert "请输入密码" in body
    assert not LoginEvent.objects.exists()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/accounts/profile/", "/accounts/profile/"),
        ("https://evil.example.com/", "/workbench/"),
        ("//evil.example.com/", "/workbench/"),
    ],
)
def test_it_follows_next_only_inside_the_site(client, world, next_url, expected):
    response = post_login(client, "charlie", world.password, next=next_url)
    assert response["Location"] == expected


def test_a_logged_in_user_is_sent_away_from_the_login_page(client, world):
    client.force_login(world.charlie)
    assert client.get(LOGIN)["Location"] == reverse("dashboard:home")


def test_logout_needs_post(client, world):
    client.force_login(world.charlie)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_logout_records_the_event_and_clears_the_session(client, world):
    post_login(client, "charlie", world.password)
    response = client.post(reverse("accounts:logout"), REMOTE_ADDR="10.1.2.3")
    assert response["Location"] == LOGIN
    assert LoginEvent.objects.filter(result="logout", user=world.charlie).count() == 1
    assert AuditEntry.objects.filter(action="accounts.logout", actor=world.charlie).exists()
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert "您已安全退出" in client.get(LOGIN).content.decode()


def test_the_login_page_reads_nothing_from_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(LOGIN).status_code == 200
