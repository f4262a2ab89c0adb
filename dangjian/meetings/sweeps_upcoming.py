"""Reminders to attendees before a notified meeting, and the expiry of stored 台账 PDFs.

The reminder goes to the expected attendees who have not asked for leave, once per meeting
(`dedupe_key`), in the hourly sweep that first sees the meeting start within
`REMIND_HOURS_BEFORE`. Meetings are read in one query, attendees in one more, and the notices
are one bulk insert per meeting, so the cost follows the meetings of the coming day, not the
size of the group.
"""

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from dangjian.core.scheduler import periodic
from dangjian.meetings.ledger_export import ledger_files_expire
from dangjian.meetings.models import Attendance, Meeting
from dangjian.meetings.services.guards import page_url
from dangjian.meetings.services.planning import _schedule

REMIND_HOURS_BEFORE = 20  # the evening before a morning meeting, or the morning of an evening one


def upcoming_reminders_send(*, now=None) -> int:
    """Remind each expected attendee (not on leave) of a notified meeting starting soon."""
    from dangjian.notifications.models import Notification
    from dangjian.notifications.services import notify

    now = now or timezone.now()
    meetings = list(
        Meeting.objects.filter(
            status=Meeting.Status.NOTIFIED,
            planned_start__gt=now,
            planned_start__lte=now + timedelta(hours=REMIND_HOURS_BEFORE),
        ).select_related("organization", "meeting_type")
    )
    # A meeting an earlier run reminded is skipped whole (the dedupe key alone would still
    # cost its inserts every hour).
    done = set(
        Notification.objects.filter(
            dedupe_key__in=[_key(meeting) for meeting in meetings]
        ).values_list("dedupe_key", flat=True)
    )
    meetings = [meeting for meeting in meetings if _key(meeting) not in done]
    if not meetings:
        return 0
    expected: dict[int, list[int]] = {}
    rows = Attendance.objects.filter(
        meeting__in=meetings, is_visitor=False, person__isnull=False
    ).exclude(status__in=[Attendance.Status.LEAVE, Attendance.Status.PRESENT])
    for meeting_id, person_id in rows.values_list("meeting_id", "person_id"):
        expected.setdefault(meeting_id, []).append(person_id)
    users = get_user_model().objects
    reached = 0
    for meeting in meetings:
        people = expected.get(meeting.pk)
        if not people:
            continue
        reached += notify(
            recipients=users.filter(person_id__in=people, is_active=True),
            title=(
                f"会议提醒：{meeting.organization.display_name}"
                f"{meeting.meeting_type.name}——{meeting.topic}"
            ),
            body=f"{_schedule(meeting)}。到会后请用签到码或扫码签到；不能参加请向书记请假。",
            url=page_url("meetings:mine_detail", meeting.pk),
            category="meetings",
            obj=meeting,
            dedupe_key=_key(meeting),
        )
    return reached


def _key(meeting: Meeting) -> str:
    return f"meetings:upcoming:{meeting.pk}"


@periodic("meetings.upcoming_reminders", every=timedelta(hours=1))
def remind_upcoming(*, now):
    upcoming_reminders_send(now=now)


@periodic("meetings.expire_ledger_files", every=timedelta(days=1), first_run=time(3, 10))
def expire_ledger_files(*, now):
    """Stored 台账 PDFs hold minutes and names: delete them once past their retention."""
    ledger_files_expire(now=now)
