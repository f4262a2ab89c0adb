"""GET /healthz: database status and the background processes' heartbeats."""

from datetime import timedelta
from unittest import mock

from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from dangjian.core.health import record_heartbeat
from dangjian.core.models import Heartbeat


def test_it_answers_200_with_the_database_ok(client, db):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["worker"] == {"last_heartbeat": None, "age_seconds": None, "stale": True}
    assert body["scheduler"]["stale"] is True


def test_it_reports_the_last_heartbeats(client, db):
    record_heartbeat("worker")
    Heartbeat.objects.update_or_create(
        name="scheduler", defaults={"seen_at": timezone.now() - timedelta(minutes=10)}
    )
    body = client.get(reverse("healthz")).json()
    assert body["worker"]["stale"] is False
    assert body["worker"]["age_seconds"] <= 5
    assert body["scheduler"]["stale"] is True
    assert body["scheduler"]["age_seconds"] >= 600


def test_it_answers_503_when_the_database_is_down(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("no route to db")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "detail": "OperationalError"}
    assert "no route" not in response.content.decode()


def test_it_is_never_cached(client, db):
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_it_rejects_post(client, db):
    assert client.post(reverse("healthz")).status_code == 405
