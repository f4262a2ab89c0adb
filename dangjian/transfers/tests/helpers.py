"""Builders for the transfer tests: a transfer brought to a given step through the services."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dangjian.transfers import services as svc

DAY = date(2026, 3, 2)
TODAY = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def request_out(world, member, *, destination=None, name="中共某市某区街道工作委员会", day=DAY):
    return svc.transfer_request(
        actor=world.bob,
        member=member,
        destination=destination,
        destination_name="" if destination else name,
        reason="工作调动",
        requested_on=day,
    )


def issued(world, member, *, destination=None, day=DAY, validity_days=None, **extra):
    transfer = request_out(world, member, destination=destination, day=day, **extra)
    transfer = svc.transfer_branch_approve(actor=world.bob, transfer=transfer, approved_on=day)
    return svc.transfer_issue_letter(
        actor=world.alice, transfer=transfer, issued_on=day, validity_days=validity_days
    )
