"""The daily alerts: expired letters and late 回执, with time-machine, and idempotence."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dangjian.members.tests.factories import make_member
from dangjian.notifications.models import Notification
from dangjian.transfers import services as svc
from dangjian.transfers.models import State, Transfer
from dangjian.transfers.services.alerts import transfer_alerts
from dangjian.transfers.sweeps import send_transfer_alerts
from dangjian.transfers.tests.helpers import issued

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day):
    return datetime(day.year, day.month, day.day, 7, 30, tzinfo=SHANGHAI)


def test_a_letter_past_its_validity_alerts_the_committee_once(world, time_machine):
    time_machine.move_to(_at(date(2026, 3, 2)), tick=False)
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, day=date(2026, 3, 2), validity_days=10)

    time_machine.move_to(_at(date(2026, 3, 12)), tick=False)  # the last valid day
    send_transfer_alerts(now=_at(date(2026, 3, 12)))
    assert not Notification.objects.exists()

    time_machine.move_to(_at(date(2026, 3, 13)), tick=False)
    send_transfer_alerts(now=_at(date(2026, 3, 13)))
    send_transfer_alerts(now=_at(date(2026, 3, 13)))
    note = Notification.objects.get()
    assert note.recipient_id == world.alice.pk
    assert "介绍信已过期" in note.title
    assert Transfer.objects.get(pk=transfer.pk).state == State.EXPIRED


def test_a_late_receipt_alerts_the_issuing_committee_once(world, time_machine):
    time_machine.move_to(_at(date(2026, 3, 2)), tick=False)
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang)
    svc.transfer_record_received(actor=world.alice, transfer=transfer, received_on=date(2026, 3, 2))

    transfer_alerts(today=date(2026, 4, 1))  # day 30: still in time
    assert not Notification.objects.exists()
    time_machine.move_to(_at(date(2026, 4, 2)), tick=False)
    transfer_alerts(today=date(2026, 4, 2))
    transfer_alerts(today=date(2026, 4, 2))
    transfer_alerts(today=date(2026, 4, 3))
    assert "回执逾期未收回" in Notification.objects.get().title


def test_no_alert_once_the_receipt_is_back(world, time_machine):
    time_machine.move_to(_at(date(2026, 3, 2)), tick=False)
    transfer = issued(world, make_member(world.branch1, "张三"))
    svc.transfer_record_received(actor=world.alice, transfer=transfer, received_on=date(2026, 3, 2))
    svc.transfer_record_receipt(actor=world.alice, transfer=transfer, receipt_on=date(2026, 3, 2))
    transfer_alerts(today=date(2026, 5, 1))
    assert not Notification.objects.exists()


def test_an_incoming_receipt_not_sent_alerts_the_receiving_committee(world, time_machine):
    time_machine.move_to(_at(date(2026, 3, 2)), tick=False)
    transfer = svc.transfer_register_incoming(
        actor=world.bob,
        receiver=world.branch1,
        name="赵六",
        id_number="11010519491231002X",
        category="probationary",
        joined_on=date(2025, 9, 1),
        origin_name="外地党委",
        registered_on=date(2026, 3, 2),
    )
    svc.transfer_verify(
        actor=world.alice, transfer=transfer, verified_on=date(2026, 3, 2), method="letter"
    )
    svc.transfer_accept_incoming(actor=world.alice, transfer=transfer, accepted_on=date(2026, 3, 2))
    svc.transfer_assign(actor=world.alice, transfer=transfer, assigned_on=date(2026, 3, 2))
    transfer_alerts(today=date(2026, 4, 2))
    transfer_alerts(today=date(2026, 4, 2))
    note = Notification.objects.get()
    assert note.recipient_id == world.alice.pk and "回执逾期未寄出" in note.title
