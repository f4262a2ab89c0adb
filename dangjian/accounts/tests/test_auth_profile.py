"""Profile page, API tokens, large-font toggle, login history and "my scope"."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import LoginEvent
from dangjian.accounts.selectors import describe_user_agent
from dangjian.audit.models import AuditEntry
from dangjian.core.permissions import label_of
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant
from dangjian.orgs.permissions import MANAGE_COMMITTEE, VIEW_ORGANIZATION

PROFILE = reverse("accounts:profile")
HISTORY = reverse("accounts:login_history")
SCOPE = reverse("accounts:my_scope")
EVERYONE = {"no_role": 200, "out_of_scope": 200}


@pytest.mark.parametrize(
    "url",
    [
        PROFILE,
        HISTORY,
        SCOPE,
        reverse("accounts:password_change"),
        reverse("accounts:otp_setup"),
        reverse("accounts:recovery_codes"),
    ],
)
def test_personal_pages_are_for_every_logged_in_user(client, world, url):
    assert_access_matrix(
        client,
        url=url,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect=EVERYONE,
    )


@pytest.mark.parametrize(
    "name",
    ["token_create", "token_revoke", "toggle_large_font", "otp_disable", "recovery_regenerate"],
)
def test_personal_writes_need_a_login_and_post(client, world, name):
    url = reverse(f"accounts:{name}")
    assert reverse("accounts:login") in client.post(url)["Location"]
    client.force_login(world.charlie)
    assert client.get(url).status_code == 405


# ---------------------------------------------------------------------------------------------
# Profile


def test_the_profile_shows_the_masked_mobile(client, world):
    world.charlie.mobile = "13812345678"
    world.charlie.email = "charlie@example.com"
    world.charlie.save()
    client.force_login(world.charlie)
    body = client.get(PROFILE).content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body
    assert "charlie@example.com" in body
    assert reverse("accounts:password_change") in body


def test_an_api_token_is_shown_once_and_works(client, world):
    client.force_login(world.charlie)
    response = client.post(reverse("accounts:token_create"))
    assert response["Location"] == PROFILE + "#api-token"
    key = Token.objects.get(user=world.charlie).key
    assert key in client.get(PROFILE).content.decode()
    assert key not in client.get(PROFILE).content.decode()
    client.logout()
    api = client.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 200
    entry = AuditEntry.objects.get(action="accounts.token_create")
    assert key not in f"{entry.message}{entry.before}{entry.after}"


def test_a_new_token_replaces_the_old_one(client, world):
    client.force_login(world.charlie)
    client.post(reverse("accounts:token_create"))
    first = Token.objects.get(user=world.charlie).key
    client.post(reverse("accounts:token_create"))
    assert Token.objects.get(user=world.charlie).key != first


def test_a_token_can_be_revoked(client, world):
    Token.objects.create(user=world.charlie)
    client.force_login(world.charlie)
    client.post(reverse("accounts:token_revoke"))
    assert not Token.objects.filter(user=world.charlie).exists()
    assert AuditEntry.objects.filter(action="accounts.token_revoke").exists()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/accounts/profile/", "/accounts/profile/"),
        ("https://evil.example.com/", "/workbench/"),
        ("", "/workbench/"),
    ],
)
def test_large_font_toggles_and_returns_safely(client, world, next_url, expected):
    client.force_login(world.charlie)
    response = client.post(reverse("accounts:toggle_large_font"), {"next": next_url})
    assert response["Location"] == expected
    world.charlie.refresh_from_db()
    assert world.charlie.large_font
    client.post(reverse("accounts:toggle_large_font"))
    world.charlie.refresh_from_db()
    assert not world.charlie.large_font


# ---------------------------------------------------------------------------------------------
# Login history


def make_events(user, count, result=LoginEvent.Result.SUCCESS):
    LoginEvent.objects.bulk_create(
        LoginEvent(
            user=user,
            username=user.username,
            ip="10.0.0.9",
            result=result,
            user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile",
        )
        for _ in range(count)
    )


def test_the_history_shows_only_the_users_own_events(client, world):
    make_events(world.charlie, 2, LoginEvent.Result.BAD_PASSWORD)
    LoginEvent.objects.create(user=world.bob, username="bob", ip="10.9.9.9", result="success")
    client.force_login(world.charlie)
    body = client.get(HISTORY).content.decode()
    assert body.count("10.0.0.9") == 2
    assert "10.9.9.9" not in body
    assert "密码错误" in body
    assert "Chrome 126 · Android" in body


def test_the_history_is_paginated_by_twenty(client, world):
    make_events(world.charlie, 25)
    client.force_login(world.charlie)
    first = client.get(HISTORY)
    assert len(first.context["page_obj"].object_list) == 20
    assert len(client.get(HISTORY + "?page=2").context["page_obj"].object_list) == 5
    assert client.get(HISTORY + "?page=99").status_code == 200


def test_the_history_query_count_does_not_grow_with_rows(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.charlie)
    client.get(HISTORY)  # the first request of a session also writes the session

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(HISTORY).status_code == 200
        return len(captured)

    make_events(world.charlie, 7)
    few = queries()
    make_events(world.charlie, 14)
    assert queries() == few
    with django_assert_max_num_queries(8):
        client.get(HISTORY)


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0",
            "Chrome 120 · Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0",
            "Edge 120 · Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1",
            "Safari 604 · iOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox 125 · Linux",
        ),
        ("", "未知"),
        ("curl/8.0", "curl/8.0"),
    ],
)
def test_user_agents_are_described_briefly(agent, label):
    assert describe_user_agent(agent) == label


# ---------------------------------------------------------------------------------------------
# My scope


def test_my_scope_explains_each_grant(client, world):
    client.force_login(world.alice)
    body = client.get(SCOPE).content.decode()
    assert "组织部" in body
    assert "中共一矿委员会" in body
    assert "中共某煤业集团委员会" in body  # the ancestor path
    assert "覆盖 4 个组织" in body
    assert label_of(VIEW_ORGANIZATION) in body
    assert label_of(MANAGE_COMMITTEE) in body


def test_a_branch_secretary_sees_the_full_path(client, world):
    client.force_login(world.bob)
    response = client.get(SCOPE)
    (explained,) = response.context["grants"]
    assert explained.ancestors == ["中共某煤业集团委员会", "中共一矿委员会"]
    assert explained.subtree_size == 2


def test_a_user_without_roles_is_told_what_they_can_see(client, world):
    client.force_login(world.charlie)
    body = client.get(SCOPE).content.decode()
    assert "您目前只能查看本人信息和向您公开的内容" in body


def test_my_scope_query_count_does_not_grow_with_grants(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.charlie)
    grant(world.charlie, "party_clerk", world.branch1)
    client.get(SCOPE)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SCOPE).status_code == 200
        return len(captured)

    one = queries()
    grant(world.charlie, "party_clerk", world.branch2)
    grant(world.charlie, "party_clerk", world.branch3)
    grant(world.charlie, "branch_secretary", world.mine2)
    assert queries() == one
