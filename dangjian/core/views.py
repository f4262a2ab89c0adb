import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import CalendarDayForm, CalendarImportForm
from dangjian.core.health import database_answers, process_report
from dangjian.core.jobs import job_of_owner_or_404, jobs_of
from dangjian.core.links import safe_local_path
from dangjian.core.models import CalendarDay
from dangjian.core.paging import paginate
from dangjian.core.services import (
    CALENDAR_PERMISSION,
    calendar_day_delete,
    calendar_day_set,
    calendar_import,
    holds_globally,
)
from dangjian.core.workdays import calendar_year


@never_cache
@require_GET
def healthz(request):
    """200 with database status and the worker's and scheduler's last heartbeats; 503 when the
    database does not answer (the detail names the error class only, never connection data)."""
    try:
        database_answers()
        processes = process_report()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "error", "detail": exc.__class__.__name__}, status=503
        )
    return JsonResponse(
        {"status": "ok", "time": timezone.now().isoformat(), "database": "ok", **processes}
    )


@login_required
@require_GET
def job_list(request):
    context = paginate(request, jobs_of(request.user))
    return render(request, "core/job_list.html", context)


@never_cache
@vary_on_headers("HX-Request")
@login_required
@require_GET
def job_detail(request, job_id):
    """The job's progress; HTMX polls the partial every second until the job has finished."""
    job = job_of_owner_or_404(request.user, job_id)
    template = "core/_job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job, "result_url": safe_local_path(job.result_url)})


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)


# ---------------------------------------------------------------- holiday calendar (/manage/)


def _calendar_admin(view):
    """Login, then 403 unless the user may maintain the group-wide calendar."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not holds_globally(request.user, CALENDAR_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _year(value) -> int:
    text = str(value or "")
    year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else 0
    return year if 1950 <= year <= 2100 else timezone.localdate().year


def _calendar_page(request, year: int, *, day_form=None, import_form=None, status=200):
    edit_day = _iso_date(request.GET.get("edit"))
    edit = CalendarDay.objects.filter(date=edit_day).first() if edit_day else None
    if day_form is None:
        fields = ("kind", "name", "note")
        initial = {"day": edit.date, **{f: getattr(edit, f) for f in fields}} if edit else None
        day_form = CalendarDayForm(initial=initial)
    this_year = timezone.localdate().year
    context = {
        "year": year,
        "years": sorted({*range(this_year - 2, this_year + 3), year}),
        "days": calendar_year(request.user, year=year),
        "editing": edit,
        "day_form": day_form,
        "import_form": import_form or CalendarImportForm(),
    }
    return render(request, "core/calendar.html", context, status=status)


def _iso_date(value):
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


@require_GET
@_calendar_admin
def calendar(request):
    return _calendar_page(request, _year(request.GET.get("year")))


@require_POST
@_calendar_admin
def calendar_save(request):
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        try:
            row = calendar_day_set(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存 {row}。")
            return redirect(f"{reverse('manage:calendar')}?year={row.date.year}")
    return _calendar_page(request, _year(request.POST.get("year")), day_form=form, status=400)


@require_POST
@_calendar_admin
def calendar_delete(request, day):
    parsed = _iso_date(day)
    if parsed is None:
        raise Http404
    try:
        calendar_day_delete(actor=request.user, day=parsed)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除 {parsed:%Y-%m-%d} 的标记。")
    return redirect(f"{reverse('manage:calendar')}?year={parsed.year}")


@require_POST
@_calendar_admin
def calendar_import_view(request):
    form = CalendarImportForm(request.POST)
    if form.is_valid():
        try:
            count = calendar_import(actor=request.user, text=form.cleaned_data["text"])
        except ServiceError as exc:
            form.add_error("text", exc)
        else:
            messages.success(request, f"已导入 {count} 天。")
            return redirect(f"{reverse('manage:calendar')}?year={_year(request.POST.get('year'))}")
    return _calendar_page(request, _year(request.POST.get("year")), import_form=form, status=400)
