"""`/api/v1/search/?q=`: full-text search for the mobile client, scoped like the page.

Anyone may call it (the default `IsAuthenticated` is overridden here only): an anonymous caller
finds public items only, a logged-in one what they may read. `site`, `column`, `from`, `to`
filter; results are ranked and paginated in the database (`page`, `page_size` ≤ 100). Titles
and snippets come as plain text and as HTML with `<mark>` around the query's words (everything
else escaped).
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response

from dangjian.core.forms import parse_id
from dangjian.portal.models import Site
from dangjian.search.query import MAX_PER_PAGE, MAX_QUERY_CHARS, PER_PAGE, check_query
from dangjian.search.query import search as run_search


class SearchSiteSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SearchColumnSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class HitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["article", "download"], help_text="article 文章；download 下载专区资料"
    )
    id = serializers.IntegerField(source="object.pk", help_text="文章或资料的编号")
    title = serializers.CharField(source="object.title")
    title_html = serializers.CharField(help_text="标题，检索词以 <mark> 标出，其余已转义")
    snippet_html = serializers.CharField(help_text="约 120 字的摘录，检索词以 <mark> 标出")
    in_attachment = serializers.CharField(help_text="摘录来自的附件名称；来自正文时为空")
    url = serializers.CharField(help_text="网页地址")
    site = SearchSiteSerializer()
    column = SearchColumnSerializer(allow_null=True)
    date = serializers.DateTimeField(allow_null=True, help_text="发布时间（资料为更新时间）")
    score = serializers.FloatField(help_text="相关度，越大越相关")


@extend_schema_serializer(many=False)  # one page object, not a list of them
class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="结果总数")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    fuzzy = serializers.BooleanField(help_text="true：没有完全匹配的结果，返回的是相近内容")
    terms = serializers.ListField(child=serializers.CharField(), help_text="检索词的分词结果")
    results = HitSerializer(many=True)


PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, required=True, description="检索词，至少 2 个字（如“党建”）"
    ),
    OpenApiParameter("site", OpenApiTypes.STR, description="站点代码（如 g-m1）"),
    OpenApiParameter("column", OpenApiTypes.STR, description="栏目代码（如 news），含下级栏目"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="发布日期起（含）"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="发布日期止（含）"),
    OpenApiParameter("page", OpenApiTypes.INT, description="页码"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=f"每页条数，至多 {MAX_PER_PAGE}"),
]


def _text(request, name: str) -> str:
    value = (request.query_params.get(name) or "").strip()
    if "\x00" in value:
        raise exceptions.ValidationError({name: ["含有不允许的控制字符。"]})
    if len(value) > MAX_QUERY_CHARS:
        raise exceptions.ValidationError({name: [f"不能超过 {MAX_QUERY_CHARS} 个字符。"]})
    return value


def _date(request, name: str):
    raw = _text(request, name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise exceptions.ValidationError({name: ["日期格式应为 YYYY-MM-DD。"]}) from exc


def _positive(request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    value = parse_id(raw)
    if value is None or not 1 <= value <= maximum:
        raise exceptions.ValidationError({name: [f"须为 1 至 {maximum} 之间的整数。"]})
    return value


class SearchViewSet(viewsets.ViewSet):
    """全文检索（标题、正文、附件、下载资料），只返回调用者可见的内容。"""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=PARAMETERS,
        responses=SearchPageSerializer,
    )
    def list(self, request):
        q = _text(request, "q")
        message = check_query(q)
        if message:
            raise exceptions.ValidationError({"q": [message]})
        site = None
        code = _text(request, "site")
        if code:
            site = Site.objects.filter(code=code, is_active=True).first()
            if site is None:
                raise exceptions.ValidationError({"site": [f"站点“{code}”不存在。"]})
        date_from, date_to = _date(request, "from"), _date(request, "to")
        if date_from and date_to and date_from > date_to:
            raise exceptions.ValidationError({"to": ["截止日期不能早于起始日期。"]})
        per_page = _positive(request, "page_size", PER_PAGE, MAX_PER_PAGE)
        number = _positive(request, "page", 1, 10_000)
        page = run_search(
            q,
            user=request.user,
            site=site,
            column=_text(request, "column") or None,
            date_from=date_from,
            date_to=date_to,
            page=number,
            per_page=per_page,
        )
        if number > page.paginator.num_pages and page.paginator.count:
            raise exceptions.NotFound("页码超出范围。")
        return Response(
            {
                "count": page.paginator.count,
                "next": self._link(request, page.next_page_number()) if page.has_next() else None,
                "previous": (
                    self._link(request, page.previous_page_number())
                    if page.has_previous()
                    else None
                ),
                "fuzzy": page.fuzzy,
                "terms": page.terms,
                "results": HitSerializer(page.object_list, many=True).data,
            }
        )

    @staticmethod
    def _link(request, number: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


routes = [("search", SearchViewSet, "portal-search")]
