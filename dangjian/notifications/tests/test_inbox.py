"""The inbox pages: a user only ever sees and changes their own notifications."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.notifications.models import Notification, Preference
from dangjian.notifications.selectors import unread_count

INBOX = reverse("notifications:inbox")


def make_notes(user, count, **fields):
    Notification.objects.bulk_create(
        [
            Notification(recipient=user, title=f"{fields.pop('title', '消息')} {n}", **fields)
            for n in range(count)
        ]
    )


@pytest.fixture
def alices_note(world):
    return Notification.objects.create(recipient=world.alice, title="请审核发展对象", url="/orgs/")


def read_states():
    return sorted(Notification.objects.values_list("pk", "read_at"))


# -- list --------------------------------------------------------------------------------------


def test_the_inbox_lists_my_notifications_only(client, world, alices_note):
    Notification.objects.create(recipient=world.dave, title="戴维的消息")
    client.force_login(world.alice)
    html = client.get(INBOX).content.decode()
    assert "请审核发展对象" in html
    assert "戴维的消息" not in html
    assert reverse("notifications:open", args=[alices_note.pk]) in html


def test_the_unread_filter_hides_read_notifications(client, world, alices_note):
    Notification.objects.create(recipient=world.alice, title="旧消息", read_at="2026-01-01T00:00Z")
    client.force_login(world.alice)
    unread = client.get(INBOX, {"show": "unread"}).content.decode()
    everything = client.get(INBOX, {"show": "all"}).content.decode()
    assert "请审核发展对象" in unread
    assert "旧消息" not in unread
    assert "旧消息" in everything


def test_an_unknown_filter_shows_everything(client, world, alices_note):
    client.force_login(world.alice)
    assert "请审核发展对象" in client.get(INBOX, {"show": "<script>"}).content.decode()


def test_the_inbox_is_paginated_in_the_database(client, world):
    make_notes(world.alice, 25)
    client.force_login(world.alice)
    page2 = client.get(INBOX, {"show": "unread", "page": 2}).content.decode()
    assert page2.count('data-testid="inbox-item"') == 5
    assert "show=unread&amp;page=1" in page2


def test_an_empty_inbox_says_so(client, world):
    client.force_login(world.charlie)
    assert 'data-testid="inbox-empty"' in client.get(INBOX).content.decode()


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INBOX).status_code == 200
    return len(queries)


def test_the_inbox_query_count_does_not_grow_with_notifications(client, world):
    client.force_login(world.alice)
    client.get(INBOX)  # the first request of a session writes its activity stamp
    make_notes(world.alice, 5)
    few = _inbox_queries(client)
    make_notes(world.alice, 10, title="又一条")
    assert _inbox_queries(client) == few


def test_every_logged_in_user_has_an_inbox(client, world):
    assert_access_matrix(
        client,
        url=INBOX,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"no_role": 200, "out_of_scope": 200},
    )


def test_the_badge_counts_unread_notifications(client, world, alices_note):
    make_notes(world.alice, 2)
    assert unread_count(world.alice) == 3
    client.force_login(world.alice)
    assert 'data-testid="inbox-badge">3<' in client.get(INBOX).content.decode()


# -- open --------------------------------------------------------------------------------------


def test_opening_marks_read_and_follows_a_local_link(client, world, alices_note):
    client.force_login(world.alice)
    response = client.get(reverse("notifications:open", args=[alices_note.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/orgs/"
    alices_note.refresh_from_db()
    assert alices_note.read_at is not None


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_a_link_off_the_site_is_not_followed(client, world, url):
    note = Notification.objects.create(
        recipient=world.alice, title="外部链接", body="正文", url=url
    )
    client.force_login(world.alice)
    response = client.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "正文" in html
    assert "evil.example" not in html
    note.refresh_from_db()
    assert note.read_at is not None


def test_reopening_keeps_the_first_read_time(client, world, alices_note):
    client.force_login(world.alice)
    client.get(reverse("notifications:open", args=[alices_note.pk]))
    first = Notification.objects.get(pk=alices_note.pk).read_at
    client.get(reverse("notifications:open", args=[alices_note.pk]))
    assert Notification.objects.get(pk=alices_note.pk).read_at == first


def test_another_users_notification_answers_404_and_stays_unread(client, world, alices_note):
    assert_access_matrix(
        client,
        url=reverse("notifications:open", args=[alices_note.pk]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=read_states,
    )


def test_a_missing_notification_answers_404(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("notifications:open", args=[999999])).status_code == 404


# -- mark all read -----------------------------------------------------------------------------


def test_mark_all_read_marks_only_mine(client, world):
    make_notes(world.alice, 3)
    make_notes(world.dave, 2)
    client.force_login(world.alice)
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "已将 3 条消息标为已读" in response.content.decode()
    assert unread_count(world.alice) == 0
    assert unread_count(world.dave) == 2


def test_mark_all_read_refuses_get(client, world):
    make_notes(world.alice, 1)
    client.force_login(world.alice)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    assert unread_count(world.alice) == 1


def test_mark_all_read_sends_anonymous_users_to_login(client, world):
    make_notes(world.alice, 1)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert unread_count(world.alice) == 1


# -- preferences -------------------------------------------------------------------------------

PREFERENCES = reverse("notifications:preferences")


def test_the_preferences_page_shows_the_current_choices(client, world):
    Preference.objects.create(user=world.alice, daily_digest=True, muted_categories=["task"])
    client.force_login(world.alice)
    html = client.get(PREFERENCES).content.decode()
    assert 'name="daily_digest" id="id_daily_digest" checked' in html
    assert re.search(r'value="task"[^>]*checked', html)
    assert not re.search(r'value="system"[^>]*checked', html)
    assert 'value="security"' not in html  # cannot be muted


def test_saving_preferences_updates_them_and_writes_the_audit_log(client, world):
    world.alice.email = "alice@example.cn"
    world.alice.save()
    client.force_login(world.alice)
    response = client.post(
        PREFERENCES, {"email_enabled": "on", "daily_digest": "on", "muted_categories": ["task"]}
    )
    assert response.status_code == 302
    preference = Preference.objects.get(user=world.alice)
    assert (preference.email_enabled, preference.sms_enabled, preference.daily_digest) == (
        True,
        False,
        True,
    )
    assert preference.muted_categories == ["task"]
    entry = AuditEntry.objects.get(action="notifications.preference_update")
    assert entry.actor_id == world.alice.pk
    assert entry.after["muted_categories"] == ["task"]


def test_sms_without_a_mobile_number_is_refused_with_a_clear_message(client, world):
    client.force_login(world.alice)
    response = client.post(PREFERENCES, {"sms_enabled": "on"})
    assert response.status_code == 200
    assert "请先在个人设置中填写手机号" in response.content.decode()
    assert not Preference.objects.exists()
    assert not AuditEntry.objects.filter(action="notifications.preference_update").exists()


def test_an_unknown_category_is_refused(client, world):
    client.force_login(world.alice)
    response = client.post(PREFERENCES, {"muted_categories": ["security"]})
    assert response.status_code == 200
    assert not Preference.objects.exists()


def test_everyone_has_their_own_preferences_page(client, world):
    assert_access_matrix(
        client,
        url=PREFERENCES,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"no_role": 200, "out_of_scope": 200},
    )
