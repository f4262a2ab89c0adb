"""Excel export of the filtered member list: a confirmation page, the job, the download.

`members:export` takes the list's query string. GET shows what will be exported (how many
members, which filters, masked or full) with a one-time key; POST starts the job and sends the
user to its progress page; the finished file is served to the job's owner only.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import has_permission
from dangjian.members import exporting
from dangjian.members.permissions import EXPORT_MEMBER

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def export_start(request):
    user = request.user
    if not has_permission(user, EXPORT_MEMBER):
        raise PermissionDenied
    full = request.POST.get("full") == "1" if request.method == "POST" else False
    if request.method == "POST":
        try:
            job = exporting.member_export_start(
                actor=user,
                data=request.GET,
                full=full,
                request_key=request.POST.get("request_key", "")[:64],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.info(request, "已开始导出，完成后可在此页面下载文件。")
            return redirect("core:job_detail", job.pk)
    return _confirmation(request, full=full or request.GET.get("full") == "1")


def _confirmation(request, *, full: bool):
    members, form = exporting.export_members(request.user, request.GET)
    valid = form.is_valid()
    context = {
        "form": form,
        "valid": valid,
        "rows": members.count() if valid else 0,
        "summary": filter_summary(form) if valid else [],
        "may_reveal": exporting.may_reveal_somewhere(request.user),
        "full": full,
        "request_key": uuid.uuid4().hex,
        "query": request.GET.urlencode(),
        "list_url": _list_url(request),
    }
    status = 200 if valid else 400
    return render(request, "members/export_confirm.html", context, status=status)


def _list_url(request) -> str:
    query = exporting.filters_of(request.GET)
    url = reverse("members:list")
    if not query:
        return url
    encoded = QueryDict(mutable=True)
    encoded.update(query)
    return f"{url}?{encoded.urlencode()}"


def filter_summary(form) -> list[tuple[str, str]]:
    """(label, shown value) of each filter in use, for the confirmation page."""
    shown = []
    for name, value in form.cleaned_data.items():
        if name == "sort" or value in (None, ""):
            continue
        field = form.fields[name]
        if hasattr(value, "name"):
            text = value.name
        elif getattr(field, "choices", None) and not hasattr(field, "queryset"):
            text = str(dict(field.choices).get(value, value))
        else:
            text = str(value)
        shown.append((field.label, text))
    if not form.cleaned_data.get("status"):
        shown.insert(0, ("党籍状态", "在册（正常、恢复党籍）"))
    return shown


@login_required
@require_GET
def export_download(request, job_id):
    job = exporting.finished_export_of(request.user, job_id)
    if job is None or not has_permission(request.user, EXPORT_MEMBER):
        raise Http404
    name = job.params.get("file", "")
    if not name or not default_storage.exists(name):
        raise Http404
    exporting.member_export_download(actor=request.user, job=job)
    prefix = "党员名册（完整信息）" if job.params.get("full") else "党员名册"
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=exporting.dated_file_name(prefix, job.created_at),
        content_type=XLSX,
    )


urlpatterns = [
    path("export/", export_start, name="export"),
    path("exports/<uuid:job_id>/", export_download, name="export_download"),
]
