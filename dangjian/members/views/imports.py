"""Excel roster import pages: the batches, a new upload, the preview and result of a batch,
the template and the rejected rows. A batch is seen only inside its organisation's scope
(members.manage_member); anything else answers 404 like a missing batch."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import BootstrapForm, limit_rendered_choices
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.members.importing import services
from dangjian.members.importing.services import AlreadyConfirmed
from dangjian.members.models import ImportBatch
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.orgs.models import Organization, OrgType

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORGANIZATIONS_SHOWN = 500
ERRORS_PER_PAGE = 50
RUNNING = (ImportBatch.Status.VALIDATING, ImportBatch.Status.IMPORTING)


def _require_manager(user) -> None:
    """Pages of the import system: refused (403) to a user who manages members nowhere, as the
    other list pages are; a batch outside the scope is still 404."""
    if not has_permission(user, MANAGE_MEMBER):
        raise PermissionDenied


class UploadForm(BootstrapForm):
    organization = forms.ModelChoiceField(
        label="导入到",
        queryset=Organization.objects.none(),
        empty_label=None,
        help_text="名册中的党支部须在这个党组织之内（含本级）。",
    )
    file = forms.FileField(
        label="党员名册（.xlsx）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text="Excel 工作簿，不超过 10 MB，最多 2 万行。",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = (
            Organization.objects.visible_to(user, MANAGE_MEMBER)
            .filter(is_active=True)
            .exclude(org_type=OrgType.GROUP)
            .order_by("path")
        )
        top = field.queryset.values_list("depth", flat=True).first() or 1
        field.label_from_instance = lambda org: "　" * max(org.depth - top, 0) + org.name
        limit_rendered_choices(self, "organization", ORGANIZATIONS_SHOWN)
        # A choice is required: no empty "None" entry at the top of the list.
        field.widget.choices = [choice for choice in field.widget.choices if choice[0] != ""]


@login_required
@require_GET
def import_list(request):
    _require_manager(request.user)
    context = paginate(request, services.batches_visible_to(request.user))
    return render(request, "members/import_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    _require_manager(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_upload(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                upload=form.cleaned_data["file"],
            )
        except ServiceError as exc:
            form.add_error("file", exc.messages[0])
        else:
            return redirect("members:import_detail", batch.pk)
    return render(request, "members/import_new.html", {"form": form})


@login_required
@require_GET
def import_detail(request, batch_id):
    batch = services.batch_for_user(request.user, batch_id)
    if request.htmx:
        if batch.status not in RUNNING:
            response = HttpResponse("")
            response["HX-Refresh"] = "true"  # the preview or the result replaces the bar
            return response
        return render(request, "members/_import_progress.html", {"batch": batch})
    context = {"batch": batch, "running": batch.status in RUNNING}
    context.update(paginate(request, batch.errors, per_page=ERRORS_PER_PAGE))
    return render(request, "members/import_detail.html", context)


def _act(request, batch_id, action, success: str):
    batch = services.batch_for_user(request.user, batch_id)
    try:
        action(actor=request.user, batch=batch)
    except AlreadyConfirmed as exc:
        messages.info(request, exc.messages[0])
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, success)
    return redirect("members:import_detail", batch.pk)


@login_required
@require_POST
def import_confirm(request, batch_id):
    return _act(request, batch_id, services.batch_confirm, "已开始导入有效行。")


@login_required
@require_POST
def import_undo(request, batch_id):
    return _act(request, batch_id, services.batch_undo, "已撤销本次导入。")


@login_required
@require_POST
def import_discard(request, batch_id):
    return _act(request, batch_id, services.batch_discard, "已放弃本次导入，上传的文件已删除。")


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def import_template(request):
    _require_manager(request.user)
    return _attachment(services.template_workbook(), "党员信息导入模板.xlsx")


@login_required
@require_GET
def import_rejected(request, batch_id):
    batch = services.batch_for_user(request.user, batch_id)
    try:
        content = services.batch_rejected_export(actor=request.user, batch=batch)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
        return redirect(reverse("members:import_detail", args=[batch.pk]))
    stem = batch.file_name.rsplit(".", 1)[0]
    return _attachment(content, f"{stem}-问题行.xlsx")


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/new/", import_new, name="import_new"),
    path("imports/template/", import_template, name="import_template"),
    path("imports/<uuid:batch_id>/", import_detail, name="import_detail"),
    path("imports/<uuid:batch_id>/confirm/", import_confirm, name="import_confirm"),
    path("imports/<uuid:batch_id>/undo/", import_undo, name="import_undo"),
    path("imports/<uuid:batch_id>/discard/", import_discard, name="import_discard"),
    path("imports/<uuid:batch_id>/rejected/", import_rejected, name="import_rejected"),
]
