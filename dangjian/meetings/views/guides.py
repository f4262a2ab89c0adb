"""Pages of the monthly guide (组织生活指南).

A publisher (`meetings.manage_guide` over the organisation) drafts, edits, publishes and
withdraws; everyone the guide reaches (the subtree below the publisher, by scope or by their own
membership) reads it and downloads its materials. A guide of another subtree answers 404.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import BootstrapForm, parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.core.search_select import options_response, searchable
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import LABELS, MB, serve_file
from dangjian.meetings import guides_api
from dangjian.meetings.models import Category, Guide, GuideFile
from dangjian.meetings.permissions import MANAGE_GUIDE, VIEW_MEETING
from dangjian.meetings.services import guides as services
from dangjian.orgs.models import Organization

EXTRA_TOPICS = 3
NAMESPACE = "meetings"


def _may_read(user) -> bool:
    return (
        has_permission(user, VIEW_MEETING)
        or has_permission(user, MANAGE_GUIDE)
        or bool(getattr(user, "person_id", None))
    )


def _require_reader(user) -> None:
    if not _may_read(user):
        raise Http404


def _require_publisher(user) -> None:
    if not has_permission(user, MANAGE_GUIDE):
        raise Http404


def parse_month(value) -> datetime.date | None:
    """`YYYY-MM` (the browser's month input) as the first day of that month, or None."""
    text = str(value or "").strip()
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return None


def default_month(today: datetime.date) -> datetime.date:
    """A guide is written ahead: from the 20th on, the form proposes the next month."""
    first = today.replace(day=1)
    if today.day < 20:
        return first
    return (first + datetime.timedelta(days=32)).replace(day=1)


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class GuideForm(BootstrapForm):
    organization = OrganizationField(
        queryset=Organization.objects.none(),
        label="发布组织",
        empty_label="请选择党组织",
        error_messages={
            "required": "请选择发布指南的党组织。",
            "invalid_choice": "所选党组织不在您可以发布指南的范围内，"
            "请输入名称查找后从列表中选择。",
        },
    )
    month = forms.DateField(
        label="月份",
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=MonthInput(),
        error_messages={"required": "请选择月份。", "invalid": "请按“年-月”选择月份。"},
    )
    title = forms.CharField(
        label="标题", max_length=200, error_messages={"required": "请填写指南标题。"}
    )
    body = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="本月学习重点、工作安排等。每段一行；可使用加粗、列表等简单格式。",
    )

    def __init__(self, *args, user, guide=None, **kwargs):
        super().__init__(*args, **kwargs)
        if guide is not None:
            del self.fields["organization"]
            return
        self.fields["organization"].queryset = services.publishing_organizations(user)
        searchable(
            self, "organization", reverse("meetings:guide_organizations"), "输入名称或代码查找"
        )


class TopicForm(BootstrapForm):
    category = forms.ChoiceField(
        label="适用会议", choices=[("", "—— 请选择 ——"), *Category.choices], required=False
    )
    title = forms.CharField(label="主题", max_length=200, required=False)
    description = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


TopicFormSet = forms.formset_factory(TopicForm, extra=0, max_num=services.MAX_TOPICS)


class UploadForm(BootstrapForm):
    title = forms.CharField(label="材料名称", max_length=200, required=False)
    file = forms.FileField(
        label="文件",
        help_text="PDF、Word、Excel 或图片，不超过 20 MB。",
        error_messages={"required": "请选择要上传的文件。"},
    )


# ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def guide_list(request):
    _require_reader(request.user)
    month = parse_month(request.GET.get("month"))
    status = request.GET.get("status", "")
    if status not in Guide.Status.values:
        status = ""
    guides = guides_api.guide_list(request.user, month=month, status=status)
    publisher = has_permission(request.user, MANAGE_GUIDE)
    return render(
        request,
        "meetings/guides/list.html",
        {
            **paginate(request, guides),
            "month": f"{month:%Y-%m}" if month else "",
            "status": status,
            "statuses": Guide.Status.choices if publisher else (),
            "can_publish": publisher,
        },
    )


@login_required
@require_GET
def organization_options(request):
    _require_publisher(request.user)
    query = (request.GET.get("q") or "").strip()
    found = services.publishing_organizations(request.user)
    if query:
        found = found.filter(name__icontains=query) | found.filter(code__icontains=query)
    options = [(org.pk, org.display_name) for org in found.order_by("path")[:30]]
    return options_response(request, options, empty_label="请选择党组织")


def _topic_initial(guide: Guide | None) -> list[dict]:
    rows = []
    if guide is not None:
        rows = [
            {"category": t.category, "title": t.title, "description": t.description}
            for t in guide.topics.all()
        ]
    return rows + [{} for _ in range(EXTRA_TOPICS if rows else 4)]


def _edit(request, guide: Guide | None):
    once = SubmitOnce(request, f"guide:{guide.pk if guide else 'new'}", namespace=NAMESPACE)
    initial = {"month": default_month(timezone.localdate())}
    if guide is not None:
        initial = {"month": guide.month, "title": guide.title, "body": guide.body}
    form = GuideForm(request.POST or None, user=request.user, guide=guide, initial=initial)
    topics = TopicFormSet(request.POST or None, initial=_topic_initial(guide), prefix="topic")
    if request.method == "POST" and form.is_valid() and topics.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("meetings:guides"))
        rows = [
            (row.get("category", ""), row.get("title", ""), row.get("description", ""))
            for row in topics.cleaned_data
            if row
        ]
        try:
            saved = services.guide_save(
                actor=request.user,
                organization=form.cleaned_data.get("organization"),
                guide=guide,
                month=form.cleaned_data["month"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                topics=rows,
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = reverse("meetings:guide_detail", args=[saved.pk])
            once.done(url)
            messages.success(
                request, "指南已保存。" if guide else "指南草稿已保存，可继续上传材料后发布。"
            )
            return redirect(url)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/guides/form.html",
        {"form": form, "topics": topics, "guide": guide, "form_token": once.token},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def guide_create(request):
    _require_publisher(request.user)
    return _edit(request, None)


def _managed(request, pk) -> Guide:
    guide = get_object_or_404(
        guides_api.guides_visible_to(request.user).select_related("organization"), pk=pk
    )
    if not guides_api.may_manage(request.user, guide):
        raise Http404
    return guide


@login_required
@require_http_methods(["GET", "POST"])
def guide_edit(request, pk):
    guide = _managed(request, pk)
    if guide.status == Guide.Status.WITHDRAWN:
        messages.error(request, "已撤回的指南不能再修改；如需重新下发，请新建一期指南。")
        return redirect("meetings:guide_detail", guide.pk)
    return _edit(request, guide)


@login_required
@require_GET
def guide_detail(request, pk):
    guide = get_object_or_404(
        guides_api.guides_visible_to(request.user).select_related("organization", "created_by"),
        pk=pk,
    )
    can_manage = guides_api.may_manage(request.user, guide)
    return render(
        request,
        "meetings/guides/detail.html",
        {
            "guide": guide,
            "topics": list(guide.topics.all()),
            "files": list(guide.files.select_related("uploaded_by")),
            "can_manage": can_manage,
            "upload_form": UploadForm() if can_manage else None,
            "kind_labels": LABELS,
            "max_mb": services.MAX_FILE_BYTES // MB,
        },
    )


@login_required
@require_POST
def guide_publish(request, pk):
    guide = _managed(request, pk)
    try:
        told = services.guide_publish(actor=request.user, guide=guide)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        guide.refresh_from_db(fields=["status"])
        if told:
            messages.success(request, f"指南已发布，已通知下级 {told} 名书记和党务干事。")
        else:
            messages.success(request, "指南已发布，下级党组织和党员现在可以看到。")
    return redirect("meetings:guide_detail", guide.pk)


@login_required
@require_POST
def guide_withdraw(request, pk):
    guide = _managed(request, pk)
    try:
        services.guide_withdraw(actor=request.user, guide=guide)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "指南已撤回，下级不再看到。")
    return redirect("meetings:guide_detail", guide.pk)


@login_required
@require_POST
def guide_upload(request, pk):
    guide = _managed(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("meetings:guide_detail", guide.pk)
    try:
        stored = services.guide_add_file(
            actor=request.user,
            guide=guide,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
        )
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"已上传“{stored.title}”。")
    return redirect("meetings:guide_detail", guide.pk)


def _file(request, pk, file_pk) -> GuideFile:
    guide = get_object_or_404(guides_api.guides_visible_to(request.user), pk=pk)
    stored = GuideFile.objects.filter(guide=guide, pk=parse_id(file_pk)).first()
    if stored is None:
        raise Http404
    stored.guide = guide
    return stored


@login_required
@require_GET
def guide_file(request, pk, file_pk):
    stored = _file(request, pk, file_pk)
    extension = stored.file.name.rsplit(".", 1)[-1] if "." in stored.file.name else "bin"
    return serve_file(
        stored.file,
        kind=stored.file_kind,
        download_name=f"{stored.title}.{extension}",
        inline=request.GET.get("inline") == "1",
    )


@login_required
@require_POST
def guide_file_delete(request, pk, file_pk):
    guide = _managed(request, pk)
    stored = _file(request, guide.pk, file_pk)
    try:
        services.guide_delete_file(actor=request.user, stored=stored)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"已删除“{stored.title}”。")
    return redirect("meetings:guide_detail", guide.pk)


urlpatterns = [
    path("guides/", guide_list, name="guides"),
    path("guides/new/", guide_create, name="guide_create"),
    path("guides/organizations/", organization_options, name="guide_organizations"),
    path("guides/<int:pk>/", guide_detail, name="guide_detail"),
    path("guides/<int:pk>/edit/", guide_edit, name="guide_edit"),
    path("guides/<int:pk>/publish/", guide_publish, name="guide_publish"),
    path("guides/<int:pk>/withdraw/", guide_withdraw, name="guide_withdraw"),
    path("guides/<int:pk>/files/", guide_upload, name="guide_upload"),
    path("guides/<int:pk>/files/<int:file_pk>/", guide_file, name="guide_file"),
    path(
        "guides/<int:pk>/files/<int:file_pk>/delete/",
        guide_file_delete,
        name="guide_file_delete",
    ),
]
