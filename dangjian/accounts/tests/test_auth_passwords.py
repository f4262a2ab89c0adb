"""Password policy validators, the password change service and page, and the forced change
(first login, reset, expiry) applied by LoginPolicyMiddleware."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import PasswordHistory
from dangjian.accounts.passwords import (
    CharacterClassValidator,
    MinimumLengthValidator,
    NotContainingLoginNameValidator,
    PasswordHistoryValidator,
    character_classes,
)
from dangjian.accounts.services.authentication import password_change
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.services import rule_set

CHANGE = reverse("accounts:password_change")
HOME = reverse("dashboard:home")


def messages_of(validator, password, user=None) -> list[str]:
    try:
        validator.validate(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def set_rule(world, key, value):
    rule_set(
        actor=world.secadmin, key=key, value=value, valid_from=timezone.localdate(), note="调整"
    )


# ---------------------------------------------------------------------------------------------
# Validators


def test_a_password_needs_eight_characters(db):
    assert messages_of(MinimumLengthValidator(), "Ab#12345") == []
    assert messages_of(MinimumLengthValidator(), "Ab#1234") == [
        "密码太短：至少需要 8 个字符，当前只有 7 个。"
    ]


def test_the_minimum_length_follows_the_rule(world):
    set_rule(world, "accounts.password_min_length", 12)
    assert "至少需要 12 个字符" in messages_of(MinimumLengthValidator(), "Ab#123456")[0]


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcd1234", 2), ("Abcd1234", 3), ("abcd#234", 3), ("Ab#d1234", 4)],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


def test_a_password_needs_three_of_four_classes(db):
    assert messages_of(CharacterClassValidator(), "Abcd1234") == []
    (message,) = messages_of(CharacterClassValidator(), "abcd1234")
    assert (
        message
        == "密码太简单：须包含大写字母、小写字母、数字、符号中的至少 3 类（当前只有 2 类）。"
    )


def test_a_password_must_not_contain_the_login_name(world):
    validator = NotContainingLoginNameValidator()
    assert messages_of(validator, "xCharlie#2026", world.charlie) == [
        "密码不能包含登录名（工号或手机号）。"
    ]
    assert messages_of(validator, "Chuck#2026x", world.charlie) == []


def test_a_password_must_not_repeat_the_current_or_last_five(world):
    user = world.charlie
    validator = PasswordHistoryValidator()
    assert messages_of(validator, world.password, user) == [
        "新密码不能与最近 5 次使用过的密码相同，请换一个。"
    ]
    old = world.password
    for index in range(5):
        new = f"Fresh#{index}pass"
        password_change(user=user, old_password=old, new_password=new)
        old = new
    # The current one and the four before it are remembered; the first one has dropped out.
    assert messages_of(validator, "Fresh#1pass", user) != []
    assert messages_of(validator, "Fresh#4pass", user) != []
    assert messages_of(validator, world.password, user) == []
    assert PasswordHistory.objects.filter(user=user).count() == 5


def test_all_rules_apply_through_django_validation(world):
    with pytest.raises(ValidationError) as caught:
        validate_password("charlie1", world.charlie)
    text = " ".join(caught.value.messages)
    assert "密码太简单" in text and "不能包含登录名" in text


# ---------------------------------------------------------------------------------------------
# Service


def test_password_change_sets_history_age_and_audit(world):
    user = world.charlie
    user.must_change_password = True
    user.save()
    password_change(user=user, old_password=world.password, new_password="Meikuang#88")
    user.refresh_from_db()
    assert user.check_password("Meikuang#88")
    assert not user.must_change_password
    assert timezone.now() - user.password_changed_at < timedelta(seconds=5)
    assert PasswordHistory.objects.filter(user=user).count() == 1
    entry = AuditEntry.objects.get(action="accounts.password_change")
    assert entry.actor == user
    assert "Meikuang" not in str(entry.before) + str(entry.after) + entry.message


def test_a_wrong_current_password_changes_nothing(world):
    with pytest.raises(ServiceError) as caught:
        password_change(user=world.charlie, old_password="nope", new_password="Meikuang#88")
    assert caught.value.message_dict == {"old_password": ["当前密码不正确，请重新输入。"]}
    world.charlie.refresh_from_db()
    assert world.charlie.check_password(world.password)
    assert not AuditEntry.objects.filter(action="accounts.password_change").exists()


def test_a_weak_new_password_is_refused_with_the_reasons(world):
    with pytest.raises(ServiceError) as caught:
        password_change(user=world.charlie, old_password=world.password, new_password="abc")
    assert "密码太短" in caught.value.message_dict["new_password1"][0]
    assert not PasswordHistory.objects.exists()


# ---------------------------------------------------------------------------------------------
# Page


def test_the_change_page_lists_the_policy(client, world):
    client.force_login(world.charlie)
    body = client.get(CHANGE).content.decode()
    assert "至少 8 个字符" in body
    assert "不能与最近 5 次使用过的密码相同" in body
    assert 'data-testid="password-reason"' not in body


def test_changing_the_password_keeps_the_session(client, world):
    client.force_login(world.charlie)
    response = client.post(
        CHANGE,
        {
            "old_password": world.password,
            "new_password1": "Meikuang#88",
            "new_password2": "Meikuang#88",
        },
    )
    assert response["Location"] == reverse("accounts:profile")
    assert client.get(HOME).status_code == 200


def test_mismatched_new_passwords_are_explained(client, world):
    client.force_login(world.charlie)
    body = client.post(
        CHANGE,
        {"old_password": world.password, "new_password1": "Meikuang#88", "new_password2": "x"},
    ).content.decode()
    assert "两次输入的新密码不一致" in body
    world.charlie.refresh_from_db()
    assert world.charlie.check_password(world.password)


def test_the_change_page_is_for_logged_in_users(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# ---------------------------------------------------------------------------------------------
# Forced change


@pytest.fixture
def first_login(world):
    world.charlie.must_change_password = True
    world.charlie.save()
    return world.charlie


def test_a_first_login_is_sent_to_the_change_page(client, first_login):
    client.force_login(first_login)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == CHANGE + "?next=%2Faccounts%2Fprofile%2F"
    body = client.get(response["Location"]).content.decode()
    assert "首次登录" in body


@pytest.mark.parametrize("name", ["accounts:password_change", "healthz"])
def test_the_change_page_and_health_stay_reachable(client, first_login, name):
    client.force_login(first_login)
    assert client.get(reverse(name)).status_code == 200


def test_logout_stays_reachable(client, first_login):
    client.force_login(first_login)
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_after_the_change_the_user_goes_where_they_wanted(client, first_login, world):
    client.force_login(first_login)
    response = client.post(
        CHANGE + "?next=/accounts/scope/",
        {
            "old_password": world.password,
            "new_password1": "Meikuang#88",
            "new_password2": "Meikuang#88",
            "next": "/accounts/scope/",
        },
    )
    assert response["Location"] == "/accounts/scope/"
    assert client.get(HOME).status_code == 200


def test_an_expired_password_is_sent_to_the_change_page(client, world):
    world.charlie.password_changed_at = timezone.now() - timedelta(days=91)
    world.charlie.save()
    client.force_login(world.charlie)
    response = client.get(HOME)
    assert response["Location"].startswith(CHANGE)
    assert "密码已过期" in client.get(CHANGE).content.decode()


def test_the_expiry_follows_the_rule(client, world):
    world.charlie.password_changed_at = timezone.now() - timedelta(days=31)
    world.charlie.save()
    client.force_login(world.charlie)
    assert client.get(HOME).status_code == 200
    set_rule(world, "accounts.password_max_age_days", 30)
    assert client.get(HOME)["Location"].startswith(CHANGE)


def test_htmx_requests_get_an_hx_redirect(client, first_login):
    client.force_login(first_login)
    response = client.get(HOME, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == CHANGE


def test_api_calls_with_a_token_wait_for_the_password_change(client, first_login):
    token = Token.objects.create(user=first_login)
    response = client.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "password_change_required"


def test_api_calls_in_the_session_get_a_json_refusal(client, first_login):
    client.force_login(first_login)
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_change_required"
