"""Records: the 补录 flag, minutes sanitising, the review lock, return and resubmit, files."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.models import RuleVersion
from dangjian.core.rules import invalidate
from dangjian.meetings import rules
from dangjian.meetings.models import Attendance, Meeting, MeetingFile
from dangjian.meetings.services import attendance, planning, records
from dangjian.meetings.services.guards import LOCKED_MESSAGE
from dangjian.meetings.tests.factories import account, add_committee, add_members, at, held, plan
from dangjian.notifications.models import Notification

pytestmark = pytest.mark.django_db

HELD_AT = at(2026, 11, 10, 9)  # a Tuesday; the record is entered later


@pytest.fixture
def members(world):
    return add_members(world.branch1, full=3, accounts=True)


@pytest.fixture
def meeting(world, members):
    with time_machine.travel(at(2026, 11, 1, 10), tick=False):
        return plan(world.bob, world.branch1, "congress", start=HELD_AT)


def _record(world, meeting, when, **extra):
    with time_machine.travel(when, tick=False):
        return records.record_meeting(
            meeting,
            user=extra.pop("user", world.bob),
            actual_start=extra.pop("actual_start", HELD_AT),
            actual_end=extra.pop("actual_end", HELD_AT + timedelta(hours=2)),
            minutes=extra.pop("minutes", "<p>传达学习会议精神</p>"),
            **extra,
        )


# ---------------------------------------------------------------- 补录


@pytest.mark.parametrize(
    ("entered", "late"),
    [
        (at(2026, 11, 10, 12), False),
        (at(2026, 11, 17, 23, 59), False),  # 7 days after: still on time
        (at(2026, 11, 18, 0, 1), True),  # 8 days after: 补录
        (at(2026, 12, 20, 9), True),
    ],
)
def test_a_record_entered_more_than_seven_days_later_is_a_late_entry(world, meeting, entered, late):
    recorded = _record(world, meeting, entered)
    assert recorded.is_late_entry is late
    assert recorded.recorded_at == entered
    assert recorded.held_on == HELD_AT.date()
    assert records.late_days(recorded) == (entered.date() - HELD_AT.date()).days


def test_a_changed_rule_value_moves_the_boundary(world, meeting):
    RuleVersion.objects.create(
        key=rules.LATE_ENTRY_DAYS, value=3, valid_from=at(2026, 11, 1).date()
    )
    invalidate(rules.LATE_ENTRY_DAYS)
    assert _record(world, meeting, at(2026, 11, 14, 10)).is_late_entry is True


def test_a_changed_rule_value_keeps_records_on_the_boundary_on_time(world, meeting):
    RuleVersion.objects.create(
        key=rules.LATE_ENTRY_DAYS, value=3, valid_from=at(2026, 11, 1).date()
    )
    invalidate(rules.LATE_ENTRY_DAYS)
    assert _record(world, meeting, at(2026, 11, 13, 10)).is_late_entry is False


def test_a_correction_keeps_the_first_entry_time(world, meeting):
    first = at(2026, 11, 11, 10)
    _record(world, meeting, first)
    corrected = _record(world, meeting, at(2026, 11, 30, 10), resolutions="同意张三转正")
    assert corrected.recorded_at == first
    assert corrected.is_late_entry is False
    assert corrected.resolutions == "同意张三转正"


def test_correcting_the_meeting_date_reconsiders_the_flag(world, meeting):
    _record(world, meeting, at(2026, 11, 11, 10))
    earlier = at(2026, 11, 2, 9)
    corrected = _record(
        world,
        meeting,
        at(2026, 11, 12, 10),
        actual_start=earlier,
        actual_end=earlier + timedelta(hours=1),
    )
    assert corrected.held_on == earlier.date()
    assert corrected.is_late_entry is True


def test_a_meeting_never_planned_is_planned_and_recorded_at_once(world, members):
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        meeting = plan(world.bob, world.branch1, "lecture", start=at(2026, 11, 3, 14))
        meeting = held(world.bob, meeting, present=members[:2])
    assert meeting.status == Meeting.Status.HELD
    assert meeting.is_late_entry is True
    assert (meeting.present_count, meeting.absent_count) == (2, 1)


# ---------------------------------------------------------------- the record itself


def test_recording_marks_pending_attendees_absent_and_audits(world, meeting, members):
    recorded = _record(world, meeting, at(2026, 11, 10, 12))
    assert recorded.status == Meeting.Status.HELD
    assert set(recorded.attendances.values_list("status", flat=True)) == {Attendance.Status.ABSENT}
    assert recorded.absent_count == 3
    entry = AuditEntry.objects.get(action="meetings.meeting_record")
    assert entry.after["status"] == "held"


def test_minutes_are_sanitised(world, meeting):
    dirty = (
        '<p onclick="x()">会议<script>alert(1)</script><strong>决定</strong></p>'
        '<a href="javascript:alert(1)">坏链接</a><a href="https://12371.cn">好链接</a>'
        '<img src=x onerror=alert(1)><ol><li data-list="bullet">一</li></ol><h2>议题</h2>'
    )
    recorded = _record(world, meeting, at(2026, 11, 10, 12), minutes=dirty)
    assert "<script" not in recorded.minutes and "onclick" not in recorded.minutes
    assert "javascript:" not in recorded.minutes and "<img" not in recorded.minutes
    assert "<strong>决定</strong>" in recorded.minutes
    assert 'href="https://12371.cn"' in recorded.minutes
    assert '<li data-list="bullet">' in recorded.minutes and "<h2>议题</h2>" in recorded.minutes


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"minutes": "<p> </p><script>x</script>"}, "请填写会议记录"),
        ({"actual_end": HELD_AT - timedelta(minutes=1)}, "结束时间须晚于开始时间"),
        (
            {"actual_start": at(2026, 11, 12, 9), "actual_end": at(2026, 11, 12, 10)},
            "会议还没有开始",
        ),
        ({"class_hours": "两"}, "计入学时须为数字"),
        ({"class_hours": "-1"}, "计入学时须在"),
    ],
)
def test_a_bad_record_is_refused(world, meeting, extra, message):
    with pytest.raises(ServiceError, match=message):
        _record(world, meeting, at(2026, 11, 11, 10), **extra)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT and meeting.recorded_at is None


def test_only_a_manager_of_the_branch_records(world, meeting):
    with pytest.raises(Http404):
        _record(world, meeting, at(2026, 11, 11, 10), user=world.dave)
    with pytest.raises(Http404):
        _record(world, meeting, at(2026, 11, 11, 10), user=world.charlie)


# ---------------------------------------------------------------- review, lock, return


@pytest.fixture
def reviewed(world, meeting, members):
    _record(world, meeting, at(2026, 11, 10, 12))
    with time_machine.travel(at(2026, 11, 12, 10), tick=False):
        records.review_meeting(meeting, user=world.alice, comment="记录完整")
    meeting.refresh_from_db()
    return meeting


def test_the_upper_organisation_reviews_and_locks(world, reviewed):
    assert reviewed.status == Meeting.Status.REVIEWED and reviewed.is_locked
    assert (reviewed.reviewed_by, reviewed.review_comment) == (world.alice, "记录完整")
    assert AuditEntry.objects.filter(action="meetings.meeting_review").count() == 1


def test_reviewing_twice_is_harmless(world, reviewed):
    records.review_meeting(reviewed, user=world.alice)
    assert AuditEntry.objects.filter(action="meetings.meeting_review").count() == 1


def test_a_branch_secretary_cannot_review_his_own_branch(world, meeting):
    _record(world, meeting, at(2026, 11, 10, 12))
    with pytest.raises(PermissionDenied, match="由上级党组织审核"):
        records.review_meeting(meeting, user=world.bob)
    with pytest.raises(PermissionDenied):
        records.return_meeting(meeting, user=world.bob, reason="自己退回自己")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_outsiders_cannot_review(world, meeting):
    _record(world, meeting, at(2026, 11, 10, 12))
    for outsider in (world.dave, world.charlie):
        with pytest.raises(Http404):
            records.review_meeting(meeting, user=outsider)


def test_the_mine_cannot_review_its_own_meetings(world):
    with time_machine.travel(at(2026, 11, 1, 10), tick=False):
        own = plan(world.alice, world.mine, "lecture", start=HELD_AT)
    _record(world, own, at(2026, 11, 10, 12), user=world.alice)
    with pytest.raises(PermissionDenied):
        records.review_meeting(own, user=world.alice)


def test_a_meeting_not_yet_recorded_cannot_be_reviewed(world, meeting):
    with pytest.raises(ServiceError, match="还没有录入"):
        records.review_meeting(meeting, user=world.alice)


def _png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("现场.png", buffer.getvalue(), content_type="image/png")


LOCKED_CHANGES = {
    "update": lambda w, m, p: planning.update_meeting(m, user=w.bob, topic="新主题"),
    "attendees": lambda w, m, p: planning.set_attendees(m, user=w.bob, person_ids=[p.pk]),
    "visitor": lambda w, m, p: planning.add_visitor(m, user=w.bob, name="王五"),
    "notify": lambda w, m, p: planning.notify_meeting(m, user=w.bob),
    "cancel": lambda w, m, p: planning.cancel_meeting(m, user=w.bob, reason="误录"),
    "mark": lambda w, m, p: attendance.mark_attendance(
        m, user=w.bob, marks={m.attendances.first().pk: ("present", "")}
    ),
    "reset_code": lambda w, m, p: attendance.reset_signin_code(m, user=w.bob),
    "record": lambda w, m, p: records.record_meeting(
        m,
        user=w.bob,
        actual_start=HELD_AT,
        actual_end=HELD_AT + timedelta(hours=1),
        minutes="<p>改</p>",
    ),
    "resubmit": lambda w, m, p: records.resubmit(m, user=w.bob),
    "upload": lambda w, m, p: records.add_file(m, user=w.bob, upload=_png(), kind="photo"),
    "delete_file": lambda w, m, p: records.delete_file(m.files.get(), user=w.bob),
}


@pytest.mark.parametrize("change", LOCKED_CHANGES)
def test_every_change_is_refused_after_review(world, meeting, members, change):
    records.add_file(meeting, user=world.bob, upload=_png(), kind="photo")
    _record(world, meeting, at(2026, 11, 10, 12))
    records.review_meeting(meeting, user=world.alice)
    before = Meeting.objects.values().get(pk=meeting.pk)
    with pytest.raises(ServiceError, match=LOCKED_MESSAGE):
        LOCKED_CHANGES[change](world, meeting, members[0].person)
    assert Meeting.objects.values().get(pk=meeting.pk) == before
    assert MeetingFile.objects.filter(meeting=meeting).count() == 1


def test_returning_unlocks_and_resubmitting_hands_back(world, reviewed, members):
    with time_machine.travel(at(2026, 11, 13, 10), tick=False):
        records.return_meeting(reviewed, user=world.alice, reason="缺少会议照片和决议内容")
    assert reviewed.status == Meeting.Status.RETURNED and not reviewed.is_locked
    assert reviewed.reviewed_at is None and reviewed.returned_by == world.alice
    fixed = _record(world, reviewed, at(2026, 11, 14, 10), resolutions="通过")
    assert fixed.status == Meeting.Status.RETURNED  # saved, still waiting for resubmit
    assert fixed.returned_reason == "缺少会议照片和决议内容"
    records.resubmit(fixed, user=world.bob)
    assert fixed.status == Meeting.Status.HELD
    assert fixed.returned_reason  # kept for the history
    records.review_meeting(fixed, user=world.alice)
    assert fixed.status == Meeting.Status.REVIEWED
    actions = list(
        AuditEntry.objects.filter(object_id=str(fixed.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "meetings.meeting_return",
        "meetings.meeting_record",
        "meetings.meeting_resubmit",
        "meetings.meeting_review",
    ]


def test_a_returned_record_cannot_be_reviewed_before_resubmission(world, reviewed):
    records.return_meeting(reviewed, user=world.alice, reason="请补充会议决议")
    with pytest.raises(ServiceError, match="重新提交"):
        records.review_meeting(reviewed, user=world.alice)


def test_a_return_needs_a_reason_of_five_characters(world, reviewed):
    with pytest.raises(ServiceError, match="至少 5 个字"):
        records.return_meeting(reviewed, user=world.alice, reason="不行")
    reviewed.refresh_from_db()
    assert reviewed.status == Meeting.Status.REVIEWED


def test_a_return_tells_the_secretary_and_the_creator(world, meeting, members):
    add_committee(world.branch1, [members[0].person])
    _record(world, meeting, at(2026, 11, 10, 12))
    records.return_meeting(meeting, user=world.alice, reason="出勤登记不完整")
    records.return_meeting(meeting, user=world.alice, reason="出勤登记不完整")  # double click
    told = set(
        Notification.objects.filter(title__startswith="会议记录被退回").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {world.bob.pk, account(members[0]).pk}
    assert AuditEntry.objects.filter(action="meetings.meeting_return").count() == 1


# ---------------------------------------------------------------- files


def test_photos_and_materials_are_checked_by_their_real_type(world, meeting):
    photo = records.add_file(meeting, user=world.bob, upload=_png(), kind="photo")
    assert (photo.file_kind, photo.title) == ("png", "会议照片")
    pdf = SimpleUploadedFile("学习材料.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf")
    material = records.add_file(meeting, user=world.bob, upload=pdf, kind="file")
    assert (material.file_kind, material.title) == ("pdf", "学习材料")
    with pytest.raises(ServiceError, match="只接受"):
        fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4\n", content_type="image/jpeg")
        records.add_file(meeting, user=world.bob, upload=fake, kind="photo")
    with pytest.raises(ServiceError, match="只接受"):
        html = SimpleUploadedFile("x.pdf", b"<html><script>", content_type="application/pdf")
        records.add_file(meeting, user=world.bob, upload=html, kind="file")
    assert AuditEntry.objects.filter(action="meetings.file_upload").count() == 2


def test_a_photo_over_ten_megabytes_is_refused(world, meeting):
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ServiceError, match="10 MB"):
        records.add_file(meeting, user=world.bob, upload=big, kind="photo")


def test_the_same_upload_twice_is_kept_once_and_deleting_twice_is_harmless(world, meeting):
    first = records.add_file(meeting, user=world.bob, upload=_png(), kind="photo")
    again = records.add_file(meeting, user=world.bob, upload=_png(), kind="photo")
    assert again.pk == first.pk
    records.delete_file(first, user=world.bob)
    records.delete_file(first, user=world.bob)
    assert not meeting.files.exists()
    assert AuditEntry.objects.filter(action="meetings.file_delete").count() == 1


def test_a_meeting_never_planned_is_recorded_in_one_step(world, members):
    from dangjian.meetings.tests.factories import meeting_type

    arguments = {
        "user": world.bob,
        "organization": world.branch1,
        "meeting_type": meeting_type("congress"),
        "topic": "十月党员大会",
        "actual_start": at(2026, 10, 20, 15),
        "actual_end": at(2026, 10, 20, 17),
        "minutes": "<p>讨论发展对象</p>",
        "present_ids": [m.person_id for m in members[:2]],
        "place": "会议室",
    }
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        meeting = records.record_new_meeting(**arguments)
        again = records.record_new_meeting(**arguments)  # double click
    assert again.pk == meeting.pk and Meeting.objects.count() == 1
    assert (meeting.status, meeting.is_late_entry, meeting.place) == ("held", True, "会议室")
    assert (meeting.present_count, meeting.absent_count, meeting.has_quorum) == (2, 1, True)


def test_a_never_planned_meeting_refuses_present_people_outside_the_list(world, members):
    from dangjian.meetings.tests.factories import meeting_type

    (stranger,) = add_members(world.branch2, full=1)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False), pytest.raises(ServiceError):
        records.record_new_meeting(
            user=world.bob,
            organization=world.branch1,
            meeting_type=meeting_type("congress"),
            topic="十月党员大会",
            actual_start=at(2026, 10, 20, 15),
            actual_end=at(2026, 10, 20, 17),
            minutes="<p>x</p>",
            present_ids=[stranger.person_id],
        )
    assert not Meeting.objects.exists()
