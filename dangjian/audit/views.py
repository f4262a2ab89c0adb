"""The audit administrator's pages: the filtered log, one entry, verification and export.

Only holders of audit.view_log read the log: the list answers 403 to everyone else and an entry
404 (DESIGN §4, 三员分立: "nobody else can read it"). Every view of the log is itself audited.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.audit import selectors, services
from dangjian.audit.forms import AuditFilterForm
from dangjian.audit.permissions import EXPORT_LOG, VIEW_LOG
from dangjian.core.forms import parse_id
from dangjian.core.models import Job
from dangjian.core.scope import has_permission

_CURSORS = ("before", "after")


def _require_reader(user) -> None:
    if not selectors.can_read_log(user):
        raise PermissionDenied


def _cursor(request, name: str) -> int | None:
    return parse_id(request.GET.get(name, ""))


def _filter_query(request) -> str:
    query = request.GET.copy()
    for name in _CURSORS:
        query.pop(name, None)
    return query.urlencode()


def job_url(job) -> str:
    try:
        return reverse("core:job_detail", args=[job.pk])
    except NoReverseMatch:
        return f"/jobs/{job.pk}/"


@login_required
@require_GET
def entry_list(request):
    _require_reader(request.user)
    filter_data = {k: v for k, v in request.GET.items() if k not in _CURSORS}
    form = AuditFilterForm(request.user, data=filter_data or None)
    context = {"form": form, "filter_query": _filter_query(request)}
    context["can_export"] = has_permission(request.user, EXPORT_LOG)
    context["can_verify"] = has_permission(request.user, VIEW_LOG)
    if form.is_bound and not form.is_valid():
        context["log"] = selectors.empty_log_page()
        return render(request, "audit/list.html", context)
    filters = form.cleaned_data if form.is_bound else {}
    params = form.as_params() if form.is_bound else {}
    before, after = _cursor(request, "before"), _cursor(request, "after")
    context["log"] = selectors.log_page(request.user, filters, before=before, after=after)
    services.audit_record_view(actor=request.user, filters=params)
    return render(request, "audit/list.html", context)


@login_required
@require_GET
def entry_detail(request, entry_id: int):
    entry = selectors.entry_for(request.user, entry_id)
    services.audit_record_entry_view(actor=request.user, entry=entry)
    names = selectors.organization_names([entry.organization_path])
    context = {
        "entry": entry,
        "diff": selectors.diff_rows(entry),
        "organization_name": names.get(entry.organization_path, entry.organization_path),
        "intact": selectors.entry_intact(entry),
    }
    return render(request, "audit/detail.html", context)


@login_required
@require_POST
def verify_start(request):
    if not has_permission(request.user, VIEW_LOG):
        raise PermissionDenied
    job = services.audit_verify_start(actor=request.user)
    messages.info(request, "已开始校验审计链，完成后结果会显示在审计日志页面。")
    return redirect(job_url(job))


@login_required
@require_POST
def export_start(request):
    if not has_permission(request.user, EXPORT_LOG):
        raise PermissionDenied
    form = AuditFilterForm(request.user, data=request.POST)
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未开始导出：请修正页面上标出的条件后再导出。")
        return redirect(f"{reverse('audit:list')}?{request.POST.urlencode()}")
    job = services.audit_export_start(actor=request.user, filters=form.as_params())
    messages.info(request, "已开始导出，完成后可在此页面下载文件。")
    return redirect(job_url(job))


@login_required
@require_GET
def export_download(request, job_id):
    job = Job.objects.filter(
        pk=job_id,
        owner=request.user,
        kind=services.EXPORT_JOB_KIND,
        status=Job.Status.DONE,
    ).first()
    if job is None or not has_permission(request.user, EXPORT_LOG):
        raise Http404
    name = job.params.get("file", "")
    if not name or not default_storage.exists(name):
        raise Http404
    services.audit_record_download(actor=request.user, job=job)
    filename = f"审计日志-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.xlsx"
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
