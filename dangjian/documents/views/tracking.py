"""Pages of the sender's side after issue (see /work/brief/contract.md):

    GET  outgoing/<pk>/recipients/   the recipients table and counts, refreshed every 15 s
    POST outgoing/<pk>/chase/        一键催办 (all late ones, or the ticked ones)
    GET  timeliness/                 时效统计 per recipient organisation and period
    GET  timeliness/export/          the same as Excel
    GET  outgoing/export/            发文登记簿 → Excel (the register's filters)
    GET  inbox/export/               收文登记簿 → Excel (the inbox's filters)
    GET  exports/<job>/              a big register written in the background, for its owner

Scope: the document's issuer must be in the viewer's VIEW_DOCUMENT scope (else 404, like a
missing document); chasing needs ISSUE_DOCUMENT, checked again in the service.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.models import Job
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.documents import exports
from dangjian.documents import selectors_tracking as selectors
from dangjian.documents.permissions import EXPORT_DOCUMENT, SIGN_RECEIPT
from dangjian.documents.services.chasing import may_chase, receipts_chase

PER_PAGE = 20
POLL_SECONDS = 15


# ------------------------------------------------------------------------------ recipients


@login_required
@require_GET
def tracking(request, pk: int):
    document = selectors.document_for_tracking_or_404(request.user, pk)
    show = request.GET.get("show", "all")
    if show not in selectors.FILTERS:
        show = "all"
    now = timezone.now()
    rows = selectors.recipient_table(request.user, document, {"show": show}, now=now)
    rows = rows.prefetch_related("replies__files", "replies__author")
    context = {
        "document": document,
        "show": show,
        "filters": selectors.FILTERS.items(),
        "counts": selectors.tracking_counts(document, now=now),
        "may_chase": may_chase(request.user, document),
        "poll_seconds": POLL_SECONDS,
        "now": now,
        **paginate(request, rows, PER_PAGE),
    }
    if request.htmx and request.htmx.target == "tracking-live":
        return render(request, "documents/tracking/_live.html", context)
    return render(request, "documents/tracking/recipients.html", context)


@login_required
@require_POST
def chase(request, pk: int):
    document = selectors.document_for_tracking_or_404(request.user, pk)
    show = request.POST.get("show", "")
    back = reverse("documents:tracking", args=[document.pk])
    if show in selectors.FILTERS and show != "all":
        back += f"?show={show}"
    picked = None
    if request.POST.get("scope") == "selected":
        picked = [pid for pid in map(parse_id, request.POST.getlist("receipt")) if pid]
    try:
        count = receipts_chase(actor=request.user, document=document, receipts=picked)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
        return redirect(back)
    if count:
        messages.success(request, f"已催办 {count} 个单位，已通知其签收负责人。")
    elif picked is None:
        messages.info(
            request,
            "没有需要催办的单位：逾期的单位都已签收或回复，或刚刚催办过（1 分钟内不重复催办）。",
        )
    else:
        messages.info(request, "所选单位都已签收（需回复的已回复），或刚刚催办过，没有发出催办。")
    return redirect(back)


# ------------------------------------------------------------------------------ timeliness


PERIODS = {"month": "按月", "quarter": "按季度", "year": "按年"}
SORT_LABELS = {
    "name": "按组织",
    "received": "收文数",
    "sign_rate": "签收及时率（低→高）",
    "-sign_rate": "签收及时率（高→低）",
    "hours": "平均签收用时（长→短）",
    "reply_rate": "回复及时率（低→高）",
    "-reply_rate": "回复及时率（高→低）",
}


def period_of(data, today: datetime.date) -> dict:
    """The period asked for (`period`, `year`, `month`, `quarter`), defaulting to this month;
    anything malformed falls back to the default rather than failing."""
    kind = data.get("period") if data.get("period") in PERIODS else "month"
    year = parse_id(data.get("year")) or today.year
    if not 2000 <= year <= today.year + 1:
        year = today.year
    month = parse_id(data.get("month")) or today.month
    month = month if 1 <= month <= 12 else today.month
    quarter = parse_id(data.get("quarter")) or (today.month - 1) // 3 + 1
    quarter = quarter if 1 <= quarter <= 4 else 1
    if kind == "year":
        start, end, label = datetime.date(year, 1, 1), datetime.date(year, 12, 31), f"{year}年"
    elif kind == "quarter":
        start = datetime.date(year, 3 * quarter - 2, 1)
        end = _month_end(year, 3 * quarter)
        label = f"{year}年第{quarter}季度"
    else:
        start, end, label = datetime.date(year, month, 1), _month_end(year, month), ""
        label = f"{year}年{month}月"
    return {
        "period": kind,
        "year": year,
        "month": month,
        "quarter": quarter,
        "start": start,
        "end": end,
        "label": label,
    }


def _month_end(year: int, month: int) -> datetime.date:
    first_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_next - datetime.timedelta(days=1)


def _timeliness_input(request):
    user = request.user
    organizations = selectors.statistics_organizations(user)
    if not organizations:
        raise Http404
    chosen = parse_id(request.GET.get("org"))
    organization = next((o for o in organizations if o.pk == chosen), organizations[0])
    period = period_of(request.GET, timezone.localdate())
    sort = request.GET.get("sort") if request.GET.get("sort") in SORT_LABELS else "name"
    return organizations, organization, period, sort


@login_required
@require_GET
def timeliness(request):
    organizations, organization, period, sort = _timeliness_input(request)
    rows = selectors.timeliness_rows(
        request.user, organization, period["start"], period["end"], sort
    )
    paged = paginate(request, rows, PER_PAGE)
    today = timezone.localdate()
    context = {
        "organizations": organizations,
        "organization": organization,
        **period,
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "periods": PERIODS.items(),
        "years": range(today.year, today.year - 6, -1),
        "months": range(1, 13),
        "quarters": range(1, 5),
        "rows": selectors.timeliness_page(paged["page_obj"].object_list),
        "may_export": has_permission(request.user, EXPORT_DOCUMENT),
        **paged,
    }
    return render(request, "documents/tracking/timeliness.html", context)


@login_required
@require_GET
def timeliness_export(request):
    if not has_permission(request.user, EXPORT_DOCUMENT):
        raise Http404
    _organizations, organization, period, sort = _timeliness_input(request)
    return exports.timeliness_response(request.user, organization, period, sort)


# ------------------------------------------------------------------------------ registers


@login_required
@require_GET
def outgoing_export(request):
    if not has_permission(request.user, EXPORT_DOCUMENT):
        raise Http404
    return _export(request, "outgoing")


@login_required
@require_GET
def inbox_export(request):
    if not (
        has_permission(request.user, EXPORT_DOCUMENT) or has_permission(request.user, SIGN_RECEIPT)
    ):
        raise Http404
    return _export(request, "inbox")


def _export(request, register: str):
    """The file at once, or — for a register above exports.MAX_ROWS — the job's progress page."""
    result = exports.register_export(request.user, register, request.GET)
    if isinstance(result, Job):
        messages.info(
            request,
            f"登记簿共 {result.params['rows']} 条，正在后台生成 Excel，完成后可在本页下载。",
        )
        return redirect("core:job_detail", result.pk)
    return result


@login_required
@require_GET
def register_download(request, job_id):
    job = exports.finished_export_of(request.user, job_id)
    name = job.params.get("file", "") if job else ""
    if not name or not default_storage.exists(name):
        raise Http404
    exports.register_download_record(actor=request.user, job=job)
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=job.params.get("filename", "register.xlsx"),
        content_type=exports.XLSX,
    )


urlpatterns = [
    path("outgoing/<int:pk>/recipients/", tracking, name="tracking"),
    path("outgoing/<int:pk>/chase/", chase, name="chase"),
    path("timeliness/", timeliness, name="timeliness"),
    path("timeliness/export/", timeliness_export, name="timeliness_export"),
    path("outgoing/export/", outgoing_export, name="outgoing_export"),
    path("inbox/export/", inbox_export, name="inbox_export"),
    path("exports/<uuid:job_id>/", register_download, name="register_download"),
]
