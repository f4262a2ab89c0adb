"""API authentication: DRF tokens as `Bearer`/`Token`, and the session with CSRF enforced."""

from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token

ME = "/api/v1/users/me/"
ORGS = "/api/v1/organizations/"


def test_a_bearer_token_authenticates(client, world):
    token = Token.objects.create(user=world.bob)
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert response.status_code == 200
    assert response.json()["id"] == world.bob.pk


def test_the_drf_token_keyword_is_accepted_too(client, world):
    token = Token.objects.create(user=world.bob)
    response = client.get(ME, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.json()["id"] == world.bob.pk


def test_a_token_sees_only_its_users_scope(client, world):
    token = Token.objects.create(user=world.bob)
    response = client.get(ORGS, HTTP_AUTHORIZATION=f"Bearer {token.key}")
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {world.branch1.pk, world.group1.pk}


def test_a_wrong_token_is_refused_with_401(client, world):
    Token.objects.create(user=world.bob)
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_header_without_a_key_is_refused_with_401(client, world):
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer")
    assert response.status_code == 401
    assert "Bearer 令牌" in response.json()["error"]["message"]
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer two parts")
    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_is_refused(client, world):
    token = Token.objects.create(user=world.bob)
    world.bob.is_active = False
    world.bob.save(update_fields=["is_active"])
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert response.status_code == 401


def test_a_wrong_token_is_refused_even_with_a_valid_session(client, world):
    client.force_login(world.alice)
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401


def test_other_authorization_schemes_fall_back_to_the_session(client, world):
    client.force_login(world.alice)
    response = client.get(ME, HTTP_AUTHORIZATION="Basic YWxpY2U6eA==")
    assert response.json()["id"] == world.alice.pk


def test_the_session_authenticates_reads(client, world):
    client.force_login(world.alice)
    assert client.get(ME).json()["id"] == world.alice.pk


def test_a_session_post_without_the_csrf_token_is_refused_with_403(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post(ORGS, {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "csrf_failed"
    assert "CSRF" in error["message"]


def test_a_session_post_with_the_csrf_token_passes_the_check(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    csrf = get_random_string(32)  # what a page's CSRF cookie holds
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    response = client.post(ORGS, {}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    # Past the CSRF check the body is validated: 400 naming the missing fields, not 403.
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["details"]


def test_a_token_post_needs_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    token = Token.objects.create(user=world.alice)
    response = client.post(
        ORGS, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token.key}"
    )
    assert response.status_code == 400


def test_the_api_root_lists_the_endpoints_to_a_caller(client, world):
    client.force_login(world.charlie)
    names = set(client.get("/api/v1/").json())
    assert {"organizations", "committees", "users", "role-assignments"} <= names


def test_the_api_root_answers_401_to_anonymous_callers(client, db):
    assert client.get("/api/v1/").status_code == 401
