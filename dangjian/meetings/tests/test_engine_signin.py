"""Sign-in with the 6-digit code or the QR token, only inside the meeting's window
(planned start − 30 min up to, not including, planned end + 30 min by default)."""

from datetime import timedelta

import pytest
import time_machine

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.models import RuleVersion
from dangjian.core.rules import invalidate
from dangjian.meetings import rules
from dangjian.meetings.models import Attendance, Meeting
from dangjian.meetings.services import attendance, planning, records
from dangjian.meetings.services.attendance import NOT_EXPECTED, WRONG_CODE, sign_in
from dangjian.meetings.tests.factories import account, add_members, at, held, plan

pytestmark = pytest.mark.django_db

START = at(2026, 11, 26, 9)  # window 08:30 … 11:30 (the meeting ends at 11:00)


@pytest.fixture
def setup(world):
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        members = add_members(world.branch1, full=3, accounts=True)
        meeting = plan(world.bob, world.branch1, "congress", start=START)
    return meeting, members


def _sign(member, meeting, when, **how):
    how = how or {"code": meeting.signin_code}
    with time_machine.travel(when, tick=False):
        return sign_in(user=account(member), **how)


@pytest.mark.parametrize(
    ("when", "state"),
    [
        (at(2026, 11, 26, 8, 29), "not_open"),
        (at(2026, 11, 26, 8, 30), "open"),
        (at(2026, 11, 26, 10, 0), "open"),
        (at(2026, 11, 26, 11, 29), "open"),
        (at(2026, 11, 26, 11, 30), "closed"),
        (at(2026, 11, 26, 12, 0), "closed"),
    ],
)
def test_the_window_state(setup, when, state):
    meeting, _members = setup
    assert attendance.signin_window_state(meeting, when) == state


def test_a_code_before_the_window_says_when_it_opens(setup):
    meeting, members = setup
    with pytest.raises(ServiceError, match="签到尚未开始，可于 08:30 起签到"):
        _sign(
            members[0], meeting, at(2026, 11, 26, 8, 29, 59) if False else at(2026, 11, 26, 8, 29)
        )
    with pytest.raises(ServiceError, match=r"签到尚未开始，可于 11月26日 08:30 起签到"):
        _sign(members[0], meeting, at(2026, 11, 25, 20))


def test_a_code_at_the_opening_minute_signs_in(setup):
    meeting, members = setup
    row = _sign(members[0], meeting, at(2026, 11, 26, 8, 30))
    assert row.status == Attendance.Status.PRESENT
    assert row.method == Attendance.Method.CODE
    assert row.signed_in_at == at(2026, 11, 26, 8, 30)


def test_a_code_inside_the_window_signs_in_and_recounts(setup):
    meeting, members = setup
    _sign(members[0], meeting, at(2026, 11, 26, 10))
    _sign(members[1], meeting, at(2026, 11, 26, 10, 5))
    meeting.refresh_from_db()
    assert (meeting.expected_count, meeting.present_count, meeting.quorum_present) == (3, 2, 2)
    assert AuditEntry.objects.filter(action="meetings.signin").count() == 2


@pytest.mark.parametrize("when", [at(2026, 11, 26, 11, 30), at(2026, 11, 26, 13)])
def test_a_code_at_or_after_the_close_is_refused(setup, when):
    meeting, members = setup
    with pytest.raises(ServiceError, match="本次会议签到已于 11:30 截止"):
        _sign(members[0], meeting, when)
    assert not Attendance.objects.filter(status=Attendance.Status.PRESENT).exists()


@pytest.mark.parametrize("code", ["000000", "12345", "12a456", "", None, " 1234567"])
def test_a_wrong_code_is_refused(setup, code):
    meeting, members = setup
    if code == "000000" and meeting.signin_code == code:
        code = "000001"
    with pytest.raises(ServiceError, match=WRONG_CODE):
        _sign(members[0], meeting, at(2026, 11, 26, 10), code=code)


def test_the_code_of_another_meeting_is_refused(world, setup):
    meeting, members = setup
    add_members(world.branch2, full=2)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        other = plan(world.alice, world.branch2, "congress", start=START)
    assert other.signin_code != meeting.signin_code
    with pytest.raises(ServiceError, match=NOT_EXPECTED):
        _sign(members[0], other, at(2026, 11, 26, 10))


def test_the_qr_token_signs_in(setup):
    meeting, members = setup
    row = _sign(members[2], meeting, at(2026, 11, 26, 9), token=meeting.signin_token)
    assert (row.status, row.method) == (Attendance.Status.PRESENT, Attendance.Method.QR)


def test_a_qr_token_outside_the_window_or_unknown_is_refused(setup):
    meeting, members = setup
    with pytest.raises(ServiceError, match="截止"):
        _sign(members[2], meeting, at(2026, 11, 27, 9), token=meeting.signin_token)
    with pytest.raises(ServiceError, match="签到二维码无效"):
        _sign(members[2], meeting, at(2026, 11, 26, 9), token="x" * 43)


def test_a_person_of_another_branch_is_not_expected(world, setup):
    meeting, _members = setup
    (outsider,) = add_members(world.branch2, full=1, accounts=True)
    with pytest.raises(ServiceError, match=NOT_EXPECTED):
        _sign(outsider, meeting, at(2026, 11, 26, 10))


def test_an_account_without_a_person_cannot_sign_in(world, setup):
    meeting, _members = setup
    with (
        time_machine.travel(at(2026, 11, 26, 10), tick=False),
        pytest.raises(ServiceError, match="没有关联党员信息"),
    ):
        sign_in(user=world.charlie, code=meeting.signin_code)


def test_a_member_who_was_not_drawn_is_added(world):
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        members = add_members(world.branch1, full=3, accounts=True)
        meeting = plan(
            world.bob,
            world.branch1,
            "talk",
            start=START,
            attendee_ids=[members[0].person_id],
        )
    assert meeting.expected_count == 1
    row = _sign(members[1], meeting, at(2026, 11, 26, 10))
    meeting.refresh_from_db()
    assert row.is_voting
    assert (meeting.expected_count, meeting.present_count) == (2, 1)


def test_signing_in_twice_keeps_the_first_time(setup):
    meeting, members = setup
    first = _sign(members[0], meeting, at(2026, 11, 26, 9))
    again = _sign(members[0], meeting, at(2026, 11, 26, 9, 20))
    assert again.pk == first.pk
    assert again.signed_in_at == at(2026, 11, 26, 9)
    assert Attendance.objects.get(pk=first.pk).signed_in_at == at(2026, 11, 26, 9)
    assert AuditEntry.objects.filter(action="meetings.signin").count() == 1


def test_a_member_on_leave_who_comes_signs_in(world, setup):
    meeting, members = setup
    row = meeting.attendances.get(person=members[0].person)
    with time_machine.travel(at(2026, 11, 25, 10), tick=False):
        attendance.mark_attendance(
            meeting, user=world.bob, marks={row.pk: (Attendance.Status.LEAVE, "出差")}
        )
    row = _sign(members[0], meeting, at(2026, 11, 26, 9))
    assert (row.status, row.leave_reason) == (Attendance.Status.PRESENT, "")


def test_a_changed_window_rule_moves_the_opening(world):
    RuleVersion.objects.create(
        key=rules.SIGNIN_OPENS_MINUTES, value=60, valid_from=at(2026, 1, 1).date()
    )
    invalidate(rules.SIGNIN_OPENS_MINUTES)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        (member,) = add_members(world.branch1, full=1, accounts=True)
        meeting = plan(world.bob, world.branch1, "congress", start=START)
    assert meeting.signin_opens_at == at(2026, 11, 26, 8)
    row = _sign(member, meeting, at(2026, 11, 26, 8, 5))
    assert row.status == Attendance.Status.PRESENT


def test_a_cancelled_meeting_refuses_its_code(world, setup):
    meeting, members = setup
    with time_machine.travel(at(2026, 11, 25, 10), tick=False):
        planning.cancel_meeting(meeting, user=world.bob, reason="改期")
    with pytest.raises(ServiceError, match=WRONG_CODE):
        _sign(members[0], meeting, at(2026, 11, 26, 10))
    with pytest.raises(ServiceError, match="已取消"):
        _sign(members[0], meeting, at(2026, 11, 26, 10), token=meeting.signin_token)


def test_a_reviewed_meeting_refuses_sign_in(world, setup):
    meeting, members = setup
    with time_machine.travel(at(2026, 11, 26, 11), tick=False):
        held(world.bob, meeting, actual_end=at(2026, 11, 26, 10, 30))
        records.review_meeting(meeting, user=world.alice)
        with pytest.raises(ServiceError, match="审核锁定"):
            sign_in(user=account(members[0]), token=meeting.signin_token)


def test_signing_in_to_a_recorded_meeting_credits_hours(world, setup):
    meeting, members = setup
    with time_machine.travel(at(2026, 11, 26, 11), tick=False):
        held(world.bob, meeting, actual_end=at(2026, 11, 26, 10, 30))
        sign_in(user=account(members[0]), code=meeting.signin_code)
    meeting.refresh_from_db()
    assert meeting.present_count == 1
    assert meeting.credits.get().person_id == members[0].person_id


def test_codes_are_unique_among_overlapping_windows(world, monkeypatch):
    codes = iter(["111111", "111111", "111111", "222222", "111111"])
    monkeypatch.setattr(Meeting, "new_signin_code", staticmethod(lambda: next(codes)))
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        add_members(world.branch2, full=1)
        first = plan(world.bob, world.branch1, "talk", start=START)
        overlapping = plan(world.alice, world.branch2, "talk", start=START + timedelta(hours=1))
        later = plan(world.bob, world.branch1, "talk", start=START + timedelta(days=1))
    assert (first.signin_code, overlapping.signin_code, later.signin_code) == (
        "111111",
        "222222",
        "111111",
    )


def test_resetting_the_code_retires_the_old_one(world, setup):
    meeting, members = setup
    old_code, old_token = meeting.signin_code, meeting.signin_token
    with time_machine.travel(at(2026, 11, 26, 9), tick=False):
        new_code = attendance.reset_signin_code(meeting, user=world.bob)
    assert new_code != old_code and meeting.signin_code == new_code
    assert meeting.signin_token != old_token
    with pytest.raises(ServiceError, match=WRONG_CODE):
        _sign(members[0], meeting, at(2026, 11, 26, 9, 1), code=old_code)
    assert _sign(members[0], meeting, at(2026, 11, 26, 9, 2), code=new_code).status == "present"
    assert AuditEntry.objects.filter(action="meetings.signin_code_reset").exists()


def test_only_a_manager_resets_the_code(world, setup):
    from django.http import Http404

    meeting, _members = setup
    with pytest.raises(Http404):
        attendance.reset_signin_code(meeting, user=world.dave)


def test_moving_the_meeting_moves_the_window(world, setup):
    meeting, members = setup
    with time_machine.travel(at(2026, 11, 24, 11), tick=False):
        planning.update_meeting(
            meeting,
            user=world.bob,
            planned_start=at(2026, 11, 27, 14),
            planned_end=at(2026, 11, 27, 16),
        )
    assert meeting.signin_opens_at == at(2026, 11, 27, 13, 30)
    assert meeting.held_on == at(2026, 11, 27).date()
    with pytest.raises(ServiceError, match="可于 11月27日 13:30 起签到"):
        _sign(members[0], meeting, at(2026, 11, 26, 14))


def test_wrong_codes_are_limited_per_account(setup):
    meeting, members = setup
    wrong = "000000" if meeting.signin_code != "000000" else "000001"
    for _attempt in range(attendance.MAX_FAILED_ATTEMPTS):
        with pytest.raises(ServiceError, match=WRONG_CODE):
            _sign(members[0], meeting, at(2026, 11, 26, 10), code=wrong)
    with pytest.raises(ServiceError, match="输错次数过多"):
        _sign(members[0], meeting, at(2026, 11, 26, 10))
    assert _sign(members[1], meeting, at(2026, 11, 26, 10)).status == "present"
