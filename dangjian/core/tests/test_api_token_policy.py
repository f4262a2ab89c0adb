"""Access tokens never get past the login policy: no tokens for the three administrators, and
none for a user whose password must change first."""

from rest_framework.authtoken.models import Token

ME = "/api/v1/users/me/"


def call_with_token(client, user):
    token = Token.objects.create(user=user)
    return client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token.key}")


def test_an_ordinary_token_works(client, world):
    response = call_with_token(client, world.bob)
    assert response.status_code == 200
    assert response.json()["username"] == "bob"


def test_an_administrators_token_is_refused(client, world):
    response = call_with_token(client, world.secadmin)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_allowed"
    assert "三员" in response.json()["error"]["message"]


def test_a_token_is_refused_until_the_first_password_change(client, world):
    world.bob.must_change_password = True
    world.bob.save(update_fields=["must_change_password"])
    response = call_with_token(client, world.bob)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "password_change_required"


def test_a_token_is_refused_once_the_password_has_expired(client, world, settings):
    import datetime

    from django.utils import timezone

    world.bob.password_changed_at = timezone.now() - datetime.timedelta(days=91)
    world.bob.save(update_fields=["password_changed_at"])
    response = call_with_token(client, world.bob)
    assert response.status_code == 401
    assert "修改密码" in response.json()["error"]["message"]


def test_the_profile_refuses_to_issue_a_token_to_an_administrator(client, world):
    client.force_login(world.auditor)
    response = client.post("/accounts/profile/token/", follow=True)
    assert "不能使用 API 令牌" in response.content.decode()
    assert not Token.objects.filter(user=world.auditor).exists()
