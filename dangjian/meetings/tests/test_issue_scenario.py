"""The issue's "done when", the half a browser does not need: a branch that held its 党员大会 in
the quarter is green for it, a branch that did not is red once the quarter closes, and its
secretary was reminded before the close (and the upper organisation after it)."""

import datetime

import time_machine

from dangjian.core.testing.world import grant, make_user
from dangjian.meetings.compliance import Status, evaluate
from dangjian.meetings.sweeps import compliance_reminders_send
from dangjian.meetings.tests.factories import add_members, at, held, plan
from dangjian.notifications.models import Notification


def _congress_q3(grid, organization):
    (cell,) = [
        cell
        for cell in grid.get(organization.pk).cells
        if cell.rule.category == "congress" and cell.period.label == "2026年第3季度"
    ]
    return cell


def test_held_congress_is_green_missing_one_is_red_and_its_secretary_was_reminded(world, client):
    members = add_members(world.branch1, full=4)
    add_members(world.branch2, full=4)
    secretary2 = make_user("shuji2", "掘进二队书记")
    grant(secretary2, "branch_secretary", world.branch2)

    with time_machine.travel(at(2026, 8, 20, 8), tick=False):
        meeting = plan(world.bob, world.branch1, "congress", start=at(2026, 8, 20, 9))
    with time_machine.travel(at(2026, 8, 20, 12), tick=False):
        held(world.bob, meeting, present=members[:3])

    # Ten days before the quarter closes: only the branch without a 党员大会 is reminded.
    compliance_reminders_send(today=datetime.date(2026, 9, 21))
    congress = "支部党员大会每季度至少召开1次"
    told = Notification.objects.filter(title__contains=f"2026年第3季度“{congress}”")
    assert set(told.values_list("recipient__username", flat=True)) == {"shuji2"}
    compliance_reminders_send(today=datetime.date(2026, 9, 22))  # the next day: not again
    assert told.count() == 1

    # After the close: branch1 green, branch2 red, and the mine's 组织部 hears of it.
    grid = evaluate(world.mine, 2026, on=datetime.date(2026, 10, 2))
    assert _congress_q3(grid, world.branch1).status == Status.GREEN
    assert _congress_q3(grid, world.branch2).status == Status.RED
    compliance_reminders_send(today=datetime.date(2026, 10, 2))
    upper = Notification.objects.filter(recipient=world.alice, title__contains="2026年第3季度")
    assert upper.exists()

    # The page the 组织部 opens says the same.
    with time_machine.travel(at(2026, 10, 2, 9), tick=False):
        client.force_login(world.alice)
        page = client.get(
            "/meetings/compliance/",
            {"organization": world.branch2.pk, "year": 2026, "quarter": 3, "view": "table"},
        )
    assert page.status_code == 200
    assert "未落实" in page.content.decode()
