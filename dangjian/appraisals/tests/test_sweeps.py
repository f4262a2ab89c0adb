"""The daily reminders: who gets them, when, and never twice."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from dangjian.appraisals import services
from dangjian.appraisals.sweeps import appraisal_reminders, send_reminders
from dangjian.appraisals.tests.helpers import full_members, member_with_account, open_round
from dangjian.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _at(day):
    return timezone.make_aware(datetime.combine(day, time(8, 0)))


@pytest.fixture
def peer_round(world):
    _zhang, zhang_user = member_with_account(world.branch1, "张三", "zhang")
    _li, li_user = member_with_account(world.branch1, "李四", "li")
    full_members(world.branch1, 1)
    round_ = open_round(world)
    services.round_advance(actor=world.bob, round_=round_)
    Notification.objects.all().delete()  # the opening notice
    return round_, zhang_user, li_user


def test_raters_left_are_reminded_before_and_on_the_deadline_once_each(world, peer_round):
    round_, zhang_user, li_user = peer_round
    participant = round_.participants.select_related("round", "member").get(name="张三")
    services.ratings_submit(
        actor=zhang_user,
        participant=participant,
        ratings={peer.pk: "qualified" for peer in services.peers_to_rate(participant)},
    )
    with time_machine.travel(_at(round_.peer_ends_on - timedelta(days=10)), tick=False):
        assert appraisal_reminders(today=timezone.localdate()) == 0
    before = round_.peer_ends_on - timedelta(days=2)
    with time_machine.travel(_at(before), tick=False):
        send_reminders(now=timezone.now())
        send_reminders(now=timezone.now())
    reminded = Notification.objects.filter(dedupe_key__startswith="appraisals:peer:")
    assert list(reminded.values_list("recipient_id", flat=True)) == [li_user.pk]
    with time_machine.travel(_at(round_.peer_ends_on), tick=False):
        send_reminders(now=timezone.now())
        send_reminders(now=timezone.now())
    assert reminded.count() == 2
    assert "今天截止" in reminded.order_by("-pk").first().title


def test_the_secretary_is_reminded_before_the_final_date_once(world, peer_round):
    round_, _, _ = peer_round
    with time_machine.travel(_at(round_.final_ends_on - timedelta(days=1)), tick=False):
        for _ in range(3):
            send_reminders(now=timezone.now())
    notices = Notification.objects.filter(dedupe_key__startswith="appraisals:final:")
    assert list(notices.values_list("recipient_id", flat=True)) == [world.bob.pk]
    with time_machine.travel(_at(round_.final_ends_on + timedelta(days=3)), tick=False):
        send_reminders(now=timezone.now())
        send_reminders(now=timezone.now())
    assert notices.count() == 2
    assert "已到确定等次的截止日期" in notices.order_by("-pk").first().title
