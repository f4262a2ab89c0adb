"""Meetings on the portal's "my todo" block: the notified meetings the user is expected at in
the next two weeks and has neither signed in to nor asked leave from (one COUNT)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from dangjian.meetings.models import Attendance, Meeting
from dangjian.portal.todo import TodoItem, register

HORIZON = datetime.timedelta(days=14)  # how far ahead a meeting counts as work waiting


def meetings_to_attend(person_id: int, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return Attendance.objects.filter(
        person_id=person_id,
        is_visitor=False,
        status=Attendance.Status.PENDING,
        meeting__status=Meeting.Status.NOTIFIED,
        meeting__signin_closes_at__gt=now,
        meeting__planned_start__lte=now + HORIZON,
    ).count()


@register
def meetings_todo(user, request) -> list[TodoItem]:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    count = meetings_to_attend(person_id)
    return [
        TodoItem(
            "两周内待参加的会议", reverse("meetings:mine"), count, "calendar-event", "meetings"
        )
    ]
