"""A session that gains an administrator role without a verified second factor is ended."""

from django.test import Client
from django.urls import reverse

from dangjian.accounts.models import LoginEvent
from dangjian.core.testing.world import grant


def test_a_user_granted_an_admin_role_mid_session_must_log_in_again(world):
    plain = Client()  # Django's own client: no second factor recorded
    plain.force_login(world.charlie)
    assert plain.get(reverse("dashboard:home")).status_code == 200
    grant(world.charlie, "audit_admin", world.group)
    response = plain.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    page = plain.get(reverse("accounts:login")).content.decode()
    assert "须使用双因素认证登录" in page
    assert LoginEvent.objects.filter(user=world.charlie, result="logout").exists()
    assert plain.get(reverse("dashboard:home")).status_code == 302


def test_an_admin_session_without_a_second_factor_gets_a_json_refusal_from_the_api(world):
    plain = Client()
    plain.force_login(world.secadmin)
    response = plain.get("/api/v1/users/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "second_factor_required"


def test_an_admin_with_a_verified_factor_goes_on_working(client, world):
    client.force_login(world.secadmin)  # the project's client records the verified device
    assert client.get(reverse("manage:roles")).status_code == 200
    assert client.get(reverse("manage:grants")).status_code == 200


def test_ordinary_users_are_not_asked_for_a_second_factor(world):
    plain = Client()
    plain.force_login(world.bob)
    assert plain.get(reverse("orgs:tree")).status_code == 200
