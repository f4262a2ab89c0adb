"""notify(): inbox rows in one INSERT, deduplication, and deliveries enqueued on commit."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.world import make_user
from dangjian.notifications.models import Delivery, Notification, Preference
from dangjian.notifications.services import notify


def test_it_puts_one_notification_in_each_inbox(world):
    reached = notify(
        recipients=[world.alice, world.bob],
        title="请按时提交季度总结",
        body="截止 3 月 31 日",
        url="/orgs/1/",
        category="reminder",
    )
    assert reached == 2
    rows = Notification.objects.order_by("recipient__username")
    assert [row.recipient for row in rows] == [world.alice, world.bob]
    assert {(row.title, row.body, row.url, row.category) for row in rows} == {
        ("请按时提交季度总结", "截止 3 月 31 日", "/orgs/1/", "reminder")
    }
    assert all(row.read_at is None for row in rows)


def test_it_refers_to_the_object(world):
    notify(recipients=[world.bob], title="支部信息已更新", obj=world.branch1)
    row = Notification.objects.get()
    assert (row.object_type, row.object_id) == ("orgs.organization", str(world.branch1.pk))


def test_it_accepts_ids_and_querysets_and_skips_repeats_and_inactive_users(world):
    world.charlie.is_active = False
    world.charlie.save()
    reached = notify(recipients=[world.bob.pk, world.bob, world.charlie], title="通知")
    assert reached == 1
    from django.contrib.auth import get_user_model

    everyone = get_user_model().objects.filter(username__in=["alice", "bob", "charlie"])
    assert notify(recipients=everyone, title="全体通知") == 2


def test_a_dedupe_key_makes_a_repeat_harmless(world):
    for _ in range(3):
        notify(recipients=[world.alice, world.bob], title="到期提醒", dedupe_key="due:7")
    notify(recipients=[world.alice, world.dave], title="到期提醒", dedupe_key="due:7")
    assert Notification.objects.count() == 3
    notify(recipients=[world.alice], title="另一提醒", dedupe_key="due:8")
    assert Notification.objects.filter(recipient=world.alice).count() == 2


def test_an_empty_title_is_refused_and_nothing_is_written(world):
    with pytest.raises(ServiceError, match="标题"):
        notify(recipients=[world.bob], title="  ")
    assert not Notification.objects.exists()


def _queries_to_notify(users, **options) -> int:
    with CaptureQueriesContext(connection) as queries:
        notify(recipients=users, title="通知", **options)
    return len(queries)


@pytest.mark.parametrize("options", [{}, {"dedupe_key": "k"}])
def test_the_query_count_does_not_grow_with_recipients(db, options):
    users = [make_user(f"u{n}", f"用户{n}") for n in range(30)]
    for user in users:
        user.email = f"{user.username}@example.cn"
        user.save()
    Preference.objects.bulk_create([Preference(user=user, email_enabled=True) for user in users])
    few = _queries_to_notify(users[:10], **options)
    many = _queries_to_notify(users[10:], **options)
    assert few == many
    assert Notification.objects.count() == 30
    assert Delivery.objects.count() == 30


# -- channels chosen from preferences ----------------------------------------------------------


def test_deliveries_are_sent_only_after_commit(reachable, on_commit, capsys):
    with on_commit(), transaction.atomic():
        notify(recipients=[reachable], title="支部大会通知", body="周五下午三点")
        assert mail.outbox == []
    assert [message.subject for message in mail.outbox] == ["【党建信息平台】支部大会通知"]
    assert "周五下午三点" in mail.outbox[0].body
    assert "138****5678" in capsys.readouterr().out
    statuses = set(Delivery.objects.values_list("channel", "status"))
    assert statuses == {("email", "sent"), ("sms", "sent")}


def test_nothing_is_sent_when_the_transaction_rolls_back(reachable, on_commit):
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[reachable], title="不会发出")
        raise RuntimeError
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_a_user_without_preferences_gets_the_inbox_only(world, on_commit):
    world.alice.email = "alice@example.cn"
    world.alice.save()
    with on_commit():
        notify(recipients=[world.alice], title="仅站内")
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_a_muted_category_reaches_the_inbox_but_no_other_channel(reachable, on_commit):
    Preference.objects.filter(user=reachable).update(muted_categories=["reminder"])
    with on_commit():
        notify(recipients=[reachable], title="提醒", category="reminder")
        notify(recipients=[reachable], title="系统通知", category="system")
    assert Notification.objects.count() == 2
    assert [m.subject for m in mail.outbox] == ["【党建信息平台】系统通知"]


def test_security_notices_cannot_be_muted(reachable, on_commit):
    Preference.objects.filter(user=reachable).update(muted_categories=["security"])
    with on_commit():
        notify(recipients=[reachable], title="您的密码已修改", category="security")
    assert len(mail.outbox) == 1


def test_digest_readers_get_no_immediate_email_but_still_sms(reachable, on_commit, capsys):
    Preference.objects.filter(user=reachable).update(daily_digest=True)
    with on_commit():
        notify(recipients=[reachable], title="汇总中见")
    assert mail.outbox == []
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["sms"]
    assert "汇总中见" in capsys.readouterr().out


def test_a_channel_without_an_address_is_not_used(world, on_commit):
    Preference.objects.create(user=world.alice, email_enabled=True, sms_enabled=True)
    with on_commit():
        notify(recipients=[world.alice], title="无地址")
    assert not Delivery.objects.exists()


def test_repeating_a_deduplicated_notification_sends_nothing_twice(reachable, on_commit):
    for _ in range(2):
        with on_commit():
            notify(recipients=[reachable], title="到期", dedupe_key="due:1")
    assert len(mail.outbox) == 1
    assert Delivery.objects.count() == 2  # one e-mail, one SMS
