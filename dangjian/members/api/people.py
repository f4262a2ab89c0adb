"""`/api/v1/people/`: everyone in the caller's scope, members and non-member staff alike, read
only and with the personal data masked; each person carries the managing organisation and, for
members, a brief of the membership. Filtered by subtree, employment, membership and the list
page's search (`PersonFilter`).
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from dangjian.core.api import ScopedViewSetMixin
from dangjian.members.api.common import (
    SEARCH_HELP,
    PersonSerializer,
    label_of,
    people_for_api,
    person_search_q,
)
from dangjian.members.models import Employment, Member, Person
from dangjian.orgs.api import OrganizationBriefSerializer, OrganizationChoiceFilter


class PersonFilter(filters.FilterSet):
    within = OrganizationChoiceFilter(
        field_name="organization",
        method="filter_within",
        label="所在子树",
        help_text="只列出该党组织及其全部下级管理的人员（须在调用者范围内）。",
    )
    employment = filters.ChoiceFilter(choices=Employment.choices, label="在岗状态")
    is_member = filters.BooleanFilter(
        field_name="membership", lookup_expr="isnull", exclude=True, label="是否党员"
    )
    search = filters.CharFilter(
        method="filter_search",
        label="搜索",
        help_text=SEARCH_HELP,
    )

    class Meta:
        model = Person
        fields = ["within", "employment", "is_member", "search"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(organization__path__startswith=value.path)

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(person_search_q(value))


class MembershipBriefSerializer(serializers.ModelSerializer):
    category_display = label_of("category")
    status_display = label_of("status")

    class Meta:
        model = Member
        fields = ["id", "category", "category_display", "status", "status_display"]


class PersonListSerializer(PersonSerializer):
    """A person of `/people/`: the managing organisation and, for members, the membership."""

    organization = OrganizationBriefSerializer(read_only=True, allow_null=True)
    membership = serializers.SerializerMethodField(help_text="党员的组织关系；非党员为 null。")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "organization", "membership"]
        read_only_fields = fields

    @extend_schema_field(MembershipBriefSerializer(allow_null=True))
    def get_membership(self, person):
        member = getattr(person, "membership", None)
        return MembershipBriefSerializer(member).data if member is not None else None


@extend_schema_view(
    list=extend_schema(
        summary="人员列表",
        description=(
            "调用者范围内的人员（党员和非党员职工，members.view_member），按姓名排序；"
            "身份证号、手机号和住址一律打码。只读。"
        ),
    ),
    retrieve=extend_schema(summary="人员详情", description="范围外的人员与不存在的一样答 404。"),
)
@extend_schema(tags=["党员"])
class PersonViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Person
    serializer_class = PersonListSerializer
    filterset_class = PersonFilter

    def scoped_queryset(self, user):
        return people_for_api(user)
