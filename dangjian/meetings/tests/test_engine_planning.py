"""Planning: who is drawn, what is refused, the notice (once), attendees and visitors, the
attendance register and its counters, cancelling and the scope of every write."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.meetings.models import Attendance, Meeting, MeetingType
from dangjian.meetings.services import attendance, planning
from dangjian.meetings.tests.factories import (
    account,
    add_committee,
    add_members,
    at,
    held,
    meeting_type,
    plan,
)
from dangjian.members.models import Member
from dangjian.notifications.models import Notification

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 24, 10)
START = at(2026, 11, 26, 9)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _people(meeting):
    return set(meeting.attendances.filter(is_visitor=False).values_list("person_id", flat=True))


def _ids(members):
    return {m.person_id for m in members}


# ---------------------------------------------------------------- who is drawn


def test_a_congress_draws_the_members_in_good_standing_of_the_branch(world):
    members = add_members(world.branch1, full=3, probationary=1)
    add_members(world.branch2, full=2)
    Member.objects.filter(pk=members[0].pk).update(status="suspended")
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    assert _people(meeting) == _ids(members[1:])
    assert meeting.held_on == START.date()
    assert meeting.category == "congress"
    assert meeting.signin_opens_at == START - timedelta(minutes=30)
    assert meeting.signin_closes_at == START + timedelta(hours=2, minutes=30)
    assert len(meeting.signin_code) == 6 and len(meeting.signin_token) >= 40
    assert meeting.created_by == world.bob


def test_a_committee_meeting_draws_the_current_committee(world):
    members = add_members(world.branch1, full=5)
    add_committee(world.branch1, [m.person for m in members[:3]])
    meeting = plan(world.bob, world.branch1, "committee", start=START)
    assert _people(meeting) == _ids(members[:3])
    assert all(row.is_committee_member for row in meeting.attendances.all())


def test_a_group_meeting_draws_the_group(world):
    in_group = add_members(world.branch1, full=2, party_group=world.group1)
    add_members(world.branch1, full=2)
    meeting = plan(world.bob, world.group1, "group", start=START)
    assert _people(meeting) == _ids(in_group)


def test_a_group_meeting_of_the_whole_branch_draws_the_branch(world):
    members = add_members(world.branch1, full=2, party_group=world.group1) + add_members(
        world.branch1, full=1
    )
    meeting = plan(world.bob, world.branch1, "group", start=START)
    assert _people(meeting) == _ids(members)


def test_a_talk_draws_nobody_until_chosen(world):
    members = add_members(world.branch1, full=2)
    meeting = plan(world.bob, world.branch1, "talk", start=START)
    assert meeting.expected_count == 0
    chosen = plan(
        world.bob, world.branch1, "talk", start=START, attendee_ids=[members[1].person_id]
    )
    assert _people(chosen) == {members[1].person_id}


def test_chosen_attendees_must_belong_to_the_organisation(world):
    add_members(world.branch1, full=1)
    (stranger,) = add_members(world.branch3, full=1)
    with pytest.raises(ServiceError, match="不是“综采一队党支部”的在册党员"):
        plan(world.bob, world.branch1, "talk", start=START, attendee_ids=[stranger.person_id])
    with pytest.raises(ServiceError, match="格式不正确"):
        plan(world.bob, world.branch1, "talk", start=START, attendee_ids=["x"])
    assert not Meeting.objects.exists()


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("organization", "type_code", "message"),
    [
        ("branch1", "committee", "没有现任支部委员会"),
        ("mine", "group", "党小组会须由党小组"),
        ("group1", "congress", "党小组只能召开党小组会"),
    ],
)
def test_the_organisation_must_suit_the_meeting(world, organization, type_code, message):
    with pytest.raises(ServiceError, match=message):
        plan(world.alice, getattr(world, organization), type_code, start=START)


def test_an_inactive_type_is_refused(world):
    MeetingType.objects.filter(code="lecture").update(is_active=False)
    with pytest.raises(ServiceError, match="启用中的会议类型"):
        plan(world.bob, world.branch1, "lecture", start=START)


@pytest.mark.parametrize("hours", [0, -1])
def test_the_end_must_follow_the_start(world, hours):
    with pytest.raises(ServiceError, match="结束时间须晚于开始时间"):
        plan(world.bob, world.branch1, "lecture", start=START, hours=hours)


def test_a_topic_is_required(world):
    with pytest.raises(ServiceError, match="请填写会议主题"):
        plan(world.bob, world.branch1, "lecture", start=START, topic="  ")


def test_a_host_from_another_mine_is_refused(world):
    (stranger,) = add_members(world.branch3, full=1)
    with pytest.raises(ServiceError, match="主持人"):
        plan(world.bob, world.branch1, "lecture", start=START, host=stranger.person)


def test_a_lecturer_of_the_upper_organisation_is_accepted(world):
    (leader,) = add_members(world.mine, full=1)
    meeting = plan(world.bob, world.branch1, "lecture", start=START, lecturer=leader.person)
    assert meeting.lecturer == leader.person


def test_planning_is_scoped(world):
    with pytest.raises(Http404):
        plan(world.bob, world.branch2, "lecture", start=START)
    with pytest.raises(Http404):
        plan(world.charlie, world.branch1, "lecture", start=START)
    assert plan(world.alice, world.branch1, "lecture", start=START).organization == world.branch1


def test_a_double_click_plans_one_meeting(world):
    add_members(world.branch1, full=2)
    first = plan(world.bob, world.branch1, "congress", start=START, topic="第四季度党员大会")
    again = plan(world.bob, world.branch1, "congress", start=START, topic="第四季度党员大会")
    assert again.pk == first.pk
    assert Meeting.objects.count() == 1
    assert AuditEntry.objects.filter(action="meetings.meeting_create").count() == 1


# ---------------------------------------------------------------- notice


def test_the_notice_goes_once(world):
    members = add_members(world.branch1, full=3, accounts=True)
    add_members(world.branch1, full=1)  # no account: nothing to send
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    assert planning.notify_meeting(meeting, user=world.bob) == 3
    assert meeting.status == Meeting.Status.NOTIFIED and meeting.notified_at == NOW
    notice = Notification.objects.filter(category="meetings")
    assert set(notice.values_list("recipient_id", flat=True)) == {account(m).pk for m in members}
    assert "党员活动室" in notice.first().body
    assert planning.notify_meeting(meeting, user=world.bob) == 0
    assert notice.count() == 3
    assert AuditEntry.objects.filter(action="meetings.meeting_notify").count() == 1


def test_a_meeting_in_the_past_or_without_attendees_is_not_announced(world):
    past = plan(world.bob, world.branch1, "lecture", start=at(2026, 11, 20, 9))
    with pytest.raises(ServiceError, match="计划时间已经过去"):
        planning.notify_meeting(past, user=world.bob)
    empty = plan(world.bob, world.branch1, "talk", start=START)
    with pytest.raises(ServiceError, match="还没有应到人员"):
        planning.notify_meeting(empty, user=world.bob)


def test_people_added_after_the_notice_are_told_too(world):
    members = add_members(world.branch1, full=3, accounts=True)
    meeting = plan(
        world.bob, world.branch1, "talk", start=START, attendee_ids=[members[0].person_id]
    )
    planning.notify_meeting(meeting, user=world.bob)
    planning.set_attendees(meeting, user=world.bob, person_ids=[m.person_id for m in members[:2]])
    planning.set_attendees(meeting, user=world.bob, person_ids=[m.person_id for m in members[:2]])
    told = Notification.objects.filter(title__startswith="会议通知")
    assert set(told.values_list("recipient_id", flat=True)) == {account(m).pk for m in members[:2]}


def test_a_new_time_is_announced_to_notified_attendees_once(world):
    members = add_members(world.branch1, full=2, accounts=True)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    planning.notify_meeting(meeting, user=world.bob)
    later = START + timedelta(days=1)
    for _click in range(2):
        planning.update_meeting(
            meeting, user=world.bob, planned_start=later, planned_end=later + timedelta(hours=2)
        )
    changed = Notification.objects.filter(title__startswith="会议变更")
    assert changed.count() == len(members)
    assert meeting.held_on == later.date()
    planning.update_meeting(meeting, user=world.bob, topic="新的主题")
    assert changed.count() == len(members)
    assert AuditEntry.objects.filter(action="meetings.meeting_update").count() == 2


def test_the_type_cannot_change_after_the_notice(world):
    add_members(world.branch1, full=2)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    planning.notify_meeting(meeting, user=world.bob)
    with pytest.raises(ServiceError, match="不能再更改会议类型"):
        planning.update_meeting(meeting, user=world.bob, meeting_type=meeting_type("lecture"))


def test_a_draft_that_changes_type_draws_again(world):
    members = add_members(world.branch1, full=4)
    add_committee(world.branch1, [m.person for m in members[:3]])
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    planning.update_meeting(meeting, user=world.bob, meeting_type=meeting_type("committee"))
    assert meeting.category == "committee"
    assert _people(meeting) == _ids(members[:3])
    assert (meeting.expected_count, meeting.quorum_expected) == (3, 3)


def test_update_refuses_unknown_fields(world):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    with pytest.raises(TypeError):
        planning.update_meeting(meeting, user=world.bob, status="reviewed")


# ---------------------------------------------------------------- attendees, visitors, register


def test_set_attendees_keeps_the_marks_of_those_kept(world):
    members = add_members(world.branch1, full=3)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    row = meeting.attendances.get(person=members[0].person)
    attendance.mark_attendance(meeting, user=world.bob, marks={row.pk: ("leave", "病假")})
    planning.set_attendees(meeting, user=world.bob, person_ids=[members[0].person_id])
    row.refresh_from_db()
    assert (row.status, row.leave_reason) == ("leave", "病假")
    meeting.refresh_from_db()
    assert (meeting.expected_count, meeting.leave_count) == (1, 1)


def test_a_visitor_is_added_once(world):
    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    first = planning.add_visitor(meeting, user=world.bob, name="李书记", title="矿党委副书记")
    again = planning.add_visitor(meeting, user=world.bob, name="李书记")
    assert again.pk == first.pk and first.is_visitor and first.status == "present"
    assert (meeting.visitor_count, meeting.expected_count, meeting.present_count) == (1, 0, 0)
    with pytest.raises(ServiceError, match="请填写列席人员姓名"):
        planning.add_visitor(meeting, user=world.bob, name=" ")


def test_the_register_counts(world):
    members = add_members(world.branch1, full=5)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    rows = dict(meeting.attendances.values_list("person_id", "pk"))
    marks = {
        rows[members[0].person_id]: ("present", ""),
        rows[members[1].person_id]: ("present", ""),
        rows[members[2].person_id]: ("leave", "外出培训"),
        rows[members[3].person_id]: ("absent", ""),
    }
    attendance.mark_attendance(meeting, user=world.bob, marks=marks)
    meeting.refresh_from_db()
    counters = (
        meeting.expected_count,
        meeting.present_count,
        meeting.leave_count,
        meeting.absent_count,
    )
    assert counters == (5, 2, 1, 1)
    assert Attendance.objects.get(pk=rows[members[0].person_id]).method == "manual"
    attendance.mark_attendance(meeting, user=world.bob, marks=marks)  # double click
    assert AuditEntry.objects.filter(action="meetings.attendance_update").count() == 1
    meeting = held(
        world.bob, meeting, actual_start=at(2026, 11, 24, 8), actual_end=at(2026, 11, 24, 9)
    )
    assert (meeting.present_count, meeting.leave_count, meeting.absent_count) == (2, 1, 2)


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        (("leave", ""), "请填写请假事由"),
        (("late", ""), "出席、请假或缺席"),
    ],
)
def test_a_bad_mark_is_refused(world, mark, message):
    add_members(world.branch1, full=1)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    row = meeting.attendances.get()
    with pytest.raises(ServiceError, match=message):
        attendance.mark_attendance(meeting, user=world.bob, marks={row.pk: mark})


def test_rows_of_another_meeting_are_refused(world):
    add_members(world.branch1, full=1)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    other = plan(world.bob, world.branch1, "congress", start=START, topic="另一次")
    with pytest.raises(ServiceError, match="请刷新页面"):
        attendance.mark_attendance(
            meeting, user=world.bob, marks={other.attendances.get().pk: ("present", "")}
        )


def test_pending_is_no_longer_a_mark_once_recorded(world):
    add_members(world.branch1, full=1)
    meeting = plan(world.bob, world.branch1, "congress", start=at(2026, 11, 20, 9))
    meeting = held(world.bob, meeting)
    with pytest.raises(ServiceError, match="出席、请假或缺席"):
        attendance.mark_attendance(
            meeting, user=world.bob, marks={meeting.attendances.get().pk: ("pending", "")}
        )


def test_the_register_is_kept_by_managers_of_the_branch(world):
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    with pytest.raises(Http404):
        attendance.mark_attendance(meeting, user=world.dave, marks={})
    attendance.mark_attendance(meeting, user=world.alice, marks={})  # the mine above manages


# ---------------------------------------------------------------- cancel


def test_cancelling_a_notified_meeting_tells_the_attendees_once(world):
    members = add_members(world.branch1, full=2, accounts=True)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    planning.notify_meeting(meeting, user=world.bob)
    planning.cancel_meeting(meeting, user=world.bob, reason="与安全生产检查冲突，改期")
    planning.cancel_meeting(meeting, user=world.bob, reason="与安全生产检查冲突，改期")
    assert meeting.status == Meeting.Status.CANCELLED
    told = Notification.objects.filter(title__startswith="会议取消")
    assert set(told.values_list("recipient_id", flat=True)) == {account(m).pk for m in members}
    assert AuditEntry.objects.filter(action="meetings.meeting_cancel").count() == 1


def test_cancelling_a_draft_tells_nobody_and_needs_a_reason(world):
    add_members(world.branch1, full=1, accounts=True)
    meeting = plan(world.bob, world.branch1, "congress", start=START)
    with pytest.raises(ServiceError, match="请填写取消原因"):
        planning.cancel_meeting(meeting, user=world.bob, reason="")
    planning.cancel_meeting(meeting, user=world.bob, reason="计划有误")
    assert not Notification.objects.exists()
    with pytest.raises(ServiceError, match="已经取消"):
        planning.update_meeting(meeting, user=world.bob, topic="新主题")


def test_a_cancelled_plan_can_be_planned_again(world):
    meeting = plan(world.bob, world.branch1, "lecture", start=START, topic="党课")
    planning.cancel_meeting(meeting, user=world.bob, reason="改期")
    again = plan(world.bob, world.branch1, "lecture", start=START, topic="党课")
    assert again.pk != meeting.pk


def test_a_reader_who_may_not_manage_gets_a_clear_refusal(world):
    from dangjian.core.testing.world import grant

    meeting = plan(world.bob, world.branch1, "lecture", start=START)
    grant(world.charlie, "branch_secretary", world.branch2)
    with pytest.raises(Http404):
        planning.cancel_meeting(meeting, user=world.charlie, reason="不是我的")
    with pytest.raises(PermissionDenied, match="没有为“综采一队党支部”取消会议的权限"):
        planning.cancel_meeting(meeting, user=_reviewer_only(world), reason="只能审核")


def _reviewer_only(world):
    """A user holding only REVIEW_MEETING on the mine (a custom role)."""
    from dangjian.accounts.models import Role, RoleAssignment
    from dangjian.core.testing.world import make_user

    role = Role.objects.create(
        code="meeting_reviewer", name="组织生活审核", permissions=["meetings.review_meeting"]
    )
    user = make_user("reviewer", "审核员")
    RoleAssignment.objects.create(user=user, role=role, organization=world.mine)
    return user


def test_people_added_to_a_recorded_meeting_are_absent_until_marked(world):
    members = add_members(world.branch1, full=2)
    meeting = plan(world.bob, world.branch1, "talk", start=at(2026, 11, 20, 9))
    meeting = held(world.bob, meeting)
    planning.set_attendees(meeting, user=world.bob, person_ids=[m.person_id for m in members])
    assert set(meeting.attendances.values_list("status", flat=True)) == {"absent"}
    assert (meeting.expected_count, meeting.absent_count) == (2, 2)
