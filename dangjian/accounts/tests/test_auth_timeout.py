"""Idle session timeout (SessionIdleTimeoutMiddleware), measured with time-machine."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import LoginEvent
from dangjian.audit.models import AuditEntry
from dangjian.core.services import rule_set

LOGIN = reverse("accounts:login")
PROFILE = reverse("accounts:profile")


@pytest.fixture
def clock(time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)

    def at(minutes):
        time_machine.move_to(start + timedelta(minutes=minutes), tick=False)

    return at


@pytest.fixture
def charlie_in(client, world, clock):
    response = client.post(LOGIN, {"username": "charlie", "password": world.password})
    assert response.status_code == 302
    return world.charlie


def test_a_session_idle_for_thirty_minutes_is_ended(client, charlie_in, clock):
    clock(30.5)
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"] == LOGIN + "?next=%2Faccounts%2Fprofile%2F"
    assert LoginEvent.objects.filter(user=charlie_in, result="timeout").count() == 1
    assert AuditEntry.objects.filter(action="accounts.timeout", actor=charlie_in).exists()
    body = client.get(response["Location"]).content.decode()
    assert "由于长时间未操作，您已安全退出，请重新登录" in body
    assert client.get(PROFILE).status_code == 302


def test_activity_keeps_the_session_alive(client, charlie_in, clock):
    for minutes in (20, 40, 60, 80):
        clock(minutes)
        assert client.get(PROFILE).status_code == 200
    assert not LoginEvent.objects.filter(result="timeout").exists()


def test_activity_is_remembered_on_the_user(client, charlie_in, clock):
    clock(10)
    client.get(PROFILE)
    charlie_in.refresh_from_db()
    assert charlie_in.last_activity_at == timezone.now()


def test_twenty_nine_minutes_is_not_yet_idle(client, charlie_in, clock):
    clock(29)
    assert client.get(PROFILE).status_code == 200


def test_the_timeout_follows_the_rule(client, world, charlie_in, clock):
    rule_set(
        actor=world.secadmin,
        key="accounts.idle_timeout_minutes",
        value=10,
        valid_from=timezone.localdate(),
        note="收紧",
    )
    clock(11)
    assert client.get(PROFILE).status_code == 302


def test_htmx_requests_are_redirected_with_a_header(client, charlie_in, clock):
    clock(31)
    response = client.get(PROFILE, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == LOGIN


def test_api_calls_in_a_timed_out_session_get_401(client, charlie_in, clock):
    clock(31)
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_timeout"


def test_a_session_started_elsewhere_is_stamped_on_its_first_request(client, world, clock):
    client.force_login(world.charlie)
    assert client.get(PROFILE).status_code == 200
    clock(31)
    assert client.get(PROFILE).status_code == 302


def test_health_checks_do_not_touch_sessions(client, charlie_in, clock):
    clock(31)
    assert client.get(reverse("healthz")).status_code == 200
    assert not LoginEvent.objects.filter(result="timeout").exists()
