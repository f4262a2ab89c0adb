"""The salary Excel for the yearly bases, in the style of the members' roster import: upload →
check (every bad row with its Chinese message; nothing is written) → confirm (all or nothing);
the template to download. An import is seen only inside its organisation's scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404
from dangjian.dues import importing
from dangjian.dues.forms import BaseImportForm
from dangjian.dues.models import BaseCategory, BaseImport
from dangjian.dues.permissions import MANAGE_DUES
from dangjian.dues.selectors_ui import priced_preview
from dangjian.dues.views.bases import rate_table_for, require_manager
from dangjian.dues.views.common import attachment, first_message

ERRORS_PER_PAGE = 50
PREVIEW_ROWS = 20


def _import_or_404(user, import_id) -> BaseImport:
    queryset = BaseImport.objects.select_related("organization", "created_by")
    return get_visible_or_404(queryset, user, MANAGE_DUES, pk=parse_id(import_id))


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    user = request.user
    require_manager(user)
    form = BaseImportForm(
        request.POST or None, request.FILES or None, user=user, permission=MANAGE_DUES
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = importing.base_import_upload(
                actor=user, organization=data["organization"], year=data["year"], file=data["file"]
            )
        except ServiceError as error:
            form.add_error("file", first_message(error))
        else:
            return redirect("dues:base-import-detail", made.pk)
    recent = BaseImport.objects.visible_to(user, MANAGE_DUES).select_related(
        "organization", "created_by"
    )
    context = {"form": form} | paginate(request, recent.order_by("-created_at", "-pk"), 10)
    return render(request, "dues/import_new.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def import_detail(request, import_id):
    base_import = _import_or_404(request.user, import_id)
    checking = base_import.status == BaseImport.Status.CHECKING
    if request.htmx:
        if not checking:
            response = HttpResponse("")
            response["HX-Refresh"] = "true"  # the result replaces the progress bar
            return response
        return render(request, "dues/_import_progress.html", {"base_import": base_import})
    errors = Paginator(base_import.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    for error in errors.object_list:
        error["text"] = _without_row_prefix(error)
    context = {
        "base_import": base_import,
        "checking": checking,
        "page_obj": errors,
        "query_without_page": "",
        "preview": [
            row | {"category_label": _category_label(row.get("category"))}
            for row in priced_preview((base_import.rows or [])[:PREVIEW_ROWS], base_import.year)
        ],
        "valid_count": len(base_import.rows or []),
        "rate_table": rate_table_for(base_import.year),
    }
    return render(request, "dues/import_detail.html", context)


def _without_row_prefix(error: dict) -> str:
    """The message without its "第 N 行：" prefix, which the row column already shows."""
    message = str(error.get("message", ""))
    prefix = f"第 {error.get('row')} 行："
    return message.removeprefix(prefix)


def _category_label(value) -> str:
    return str(BaseCategory(value).label) if value in BaseCategory.values else "—"


@login_required
@require_POST
def import_apply(request, import_id):
    base_import = _import_or_404(request.user, import_id)
    try:
        count = importing.base_import_apply(actor=request.user, base_import=base_import)
    except ServiceError as error:
        messages.error(request, first_message(error))
    else:
        messages.success(request, f"已按工资表核定 {count} 人 {base_import.year} 年的党费基数。")
    return redirect("dues:base-import-detail", base_import.pk)


@login_required
@require_GET
def import_template(request):
    require_manager(request.user)
    return attachment(importing.base_import_template(), "党费基数工资表模板.xlsx")


urlpatterns = [
    path("bases/import/", import_new, name="base-import"),
    path("bases/import/template/", import_template, name="base-template"),
    path("bases/import/<int:import_id>/", import_detail, name="base-import-detail"),
    path("bases/import/<int:import_id>/apply/", import_apply, name="base-import-apply"),
]
