"""The main path of the meeting services end to end: plan, notify, sign in, record, review."""

import pytest
import time_machine

from dangjian.meetings.models import Attendance, ClassHourCredit, Meeting
from dangjian.meetings.services import attendance, planning, records
from dangjian.meetings.tests.factories import account, add_members, at, held, plan

pytestmark = pytest.mark.django_db


def test_a_congress_goes_from_plan_to_reviewed_record(world):
    members = add_members(world.branch1, full=4, probationary=1, accounts=True)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        meeting = plan(world.bob, world.branch1, "congress", start=at(2026, 11, 26, 9))
        assert meeting.status == Meeting.Status.DRAFT
        assert meeting.expected_count == 5
        assert meeting.quorum_expected == 4
        assert planning.notify_meeting(meeting, user=world.bob) == 5
        assert planning.notify_meeting(meeting, user=world.bob) == 0
    with time_machine.travel(at(2026, 11, 26, 9, 5), tick=False):
        for member in members[:3]:
            attendance.sign_in(user=account(member), code=meeting.signin_code)
    meeting.refresh_from_db()
    assert meeting.present_count == 3
    assert attendance.quorum_of(meeting).met is True
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        meeting = held(world.bob, meeting)
    assert meeting.status == Meeting.Status.HELD
    assert meeting.absent_count == 2
    assert meeting.has_quorum is True
    assert not meeting.is_late_entry
    assert ClassHourCredit.objects.filter(meeting=meeting).count() == 3
    records.review_meeting(meeting, user=world.alice)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEWED
    assert Attendance.objects.filter(meeting=meeting, status="present").count() == 3
