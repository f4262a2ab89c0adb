"""`/api/v1/meetings/compliance/`: the compliance table of a subtree and year (scoped by
`meetings.view_compliance`): one entry per organisation the rule table applies to, paginated in
the database (20 a page), each with its month statuses and every requirement × period
(required, held, status). `?organization=` (default: the caller's top organisation), `?year=`
(default this year), `?quarter=` 1–4 (only the periods overlapping that quarter)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets

from dangjian.core.api import query_integer, query_organization
from dangjian.core.scope import has_permission, scope_of
from dangjian.meetings import compliance
from dangjian.meetings.permissions import VIEW_COMPLIANCE
from dangjian.orgs.models import Organization

FIRST_YEAR = 2000


class CellSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule.pk", help_text="落实要求编号")
    category = serializers.CharField(source="rule.category", help_text="会议归类")
    label = serializers.CharField(source="rule.label", help_text="落实要求")
    period = serializers.CharField(source="period.label", help_text="周期，如 2026年第3季度")
    period_kind = serializers.CharField(
        source="period.kind", help_text="month/quarter/half_year/year"
    )
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    required = serializers.IntegerField(help_text="应开次数")
    held = serializers.IntegerField(help_text="已开次数（已记录、已退回、已审核）")
    status = serializers.CharField(
        help_text="green 已落实 / amber 待落实或部分落实 / red 未落实 / grey 不要求 / future 未到期"
    )
    status_label = serializers.CharField()
    source = serializers.CharField(source="rule.source", help_text="依据")


class MonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    status = serializers.CharField()


class OrganizationComplianceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organization.pk")
    name = serializers.CharField(source="organization.name")
    org_type = serializers.CharField(source="organization.org_type")
    compliant = serializers.BooleanField(source="is_compliant", help_text="没有待落实或未落实的项")
    months = serializers.SerializerMethodField()
    cells = CellSerializer(many=True)

    def get_months(self, result) -> list[dict]:
        return [{"month": m, "status": s} for m, s in sorted(result.months.items())]


ORGANIZATION = OpenApiParameter(
    "organization", OpenApiTypes.INT, description="党组织编号（含下级），默认为您负责的范围"
)
YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年")
QUARTER = OpenApiParameter("quarter", OpenApiTypes.INT, description="季度 1–4，不填为全年")


class ComplianceViewSet(viewsets.GenericViewSet):
    """组织生活落实情况, per organisation of the subtree, for a year or a quarter."""

    serializer_class = OrganizationComplianceSerializer
    queryset = Organization.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        if not has_permission(self.request.user, VIEW_COMPLIANCE):
            raise Http404
        organization = query_organization(self.request, VIEW_COMPLIANCE) or self._top()
        return compliance.rated_organizations(organization, self._year())

    def _top(self) -> Organization:
        prefixes = scope_of(self.request.user).paths_for(VIEW_COMPLIANCE)
        found = Organization.objects.filter(path__in=prefixes, is_active=True).order_by("path")
        organization = found.first()
        if organization is None:
            raise Http404
        return organization

    def _year(self) -> int:
        this_year = timezone.localdate().year
        return query_integer(
            self.request, "year", minimum=FIRST_YEAR, maximum=this_year + 1, default=this_year
        )

    def _months(self):
        quarter = query_integer(self.request, "quarter", minimum=1, maximum=4)
        return tuple(range(3 * quarter - 2, 3 * quarter + 1)) if quarter else None

    @extend_schema(parameters=[ORGANIZATION, YEAR, QUARTER])
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        grid = compliance.evaluate(page, self._year(), months=self._months(), subtree=False)
        results = [grid.get(org.pk) for org in page]
        results = [
            result or compliance.OrgResult(org, None, False)
            for org, result in zip(page, results, strict=True)
        ]
        return self.get_paginated_response(self.get_serializer(results, many=True).data)


routes = [("meetings/compliance", ComplianceViewSet, "meetings-compliance")]
