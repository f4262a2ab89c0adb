"""学时 (class hours) from meetings and other sources (domain §3.2: 32 学时 a year, 56 for
secretaries and committee members).

A held meeting credits its hours (the meeting's own value, else its type's) to every present
attendee with a person record: one `ClassHourCredit` per meeting and person (a unique
constraint), so re-recording a meeting moves the credits instead of adding to them, and a
cancelled meeting takes them back. Other sources (training classes, online learning) are
registered by hand with `add_manual_credit`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.meetings.models import Attendance, ClassHourCredit, Meeting
from dangjian.meetings.permissions import MANAGE_MEETING, VIEW_MEETING
from dangjian.meetings.services.guards import clean_text

# Meetings whose record is in (held, returned for a fix, reviewed) credit their attendees.
CREDITING_STATUSES = (Meeting.Status.HELD, Meeting.Status.RETURNED, Meeting.Status.REVIEWED)
MANUAL_SOURCES = (
    ClassHourCredit.Source.TRAINING,
    ClassHourCredit.Source.LEARNING,
    ClassHourCredit.Source.MANUAL,
)
MAX_MANUAL_HOURS = Decimal("200")
NOTE_MAX = 200


def hours_for(meeting: Meeting) -> Decimal:
    """The 学时 one attendance of this meeting is worth: the meeting's override, else the
    type's rule (0 = the meeting credits nothing)."""
    if meeting.class_hours is not None:
        return Decimal(meeting.class_hours)
    return Decimal(meeting.meeting_type.class_hours)


def sync_credits(meeting: Meeting) -> None:
    """Make the meeting's credits match its attendance: present attendees with a person get
    one row each, everybody else none. Idempotent; four queries at most."""
    hours = hours_for(meeting)
    wanted = {}
    if meeting.status in CREDITING_STATUSES and hours > 0:
        wanted = _present_people(meeting)
    existing = {credit.person_id: credit for credit in meeting.credits.all()}
    gone = [credit.pk for person_id, credit in existing.items() if person_id not in wanted]
    if gone:
        ClassHourCredit.objects.filter(pk__in=gone).delete()
    changed, added = [], []
    for person_id, organization_id in wanted.items():
        values = {
            "organization_id": organization_id,
            "on_date": meeting.held_on,
            "year": meeting.held_on.year,
            "hours": hours,
        }
        credit = existing.get(person_id)
        if credit is None:
            added.append(
                ClassHourCredit(
                    person_id=person_id,
                    meeting=meeting,
                    source=ClassHourCredit.Source.MEETING,
                    note=meeting.topic[:NOTE_MAX],
                    **values,
                )
            )
        elif any(getattr(credit, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(credit, name, value)
            changed.append(credit)
    if changed:
        ClassHourCredit.objects.bulk_update(changed, ["organization", "on_date", "year", "hours"])
    if added:
        ClassHourCredit.objects.bulk_create(added, ignore_conflicts=True)


def _present_people(meeting: Meeting) -> dict[int, int]:
    """person id → the organisation the credit counts for (the person's membership, else the
    meeting's organisation), for the present attendees."""
    rows = Attendance.objects.filter(
        meeting=meeting, status=Attendance.Status.PRESENT, person__isnull=False
    ).values_list("person_id", "person__membership__organization_id")
    return {
        person_id: organization_id or meeting.organization_id for person_id, organization_id in rows
    }


def add_manual_credit(
    *,
    user,
    person,
    on_date: datetime.date,
    hours,
    note: str,
    source: str = ClassHourCredit.Source.TRAINING,
) -> ClassHourCredit:
    """Register 学时 from a training class, online learning or another source for a member of
    an organisation the user manages. Repeating the same entry returns the first row."""
    from dangjian.audit.services import audit_log
    from dangjian.members.models import Member

    membership = Member.objects.select_related("organization").filter(person=person).first()
    if membership is None:
        raise ServiceError(f"{person.name}不是党员，无法登记学时。")
    organization = membership.organization
    _require_manage_person(user, organization)
    if source not in MANUAL_SOURCES:
        raise ServiceError(
            "请选择学时来源（集中培训、在线学习或手工登记）；组织生活的学时由会议记录自动计入。"
        )
    hours = _clean_hours(hours)
    on_date = _clean_date(on_date)
    note = clean_text(note, label="学时说明（培训班名称、课程等）", maximum=NOTE_MAX, required=True)
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=membership.pk).first()
        same = ClassHourCredit.objects.filter(
            person=person,
            meeting__isnull=True,
            on_date=on_date,
            hours=hours,
            source=source,
            note=note,
        ).first()
        if same is not None:
            return same
        credit = ClassHourCredit.objects.create(
            person=person,
            organization=organization,
            on_date=on_date,
            year=on_date.year,
            hours=hours,
            source=source,
            note=note,
        )
        audit_log(
            actor=user,
            action="meetings.class_hours_add",
            obj=credit,
            organization=organization,
            after={"person": person.pk, "on_date": on_date, "hours": hours, "source": source},
            message=f"{person.name}：{note} {hours} 学时",
        )
    return credit


def _require_manage_person(user, organization) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    scope = scope_of(user)
    if scope.covers(MANAGE_MEETING, organization.path):
        return
    if scope.covers(VIEW_MEETING, organization.path):
        raise PermissionDenied(f"您没有为“{organization.display_name}”的党员登记学时的权限。")
    raise Http404


def _clean_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ServiceError("学时须为数字，例如 2 或 1.5。") from exc
    if hours <= 0:
        raise ServiceError("学时须大于 0。")
    if hours > MAX_MANUAL_HOURS:
        raise ServiceError(f"一次登记的学时不能超过 {MAX_MANUAL_HOURS} 学时，请分次登记。")
    return hours


def _clean_date(value) -> datetime.date:
    if not isinstance(value, datetime.date):
        raise ServiceError("请填写学习培训的日期。")
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    if value > timezone.localdate():
        raise ServiceError("学习培训的日期不能晚于今天。")
    return value
