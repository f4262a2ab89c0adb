"""`/api/v1/meetings/class-hours/`: 学时 per member of a subtree and year (view_compliance),
and `mine` — the caller's own year. Totals come from `meetings.hours` (a fixed number of queries
per page, whatever the size of the subtree)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import query_integer, query_organization
from dangjian.core.scope import has_permission, scope_of
from dangjian.meetings import hours
from dangjian.meetings.models import ClassHourCredit
from dangjian.meetings.permissions import VIEW_COMPLIANCE
from dangjian.members.models import Member
from dangjian.orgs.api import OrganizationBriefSerializer
from dangjian.orgs.models import Organization

FIRST_YEAR = 2000


class SourceHoursSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="来源代码：meeting、learning、training、manual")
    label = serializers.CharField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=1)


class MemberHoursSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="pk", help_text="党员编号")
    person = serializers.IntegerField(source="person_id", help_text="人员编号")
    name = serializers.CharField(source="person.name")
    organization = OrganizationBriefSerializer()
    is_leader = serializers.BooleanField(help_text="基层党组织书记或班子成员（要求 56 学时）")
    required = serializers.DecimalField(max_digits=7, decimal_places=1, help_text="应完成学时")
    hours = serializers.DecimalField(max_digits=7, decimal_places=1, help_text="已完成学时")
    gap = serializers.DecimalField(max_digits=7, decimal_places=1, help_text="差额（达标为 0）")
    by_source = serializers.SerializerMethodField()

    @extend_schema_field(SourceHoursSerializer(many=True))
    def get_by_source(self, row) -> list[dict]:
        items = [
            {"source": source.value, "label": source.label, "hours": row.sources.get(source, 0)}
            for source in hours.SOURCES
        ]
        return SourceHoursSerializer(items, many=True).data


class CreditSerializer(serializers.ModelSerializer):
    source_display = serializers.CharField(source="get_source_display")
    meeting_topic = serializers.CharField(source="meeting.topic", default="")

    class Meta:
        model = ClassHourCredit
        fields = [
            "id",
            "on_date",
            "hours",
            "source",
            "source_display",
            "note",
            "meeting",
            "meeting_topic",
        ]


class MyHoursSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=1)
    required = serializers.DecimalField(max_digits=7, decimal_places=1)
    gap = serializers.DecimalField(max_digits=7, decimal_places=1)
    is_leader = serializers.BooleanField()
    reached = serializers.BooleanField()
    source = serializers.CharField(help_text="要求的依据")
    credits = CreditSerializer(many=True)


def _year(request) -> int:
    this_year = timezone.localdate().year
    return query_integer(
        request, "year", minimum=FIRST_YEAR, maximum=this_year + 1, default=this_year
    )


YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年")
ORGANIZATION = OpenApiParameter(
    "organization", OpenApiTypes.INT, description="党组织编号（含下级），默认为您负责的范围"
)
BELOW = OpenApiParameter("below", OpenApiTypes.BOOL, description="为 true 时只列未达标的党员")
ORDERING = OpenApiParameter(
    "ordering", OpenApiTypes.STR, enum=list(hours.MEMBER_ORDERINGS), description="排序"
)


class ClassHoursViewSet(viewsets.GenericViewSet):
    """学时 per member in good standing of a subtree for a year, against 32/56."""

    serializer_class = MemberHoursSerializer
    queryset = Member.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        user = self.request.user
        if not has_permission(user, VIEW_COMPLIANCE):
            raise Http404
        organization = query_organization(self.request, VIEW_COMPLIANCE) or self._top(user)
        requirement = hours.requirement_for(_year(self.request))
        below = self.request.query_params.get("below", "").lower() in ("1", "true")
        ordering = self.request.query_params.get("ordering", "name")
        if ordering not in hours.MEMBER_ORDERINGS:
            raise exceptions.ValidationError(
                {"ordering": [f"可选：{'、'.join(hours.MEMBER_ORDERINGS)}。"]}
            )
        return hours.member_rows(organization, requirement, below_only=below, ordering=ordering)

    @staticmethod
    def _top(user) -> Organization:
        prefixes = scope_of(user).paths_for(VIEW_COMPLIANCE)
        organization = Organization.objects.filter(path__in=prefixes).order_by("path").first()
        if organization is None:
            raise Http404
        return organization

    @extend_schema(parameters=[ORGANIZATION, YEAR, BELOW, ORDERING])
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = hours.attach_sources(page, _year(request))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    @extend_schema(parameters=[YEAR], responses=MyHoursSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def mine(self, request):
        """The caller's own year: total, requirement and every credit."""
        person = getattr(request.user, "person", None)
        if person is None:
            raise exceptions.ValidationError(
                {"non_field_errors": ["您的账号没有关联党员信息，无法统计学时。"]}
            )
        year = _year(request)
        summary = hours.person_year(person, year)
        source = (
            summary.requirement.leaders_source if summary.is_leader else summary.requirement.source
        )
        data = {
            "year": year,
            "hours": summary.hours,
            "required": summary.required,
            "gap": summary.gap,
            "is_leader": summary.is_leader,
            "reached": summary.reached,
            "source": source,
            "credits": list(hours.person_credits(person, year)[:500]),
        }
        return Response(MyHoursSerializer(data).data)


routes = [("meetings/class-hours", ClassHoursViewSet, "meetings-class-hours")]
