"""The downloads library (下载专区 / 其他共享信息): reading pages and the management pages.

Reading (anyone; anonymous users see public items only):
    /s/<code>/downloads/                       folder tree + items (?folder=&q=&page=)
    /s/<code>/downloads/<pk>/                  one item with its version history
    /s/<code>/downloads/<pk>/file/[<number>/]  the current file (or a version), range requests
    /portal/downloads/                         → the viewer's own site's library (menu entry)

Management (`portal.manage_downloads` over the site's organisation, 404 otherwise):
    /portal/downloads/manage/[<code>/]         folders, items, upload
    …/folders/new/  …/folders/<pk>/  …/folders/<pk>/delete/
    …/items/new/  …/items/<pk>/  …/items/<pk>/versions/  …/items/<pk>/versions/<n>/current/
    …/items/<pk>/active/
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import BootstrapForm, parse_id
from dangjian.core.paging import paginate
from dangjian.core.rules import rule_value
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import LABELS, VIDEOS, serve_range
from dangjian.orgs.models import Organization
from dangjian.portal import rules
from dangjian.portal.models import DownloadFolder, DownloadItem, Site, Visibility
from dangjian.portal.services import downloads as services
from dangjian.portal.visibility import viewer_prefixes

NAMESPACE = "portal"
AUDIENCE_LEVELS = 2  # organisations offered as audience: the site's and two levels below
MAX_QUERY = 50
INDENTS = ("ps-2", "ps-4", "ps-5")  # tree levels (no inline styles: CSP)


# --- helpers ----------------------------------------------------------------------------------


def _site(code: str) -> Site:
    site = Site.objects.select_related("organization").filter(code=code, is_active=True).first()
    if site is None:
        raise Http404
    return site


def _managed_site(request, code: str) -> Site:
    site = _site(code)
    if not services.may_manage(request.user, site):
        raise Http404
    return site


def build_tree(folders) -> list[dict]:
    """Folders as a flat list in tree order with their depth (for an indented list)."""
    children: dict[int | None, list] = {}
    for folder in folders:
        children.setdefault(folder.parent_id, []).append(folder)
    known = {folder.pk for folder in folders}
    rows: list[dict] = []

    def walk(parent_id, depth):
        for folder in sorted(children.get(parent_id, []), key=lambda f: (f.order, f.name)):
            rows.append({"folder": folder, "depth": depth, "indent": INDENTS[min(depth, 2)]})
            walk(folder.pk, depth + 1)

    walk(None, 0)
    # A readable folder under an unreadable parent cannot happen (ancestors are tested), but a
    # folder whose parent is missing from the list is shown at the top rather than lost.
    for folder in folders:
        if folder.parent_id is not None and folder.parent_id not in known:
            rows.append({"folder": folder, "depth": 0, "indent": INDENTS[0]})
            walk(folder.pk, 1)
    return rows


def _folder_path(folder: DownloadFolder | None, by_id: dict) -> list[DownloadFolder]:
    trail = []
    while folder is not None:
        trail.append(folder)
        folder = by_id.get(folder.parent_id)
    return list(reversed(trail))


def _query(request) -> str:
    return (request.GET.get("q") or "").strip()[:MAX_QUERY]


def home_site_for(user) -> Site | None:
    """The library a viewer lands on: the deepest active site over their own organisations,
    else the root organisation's site."""
    prefixes = viewer_prefixes(user)
    sites = Site.objects.filter(is_active=True).select_related("organization")
    if prefixes:
        own = sites.filter(organization__path__in=prefixes).order_by("-organization__depth").first()
        if own is not None:
            return own
    return sites.order_by("organization__depth", "organization__path").first()


# --- forms ------------------------------------------------------------------------------------


class OrganizationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return "　" * max(0, obj.depth - self.base_depth) + obj.name


def _audience_queryset(site: Site):
    return Organization.objects.filter(
        path__startswith=site.organization.path,
        depth__lte=site.organization.depth + AUDIENCE_LEVELS,
        is_active=True,
    ).order_by("path")


class ScopeFields(BootstrapForm):
    visibility = forms.ChoiceField(
        label="公开范围", choices=Visibility.choices, initial=Visibility.MEMBERS
    )
    audience = OrganizationChoices(
        label="可见组织",
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-audience": "1"}),
        help_text="仅在“指定组织”时使用：所选组织及其下级的党员和干部可以看到。按住 Ctrl 多选。",
        error_messages={"invalid_choice": "所选组织不在本站点范围内。"},
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["audience"]
        field.queryset = _audience_queryset(site)
        field.base_depth = site.organization.depth
        self.fields["visibility"].widget.attrs["data-visibility"] = "1"


class FolderForm(ScopeFields):
    name = forms.CharField(
        label="文件夹名称", max_length=100, error_messages={"required": "请填写文件夹名称。"}
    )
    parent = forms.ModelChoiceField(
        label="上级文件夹",
        queryset=DownloadFolder.objects.none(),
        required=False,
        empty_label="（顶层）",
        error_messages={"invalid_choice": "所选上级文件夹不存在。"},
    )
    order = forms.IntegerField(label="排序", min_value=0, max_value=9999, initial=0)
    field_order = ["name", "parent", "order", "visibility", "audience"]

    def __init__(self, *args, site: Site, folder=None, **kwargs):
        super().__init__(*args, site=site, **kwargs)
        parents = DownloadFolder.objects.filter(site=site)
        if folder is not None:
            parents = parents.exclude(pk=folder.pk)
        self.fields["parent"].queryset = parents.order_by("order", "name")


class ItemForm(ScopeFields):
    title = forms.CharField(
        label="资料名称", max_length=200, error_messages={"required": "请填写资料名称。"}
    )
    folder = forms.ModelChoiceField(
        label="文件夹",
        queryset=DownloadFolder.objects.none(),
        empty_label="请选择文件夹",
        error_messages={
            "required": "请选择文件夹。",
            "invalid_choice": "所选文件夹不存在。",
        },
    )
    description = forms.CharField(
        label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["title", "folder", "description", "visibility", "audience"]

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, site=site, **kwargs)
        self.fields["folder"].queryset = DownloadFolder.objects.filter(site=site).order_by(
            "order", "name"
        )


class FileField(forms.FileField):
    def __init__(self, **kwargs):
        super().__init__(
            label="文件",
            error_messages={
                "required": "请选择要上传的文件。",
                "empty": "上传的文件是空文件，请重新选择。",
            },
            **kwargs,
        )


class NewItemForm(ItemForm):
    file = FileField()
    note = forms.CharField(label="版本说明", max_length=200, required=False)


class VersionForm(BootstrapForm):
    file = FileField()
    note = forms.CharField(
        label="更新说明", max_length=200, required=False, help_text="如“按 2026 年新格式修订”。"
    )


def _file_help() -> str:
    limit = int(rule_value(rules.DOWNLOAD_MAX_MB))
    kinds = "、".join(LABELS[k] for k in sorted(services.DOWNLOAD_KINDS, key=list(LABELS).index))
    return f"接受 {kinds}，不超过 {limit} MB。"


def _labelled(versions):
    """Give each version its Chinese format label (`kind_label`) for the templates."""
    for version in versions:
        if version is not None:
            version.kind_label = LABELS.get(version.file_kind, version.file_kind)
    return versions


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "提交的内容有误。"


# --- reading ----------------------------------------------------------------------------------


@require_safe
def downloads_home(request):
    site = home_site_for(request.user)
    if site is None:
        raise Http404
    return redirect("portal:downloads", site.code)


@require_safe
def downloads_list(request, code):
    site = _site(code)
    user = request.user
    folders = list(services.readable_folders(user, site))
    by_id = {folder.pk: folder for folder in folders}
    current = None
    if "folder" in request.GET:
        current = by_id.get(parse_id(request.GET.get("folder")))
        if current is None:
            raise Http404
    query = _query(request)
    items = (
        services.readable_items(user, site)
        .select_related("folder", "current_version")
        .order_by("-updated_at", "-id")
    )
    if current is not None:
        items = items.filter(folder=current)
    if query:
        items = items.filter(Q(title__icontains=query) | Q(description__icontains=query))
    subfolders = [f for f in folders if current is not None and f.parent_id == current.pk]
    paged = paginate(request, items)
    _labelled([item.current_version for item in paged["page_obj"].object_list])
    return render(
        request,
        "portal/downloads/list.html",
        {
            **paged,
            "site": site,
            "tree": build_tree(folders),
            "current": current,
            "trail": _folder_path(current, by_id),
            "subfolders": subfolders,
            "query": query,
            "can_manage": services.may_manage(user, site),
            "kind_labels": LABELS,
        },
    )


def _readable_item(request, code, pk) -> DownloadItem:
    site = _site(code)
    item = (
        services.readable_items(request.user, site)
        .select_related("folder", "current_version", "site")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    item.site = site
    return item


@require_safe
def download_item(request, code, pk):
    item = _readable_item(request, code, pk)
    versions = _labelled(list(item.versions.order_by("-number")))
    folders = list(services.readable_folders(request.user, item.site))
    by_id = {folder.pk: folder for folder in folders}
    current = item.current_version
    return render(
        request,
        "portal/downloads/item.html",
        {
            "site": item.site,
            "item": item,
            "versions": versions,
            "trail": _folder_path(by_id.get(item.folder_id), by_id),
            "is_video": current is not None and current.file_kind in VIDEOS,
            "can_manage": services.may_manage(request.user, item.site),
            "kind_labels": LABELS,
        },
    )


def _first_request(request) -> bool:
    if request.method != "GET":
        return False
    wanted = request.headers.get("Range", "").replace(" ", "")
    return not wanted or wanted.startswith("bytes=0-")


@require_safe
def download_file(request, code, pk, number=None):
    item = _readable_item(request, code, pk)
    if number is None:
        version = item.current_version
    else:
        version = item.versions.filter(number=number).first()
    if version is None:
        raise Http404
    if _first_request(request):
        DownloadItem.objects.filter(pk=item.pk).update(download_count=F("download_count") + 1)
    extension = version.file.name.rsplit(".", 1)[-1] if "." in version.file.name else "bin"
    suffix = "" if version.pk == item.current_version_id else f"（第{version.number}版）"
    return serve_range(
        request,
        version.file,
        kind=version.file_kind,
        download_name=f"{item.title}{suffix}.{extension}",
        inline=request.GET.get("inline") == "1",
    )


# --- management -------------------------------------------------------------------------------


@login_required
@require_safe
def manage_home(request):
    sites = list(services.managed_sites(request.user).filter(is_active=True))
    if not sites:
        raise Http404
    if len(sites) == 1:
        return redirect("portal:downloads_manage", sites[0].code)
    return render(request, "portal/downloads/manage_sites.html", {"sites": sites})


@login_required
@require_safe
def manage_site(request, code):
    site = _managed_site(request, code)
    folders = list(
        DownloadFolder.objects.filter(site=site).annotate(item_count=Count("items", distinct=True))
    )
    by_id = {folder.pk: folder for folder in folders}
    current = by_id.get(parse_id(request.GET.get("folder")))
    if "folder" in request.GET and current is None:
        raise Http404
    query = _query(request)
    items = (
        DownloadItem.objects.filter(site=site)
        .select_related("folder", "current_version")
        .order_by("-is_active", "-updated_at", "-id")
    )
    if current is not None:
        items = items.filter(folder=current)
    if query:
        items = items.filter(title__icontains=query)
    once = SubmitOnce(request, f"download-folder:{site.pk}", namespace=NAMESPACE)
    return render(
        request,
        "portal/downloads/manage.html",
        {
            **paginate(request, items),
            "site": site,
            "tree": build_tree(folders),
            "current": current,
            "query": query,
            "folder_form": FolderForm(
                site=site, initial={"parent": current.pk if current else None}
            ),
            "form_token": once.token,
            "kind_labels": LABELS,
        },
    )


@login_required
@require_POST
def folder_new(request, code):
    site = _managed_site(request, code)
    back = reverse("portal:downloads_manage", args=[site.code])
    once = SubmitOnce(request, f"download-folder:{site.pk}", namespace=NAMESPACE)
    form = FolderForm(request.POST, site=site)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    if not once.claim():
        return once.repeated(request, back)
    data = form.cleaned_data
    try:
        folder = services.folder_create(
            actor=request.user,
            site=site,
            name=data["name"],
            parent=data["parent"],
            visibility=data["visibility"],
            audience=data["audience"],
            order=data["order"] or 0,
        )
    except ServiceError as exc:
        once.release()
        messages.error(request, exc.messages[0])
        return redirect(back)
    url = f"{back}?folder={folder.pk}"
    once.done(url)
    messages.success(request, f"已新建文件夹“{folder.name}”。")
    return redirect(url)


def _managed_folder(site: Site, pk) -> DownloadFolder:
    folder = DownloadFolder.objects.filter(site=site, pk=pk).select_related("site").first()
    if folder is None:
        raise Http404
    folder.site = site
    return folder


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def folder_edit(request, code, pk):
    site = _managed_site(request, code)
    folder = _managed_folder(site, pk)
    initial = {
        "name": folder.name,
        "parent": folder.parent_id,
        "order": folder.order,
        "visibility": folder.visibility,
        "audience": list(folder.audience.all()),
    }
    form = FolderForm(request.POST or None, site=site, folder=folder, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.folder_update(
                actor=request.user,
                folder=folder,
                name=data["name"],
                parent=data["parent"],
                visibility=data["visibility"],
                audience=data["audience"],
                order=data["order"] or 0,
            )
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, f"文件夹“{folder.name}”已保存。")
            return redirect(
                f"{reverse('portal:downloads_manage', args=[site.code])}?folder={folder.pk}"
            )
    return render(
        request,
        "portal/downloads/folder_form.html",
        {"site": site, "folder": folder, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def folder_delete(request, code, pk):
    site = _managed_site(request, code)
    folder = _managed_folder(site, pk)
    back = reverse("portal:downloads_manage", args=[site.code])
    try:
        services.folder_delete(actor=request.user, folder=folder)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
        return redirect(f"{back}?folder={folder.pk}")
    messages.success(request, f"已删除文件夹“{folder.name}”。")
    return redirect(back)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_new(request, code):
    site = _managed_site(request, code)
    once = SubmitOnce(request, f"download-item:{site.pk}", namespace=NAMESPACE)
    folder_ids = list(DownloadFolder.objects.filter(site=site).values_list("pk", flat=True)[:2])
    if not folder_ids:
        messages.info(request, "请先新建一个文件夹，再上传资料。")
        return redirect("portal:downloads_manage", site.code)
    chosen = parse_id(request.GET.get("folder"))
    initial = {"folder": chosen if chosen else (folder_ids[0] if len(folder_ids) == 1 else None)}
    form = NewItemForm(request.POST or None, request.FILES or None, site=site, initial=initial)
    form.fields["file"].help_text = _file_help()
    if request.method == "POST" and form.is_valid():
        back = reverse("portal:downloads_manage", args=[site.code])
        if not once.claim():
            return once.repeated(request, back)
        data = form.cleaned_data
        try:
            item = services.item_create(
                actor=request.user,
                folder=data["folder"],
                title=data["title"],
                description=data["description"],
                visibility=data["visibility"],
                audience=data["audience"],
                file=data["file"],
                note=data["note"],
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = reverse("portal:downloads_manage_item", args=[site.code, item.pk])
            once.done(url)
            messages.success(request, f"已上传“{item.title}”。")
            return redirect(url)
    return render(
        request,
        "portal/downloads/item_form.html",
        {"site": site, "form": form, "item": None, "form_token": once.token},
        status=400 if request.method == "POST" else 200,
    )


def _managed_item(site: Site, pk) -> DownloadItem:
    item = (
        DownloadItem.objects.filter(site=site, pk=pk)
        .select_related("folder", "current_version")
        .first()
    )
    if item is None:
        raise Http404
    item.site = site
    return item


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_edit(request, code, pk):
    site = _managed_site(request, code)
    item = _managed_item(site, pk)
    initial = {
        "title": item.title,
        "folder": item.folder_id,
        "description": item.description,
        "visibility": item.visibility,
        "audience": list(item.audience.all()),
    }
    form = ItemForm(request.POST or None, site=site, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.item_update(
                actor=request.user,
                item=item,
                title=data["title"],
                folder=data["folder"],
                description=data["description"],
                visibility=data["visibility"],
                audience=data["audience"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "资料已保存。")
            return redirect("portal:downloads_manage_item", site.code, item.pk)
    once = SubmitOnce(request, f"download-version:{item.pk}", namespace=NAMESPACE)
    version_form = VersionForm()
    version_form.fields["file"].help_text = _file_help()
    return render(
        request,
        "portal/downloads/item_form.html",
        {
            "site": site,
            "item": item,
            "form": form,
            "version_form": version_form,
            "versions": _labelled(
                list(item.versions.select_related("uploaded_by").order_by("-number"))
            ),
            "form_token": once.token,
            "kind_labels": LABELS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def version_new(request, code, pk):
    site = _managed_site(request, code)
    item = _managed_item(site, pk)
    back = reverse("portal:downloads_manage_item", args=[site.code, item.pk])
    once = SubmitOnce(request, f"download-version:{item.pk}", namespace=NAMESPACE)
    form = VersionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    if not once.claim():
        return once.repeated(request, back)
    try:
        version = services.version_add(
            actor=request.user, item=item, file=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
        )  # fmt: skip
    except ServiceError as exc:
        once.release()
        messages.error(request, exc.messages[0])
        return redirect(back)
    once.done(back)
    messages.success(request, f"已上传第 {version.number} 版，并设为当前版本。")
    return redirect(back)


@login_required
@require_POST
def version_current(request, code, pk, number):
    site = _managed_site(request, code)
    item = _managed_item(site, pk)
    try:
        services.version_set_current(actor=request.user, item=item, number=number)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"第 {number} 版已设为当前版本。")
    return redirect("portal:downloads_manage_item", site.code, item.pk)


@login_required
@require_POST
def item_active(request, code, pk):
    site = _managed_site(request, code)
    item = _managed_item(site, pk)
    active = request.POST.get("active") == "1"
    services.item_set_active(actor=request.user, item=item, active=active)
    messages.success(
        request, f"“{item.title}”已{'恢复，读者可以下载' if active else '停用，读者不再看到'}。"
    )
    return redirect("portal:downloads_manage_item", site.code, item.pk)


_MANAGE = "portal/downloads/manage/<slug:code>/"

urlpatterns = [
    path("portal/downloads/", downloads_home, name="downloads_home"),
    path("portal/downloads/manage/", manage_home, name="downloads_manage_home"),
    path(_MANAGE, manage_site, name="downloads_manage"),
    path(f"{_MANAGE}folders/new/", folder_new, name="downloads_folder_new"),
    path(f"{_MANAGE}folders/<int:pk>/", folder_edit, name="downloads_folder_edit"),
    path(f"{_MANAGE}folders/<int:pk>/delete/", folder_delete, name="downloads_folder_delete"),
    path(f"{_MANAGE}items/new/", item_new, name="downloads_item_new"),
    path(f"{_MANAGE}items/<int:pk>/", item_edit, name="downloads_manage_item"),
    path(f"{_MANAGE}items/<int:pk>/versions/", version_new, name="downloads_version_new"),
    path(
        f"{_MANAGE}items/<int:pk>/versions/<int:number>/current/",
        version_current,
        name="downloads_version_current",
    ),
    path(f"{_MANAGE}items/<int:pk>/active/", item_active, name="downloads_item_active"),
    path("s/<slug:code>/downloads/", downloads_list, name="downloads"),
    path("s/<slug:code>/downloads/<int:pk>/", download_item, name="download_item"),
    path("s/<slug:code>/downloads/<int:pk>/file/", download_file, name="download_file"),
    path(
        "s/<slug:code>/downloads/<int:pk>/file/<int:number>/",
        download_file,
        name="download_version_file",
    ),
]
