"""The secretary's pages of 组织生活: the list, planning, the meeting page with sign-in, the
attendance register, the record (minutes in the rich-text editor), photos and files, and the
upper organisation's review.

Every page needs `meetings.view_meeting` over the meeting's organisation (out of scope: 404);
writes need `meetings.manage_meeting` (the review `meetings.review_meeting` over the upper
organisation), checked again by the services, which also make every write safe to repeat.
"""

from __future__ import annotations

import io

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from qrcode.image.pil import PilImage

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.rules import rule_value
from dangjian.core.scope import get_visible_or_404, has_permission, scope_of
from dangjian.core.search_select import OPTION_LIMIT, options_response
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import serve_file
from dangjian.meetings import forms, rules, selectors
from dangjian.meetings.models import Attendance, Meeting, MeetingFile, MeetingType, Quorum
from dangjian.meetings.permissions import MANAGE_MEETING, REVIEW_MEETING, VIEW_MEETING
from dangjian.meetings.services import attendance, planning, records
from dangjian.meetings.services.guards import parent_path

ONCE = "meetings"
PICKER_LIMIT = 300  # members listed in the attendee picker; larger pools use the type's default


def _require(user, permission: str) -> None:
    if not has_permission(user, permission):
        raise Http404


def _meeting(user, pk, permission: str = VIEW_MEETING) -> Meeting:
    queryset = Meeting.objects.select_related(
        "organization",
        "meeting_type",
        "host",
        "recorder",
        "lecturer",
        "guide",
        "created_by",
        "reviewed_by",
        "returned_by",
    )
    return get_visible_or_404(queryset, user, permission, pk=parse_id(pk))


def _managed(user, pk) -> Meeting:
    """A meeting the user may change: seen but not manageable answers 403, unseen 404."""
    meeting = _meeting(user, pk)
    if not scope_of(user).covers(MANAGE_MEETING, meeting.organization.path):
        raise PermissionDenied(f"您没有为“{meeting.organization.display_name}”记录组织生活的权限。")
    return meeting


def _may_review(user, meeting: Meeting) -> bool:
    upper = parent_path(meeting.organization)
    return bool(upper) and scope_of(user).covers(REVIEW_MEETING, upper)


def _refused(request, exc: ServiceError, meeting: Meeting):
    messages.error(request, exc.messages[0])
    return redirect("meetings:detail", meeting.pk)


# ---------------------------------------------------------------- list


@login_required
@require_GET
def meeting_list(request):
    _require(request.user, VIEW_MEETING)
    form = forms.MeetingFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if request.GET else {}
    meetings = selectors.meetings_for(
        request.user,
        organization=filters.get("within"),
        status=filters.get("status") or None,
        year=filters.get("year"),
    )
    if filters.get("meeting_type"):
        meetings = meetings.filter(meeting_type=filters["meeting_type"])
    if filters.get("month"):
        meetings = meetings.filter(held_on__month=filters["month"])
    if filters.get("late"):
        meetings = meetings.filter(is_late_entry=True)
    if filters.get("awaiting"):
        meetings = meetings.filter(status=Meeting.Status.HELD)
    meetings = meetings.order_by("-held_on", "-planned_start", "-pk")
    return render(
        request,
        "meetings/meetings/list.html",
        {
            **paginate(request, meetings),
            "filters": form,
            "can_plan": has_permission(request.user, MANAGE_MEETING),
            "can_review": has_permission(request.user, REVIEW_MEETING),
        },
    )


@login_required
@require_GET
def organization_options(request):
    """Search of the list filter (VIEW scope) or of the plan form (`?manage=1`)."""
    _require(request.user, VIEW_MEETING)
    manage = request.GET.get("manage") == "1"
    queryset = (
        forms.managed_organizations(request.user)
        if manage
        else forms.viewed_organizations(request.user)
    )
    found = forms.organization_options(queryset, request.GET.get("q", ""), OPTION_LIMIT)
    options = [(org.pk, org.display_name) for org in found]
    return options_response(request, options, empty_label="请选择党组织" if manage else "全部")


@login_required
@require_GET
def people_options(request):
    _require(request.user, MANAGE_MEETING)
    found = forms.person_options(request.user, request.GET.get("q", ""), OPTION_LIMIT)
    return options_response(request, [(p.pk, p.name) for p in found], empty_label="---------")


# ---------------------------------------------------------------- plan and edit


def _default_organization(user):
    """The organisation a plan starts with: the user's own branch when they may manage it,
    otherwise the single organisation they manage."""
    managed = forms.managed_organizations(user)
    person_id = getattr(user, "person_id", None)
    own = managed.filter(members__person_id=person_id).first() if person_id else None
    if own is not None:
        return own
    roots = scope_of(user).paths_for(MANAGE_MEETING)
    return managed.filter(path=roots[0]).first() if len(roots) == 1 else None


def _picker(user, organization, meeting_type, chosen=None) -> dict:
    """The attendee picker's rows: members the meeting may expect, ticked by the type's default
    (or by the current list when editing)."""
    if organization is None or meeting_type is None:
        return {"picker_ready": False}
    pool = planning.attendee_pool(organization).select_related("person", "party_group")
    committee = planning.committee_person_ids(organization)
    people = list(pool.order_by("person__pinyin_key", "pk")[: PICKER_LIMIT + 1])
    if len(people) > PICKER_LIMIT:
        return {"picker_ready": True, "picker_too_large": True}
    known = {member.person_id for member in people}
    extra = sorted(committee - known)
    if chosen is None:
        chosen = set(planning.default_attendee_ids(organization, meeting_type))
    rows = [
        {
            "person_id": member.person_id,
            "name": member.person.name,
            "note": member.get_category_display()
            + (f" · {member.party_group.display_name}" if member.party_group_id else ""),
            "committee": member.person_id in committee,
            "checked": member.person_id in chosen,
        }
        for member in people
    ]
    rows += [
        {
            "person_id": pk,
            "name": name,
            "note": "班子成员",
            "committee": True,
            "checked": pk in chosen,
        }
        for pk, name in _names(extra)
    ]
    return {
        "picker_ready": True,
        "picker_rows": rows,
        "picker_chosen": sum(r["checked"] for r in rows),
    }


def _names(person_ids):
    from dangjian.members.models import Person

    return list(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))


def _guides(organization, month) -> list:
    if organization is None:
        return []
    try:
        from dangjian.meetings.guides_api import guides_for
    except ImportError:
        return []
    return list(guides_for(organization, month))


def _bound_choice(form, name):
    """The valid object a form field holds (submitted or initial), or None."""
    field = form.fields.get(name)
    if field is None:
        return None
    value = form[name].value() if form.is_bound else form.initial.get(name)
    pk = parse_id(getattr(value, "pk", value))
    return field.queryset.filter(pk=pk).first() if pk else None


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    _require(request.user, MANAGE_MEETING)
    once = SubmitOnce(request, "plan", namespace=ONCE)
    initial = {
        "organization": _default_organization(request.user),
        "host": getattr(request.user, "person_id", None),
        "meeting_type": MeetingType.objects.filter(is_active=True)
        .order_by("sort_order", "pk")
        .first(),
    }
    form = forms.MeetingPlanForm(request.POST or None, user=request.user, initial=initial)
    organization = _bound_choice(form, "organization")
    meeting_type = _bound_choice(form, "meeting_type")
    picker = _picker(request.user, organization, meeting_type)
    chooser = forms.AttendeeChoiceForm(
        request.POST or None, pool_ids=[row["person_id"] for row in picker.get("picker_rows", [])]
    )
    if request.method == "POST" and form.is_valid() and chooser.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("meetings:list"))
        try:
            meeting = _plan(request.user, form, chooser)
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = reverse("meetings:detail", args=[meeting.pk])
            once.done(url)
            messages.success(
                request,
                f"已计划{meeting.meeting_type.name}，应到 {meeting.expected_count} 人。"
                "发布通知后参会人员会收到消息。",
            )
            return redirect(url)
    month = form.cleaned_data.get("planned_start") if form.is_bound and form.is_valid() else None
    context = {
        **_signin_rules(),
        "form": form,
        "form_token": once.token,
        "guides": _guides(
            organization, timezone.localdate(month) if month else timezone.localdate()
        ),
        **picker,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/meetings/plan.html", context, status=status)


def _signin_rules() -> dict:
    today = timezone.localdate()
    return {
        "opens_minutes": rule_value(rules.SIGNIN_OPENS_MINUTES, on=today),
        "closes_minutes": rule_value(rules.SIGNIN_CLOSES_MINUTES, on=today),
    }


def _plan(user, form, chooser) -> Meeting:
    values = form.plan_values()
    guide = _valid_guide(form.cleaned_data["organization"], form.cleaned_data.get("guide"))
    meeting = planning.plan_meeting(
        user=user,
        organization=form.cleaned_data["organization"],
        guide=guide,
        attendee_ids=chooser.chosen(),
        **values,
    )
    for name, title in form.cleaned_data["visitors"]:
        planning.add_visitor(meeting, user=user, name=name, title=title)
    return meeting


def _valid_guide(organization, guide_id):
    if not guide_id:
        return None
    month = timezone.localdate()
    return next((guide for guide in _guides(organization, month) if guide.pk == guide_id), None)


@login_required
@require_GET
def plan_helpers(request):
    """The plan form's attendee picker and guide topics for the chosen organisation and type
    (swapped in by htmx when either changes)."""
    _require(request.user, MANAGE_MEETING)
    organization = (
        forms.managed_organizations(request.user)
        .filter(pk=parse_id(request.GET.get("organization")))
        .first()
    )
    meeting_type = forms.active_types().filter(pk=parse_id(request.GET.get("meeting_type"))).first()
    context = {
        **_picker(request.user, organization, meeting_type),
        "guides": _guides(organization, timezone.localdate()),
        "oob": True,
    }
    return render(request, "meetings/meetings/_plan_helpers.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = _managed(request.user, pk)
    if meeting.is_locked:
        messages.error(request, "本记录已经上级审核锁定或已取消，不能再修改。")
        return redirect("meetings:detail", meeting.pk)
    initial = {name: getattr(meeting, name) for name in planning.PLAN_FIELDS}
    initial["planned_start"] = timezone.localtime(meeting.planned_start)
    initial["planned_end"] = timezone.localtime(meeting.planned_end)
    initial["guide"] = meeting.guide_id
    for name in ("host", "recorder", "lecturer"):  # ids, so the search-backed select keeps them
        initial[name] = getattr(meeting, f"{name}_id")
    form = forms.MeetingPlanForm(
        request.POST or None, user=request.user, meeting=meeting, initial=initial
    )
    current = set(meeting.attendances.filter(is_visitor=False).values_list("person_id", flat=True))
    picker = _picker(request.user, meeting.organization, meeting.meeting_type, chosen=current)
    chooser = forms.AttendeeChoiceForm(
        request.POST or None, pool_ids=[row["person_id"] for row in picker.get("picker_rows", [])]
    )
    if request.method == "POST" and form.is_valid() and chooser.is_valid():
        try:
            values = form.plan_values()
            values["guide"] = (
                _valid_guide(meeting.organization, form.cleaned_data.get("guide")) or meeting.guide
            )
            planning.update_meeting(meeting, user=request.user, **values)
            chosen = chooser.chosen()
            if chosen is not None and set(chosen) != current:
                planning.set_attendees(meeting, user=request.user, person_ids=chosen)
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "会议计划已保存。")
            return redirect("meetings:detail", meeting.pk)
    context = {
        **_signin_rules(),
        "form": form,
        "meeting": meeting,
        "guides": _guides(meeting.organization, timezone.localdate(meeting.planned_start)),
        **picker,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/meetings/plan.html", context, status=status)


# ---------------------------------------------------------------- the meeting page


@login_required
@require_GET
def meeting_detail(request, pk):
    meeting = _meeting(request.user, pk)
    rows = meeting.attendances.select_related("person").order_by("is_visitor", "pk")
    files = list(meeting.files.select_related("uploaded_by").order_by("kind", "uploaded_at", "pk"))
    can_manage = scope_of(request.user).covers(MANAGE_MEETING, meeting.organization.path)
    quorum = attendance.quorum_of(meeting)
    return render(
        request,
        "meetings/meetings/detail.html",
        {
            "meeting": meeting,
            "rows": list(rows),
            "photos": [f for f in files if f.kind == MeetingFile.Kind.PHOTO],
            "documents": [f for f in files if f.kind == MeetingFile.Kind.FILE],
            "quorum": quorum,
            "resolutions_void": quorum.applies and quorum.met is False and meeting.recorded_at,
            "window": attendance.signin_window_state(meeting),
            "window_text": attendance.signin_window_text(meeting),
            "late_days": records.late_days(meeting),
            "can_manage": can_manage,
            "can_review": _may_review(request.user, meeting),
            "signin_url": request.build_absolute_uri(
                reverse("meetings:signin_qr", args=[meeting.signin_token])
            )
            if meeting.signin_token
            else "",
            "reason_form": forms.ReasonForm(),
            "review_form": forms.ReviewForm(),
            "Status": Meeting.Status,
            "quorum_rules": Quorum,
        },
    )


@login_required
@require_GET
def meeting_qr(request, pk):
    """The sign-in QR code as a PNG (only for those who run the meeting)."""
    meeting = _managed(request.user, pk)
    url = request.build_absolute_uri(reverse("meetings:signin_qr", args=[meeting.signin_token]))
    image = qrcode.make(url, image_factory=PilImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def meeting_notify(request, pk):
    meeting = _managed(request.user, pk)
    try:
        reached = planning.notify_meeting(meeting, user=request.user)
    except ServiceError as exc:
        return _refused(request, exc, meeting)
    if reached:
        messages.success(request, f"会议通知已发出，{reached} 人收到消息。")
    else:
        messages.info(request, "会议通知已经发布过，没有重复发送。")
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, pk):
    meeting = _managed(request.user, pk)
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = "取消原因"
    if request.method == "POST" and form.is_valid():
        try:
            planning.cancel_meeting(meeting, user=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request, "会议已取消。" + ("已通知参会人员。" if meeting.notified_at else "")
            )
            return redirect("meetings:detail", meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "meetings/meetings/cancel.html", {"meeting": meeting, "form": form}, status=status
    )


@login_required
@require_POST
def reset_code(request, pk):
    meeting = _managed(request.user, pk)
    try:
        code = attendance.reset_signin_code(meeting, user=request.user)
    except ServiceError as exc:
        return _refused(request, exc, meeting)
    messages.success(request, f"签到码已重置为 {code}，旧的签到码和二维码已失效。")
    return redirect("meetings:detail", meeting.pk)


# ---------------------------------------------------------------- attendance


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request, pk):
    meeting = _managed(request.user, pk)
    rows = list(meeting.attendances.select_related("person").order_by("is_visitor", "pk"))
    members = [row for row in rows if not row.is_visitor]
    form = forms.AttendanceForm(
        request.POST if request.POST.get("action") == "marks" else None, rows=members
    )
    visitor = forms.VisitorForm(request.POST if request.POST.get("action") == "visitor" else None)
    if request.method == "POST":
        saved = _save_attendance(request, meeting, form, visitor)
        if saved:
            return redirect("meetings:attendance", meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/meetings/attendance.html",
        {
            "meeting": meeting,
            "form": form,
            "visitor_form": visitor,
            "visitors": [row for row in rows if row.is_visitor],
            "quorum": attendance.quorum_of(meeting),
            "window_text": attendance.signin_window_text(meeting),
        },
        status=status,
    )


def _save_attendance(request, meeting, form, visitor) -> bool:
    try:
        if form.is_bound and form.is_valid():
            attendance.mark_attendance(meeting, user=request.user, marks=form.marks())
            messages.success(request, f"出勤已保存：实到 {meeting.present_count} 人。")
            return True
        if visitor.is_bound and visitor.is_valid():
            planning.add_visitor(meeting, user=request.user, **visitor.cleaned_data)
            messages.success(request, f"已登记列席人员：{visitor.cleaned_data['name']}。")
            return True
    except ServiceError as exc:
        target = form if form.is_bound else visitor
        target.add_error(None, exc.messages[0])
    return False


# ---------------------------------------------------------------- the record


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request, pk):
    meeting = _managed(request.user, pk)
    if meeting.is_locked:
        messages.error(request, "本记录已经上级审核锁定或已取消，不能再修改。")
        return redirect("meetings:detail", meeting.pk)
    start = meeting.actual_start or meeting.planned_start
    end = meeting.actual_end or meeting.planned_end
    initial = {
        "actual_start": timezone.localtime(start),
        "actual_end": timezone.localtime(end),
        "place": meeting.place,
        "agenda": meeting.agenda,
        "minutes": meeting.minutes,
        "resolutions": meeting.resolutions,
        "class_hours": meeting.class_hours,
    }
    form = forms.RecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            records.record_meeting(meeting, user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            late = "（补录）" if meeting.is_late_entry else ""
            messages.success(
                request,
                f"会议记录已保存{late}：应到 {meeting.expected_count} 人，"
                f"实到 {meeting.present_count} 人。",
            )
            return redirect("meetings:detail", meeting.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "meeting": meeting,
        "form": form,
        "type_hours": meeting.meeting_type.class_hours,
        "pending": meeting.attendances.filter(
            status=Attendance.Status.PENDING, is_visitor=False
        ).count(),
    }
    return render(request, "meetings/meetings/record.html", context, status=status)


# ---------------------------------------------------------------- photos and files


@login_required
@require_http_methods(["GET", "POST"])
def meeting_upload(request, pk):
    meeting = _managed(request.user, pk)
    form = forms.UploadForm(
        request.POST or None, request.FILES or None, initial={"kind": MeetingFile.Kind.PHOTO}
    )
    if request.method == "POST" and form.is_valid():
        stored, refused = _store_files(request, meeting, form.cleaned_data)
        if stored and not refused:
            messages.success(request, f"已上传 {stored} 个文件。")
            return redirect("meetings:detail", meeting.pk)
        for message in refused:
            form.add_error(None, message)
        if stored:
            messages.success(request, f"已上传 {stored} 个文件；其余未上传，原因见下。")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "meetings/meetings/upload.html", {"meeting": meeting, "form": form}, status=status
    )


def _store_files(request, meeting, data) -> tuple[int, list[str]]:
    stored, refused = 0, []
    for upload in data["files"]:
        try:
            records.add_file(
                meeting, user=request.user, upload=upload, kind=data["kind"], title=data["title"]
            )
        except ServiceError as exc:
            refused.append(f"{upload.name}：{exc.messages[0]}")
        else:
            stored += 1
    return stored, refused


def file_for(user, file_pk) -> MeetingFile:
    """A meeting's file for a user who may see the meeting, or who is expected at it."""
    queryset = MeetingFile.objects.select_related("meeting__organization")
    stored = queryset.filter(pk=parse_id(file_pk)).first()
    if stored is None:
        raise Http404
    if scope_of(user).covers(VIEW_MEETING, stored.meeting.organization.path):
        return stored
    person_id = getattr(user, "person_id", None)
    if (
        person_id
        and Attendance.objects.filter(meeting_id=stored.meeting_id, person_id=person_id).exists()
    ):
        return stored
    raise Http404


@login_required
@require_GET
def meeting_file(request, file_pk):
    stored = file_for(request.user, file_pk)
    extension = stored.file.name.rsplit(".", 1)[-1]
    return serve_file(
        stored.file,
        kind=stored.file_kind,
        download_name=f"{stored.title}.{extension}",
        inline=stored.kind == MeetingFile.Kind.PHOTO or request.GET.get("inline") == "1",
    )


@login_required
@require_POST
def file_delete(request, file_pk):
    stored = file_for(request.user, file_pk)
    meeting = _managed(request.user, stored.meeting_id)
    try:
        records.delete_file(stored, user=request.user)
    except ServiceError as exc:
        return _refused(request, exc, meeting)
    messages.success(request, f"已删除：{stored.title}。")
    return redirect("meetings:detail", meeting.pk)


# ---------------------------------------------------------------- review


def _reviewed(user, pk) -> Meeting:
    meeting = _meeting(user, pk)
    if not _may_review(user, meeting):
        raise PermissionDenied(
            f"“{meeting.organization.display_name}”的组织生活记录由上级党组织审核。"
        )
    return meeting


@login_required
@require_POST
def meeting_review(request, pk):
    meeting = _reviewed(request.user, pk)
    form = forms.ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        records.review_meeting(meeting, user=request.user, comment=comment)
    except ServiceError as exc:
        return _refused(request, exc, meeting)
    messages.success(request, "已审核，本记录已锁定。")
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def meeting_return(request, pk):
    meeting = _reviewed(request.user, pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "退回时请填写原因，说明需要怎样修改。")
        return redirect("meetings:detail", meeting.pk)
    try:
        records.return_meeting(meeting, user=request.user, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        return _refused(request, exc, meeting)
    messages.success(request, "已退回，并通知了该组织的书记。")
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def meeting_resubmit(request, pk):
    meeting = _managed(request.user, pk)
    try:
        records.resubmit(meeting, user=request.user)
    except ServiceError as exc:
        return _refused(request, exc, meeting)
    messages.success(request, "已重新提交，等待上级审核。")
    return redirect("meetings:detail", meeting.pk)


urlpatterns = [
    path("", meeting_list, name="list"),
    path("organizations/", organization_options, name="organization_options"),
    path("people/", people_options, name="people_options"),
    path("new/", meeting_create, name="create"),
    path("new/helpers/", plan_helpers, name="plan_helpers"),
    path("<int:pk>/", meeting_detail, name="detail"),
    path("<int:pk>/edit/", meeting_edit, name="edit"),
    path("<int:pk>/qr.png", meeting_qr, name="qr"),
    path("<int:pk>/notify/", meeting_notify, name="notify"),
    path("<int:pk>/cancel/", meeting_cancel, name="cancel"),
    path("<int:pk>/code/", reset_code, name="reset_code"),
    path("<int:pk>/attendance/", meeting_attendance, name="attendance"),
    path("<int:pk>/record/", meeting_record, name="record"),
    path("<int:pk>/upload/", meeting_upload, name="upload"),
    path("<int:pk>/review/", meeting_review, name="review"),
    path("<int:pk>/return/", meeting_return, name="return"),
    path("<int:pk>/resubmit/", meeting_resubmit, name="resubmit"),
    path("files/<int:file_pk>/", meeting_file, name="file"),
    path("files/<int:file_pk>/delete/", file_delete, name="file_delete"),
]
