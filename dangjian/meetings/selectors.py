"""Reads of 组织生活: scoped querysets for lists, and a member's own meetings.

Lists start from `Meeting.objects.visible_to(user, VIEW_MEETING)` and read the counters stored
on the meeting row (应到/实到/法定人数), so a page of meetings is one query plus its count.
"""

from __future__ import annotations

import datetime

from django.db.models import DecimalField, OuterRef, Subquery
from django.utils import timezone

from dangjian.meetings.models import Attendance, ClassHourCredit, Meeting
from dangjian.meetings.permissions import VIEW_MEETING

RECORDED = (Meeting.Status.HELD, Meeting.Status.RETURNED, Meeting.Status.REVIEWED)


def meetings_for(
    user,
    *,
    organization=None,
    category: str | None = None,
    status: str | None = None,
    year: int | None = None,
    q: str = "",
):
    """The meetings the user may see, optionally within an organisation's subtree, of a
    category, in a status, held in a year, or whose topic contains `q`."""
    meetings = Meeting.objects.visible_to(user, VIEW_MEETING).select_related(
        "organization", "meeting_type"
    )
    if organization is not None:
        meetings = meetings.filter(organization__path__startswith=organization.path)
    if category:
        meetings = meetings.filter(category=category)
    if status:
        meetings = meetings.filter(status=status)
    if year:
        meetings = meetings.filter(
            held_on__gte=datetime.date(int(year), 1, 1),
            held_on__lte=datetime.date(int(year), 12, 31),
        )
    q = (q or "").strip()
    if q:
        meetings = meetings.filter(topic__icontains=q)
    return meetings


def upcoming_for_person(person, now: datetime.datetime | None = None):
    """Notified meetings the person is expected at whose sign-in has not closed, soonest first."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(
            status=Meeting.Status.NOTIFIED,
            attendances__person=person,
            signin_closes_at__gt=now,
        )
        .select_related("organization", "meeting_type")
        .order_by("planned_start", "pk")
    )


def history_for_person(person):
    """The person's attendance at recorded meetings, newest first, each with its meeting and
    the 学时 it credited (`credited_hours`, None when none)."""
    credited = ClassHourCredit.objects.filter(
        meeting=OuterRef("meeting_id"), person=OuterRef("person_id")
    ).values("hours")[:1]
    return (
        Attendance.objects.filter(person=person, is_visitor=False, meeting__status__in=RECORDED)
        .select_related("meeting", "meeting__organization", "meeting__meeting_type")
        .annotate(
            credited_hours=Subquery(
                credited, output_field=DecimalField(max_digits=5, decimal_places=1)
            )
        )
        .order_by("-meeting__held_on", "-meeting__actual_start", "-pk")
    )
