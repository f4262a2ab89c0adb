"""Pages: 三会一课台账 — pick an organisation and a year, preview, download as PDF or Excel.

Scope: VIEW_MEETING over the organisation (out of scope answers 404 like a missing one). Every
download is an export and is audited (`meetings.ledger_export`) with the format and the number
of meetings. The PDF of a big year (many photos) is made by a background task with a progress
bar (`core.jobs`); a small one is returned at once.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.forms import BootstrapForm
from dangjian.core.paging import paginate
from dangjian.core.pdf import pdf_response
from dangjian.core.scope import has_permission
from dangjian.core.search_select import OPTION_LIMIT, options_response, searchable
from dangjian.meetings import ledger as ledgers
from dangjian.meetings import ledger_export as exports
from dangjian.meetings.permissions import VIEW_MEETING
from dangjian.members.forms.pickers import search

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class LedgerForm(BootstrapForm):
    organization = OrganizationField(
        queryset=None,
        label="党组织",
        empty_label="请选择党组织",
        error_messages={
            "required": "请选择要生成台账的党组织。",
            "invalid_choice": "所选党组织不在您可以查看组织生活的范围内，"
            "请输入名称或代码查找后从列表中选择。",
        },
    )
    year = forms.TypedChoiceField(
        label="年度",
        coerce=int,
        error_messages={"invalid_choice": "请选择 %(value)s 以外的年度：只能选列表中的年度。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = ledgers.ledger_organizations(
            user, VIEW_MEETING
        ).order_by("path")
        self.fields["year"].choices = [(y, f"{y}年") for y in ledgers.ledger_years()]
        self.fields["year"].error_messages["invalid_choice"] = "请从列表中选择年度。"
        searchable(self, "organization", reverse("meetings:ledger_options"), "输入名称或代码查找")


def _require(user) -> None:
    if not has_permission(user, VIEW_MEETING):
        raise Http404


def _chosen(request) -> tuple[LedgerForm, object, int | None]:
    """The form over the query string and, when valid, the organisation and year."""
    data = {
        "organization": request.GET.get("organization", ""),
        "year": request.GET.get("year", "") or str(timezone.localdate().year),
    }
    form = LedgerForm(data, user=request.user)
    if not request.GET.get("organization"):
        return LedgerForm(initial={"year": data["year"]}, user=request.user), None, None
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["organization"], form.cleaned_data["year"]


@login_required
@require_GET
def ledger_page(request):
    _require(request.user)
    form, organization, year = _chosen(request)
    context = {"form": form, "organization": organization, "year": year}
    if organization is not None:
        data = ledgers.build_ledger(organization, year, photos=False)
        context.update(
            ledger=data,
            query=f"organization={organization.pk}&year={year}",
            photo_total=sum(item.photo_total for item in data.meetings),
            large=exports.is_large(data),
            request_key=uuid.uuid4().hex,
            **paginate(request, ledgers.meetings_of(organization, year)),
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "meetings/ledger/page.html", context, status=status)


@login_required
@require_GET
def ledger_options(request):
    _require(request.user)
    found = search(
        ledgers.ledger_organizations(request.user, VIEW_MEETING),
        request.GET.get("q", ""),
        "name",
        "short_name",
        "code",
    )
    rows = found.order_by("path").only("pk", "name", "short_name")[:OPTION_LIMIT]
    return options_response(
        request, [(org.pk, org.display_name) for org in rows], empty_label="请选择党组织"
    )


def _target(request):
    """The organisation and year of a download, or 404 (never a 500 on a hand-edited URL)."""
    _require(request.user)
    _form, organization, year = _chosen(request)
    if organization is None:
        raise Http404
    return organization, year


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def ledger_pdf(request):
    organization, year = _target(request)
    if request.method == "POST":
        job = exports.start_pdf_job(
            actor=request.user,
            organization=organization,
            year=year,
            request_key=request.POST.get("request_key", "")[:64],
        )
        messages.info(request, "正在生成台账 PDF，完成后可在此页面下载。")
        return redirect("core:job_detail", job.pk)
    data = ledgers.build_ledger(organization, year)
    if exports.is_large(data):
        # A big year goes through the task (POST from the page); a direct GET still works but
        # tells the user why it may take a while only on the page, so send them there.
        messages.info(request, "本年度会议和照片较多，请点“生成 PDF”在后台生成，完成后下载。")
        return redirect(f"{reverse('meetings:ledger')}?organization={organization.pk}&year={year}")
    content = exports.render_ledger_pdf(data)
    exports.audit_export(actor=request.user, ledger=data, kind="pdf")
    return pdf_response(content, f"{data.file_stem}.pdf")


@login_required
@require_GET
def ledger_xlsx(request) -> HttpResponse:
    organization, year = _target(request)
    data = ledgers.build_ledger(organization, year, photos=False)
    content = exports.ledger_workbook(data, user=request.user)
    exports.audit_export(actor=request.user, ledger=data, kind="xlsx")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = exports.attachment(f"{data.file_stem}.xlsx")
    return response


@login_required
@require_GET
def ledger_download(request, job_id):
    job = exports.finished_job_of(request.user, job_id)
    name = job.params.get("file", "") if job else ""
    if not name or not default_storage.exists(name):
        raise Http404
    exports.audit_download(actor=request.user, job=job)
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=False,
        filename=job.params.get("filename", "三会一课台账.pdf"),
        content_type="application/pdf",
    )


urlpatterns = [
    path("ledger/", ledger_page, name="ledger"),
    path("ledger/organizations/", ledger_options, name="ledger_options"),
    path("ledger/pdf/", ledger_pdf, name="ledger_pdf"),
    path("ledger/xlsx/", ledger_xlsx, name="ledger_xlsx"),
    path("ledger/files/<uuid:job_id>/", ledger_download, name="ledger_download"),
]
