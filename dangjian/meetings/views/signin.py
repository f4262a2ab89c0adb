"""A member's pages, made for a phone: signing in with the 6-digit code or by scanning the QR
code, 我的会议 (upcoming meetings and attendance history with 学时) and a meeting they are
expected at. They need an account linked to a person, not a role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.meetings import hours, selectors
from dangjian.meetings.forms import SigninForm
from dangjian.meetings.models import Attendance, Meeting, MeetingFile
from dangjian.meetings.services import attendance
from dangjian.meetings.services.attendance import OPEN


def _signed(user, meeting_pk) -> Attendance | None:
    """The user's own present row at a meeting (for the success state after a redirect)."""
    person_id = getattr(user, "person_id", None)
    if not person_id or not meeting_pk:
        return None
    return (
        Attendance.objects.filter(
            meeting_id=meeting_pk, person_id=person_id, status=Attendance.Status.PRESENT
        )
        .select_related("meeting__organization", "meeting__meeting_type")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def signin(request):
    form = SigninForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            row = attendance.sign_in(user=request.user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            error = exc.messages[0]
        else:
            return redirect(f"{reverse('meetings:signin')}?done={row.meeting_id}")
    elif request.method == "POST":
        error = form.errors["code"][0]
    done = _signed(request.user, parse_id(request.GET.get("done")))
    context = {"form": form, "error": error, "done": done, "has_person": _has_person(request.user)}
    status = 400 if error else 200
    return render(request, "meetings/signin/signin.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def signin_qr(request, token):
    """Opened by scanning the QR code shown at the meeting: one tap confirms."""
    meeting = (
        Meeting.objects.select_related("organization", "meeting_type")
        .filter(signin_token=token)
        .first()
        if token
        else None
    )
    error = ""
    if meeting is None:
        error = "签到二维码无效或已重置，请重新扫描会议现场公布的二维码，或改用6位签到码。"
    elif request.method == "POST":
        try:
            attendance.sign_in(user=request.user, token=token)
        except ServiceError as exc:
            error = exc.messages[0]
        else:
            return redirect("meetings:signin_qr", token)
    done = _signed(request.user, meeting.pk) if meeting else None
    expected = _expected(request.user, meeting)
    context = {
        "meeting": meeting if (expected or done) else None,
        "valid": meeting is not None,
        "error": error,
        "done": done,
        "window": attendance.signin_window_state(meeting) if meeting else "",
        "window_text": _window_text(meeting),
        "has_person": _has_person(request.user),
    }
    status = 400 if error and request.method == "POST" else (404 if meeting is None else 200)
    return render(request, "meetings/signin/qr.html", context, status=status)


def _window_text(meeting) -> str:
    if meeting is None:
        return ""
    if meeting.status == Meeting.Status.REVIEWED:
        return "本次会议记录已经上级审核锁定，不能再签到。"
    return attendance.signin_window_text(meeting)


def _has_person(user) -> bool:
    return bool(getattr(user, "person_id", None))


def _expected(user, meeting) -> bool:
    person_id = getattr(user, "person_id", None)
    if meeting is None or not person_id:
        return False
    return Attendance.objects.filter(meeting=meeting, person_id=person_id).exists()


@login_required
@require_GET
def mine(request):
    person = getattr(request.user, "person", None) if _has_person(request.user) else None
    if person is None:
        return render(request, "meetings/signin/mine.html", {"has_person": False})
    upcoming = list(selectors.upcoming_for_person(person)[:20])
    marks = dict(
        Attendance.objects.filter(
            person=person, meeting_id__in=[meeting.pk for meeting in upcoming]
        ).values_list("meeting_id", "status")
    )
    for meeting in upcoming:
        meeting.my_status = marks.get(meeting.pk, "")
        meeting.window = attendance.signin_window_state(meeting)
    history = selectors.history_for_person(person)
    return render(
        request,
        "meetings/signin/mine.html",
        {
            "has_person": True,
            "year": hours.person_year(person, timezone.localdate().year),
            "upcoming": upcoming,
            "OPEN": OPEN,
            "PRESENT": Attendance.Status.PRESENT,
            **paginate(request, history),
        },
    )


@login_required
@require_GET
def mine_detail(request, pk):
    person_id = getattr(request.user, "person_id", None)
    if not person_id:
        raise Http404
    row = (
        Attendance.objects.filter(meeting_id=parse_id(pk), person_id=person_id)
        .select_related(
            "meeting__organization", "meeting__meeting_type", "meeting__host", "meeting__lecturer"
        )
        .prefetch_related(
            Prefetch("meeting__files", queryset=MeetingFile.objects.order_by("kind", "pk"))
        )
        .first()
    )
    if row is None:
        raise Http404
    meeting = row.meeting
    files = list(meeting.files.all())
    return render(
        request,
        "meetings/signin/mine_detail.html",
        {
            "meeting": meeting,
            "row": row,
            "window": attendance.signin_window_state(meeting),
            "window_text": attendance.signin_window_text(meeting),
            "photos": [f for f in files if f.kind == MeetingFile.Kind.PHOTO],
            "documents": [f for f in files if f.kind == MeetingFile.Kind.FILE],
            "OPEN": OPEN,
            "Status": Meeting.Status,
        },
    )


urlpatterns = [
    path("signin/", signin, name="signin"),
    path("s/<str:token>/", signin_qr, name="signin_qr"),
    path("mine/", mine, name="mine"),
    path("mine/<int:pk>/", mine_detail, name="mine_detail"),
]
