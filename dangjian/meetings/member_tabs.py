"""The "组织生活" tab on the member detail page: this year's 学时 against the requirement and
the member's attendance at the meetings the viewer may see."""

from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.scope import scope_of
from dangjian.meetings import hours
from dangjian.meetings.models import Attendance, Meeting
from dangjian.meetings.permissions import VIEW_COMPLIANCE, VIEW_MEETING
from dangjian.members.tabs import MemberTab, add

RECORDED = (Meeting.Status.HELD, Meeting.Status.RETURNED, Meeting.Status.REVIEWED)
SHOWN = 20


def _attendances(user, member):
    return (
        Attendance.objects.visible_to(user, VIEW_MEETING)
        .filter(person_id=member.person_id, meeting__status__in=RECORDED)
        .select_related("meeting", "meeting__organization")
        .order_by("-meeting__held_on", "-meeting_id")
    )


def _context(request, member):
    year = timezone.localdate().year
    rows = _attendances(request.user, member)
    counts = rows.filter(meeting__held_on__year=year).aggregate(
        present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
        leave=Count("pk", filter=Q(status=Attendance.Status.LEAVE)),
        absent=Count("pk", filter=Q(status=Attendance.Status.ABSENT)),
    )
    return {
        "hours_year": hours.person_year(member.person, year),
        "attendance_counts": counts,
        "attendances": list(rows[:SHOWN]),
        "attendance_shown": SHOWN,
    }


def _visible(user, member):
    own = getattr(user, "person_id", None) == member.person_id
    scope = scope_of(user)
    path = member.organization.path
    return own or scope.covers(VIEW_MEETING, path) or scope.covers(VIEW_COMPLIANCE, path)


add(
    MemberTab(
        key="meetings",
        label="组织生活",
        icon="calendar-check",
        template="meetings/hours/_member_tab.html",
        context=_context,
        visible=_visible,
        order=55,
    )
)
