"""The record of a meeting and its review by the upper organisation (issue 5 §5, domain §3.2).

Records are written after the meeting, so the meeting date (`held_on`) and the entry time
(`recorded_at`, the first entry; kept when the record is corrected) are stored apart, and a
record entered more than `meetings.late_entry_days` days after the meeting is flagged 补录.

The upper organisation (REVIEW_MEETING over the meeting organisation's parent — a branch never
reviews itself) locks a record by reviewing it, or returns it with a reason. A returned record
is corrected with `record_meeting` (it stays 已退回) and handed back with `resubmit`. Reviewed
and cancelled meetings refuse every change; only `return_meeting` unlocks a reviewed one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

import nh3
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.core.richtext import sanitize_html
from dangjian.core.rules import rule_value
from dangjian.core.uploads import DOCX, EXTENSIONS, IMAGES, JPEG, MB, PDF, PNG, XLSX, check_upload
from dangjian.meetings import rules
from dangjian.meetings.models import Attendance, Meeting, MeetingFile
from dangjian.meetings.services import credits
from dangjian.meetings.services.attendance import mark_attendance, recount
from dangjian.meetings.services.guards import (
    audit,
    clean_text,
    locked_meeting,
    page_url,
    refresh_from,
    require_manage,
    require_review,
    require_unlocked,
)
from dangjian.meetings.services.planning import MAX_DURATION, plan_meeting
from dangjian.orgs.models import CommitteePost

MINUTES_MAX = 100_000
RESOLUTIONS_MAX = 5000
AGENDA_MAX = 5000
PLACE_MAX = 200
COMMENT_MAX = 500
RETURN_REASON_MIN = 5
RETURN_REASON_MAX = 500
FILE_TITLE_MAX = 200
MAX_CLASS_HOURS = Decimal("99.9")
PHOTO_MAX_BYTES = 10 * MB
FILE_MAX_BYTES = 20 * MB
FILE_KINDS = frozenset({PDF, DOCX, XLSX, JPEG, PNG})
RECORDABLE = (
    Meeting.Status.DRAFT,
    Meeting.Status.NOTIFIED,
    Meeting.Status.HELD,
    Meeting.Status.RETURNED,
)


def sanitize_minutes(html: str) -> str:
    """The minutes as safe HTML (the one sanitiser of the platform, `core.richtext`)."""
    return sanitize_html(html)


def _has_text(html: str) -> bool:
    return bool(nh3.clean(html, tags=set()).strip())


# ---------------------------------------------------------------- recording


def record_meeting(
    meeting: Meeting,
    *,
    user,
    actual_start: datetime.datetime,
    actual_end: datetime.datetime,
    minutes: str,
    resolutions: str = "",
    agenda: str | None = None,
    place: str | None = None,
    class_hours=None,
    now: datetime.datetime | None = None,
) -> Meeting:
    """Write (or correct) the record: actual time, minutes, resolutions. Pending attendees
    become 缺席, 学时 are credited, the counters and quorum are stored. `class_hours=None`
    uses the type's 学时. A returned record stays 已退回 until `resubmit`."""
    now = now or timezone.now()
    require_manage(user, meeting.organization, "录入会议记录")
    _check_actual_times(actual_start, actual_end, now)
    minutes = sanitize_minutes(minutes)
    if not _has_text(minutes):
        raise ServiceError("请填写会议记录（会议的主要内容、发言和讨论情况）。")
    if len(minutes) > MINUTES_MAX:
        raise ServiceError("会议记录过长，请精简或把全文作为会议材料上传。")
    resolutions = clean_text(resolutions, label="会议决议", maximum=RESOLUTIONS_MAX)
    hours = _clean_hours(class_hours)
    with transaction.atomic():
        locked = locked_meeting(meeting)
        require_unlocked(locked)
        if locked.status not in RECORDABLE:
            raise ServiceError("本次会议不能录入记录。")
        before = {"status": locked.status, "held_on": locked.held_on}
        first = locked.recorded_at is None
        locked.actual_start, locked.actual_end = actual_start, actual_end
        locked.minutes, locked.resolutions, locked.class_hours = minutes, resolutions, hours
        if agenda is not None:
            locked.agenda = clean_text(agenda, label="会议议程", maximum=AGENDA_MAX)
        if place is not None:
            locked.place = clean_text(place, label="会议地点", maximum=PLACE_MAX)
        locked.held_on = timezone.localdate(actual_start)
        if first:
            locked.recorded_at = now
        locked.is_late_entry = is_late(locked.held_on, locked.recorded_at)
        if locked.status != Meeting.Status.RETURNED:
            locked.status = Meeting.Status.HELD
        locked.save()
        locked.attendances.filter(status=Attendance.Status.PENDING).update(
            status=Attendance.Status.ABSENT
        )
        recount(locked)
        credits.sync_credits(locked)
        audit(
            user,
            "meetings.meeting_record",
            locked,
            before=before,
            after={
                "status": locked.status,
                "held_on": locked.held_on,
                "late_entry": locked.is_late_entry,
                "present": locked.present_count,
                "expected": locked.expected_count,
            },
            message="补录" if locked.is_late_entry else "",
        )
    return refresh_from(meeting, locked)


def record_new_meeting(
    *,
    user,
    organization,
    meeting_type,
    topic: str,
    actual_start: datetime.datetime,
    actual_end: datetime.datetime,
    minutes: str,
    present_ids: list[int] | None = None,
    attendee_ids: list[int] | None = None,
    resolutions: str = "",
    class_hours=None,
    now: datetime.datetime | None = None,
    **plan_fields,
) -> Meeting:
    """补录 a meeting that was never planned in the system, in one transaction: planned at its
    actual time (attendees drawn per type unless `attendee_ids`), the people in `present_ids`
    marked present, then recorded (everybody else absent)."""
    with transaction.atomic():
        meeting = plan_meeting(
            user=user,
            organization=organization,
            meeting_type=meeting_type,
            topic=topic,
            planned_start=actual_start,
            planned_end=actual_end,
            attendee_ids=attendee_ids,
            **plan_fields,
        )
        if meeting.status != Meeting.Status.DRAFT or meeting.recorded_at is not None:
            return meeting  # the same submission again: the first one stands
        wanted = set(present_ids or ())
        rows = meeting.attendances.filter(person_id__in=wanted).values_list("person_id", "pk")
        found = dict(rows)
        if wanted - set(found):
            raise ServiceError("出席人员须在本次会议的应到人员中，请先把他们加入参会人员。")
        if found:
            mark_attendance(
                meeting,
                user=user,
                marks=dict.fromkeys(found.values(), (Attendance.Status.PRESENT, "")),
            )
        return record_meeting(
            meeting,
            user=user,
            actual_start=actual_start,
            actual_end=actual_end,
            minutes=minutes,
            resolutions=resolutions,
            class_hours=class_hours,
            now=now,
        )


def is_late(held_on: datetime.date, recorded_at: datetime.datetime) -> bool:
    """补录: entered more than LATE_ENTRY_DAYS days after the meeting date (the rule in force
    on the day of entry)."""
    entered = timezone.localdate(recorded_at)
    allowed = int(rule_value(rules.LATE_ENTRY_DAYS, on=entered))
    return (entered - held_on).days > allowed


def late_days(meeting: Meeting) -> int | None:
    """How many days after the meeting its record was entered (for "会后 N 天录入")."""
    if meeting.recorded_at is None:
        return None
    return (timezone.localdate(meeting.recorded_at) - meeting.held_on).days


def _check_actual_times(start, end, now) -> None:
    if not isinstance(start, datetime.datetime) or not isinstance(end, datetime.datetime):
        raise ServiceError("请填写会议的实际开始和结束时间。")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ServiceError("会议时间缺少时区，请重新选择时间。")
    if end <= start:
        raise ServiceError("会议的实际结束时间须晚于开始时间。")
    if end - start > MAX_DURATION:
        raise ServiceError("一次会议的时长不能超过 3 天，请核对结束时间。")
    if start > now:
        raise ServiceError("会议还没有开始，不能录入会议记录；请在会后录入。")


def _clean_hours(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ServiceError("计入学时须为数字，例如 2 或 1.5；不填按会议类型计入。") from exc
    if hours < 0 or hours > MAX_CLASS_HOURS:
        raise ServiceError(f"计入学时须在 0 到 {MAX_CLASS_HOURS} 之间。")
    return hours


def resubmit(meeting: Meeting, *, user) -> Meeting:
    """Hand a corrected record back to the upper organisation (已退回 → 已记录)."""
    require_manage(user, meeting.organization, "重新提交会议记录")
    with transaction.atomic():
        locked = locked_meeting(meeting)
        if locked.status == Meeting.Status.HELD:
            return refresh_from(meeting, locked)
        require_unlocked(locked)
        if locked.status != Meeting.Status.RETURNED:
            raise ServiceError("只有被退回的会议记录需要重新提交。")
        locked.status = Meeting.Status.HELD
        locked.save(update_fields=["status", "updated_at"])
        recount(locked)
        audit(
            user,
            "meetings.meeting_resubmit",
            locked,
            before={"status": Meeting.Status.RETURNED},
            after={"status": Meeting.Status.HELD, "returned_reason": locked.returned_reason},
        )
        if locked.returned_by_id:
            _notify(
                locked,
                [locked.returned_by_id],
                title=f"退回的会议记录已重新提交：{locked.organization.display_name}——{locked.topic}",
                body="请重新审核。",
                url=page_url("meetings:detail", locked.pk),
                key=f"meetings:resubmitted:{locked.pk}:{locked.returned_at:%Y%m%d%H%M%S%f}",
            )
    return refresh_from(meeting, locked)


# ---------------------------------------------------------------- review


def review_meeting(meeting: Meeting, *, user, comment: str = "") -> Meeting:
    """The upper organisation reviews and locks the record (已记录 → 已审核)."""
    require_review(user, meeting)
    comment = clean_text(comment, label="审核意见", maximum=COMMENT_MAX)
    with transaction.atomic():
        locked = locked_meeting(meeting)
        if locked.status == Meeting.Status.REVIEWED:
            return refresh_from(meeting, locked)
        if locked.status == Meeting.Status.RETURNED:
            raise ServiceError("该记录已退回下级修改，待重新提交后再审核。")
        if locked.status != Meeting.Status.HELD:
            raise ServiceError("会议记录还没有录入，不能审核。")
        locked.status = Meeting.Status.REVIEWED
        locked.reviewed_by, locked.reviewed_at, locked.review_comment = (
            user,
            timezone.now(),
            comment,
        )
        locked.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "updated_at"]
        )
        audit(
            user,
            "meetings.meeting_review",
            locked,
            before={"status": Meeting.Status.HELD},
            after={"status": Meeting.Status.REVIEWED, "comment": comment},
        )
    return refresh_from(meeting, locked)


def return_meeting(meeting: Meeting, *, user, reason: str) -> Meeting:
    """The upper organisation returns a record (reviewed or not) with a reason; the branch's
    secretary and the record's creator are told."""
    require_review(user, meeting)
    reason = clean_text(reason, label="退回原因", maximum=RETURN_REASON_MAX, required=True)
    if len(reason) < RETURN_REASON_MIN:
        raise ServiceError(f"请写清退回原因（至少 {RETURN_REASON_MIN} 个字），说明需要怎样修改。")
    with transaction.atomic():
        locked = locked_meeting(meeting)
        if locked.status == Meeting.Status.RETURNED and locked.returned_reason == reason:
            return refresh_from(meeting, locked)
        if locked.status not in (Meeting.Status.HELD, Meeting.Status.REVIEWED):
            raise ServiceError("只有已录入或已审核的会议记录可以退回。")
        before = {"status": locked.status, "reviewed_at": locked.reviewed_at}
        locked.status = Meeting.Status.RETURNED
        locked.returned_reason, locked.returned_by, locked.returned_at = (
            reason,
            user,
            timezone.now(),
        )
        locked.reviewed_by, locked.reviewed_at, locked.review_comment = None, None, ""
        locked.save()
        audit(
            user,
            "meetings.meeting_return",
            locked,
            before=before,
            after={"status": Meeting.Status.RETURNED, "reason": reason},
        )
        _notify(
            locked,
            _branch_contacts(locked),
            title=f"会议记录被退回：{locked.organization.display_name}——{locked.topic}",
            body=f"退回原因：{reason}。请修改后重新提交。",
            url=page_url("meetings:detail", locked.pk),
            key=f"meetings:returned:{locked.pk}:{locked.returned_at:%Y%m%d%H%M%S%f}",
        )
    return refresh_from(meeting, locked)


def _branch_contacts(meeting: Meeting) -> list[int]:
    """Accounts of the organisation's secretary (current committee) and of the record's creator."""
    secretaries = CommitteePost.objects.filter(
        committee__organization=meeting.organization,
        committee__is_current=True,
        post=CommitteePost.Post.SECRETARY,
        ended_on__isnull=True,
    ).values("person_id")
    users = get_user_model().objects.filter(Q(person_id__in=secretaries), is_active=True)
    ids = set(users.values_list("pk", flat=True))
    if meeting.created_by_id:
        ids.add(meeting.created_by_id)
    return sorted(ids)


def _notify(meeting: Meeting, user_ids, *, title: str, body: str, url: str, key: str) -> int:
    from dangjian.notifications.services import notify

    return notify(
        recipients=list(user_ids),
        title=title,
        body=body,
        url=url,
        category="meetings",
        obj=meeting,
        dedupe_key=key,
    )


# ---------------------------------------------------------------- photos and files


def add_file(meeting: Meeting, *, user, upload, kind: str, title: str = "") -> MeetingFile:
    """A photo (JPEG/PNG ≤ 10 MB) or a material (PDF/Word/Excel/images ≤ 20 MB), checked by
    its real type. The same file submitted twice (same kind, title and size) is kept once."""
    require_manage(user, meeting.organization, "上传会议照片或材料")
    if kind not in MeetingFile.Kind.values:
        raise ServiceError("请选择上传的是会议照片还是会议材料。")
    is_photo = kind == MeetingFile.Kind.PHOTO
    try:
        file_kind = check_upload(
            upload,
            kinds=IMAGES if is_photo else FILE_KINDS,
            max_bytes=PHOTO_MAX_BYTES if is_photo else FILE_MAX_BYTES,
            what="会议照片" if is_photo else "会议材料",
        )
    except ServiceError:
        raise
    except ValidationError as exc:
        raise ServiceError(exc.messages[0]) from exc
    default_title = "会议照片" if is_photo else _stem(getattr(upload, "name", "")) or "会议材料"
    title = (
        clean_text(title, label="名称", maximum=FILE_TITLE_MAX) or default_title[:FILE_TITLE_MAX]
    )
    with transaction.atomic():
        locked = locked_meeting(meeting)
        require_unlocked(locked)
        same = locked.files.filter(kind=kind, title=title, size=upload.size).first()
        if same is not None:
            return same
        stored = MeetingFile(
            meeting=locked,
            kind=kind,
            title=title,
            file_kind=file_kind,
            size=upload.size,
            uploaded_by=user,
        )
        stored.file.save(f"meeting.{EXTENSIONS[file_kind]}", upload, save=False)
        try:
            stored.save()
            audit(
                user,
                "meetings.file_upload",
                locked,
                after={"file": stored.pk, "kind": kind, "title": title},
                message=f"上传{stored.get_kind_display()}：{title}",
            )
        except Exception:
            # The row is not written: do not leave the stored file behind.
            stored.file.storage.delete(stored.file.name)
            raise
    return stored


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[0].strip() if "." in base else base.strip()


def delete_file(file: MeetingFile, *, user) -> None:
    """Remove a photo or material (refused once the record is locked); deleting twice is a
    no-op. The stored file goes after the commit."""
    require_manage(user, file.meeting.organization, "删除会议照片或材料")
    with transaction.atomic():
        locked = locked_meeting(file.meeting)
        require_unlocked(locked)
        current = MeetingFile.objects.filter(pk=file.pk, meeting=locked).first()
        if current is None:
            return
        storage, name, title = current.file.storage, current.file.name, current.title
        current.delete()
        transaction.on_commit(lambda: storage.delete(name))
        audit(
            user,
            "meetings.file_delete",
            locked,
            before={"file": file.pk, "title": title},
            message=f"删除{current.get_kind_display()}：{title}",
        )
