"""The portal back-end (站点与栏目): the sites a user manages, opening a site for a 党委/党总支,
a site's settings, its column tree and its home-page blocks.

Everything needs `portal.manage_site` over the site's organisation; a site, column or block
outside the user's scope answers 404 exactly as a missing one. The views parse input and call
one service of `services/manage.py`, which validates, audits and invalidates the page cache.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.core.search_select import OPTION_LIMIT, options_response
from dangjian.core.submit_once import SubmitOnce
from dangjian.members.forms.pickers import search
from dangjian.portal.forms_manage import (
    BlockForm,
    ColumnForm,
    SiteForm,
    SiteOpenForm,
    posted_links,
)
from dangjian.portal.models import Article, Column, HomeBlock
from dangjian.portal.permissions import MANAGE_SITE
from dangjian.portal.services import manage

NAMESPACE = "portal-manage"
# The home page's Bootstrap grid: the width of a block in twelfths (the layout sketch).
BLOCK_GRID = {
    HomeBlock.Width.FULL: 12,
    HomeBlock.Width.TWO_THIRDS: 8,
    HomeBlock.Width.HALF: 6,
    HomeBlock.Width.THIRD: 4,
}
BLOCK_ICONS = {
    HomeBlock.Kind.CAROUSEL: "images",
    HomeBlock.Kind.NOTICES: "megaphone",
    HomeBlock.Kind.COLUMN: "list-ul",
    HomeBlock.Kind.QUICK_ENTRIES: "grid-3x3-gap",
    HomeBlock.Kind.TODO: "check2-square",
    HomeBlock.Kind.STATISTICS: "bar-chart",
    HomeBlock.Kind.LINKS: "link-45deg",
    HomeBlock.Kind.DOWNLOADS: "download",
}


def _require_manager(user) -> None:
    """The back-end exists only for holders of `manage_site` somewhere (404 for the others)."""
    if not has_permission(user, MANAGE_SITE):
        raise Http404


def preview_url(site) -> str:
    """The site's public home page (the site part owns those routes)."""
    try:
        if site.organization.is_root():
            return reverse("portal:home")
        return reverse("portal:site", args=[site.code])
    except NoReverseMatch:
        return ""


def _site_context(site, tab: str) -> dict:
    return {"site": site, "tab": tab, "preview_url": preview_url(site)}


def _count_of(model, field: str):
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _refused(form, exc: ServiceError) -> None:
    form.add_error(None, exc.messages[0])


# --- sites -------------------------------------------------------------------------------------


@login_required
@require_GET
def site_list(request):
    _require_manager(request.user)
    sites = (
        manage.managed_sites(request.user)
        .select_related("organization")
        .annotate(
            column_total=_count_of(Column, "site"),
            block_total=_count_of(HomeBlock, "site"),
            article_total=_count_of(Article, "site"),
        )
        .order_by("organization__path")
    )
    page = paginate(request, sites)
    for site in page["page_obj"].object_list:
        site.preview = preview_url(site)
    can_open = manage.openable_organizations(request.user).exists()
    return render(request, "portal/manage/sites.html", {**page, "can_open": can_open})


@login_required
@require_http_methods(["GET", "POST"])
def site_new(request):
    _require_manager(request.user)
    once = SubmitOnce(request, "site_new", namespace=NAMESPACE)
    form = SiteOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("portal:manage_sites"))
        try:
            site = manage.site_open(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            once.release()
            _refused(form, exc)
        else:
            target = reverse("portal:manage_columns", args=[site.pk])
            once.done(target)
            messages.success(
                request, f"“{site.name}”已开通，默认栏目和首页区块已建好，可以按需调整。"
            )
            return redirect(target)
    return render(
        request,
        "portal/manage/site_new.html",
        {"form": form, "form_token": once.token},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def site_organizations(request):
    _require_manager(request.user)
    found = search(
        manage.openable_organizations(request.user),
        request.GET.get("q", ""),
        "name",
        "short_name",
        "code",
    )
    options = [
        (org.pk, org.display_name) for org in found.only("pk", "name", "short_name")[:OPTION_LIMIT]
    ]
    return options_response(request, options, empty_label="请选择党委或党总支")


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request, pk):
    site = manage.get_managed_site_or_404(request.user, pk)
    initial = {name: getattr(site, name) for name in manage.SITE_FIELDS}
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            manage.site_update(actor=request.user, site=site, **form.cleaned_data)
        except ServiceError as exc:
            _refused(form, exc)
        else:
            messages.success(request, "站点设置已保存。")
            return redirect("portal:manage_site", site.pk)
    return render(
        request,
        "portal/manage/site_form.html",
        {**_site_context(site, "settings"), "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- columns -----------------------------------------------------------------------------------


def column_tree(site) -> list[dict]:
    """The site's columns as [{column, children: [...]}] in order (two levels)."""
    columns = list(
        site.columns.select_related("inherit_from__site")
        .annotate(
            article_total=_count_of(Article, "column"),
            block_total=_count_of(HomeBlock, "column"),
            publisher_total=Count("publishers", distinct=True),
        )
        .order_by("order", "id")
    )
    children: dict[int, list] = {}
    for column in columns:
        if column.parent_id:
            children.setdefault(column.parent_id, []).append(column)
    tops = [column for column in columns if not column.parent_id]
    known = {column.pk for column in tops}
    # A child whose parent is itself a child (made outside these pages) is still shown.
    orphans = [c for c in columns if c.parent_id and c.parent_id not in known]
    return [{"column": column, "children": children.get(column.pk, [])} for column in tops] + [
        {"column": column, "children": []} for column in orphans
    ]


@login_required
@require_GET
def column_list(request, pk):
    site = manage.get_managed_site_or_404(request.user, pk)
    tree = column_tree(site)
    return render(
        request,
        "portal/manage/columns.html",
        {**_site_context(site, "columns"), "tree": tree},
    )


def _column_form_page(request, site, column):
    once = SubmitOnce(request, f"column_new_{site.pk}", namespace=NAMESPACE) if not column else None
    back = reverse("portal:manage_columns", args=[site.pk])
    if column is not None:
        initial = {name: getattr(column, name) for name in manage.COLUMN_FIELDS}
        initial["publishers"] = list(column.publishers.values_list("pk", flat=True))
    else:
        initial = {
            "order": _next_order(site),
            "needs_review": True,
            "show_in_nav": True,
            "is_active": True,
            "default_visibility": Column._meta.get_field("default_visibility").default,
            "kind": Column.Kind.ARTICLES,
        }
    form = ColumnForm(request.POST or None, initial=initial, site=site, column=column)
    if request.method == "POST" and form.is_valid():
        if once is not None and not once.claim():
            return once.repeated(request, back)
        try:
            saved = manage.column_save(
                actor=request.user,
                site=site,
                column=column,
                values=form.column_values(),
                publishers=form.chosen_publishers(),
            )
        except ServiceError as exc:
            if once is not None:
                once.release()
            _refused(form, exc)
        else:
            if once is not None:
                once.done(back)
            messages.success(request, f"栏目“{saved.name}”已保存。")
            return redirect(back)
    return render(
        request,
        "portal/manage/column_form.html",
        {
            **_site_context(site, "columns"),
            "form": form,
            "column": column,
            "form_token": once.token if once else "",
            "disclosure_kind": Column.Kind.DISCLOSURE,
            "delete_refusal": manage.column_delete_refusal(column) if column else "",
        },
        status=400 if request.method == "POST" else 200,
    )


def _next_order(site) -> int:
    last = site.columns.filter(parent__isnull=True).order_by("-order").first()
    return (last.order if last else 0) + 10


@login_required
@require_http_methods(["GET", "POST"])
def column_new(request, pk):
    site = manage.get_managed_site_or_404(request.user, pk)
    return _column_form_page(request, site, None)


@login_required
@require_http_methods(["GET", "POST"])
def column_edit(request, pk):
    column = manage.get_managed_column_or_404(request.user, pk)
    return _column_form_page(request, column.site, column)


@login_required
@require_POST
def column_move(request, pk):
    column = manage.get_managed_column_or_404(request.user, pk)
    direction = request.POST.get("direction", "")
    if not manage.column_move(actor=request.user, column=column, direction=direction):
        messages.info(request, f"“{column.name}”已经在最{'前' if direction == 'up' else '后'}。")
    return redirect(
        reverse("portal:manage_columns", args=[column.site_id]) + f"#column-{column.pk}"
    )


@login_required
@require_POST
def column_delete(request, pk):
    column = manage.get_managed_column_or_404(request.user, pk)
    try:
        manage.column_delete(actor=request.user, column=column)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
        return redirect("portal:manage_column", column.pk)
    messages.success(request, f"栏目“{column.name}”已删除。")
    return redirect("portal:manage_columns", column.site_id)


@login_required
@require_GET
def publisher_options(request, pk):
    site = manage.get_managed_site_or_404(request.user, pk)
    found = search(
        manage.publisher_candidates(site), request.GET.get("q", ""), "display_name", "username"
    )
    options = [
        (user.pk, f"{user.display_name}（{user.username}）")
        for user in found.only("pk", "display_name", "username")[:OPTION_LIMIT]
    ]
    return options_response(request, options, empty_label="（不添加）")


# --- home-page blocks --------------------------------------------------------------------------


@login_required
@require_GET
def block_list(request, pk):
    site = manage.get_managed_site_or_404(request.user, pk)
    blocks = list(site.blocks.select_related("column").order_by("order", "id"))
    for block in blocks:
        block.grid = BLOCK_GRID.get(block.width, 6)
        block.icon = BLOCK_ICONS.get(block.kind, "square")
        block.link_total = len(block.config.get("links", [])) if block.config else 0
    return render(
        request,
        "portal/manage/blocks.html",
        {
            **_site_context(site, "blocks"),
            "blocks": blocks,
            "kinds": HomeBlock.Kind.choices,
        },
    )


def _block_form_page(request, site, block):
    once = SubmitOnce(request, f"block_new_{site.pk}", namespace=NAMESPACE) if not block else None
    back = reverse("portal:manage_blocks", args=[site.pk])
    if block is not None:
        initial = {name: getattr(block, name) for name in manage.BLOCK_FIELDS}
        links = [(row.get("name", ""), row.get("url", "")) for row in block.config.get("links", [])]
    else:
        kind = request.GET.get("kind", "")
        kind = kind if kind in HomeBlock.Kind.values else HomeBlock.Kind.COLUMN
        initial = {
            "kind": kind,
            "title": HomeBlock.Kind(kind).label,
            "size": 8,
            "width": HomeBlock.Width.HALF,
            "is_active": True,
        }
        links = []
    bad_row = None
    if request.method == "POST":
        links = [row for row in posted_links(request.POST) if any(part.strip() for part in row)]
    form = BlockForm(request.POST or None, initial=initial, site=site)
    if request.method == "POST" and form.is_valid():
        if once is not None and not once.claim():
            return once.repeated(request, back)
        try:
            saved = manage.block_save(
                actor=request.user,
                site=site,
                block=block,
                values=form.block_values(),
                links=links,
            )
        except ServiceError as exc:
            if once is not None:
                once.release()
            _refused(form, exc)
            bad_row = getattr(exc, "row", None)
        else:
            if once is not None:
                once.done(back)
            messages.success(request, f"首页区块“{saved.title}”已保存。")
            return redirect(back + f"#block-{saved.pk}")
    blank_rows = 3 if len(links) < manage.MAX_LINKS else 0
    return render(
        request,
        "portal/manage/block_form.html",
        {
            **_site_context(site, "blocks"),
            "form": form,
            "home_block": block,
            "links": links + [("", "")] * blank_rows,
            "bad_row": bad_row,
            "links_kind": HomeBlock.Kind.LINKS,
            "form_token": once.token if once else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def block_new(request, pk):
    site = manage.get_managed_site_or_404(request.user, pk)
    return _block_form_page(request, site, None)


@login_required
@require_http_methods(["GET", "POST"])
def block_edit(request, pk):
    block = manage.get_managed_block_or_404(request.user, pk)
    return _block_form_page(request, block.site, block)


@login_required
@require_POST
def block_move(request, pk):
    block = manage.get_managed_block_or_404(request.user, pk)
    direction = request.POST.get("direction", "")
    if not manage.block_move(actor=request.user, block=block, direction=direction):
        messages.info(request, f"“{block.title}”已经在最{'前' if direction == 'up' else '后'}。")
    return redirect(reverse("portal:manage_blocks", args=[block.site_id]) + f"#block-{block.pk}")


@login_required
@require_POST
def block_toggle(request, pk):
    block = manage.get_managed_block_or_404(request.user, pk)
    show = request.POST.get("show") == "1"
    manage.block_toggle(actor=request.user, block=block, is_active=show)
    messages.success(request, f"首页区块“{block.title}”已{'显示' if show else '隐藏'}。")
    return redirect(reverse("portal:manage_blocks", args=[block.site_id]) + f"#block-{block.pk}")


@login_required
@require_POST
def block_delete(request, pk):
    block = manage.get_managed_block_or_404(request.user, pk)
    manage.block_delete(actor=request.user, block=block)
    messages.success(request, f"首页区块“{block.title}”已删除。")
    return redirect("portal:manage_blocks", block.site_id)


urlpatterns = [
    path("portal/manage/", site_list, name="manage_sites"),
    path("portal/manage/sites/new/", site_new, name="manage_site_new"),
    path(
        "portal/manage/sites/organizations/",
        site_organizations,
        name="manage_site_organizations",
    ),
    path("portal/manage/sites/<int:pk>/", site_edit, name="manage_site"),
    path("portal/manage/sites/<int:pk>/columns/", column_list, name="manage_columns"),
    path("portal/manage/sites/<int:pk>/columns/new/", column_new, name="manage_column_new"),
    path("portal/manage/sites/<int:pk>/publishers/", publisher_options, name="manage_publishers"),
    path("portal/manage/sites/<int:pk>/blocks/", block_list, name="manage_blocks"),
    path("portal/manage/sites/<int:pk>/blocks/new/", block_new, name="manage_block_new"),
    path("portal/manage/columns/<int:pk>/", column_edit, name="manage_column"),
    path("portal/manage/columns/<int:pk>/move/", column_move, name="manage_column_move"),
    path("portal/manage/columns/<int:pk>/delete/", column_delete, name="manage_column_delete"),
    path("portal/manage/blocks/<int:pk>/", block_edit, name="manage_block"),
    path("portal/manage/blocks/<int:pk>/move/", block_move, name="manage_block_move"),
    path("portal/manage/blocks/<int:pk>/toggle/", block_toggle, name="manage_block_toggle"),
    path("portal/manage/blocks/<int:pk>/delete/", block_delete, name="manage_block_delete"),
]
