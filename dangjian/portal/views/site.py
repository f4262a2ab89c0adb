"""The public portal: the front page `/`, a sub-site's home `/s/<code>/`, a column's list
`/s/<code>/c/<slug>/` and an article `/a/<id>/`.

Every list and page reads through `portal.visibility`: anonymous visitors see public items
only, an item outside the viewer's scope is a 404 exactly like a missing one, and an inactive
site or column is a 404 too. `/` does not redirect a logged-in user to their own mine's site
(the group's front page stays reachable for everyone); the header offers a "进入…" switch to
their own site instead.
"""

from __future__ import annotations

from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET

from dangjian.core.paging import paginate
from dangjian.core.scope import scope_of
from dangjian.portal import blocks
from dangjian.portal.models import Article, Column, Site
from dangjian.portal.permissions import APPROVE_ARTICLE, REVIEW_ARTICLE, WRITE_ARTICLE
from dangjian.portal.visibility import articles_readable_by

LIST_PER_PAGE = 20
GRID_PER_PAGE = 12  # picture and video columns: four rows of three
GRID_KINDS = frozenset({Column.Kind.PICTURES, Column.Kind.VIDEOS})
TRAIL_TEMPLATE = "portal/_trail.html"
MAX_ID = 2**63 - 1  # a longer number in the URL is no article (and no database error)


def site_context(request, site: Site, *, active: str = "") -> dict:
    """What `portal/base_site.html` needs: the site, its column tree, the active column and,
    for a logged-in viewer whose own site is another one, the switch to it."""
    context = {
        "site": site,
        "site_home_url": blocks.site_url(site),
        "site_nav": blocks.site_navigation(site),
        "active_slug": active,
        "switch_site": None,
    }
    if request.user.is_authenticated:
        own = blocks.own_site(request.user)
        if own is not None and own.pk != site.pk:
            context["switch_site"] = {"name": own.name, "url": blocks.site_url(own)}
    return context


def _get_site(code: str) -> Site:
    return get_object_or_404(blocks.active_sites(), code=code)


def _render_home(request, site: Site):
    context = site_context(request, site)
    context["blocks"] = blocks.home_blocks(request, site)
    return render(request, "portal/site/home.html", context)


@require_GET
def home(request):
    site = blocks.root_site()
    if site is None:
        return render(request, "portal/site/not_open.html")
    return _render_home(request, site)


@require_GET
def site_home(request, code):
    site = _get_site(code)
    if blocks.is_root(site):
        return redirect("portal:home")
    return _render_home(request, site)


@require_GET
def column_list(request, code, slug):
    site = _get_site(code)
    column = get_object_or_404(
        Column.objects.select_related("site", "parent", "inherit_from__site"),
        site=site,
        slug=slug,
        is_active=True,
    )
    column.site = site  # the same row, with its organisation already loaded
    if column.kind == Column.Kind.DOWNLOADS:
        library = blocks.optional_url("portal:downloads", code=site.code)
        if library:
            return redirect(library)
    grid = column.kind in GRID_KINDS
    queryset = blocks.column_articles(request.user, column)
    if grid:
        queryset = queryset.select_related("cover")
    context = site_context(request, site, active=(column.parent or column).slug)
    page = paginate(request, queryset, GRID_PER_PAGE if grid else LIST_PER_PAGE)
    if grid:
        for item in page["page_obj"]:
            item.cover_src = blocks.media_src(item.cover, 800)
    context.update(
        column=column,
        grid=grid,
        subcolumns=_subcolumns(context["site_nav"], column),
        inherited_name=_inherited_name(column, site),
        **page,
    )
    return render(request, "portal/site/column.html", context)


def _subcolumns(navigation, column: Column) -> tuple:
    """A parent column's children, or a child column's siblings (the tree is two levels)."""
    own = navigation.find(column.slug)
    if own is not None and own.children:
        return own.children
    parent = navigation.find(column.parent.slug) if column.parent else None
    return parent.children if parent is not None else ()


def _inherited_name(column: Column, site: Site) -> str:
    source = column.inherit_from
    if source is None or not site.show_parent_items:
        return ""
    return f"{source.site.name} · {source.name}"


@require_GET
def article_detail(request, pk):
    if pk > MAX_ID:
        raise Http404
    article = (
        articles_readable_by(request.user)
        .select_related("site__organization", "column__parent", "cover")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    # One UPDATE, no re-read: the page shows the count including this visit.
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    article.view_count += 1
    site = article.site
    previous, following = blocks.article_neighbours(request.user, article)
    context = site_context(request, site, active=(article.column.parent or article.column).slug)
    context.update(
        article=article,
        column=article.column,
        attachments=_attachments(article),
        tags=list(article.tags.all()),
        previous=previous,
        following=following,
        trail_template=_trail_template(request.user, site),
        # The cover leads the page unless the body already opens with its own pictures.
        cover_src=""
        if article.cover is None or "<img" in article.body
        else blocks.media_src(article.cover, 1600),
    )
    return render(request, "portal/site/article.html", context)


def _attachments(article: Article) -> list:
    rows = list(article.attachments.order_by("order", "id"))
    for row in rows:
        row.url = blocks.optional_url("portal:attachment", pk=row.pk)
    return rows


def _trail_template(user, site: Site) -> str:
    """The 三审 trail is printed for the site's writers, reviewers and approvers only."""
    if not user.is_authenticated:
        return ""
    scope = scope_of(user)
    path_ = site.organization.path
    if not any(
        scope.covers(code, path_) for code in (WRITE_ARTICLE, REVIEW_ARTICLE, APPROVE_ARTICLE)
    ):
        return ""
    return TRAIL_TEMPLATE


urlpatterns = [
    path("", home, name="home"),
    path("s/<slug:code>/", site_home, name="site"),
    path("s/<slug:code>/c/<slug:slug>/", column_list, name="column"),
    path("a/<int:pk>/", article_detail, name="article"),
]
