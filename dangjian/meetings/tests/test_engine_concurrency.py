"""Concurrent writes on PostgreSQL: sign-ins at the same moment and a double-clicked notice are
serialised by the meeting row lock, so the counters and notices stay exact. (SQLite serialises
every write transaction anyway; these run on PostgreSQL only.)"""

import threading

import pytest
import time_machine
from django.db import connection

from dangjian.meetings.services import attendance, planning
from dangjian.meetings.tests.factories import account, add_members, at, plan
from dangjian.notifications.models import Notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _defaults():
    """A transactional test starts from a flushed database: put the built-in types back."""
    from dangjian.meetings.defaults import ensure_defaults

    ensure_defaults()


def _together(calls):
    """Run the calls in threads released at the same moment; return their exceptions."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        from django.db import connections

        try:
            barrier.wait()
            call()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_simultaneous_sign_ins_are_all_counted(world):
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        members = add_members(world.branch1, full=6, accounts=True)
        meeting = plan(world.bob, world.branch1, "congress", start=at(2026, 11, 26, 9))
    users = [account(member) for member in members]
    moment = at(2026, 11, 26, 9, 1)
    calls = [
        lambda user=user: attendance.sign_in(user=user, code=meeting.signin_code, now=moment)
        for user in users
    ]
    assert _together(calls) == []
    meeting.refresh_from_db()
    assert (meeting.present_count, meeting.quorum_present) == (6, 6)


def test_a_notice_clicked_twice_at_once_goes_once(world):
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        add_members(world.branch1, full=3, accounts=True)
        meeting = plan(world.bob, world.branch1, "congress", start=at(2026, 11, 26, 9))
        results = []
        errors = _together(
            [lambda: results.append(planning.notify_meeting(meeting, user=world.bob))] * 2
        )
    assert errors == []
    assert sorted(results) == [0, 3]
    assert Notification.objects.filter(category="meetings").count() == 3
