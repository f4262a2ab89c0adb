"""`/api/v1/articles/` and `/api/v1/columns/`: the published portal for the mobile client.

- `articles/`: the live articles the caller may read (`visibility.articles_readable_by`: public
  ones for an anonymous caller, members-only ones for anyone logged in, organisation-limited ones
  inside the audience's subtrees). `?site=<code>&column=<slug>&tag=<name>`; pinned first, then
  newest; paginated in the database. A column lists its sub-columns' articles too (舆论宣传 →
  新闻动态 …) and, on a site that shows its parents' items, the column it inherits (the group's
  通知公告 in a mine's 通知公告), as the column page does.
- `articles/{id}/`: one article with its sanitised body and attachments; anything the caller
  may not read answers 404 exactly as a missing id.
- `columns/?site=<code>`: the active columns of active sites, with how many articles in each the
  caller may read.

Reading needs no login (the portal's public side); the default `IsAuthenticated` is overridden
here only. Nothing is written through this API: writing goes through the back-end pages and the
workflow services.
"""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, viewsets

from dangjian.core.api import ScopedViewSetMixin
from dangjian.portal.models import Article, ArticleAttachment, Column, Site
from dangjian.portal.serializers import (
    ArticleDetailSerializer,
    ArticleListSerializer,
    ColumnSerializer,
)
from dangjian.portal.visibility import articles_readable_by

MAX_PARAMETER = 100

SITE_PARAMETER = OpenApiParameter(
    "site", OpenApiTypes.STR, description="站点代码（如 g-m1）；不填为所有站点"
)
ARTICLE_PARAMETERS = [
    SITE_PARAMETER,
    OpenApiParameter(
        "column",
        OpenApiTypes.STR,
        description="栏目代码（如 news）；含下级栏目，以及站点继承的上级站点栏目",
    ),
    OpenApiParameter("tag", OpenApiTypes.STR, description="标签名称"),
]


def _text_parameter(request, name: str) -> str:
    value = (request.query_params.get(name) or "").strip()
    if len(value) > MAX_PARAMETER:
        raise exceptions.ValidationError({name: [f"不能超过 {MAX_PARAMETER} 个字符。"]})
    return value


def query_site(request) -> Site | None:
    """`?site=<code>` as an active site (None when absent; 400 when there is none)."""
    code = _text_parameter(request, "site")
    if not code:
        return None
    site = Site.objects.filter(code=code, is_active=True).first()
    if site is None:
        raise exceptions.ValidationError({"site": [f"没有代码为“{code}”的站点。"]})
    return site


def _column_filter(site: Site | None, slug: str) -> Q:
    """Articles of the column `slug` (of `site`, or of every site), its sub-columns and, where
    the site shows its parents' items, the column it inherits — as column ids, read in one
    query: `column_id IN (…)` uses the article index (column, status, published_at), where an
    OR over the column join scanned every published article."""
    columns = Column.objects.filter(is_active=True).filter(
        Q(slug=slug) | Q(parent__slug=slug, parent__is_active=True)
    )
    if site is not None:
        columns = columns.filter(site=site)
    rows = list(columns.values_list("pk", "slug", "inherit_from_id", "site__show_parent_items"))
    own = [row for row in rows if row[1] == slug]
    if not own:
        where = f"站点“{site.code}”" if site is not None else "任何站点"
        raise exceptions.ValidationError({"column": [f"{where}没有代码为“{slug}”的栏目。"]})
    ids = {row[0] for row in rows}
    ids |= {inherited for _, _, inherited, shows in own if inherited and shows}
    return Q(column_id__in=sorted(ids))


def _site_columns(site: Site) -> list[int]:
    """The site's active columns and the parent sites' columns they also list (unless the
    site hides its parents' items), as ids: `column_id IN (…)` reads the article index."""
    rows = Column.objects.filter(site=site, is_active=True).values_list("pk", "inherit_from_id")
    ids = {pk for pk, _ in rows}
    if site.show_parent_items:
        ids |= {inherited for _, inherited in rows if inherited}
    return sorted(ids)


class ArticleViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Published articles the caller may read (anonymous callers: public ones)."""

    model = Article
    permission_classes = [permissions.AllowAny]
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleListSerializer

    def scoped_queryset(self, user):
        articles = articles_readable_by(user).select_related("site", "column", "cover")
        if self.action == "retrieve":
            attachments = ArticleAttachment.objects.order_by("order", "pk")
            return articles.prefetch_related("tags", Prefetch("attachments", queryset=attachments))
        site = query_site(self.request)
        if site is not None:
            articles = articles.filter(column_id__in=_site_columns(site))
        column = _text_parameter(self.request, "column")
        if column:
            articles = articles.filter(_column_filter(site, column))
        tag = _text_parameter(self.request, "tag")
        if tag:
            articles = articles.filter(tags__name=tag)
        pinned = Case(
            When(pinned_until__gt=timezone.now(), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        # The list never shows the body: leaving it out keeps the sort narrow (measured on the
        # bench's 50 000 articles: SQLite sorted every matching body before the LIMIT).
        return (
            articles.defer("body", "body_text")
            .annotate(pinned=pinned)
            .order_by("-pinned", "-published_at", "-pk")
            .prefetch_related("tags")
        )

    @extend_schema(parameters=ARTICLE_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class ColumnViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The active columns of the active sites (`?site=` narrows to one site)."""

    model = Column
    permission_classes = [permissions.AllowAny]
    serializer_class = ColumnSerializer
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, user):
        columns = Column.objects.filter(is_active=True, site__is_active=True).select_related(
            "site", "parent", "inherit_from__site"
        )
        if self.action == "list":
            site = query_site(self.request)
            if site is not None:
                columns = columns.filter(site=site)
        return columns.order_by("site__organization__path", "order", "pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or self.request is None:
            return context
        context["counts"] = self._counts()
        return context

    def _counts(self) -> dict[int, int]:
        """Readable live articles per column, in one grouped query."""
        site = query_site(self.request) if self.action == "list" else None
        articles = articles_readable_by(self.request.user)
        if site is not None:
            articles = articles.filter(site=site)
        elif self.action == "retrieve":
            articles = articles.filter(column_id=self.kwargs.get(self.lookup_field))
        rows = articles.order_by().values_list("column_id").annotate(n=Count("pk"))
        return dict(rows)

    @extend_schema(parameters=[SITE_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


routes = [
    ("articles", ArticleViewSet, "portal-article"),
    ("columns", ColumnViewSet, "portal-column"),
]
