"""What the portal's public pages list, and the home page's blocks.

Selectors (every one starts from `portal.visibility`, so a reader never sees an item outside
their scope):

    column_articles(user, column)      # a column's live, readable items, pinned first
    site_navigation(site)              # the site's column tree for the header (cached per site)
    own_site(user)                     # the deepest site of the viewer's own organisations

The home page (`home_blocks`) is the site's `HomeBlock` rows, in order. Everything a viewer of
the same visibility class sees alike is rendered once and cached per (site, visibility class)
under `portal.cache.fragment_key`; the blocks that differ per person — 我的待办 and the quick
entries to the systems the viewer may use — are rendered on every request and never enter the
cache. A cached anonymous home page therefore costs one query (the site).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache as django_cache
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.functions import Substr
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.core.scope import scope_condition
from dangjian.portal.cache import TTL_SECONDS, fragment_key
from dangjian.portal.models import Article, Column, HomeBlock, Site
from dangjian.portal.visibility import articles_readable_by, viewer_prefixes, visibility_class

Kind = HomeBlock.Kind
PER_VIEWER = frozenset({Kind.TODO, Kind.QUICK_ENTRIES})  # never cached: they differ per person
WIDTH_CLASSES = {
    HomeBlock.Width.FULL: "col-12",
    HomeBlock.Width.TWO_THIRDS: "col-12 col-lg-8",
    HomeBlock.Width.HALF: "col-12 col-md-6",
    HomeBlock.Width.THIRD: "col-12 col-md-6 col-lg-4",
}
LIST_FIELDS = ("body", "body_text")  # deferred in lists: bodies can be long
EXCERPT_LENGTH = 120


# --- URLs -----------------------------------------------------------------------------------


def is_root(site: Site) -> bool:
    return site.organization.depth == 1


def site_url(site: Site) -> str:
    """The root organisation's site is the front page `/`; the others are `/s/<code>/`."""
    if is_root(site):
        return reverse("portal:home")
    return reverse("portal:site", kwargs={"code": site.code})


def column_url(site: Site, column: Column) -> str:
    return reverse("portal:column", kwargs={"code": site.code, "slug": column.slug})


def optional_url(name: str, **kwargs) -> str:
    """The URL of a page another part provides, or "" while it is not installed."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def media_src(asset, width: int | None = None) -> str:
    """The URL of a picture (the rendition of about `width` pixels), or "" when there is none."""
    if asset is None:
        return ""
    from dangjian.portal.services.media import media_url

    return media_url(asset, width)


# --- Selectors ------------------------------------------------------------------------------


def active_sites():
    return Site.objects.filter(is_active=True, organization__is_active=True).select_related(
        "organization"
    )


def root_site() -> Site | None:
    """The site of the root organisation (depth 1): the platform's front page."""
    return active_sites().filter(organization__depth=1).order_by("organization__path").first()


def own_site(user) -> Site | None:
    """The deepest active site whose organisation contains one of the viewer's organisations
    (their membership or a role), e.g. 一矿党建网 for a member of a branch of the mine."""
    prefixes = viewer_prefixes(user)
    if not prefixes:
        return None
    return (
        active_sites()
        .filter(organization__path__in=prefixes)
        .order_by("-organization__depth")
        .first()
    )


def pinned_first(queryset, now: datetime.datetime):
    """Pinned items (pinned_until in the future) first, then the newest."""
    pinned = Case(
        When(pinned_until__gt=now, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return queryset.annotate(pinned=pinned).order_by("-pinned", "-published_at", "-id")


def column_articles(user, column: Column, *, now: datetime.datetime | None = None):
    """The live items of a column that `user` may read: the column's own, its sub-columns',
    and — when the site shows its parents' items — those of the column it inherits from.
    Pinned first, then newest; bodies deferred; `excerpt` is the first characters of the text."""
    now = now or timezone.now()
    # Column ids first (one small query): `column_id IN (…)` lets the database walk the
    # (column, status, published_at) index; an OR over the parent join scanned every article.
    ids = [column.pk, *Column.objects.filter(parent_id=column.pk).values_list("pk", flat=True)]
    if column.inherit_from_id and column.site.show_parent_items:
        ids.append(column.inherit_from_id)
    queryset = (
        articles_readable_by(user, now=now)
        .filter(column_id__in=ids)
        .defer(*LIST_FIELDS)
        .annotate(excerpt=Substr("body_text", 1, EXCERPT_LENGTH))
    )
    return pinned_first(queryset, now)


@dataclass(frozen=True)
class NavColumn:
    name: str
    slug: str
    url: str
    kind: str
    children: tuple[NavColumn, ...] = ()


@dataclass(frozen=True)
class SiteNavigation:
    columns: tuple[NavColumn, ...]
    parent_name: str = ""
    parent_url: str = ""

    def find(self, slug: str) -> NavColumn | None:
        for column in self.columns:
            if column.slug == slug:
                return column
            for child in column.children:
                if child.slug == slug:
                    return child
        return None


def site_navigation(site: Site) -> SiteNavigation:
    """The header's column tree and the link to the parent site; the same for every viewer,
    cached per site until the next invalidation (two queries when cold)."""
    key = fragment_key("nav", site.pk)
    navigation = django_cache.get(key)
    if navigation is None:
        navigation = _build_navigation(site)
        django_cache.set(key, navigation, TTL_SECONDS)
    return navigation


def _build_navigation(site: Site) -> SiteNavigation:
    from dangjian.portal.services.sites import parent_site

    rows = list(site.columns.filter(is_active=True, show_in_nav=True).order_by("order", "id"))
    children: dict[int, list[NavColumn]] = {}
    for row in rows:
        if row.parent_id:
            children.setdefault(row.parent_id, []).append(
                NavColumn(row.name, row.slug, column_url(site, row), row.kind)
            )
    top = tuple(
        NavColumn(
            row.name, row.slug, column_url(site, row), row.kind, tuple(children.get(row.pk, ()))
        )
        for row in rows
        if row.parent_id is None
    )
    parent = parent_site(site.organization) if not is_root(site) else None
    if parent is None:
        return SiteNavigation(top)
    return SiteNavigation(top, parent.name, site_url(parent))


# --- Home blocks ----------------------------------------------------------------------------


def home_blocks(request, site: Site) -> list[dict]:
    """The site's home blocks for this viewer: dicts with `kind`, `width_class` and `html`."""
    user = request.user
    key = fragment_key("home", site.pk, visibility_class(user))
    shared = django_cache.get(key)
    if shared is None:
        shared = _render_shared(site, user)
        django_cache.set(key, shared, TTL_SECONDS)
    blocks = []
    for entry in shared:
        if entry["kind"] in PER_VIEWER:
            entry = {**entry, "html": _render_per_viewer(entry, request)}
        blocks.append(entry)
    return blocks


def _render_shared(site: Site, user) -> list[dict]:
    """Render every block that is the same for all viewers of `user`'s visibility class; the
    per-viewer ones keep their place, title and size for `_render_per_viewer`."""
    now = timezone.now()
    rows = site.blocks.filter(is_active=True).select_related("column__site").order_by("order", "id")
    rendered = []
    for block in rows:
        entry = {
            "pk": block.pk,
            "kind": block.kind,
            "title": block.title,
            "size": block.size,
            "width_class": WIDTH_CLASSES.get(block.width, "col-12"),
            "html": "",
        }
        if block.kind not in PER_VIEWER:
            renderer = RENDERERS.get(block.kind)
            context = renderer(block, site, user, now) if renderer else None
            if context is None:  # a kind this version does not know, or its column is gone
                continue
            entry["html"] = render_to_string(
                f"portal/site/blocks/{block.kind}.html", {"block": block, "site": site, **context}
            )
        rendered.append(entry)
    return rendered


def _render_per_viewer(entry: dict, request) -> str:
    user = request.user
    if entry["kind"] == Kind.TODO:
        from dangjian.portal.todo import items_for

        # A visitor gets an invitation to log in in its place (no items, no queries).
        context = {"items": items_for(user, request)[: entry["size"] or None]}
    else:
        context = {"sections": _quick_entries(user)}
    # No `request=`: the layout's context processors (menu, inbox count) already ran once for
    # the page and would run again for each block.
    context.update(block=entry, user=user, request=request)
    return render_to_string(f"portal/site/blocks/{entry['kind']}.html", context)


def _quick_entries(user) -> list[dict]:
    """The systems of the top navigation with the entries this user may open (no queries
    beyond the scope, which the layout has already loaded)."""
    if not user.is_authenticated:
        return []
    from dangjian.core.navigation import menu_for

    return [block for block in menu_for(user) if block["items"] and block["section"].key != "home"]


def _column_block(block, site, user, now):
    if block.column is None or not block.column.is_active:
        return None
    articles = list(column_articles(user, block.column, now=now)[: block.size])
    return {"articles": articles, "more_url": column_url(block.column.site, block.column)}


def _carousel_block(block, site, user, now):
    if block.column is None or not block.column.is_active:
        return None
    queryset = column_articles(user, block.column, now=now).filter(cover__isnull=False)
    slides = list(queryset.select_related("cover")[: block.size])
    for slide in slides:
        slide.cover_src = media_src(slide.cover, 1600)
        slide.cover_small = media_src(slide.cover, 800)
    return {"slides": slides, "more_url": column_url(block.column.site, block.column)}


def _statistics_block(block, site, user, now):
    from dangjian.members.models import Member
    from dangjian.members.models.choices import IN_GOOD_STANDING
    from dangjian.orgs.models import Organization

    path = (site.organization.path,)
    year_start = timezone.localtime(now).replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    organizations = Organization.objects.filter(path__startswith=path[0], is_active=True)
    members = Member.objects.filter(
        scope_condition("organization__path", path), status__in=IN_GOOD_STANDING
    )
    articles = articles_readable_by(user, now=now).filter(
        scope_condition("site__organization__path", path), published_at__gte=year_start
    )
    published = (f"{year_start.year}年发布", articles.count(), "篇")
    if user is None or not user.is_authenticated:
        # Organisation and member numbers are internal: a visitor sees what was published.
        return {"stats": [published]}
    return {
        "stats": [
            ("党组织", organizations.count(), "个"),
            ("党员", members.count(), "名"),
            published,
        ]
    }


def _links_block(block, site, user, now):
    config = block.config if isinstance(block.config, dict) else {}
    links = [
        link
        for link in config.get("links") or []
        if isinstance(link, dict) and link.get("name") and _safe_link(str(link.get("url", "")))
    ]
    return {"links": links}


def _safe_link(url: str) -> bool:
    """http(s) or a path on this site; never javascript:, data: or a scheme-relative //host."""
    return url.startswith(("http://", "https://")) or (
        url.startswith("/") and not url.startswith("//")
    )


def _downloads_block(block, site, user, now):
    from dangjian.portal.services.downloads import readable_items

    items = list(
        readable_items(user, site=site)
        .filter(current_version__isnull=False)
        .only("id", "title", "updated_at")
        .order_by("-updated_at", "-id")[: block.size]
    )
    for item in items:
        item.url = reverse("portal:download_item", kwargs={"code": site.code, "pk": item.pk})
    return {"items": items, "more_url": optional_url("portal:downloads", code=site.code)}


RENDERERS = {
    Kind.CAROUSEL: _carousel_block,
    Kind.NOTICES: _column_block,
    Kind.COLUMN: _column_block,
    Kind.STATISTICS: _statistics_block,
    Kind.LINKS: _links_block,
    Kind.DOWNLOADS: _downloads_block,
}


def article_neighbours(user, article: Article) -> tuple[Article | None, Article | None]:
    """The previous (older) and next (newer) readable items of the article's column."""
    siblings = (
        articles_readable_by(user)
        .filter(column_id=article.column_id)
        .exclude(pk=article.pk)
        .only("id", "title", "published_at")
    )
    when = article.published_at
    older = siblings.filter(
        Q(published_at__lt=when) | Q(published_at=when, id__lt=article.pk)
    ).order_by("-published_at", "-id")
    newer = siblings.filter(
        Q(published_at__gt=when) | Q(published_at=when, id__gt=article.pk)
    ).order_by("published_at", "id")
    return older.first(), newer.first()
