"""Deliveries: idempotent, retried a bounded number of times, errors recorded."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from dangjian.notifications.models import Delivery, Notification
from dangjian.notifications.services import (
    MAX_DELIVERY_ATTEMPTS,
    RETRY_DELAY,
    claim_attempt,
    deliveries_retry,
    delivery_send,
    notify,
)

TEMPLATE = '{"mobile": "{mobile}", "content": "{text}"}'


@pytest.fixture
def sms_only(reachable):
    reachable.notification_preference.email_enabled = False
    reachable.notification_preference.save()
    return reachable


@pytest.fixture
def http_gateway(gateway):
    with override_settings(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TEMPLATE=TEMPLATE):
        yield gateway


def _send_sms(user, on_commit, title="支部大会通知") -> Delivery:
    with on_commit():
        notify(recipients=[user], title=title, body="周五下午三点，三楼会议室")
    return Delivery.objects.get(channel="sms")


def _later(delivery: Delivery, by=RETRY_DELAY + timedelta(seconds=1)):
    return delivery.last_attempt_at + by


def test_an_sms_goes_to_the_http_gateway(sms_only, http_gateway, on_commit):
    delivery = _send_sms(sms_only, on_commit)
    assert http_gateway.received[0]["json"] == {
        "mobile": "13812345678",
        "content": "【党建信息平台】支部大会通知：周五下午三点，三楼会议室",
    }
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_a_failed_attempt_is_recorded_and_retried_later(sms_only, http_gateway, on_commit):
    http_gateway.status = 503
    delivery = _send_sms(sms_only, on_commit)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "HTTP 503" in delivery.error
    assert deliveries_retry(now=delivery.last_attempt_at) == 0  # too early
    http_gateway.status = 200
    with on_commit():
        assert deliveries_retry(now=_later(delivery)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 2, "")
    assert len(http_gateway.received) == 2


def test_retries_stop_after_the_last_attempt(sms_only, http_gateway, on_commit):
    http_gateway.status = 500
    delivery = _send_sms(sms_only, on_commit)
    for _ in range(MAX_DELIVERY_ATTEMPTS + 2):
        with on_commit():
            deliveries_retry(now=timezone.now() + timedelta(hours=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_DELIVERY_ATTEMPTS)
    assert len(http_gateway.received) == MAX_DELIVERY_ATTEMPTS
    assert "HTTP 500" in delivery.error


def test_a_sent_delivery_is_never_sent_again(reachable, on_commit):
    with on_commit():
        notify(recipients=[reachable], title="一次")
    email = Delivery.objects.get(channel="email")
    assert delivery_send(email.pk) == "sent"
    with on_commit():
        deliveries_retry(now=timezone.now() + timedelta(hours=1))
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_delivery_whose_task_was_lost_is_picked_up(reachable, on_commit):
    notify(recipients=[reachable], title="任务丢失")  # on-commit callbacks never run
    assert Delivery.objects.filter(status="pending", attempts=0).count() == 2
    with on_commit():
        deliveries_retry(now=timezone.now() + RETRY_DELAY + timedelta(seconds=1))
    assert len(mail.outbox) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_an_attempt_already_claimed_elsewhere_is_not_taken_again(reachable):
    notify(recipients=[reachable], title="并发")
    mine = Delivery.objects.get(channel="email")
    theirs = Delivery.objects.get(pk=mine.pk)
    assert claim_attempt(theirs)  # another worker read the same row and claimed first
    assert not claim_attempt(mine)
    assert Delivery.objects.get(pk=mine.pk).attempts == 1


def test_an_address_removed_before_sending_skips_the_delivery(reachable):
    notify(recipients=[reachable], title="地址已删")
    reachable.email = ""
    reachable.save()
    email = Delivery.objects.get(channel="email")
    assert delivery_send(email.pk) == "skipped"
    assert mail.outbox == []


def test_the_email_links_to_the_site_when_site_url_is_set(reachable):
    notify(recipients=[reachable], title="请审核", url="/orgs/5/")
    email = Delivery.objects.get(channel="email")
    with override_settings(SITE_URL="https://dangjian.example.cn/"):
        delivery_send(email.pk)
    assert "https://dangjian.example.cn/orgs/5/" in mail.outbox[0].body


def test_a_long_sms_is_shortened(sms_only, on_commit, capsys):
    with on_commit():
        notify(recipients=[sms_only], title="长消息", body="很" * 300)
    out = capsys.readouterr().out
    assert "…" in out
    assert Notification.objects.get().body == "很" * 300
