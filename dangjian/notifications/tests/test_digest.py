"""The daily digest: one e-mail per digest reader with yesterday's unread notifications."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dangjian.core.scheduler import registered_sweeps
from dangjian.notifications.models import Delivery, Notification, Preference
from dangjian.notifications.services import digests_dispatch

DAY = date(2026, 3, 1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def note(user, title, at, *, read=False, category="system"):
    row = Notification.objects.create(recipient=user, title=title, category=category)
    Notification.objects.filter(pk=row.pk).update(created_at=at, read_at=at if read else None)
    return row


@pytest.fixture
def digest_reader(world):
    bob = world.bob
    bob.email = "bob@example.cn"
    bob.save()
    Preference.objects.create(user=bob, daily_digest=True, muted_categories=["reminder"])
    return bob


@pytest.fixture
def bobs_day(digest_reader):
    note(digest_reader, "支部大会通知", local(DAY, 0, 5))
    note(digest_reader, "学习任务", local(DAY, 23, 50))
    note(digest_reader, "已读的消息", local(DAY, 10), read=True)
    note(digest_reader, "被屏蔽的提醒", local(DAY, 11), category="reminder")
    note(digest_reader, "前一天的消息", local(DAY - timedelta(days=1), 23, 59))
    note(digest_reader, "今天的消息", local(DAY + timedelta(days=1), 0, 1))
    return digest_reader


def test_it_sends_one_email_with_the_days_unread_notifications(bobs_day, on_commit):
    with on_commit():
        assert digests_dispatch(day=DAY) == 1
    [message] = mail.outbox
    assert message.to == ["bob@example.cn"]
    assert message.subject == "【党建信息平台】2026-03-01 消息汇总（2 条未读）"
    assert "1. 支部大会通知（00:05）" in message.body
    assert "2. 学习任务（23:50）" in message.body
    for absent in ("已读的消息", "被屏蔽的提醒", "前一天的消息", "今天的消息"):
        assert absent not in message.body
    delivery = Delivery.objects.get()
    assert (delivery.digest_on, delivery.status, delivery.notification) == (DAY, "sent", None)
    assert Preference.objects.get(user=bobs_day).last_digest_at is not None


def test_it_is_idempotent_per_day(bobs_day, on_commit):
    for _ in range(3):
        with on_commit():
            digests_dispatch(day=DAY)
    assert len(mail.outbox) == 1
    assert Delivery.objects.count() == 1


def test_users_without_the_digest_or_without_unread_mail_get_none(bobs_day, world, on_commit):
    world.alice.email = "alice@example.cn"
    world.alice.save()
    Preference.objects.create(user=world.alice, email_enabled=True)
    note(world.alice, "艾丽的消息", local(DAY, 9))
    with on_commit():
        digests_dispatch(day=DAY + timedelta(days=5))
        digests_dispatch(day=DAY)
    assert [m.to for m in mail.outbox] == [["bob@example.cn"]]


def test_a_digest_whose_notifications_were_read_meanwhile_is_skipped(bobs_day):
    digests_dispatch(day=DAY)  # deliveries created; the on-commit send has not run yet
    Notification.objects.filter(recipient=bobs_day).update(read_at=timezone.now())
    from dangjian.notifications.services import delivery_send

    assert delivery_send(Delivery.objects.get().pk) == "skipped"
    assert mail.outbox == []


def test_the_sweep_sends_yesterdays_digest_each_morning(bobs_day, on_commit):
    sweep = registered_sweeps()["notifications.daily_digest"]
    assert sweep.every == timedelta(days=1)
    with on_commit():
        sweep.func(now=local(DAY + timedelta(days=1), 7, 30))
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().digest_on == DAY
