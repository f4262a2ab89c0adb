import pytest
from django.urls import reverse

from dangjian.notifications.models import Notification
from dangjian.portal import todo
from dangjian.portal.todo import TodoItem


@pytest.fixture
def fake_provider(monkeypatch):
    def provider(user, request):
        return [
            TodoItem(label="待签收公文", count=3, url="/x/", urgent=True),
            TodoItem(label="空的待办", count=0, url="/y/"),
        ]

    monkeypatch.setattr(todo, "_PROVIDERS", [*todo.providers(), provider])
    return provider


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_greets_the_user_and_lists_grants(client, world):
    client.force_login(world.bob)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "您好，鲍勃" in body
    assert "党支部书记 · 综采一队党支部" in body


def test_it_shows_only_non_empty_todos(client, world, fake_provider):
    client.force_login(world.charlie)
    body = client.get(reverse("dashboard:home")).content.decode()
    assert "待签收公文" in body
    assert "空的待办" not in body


def test_its_query_count_does_not_grow_with_notifications(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.charlie)
    client.get(reverse("dashboard:home"))  # warm the session

    def measure():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard:home")).status_code == 200
        return len(captured)

    Notification.objects.bulk_create(
        Notification(recipient=world.charlie, title=f"通知{i}") for i in range(3)
    )
    few = measure()
    Notification.objects.bulk_create(
        Notification(recipient=world.charlie, title=f"通知{i}") for i in range(30)
    )
    assert measure() == few
