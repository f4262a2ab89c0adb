"""`/api/v1/organizations/` and `/api/v1/committees/`: the organisation tree over the API.

Every queryset starts from `visible_to(user, permission)`; an organisation outside the caller's
scope answers 404, a list shows the visible part of the tree (empty for a caller without a role).
"""

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Length, Substr
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedPrimaryKeyRelatedField, ScopedViewSetMixin
from dangjian.orgs import services
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType, Unit
from dangjian.orgs.permissions import (
    MANAGE_COMMITTEE,
    MANAGE_ORGANIZATION,
    VIEW_COMMITTEE,
    VIEW_ORGANIZATION,
)

# --- selectors -----------------------------------------------------------------------------------


def organizations_for_api(user):
    """Visible organisations with their parent id and units, in tree order (three queries)."""
    return organization_rows(Organization.objects.visible_to(user, VIEW_ORGANIZATION))


def organization_rows(organizations):
    """What the serializer reads: the parent id (a subquery on the path) and the units."""
    parent = Organization.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
    ).values("pk")[:1]
    units = Unit.objects.order_by("sort_order", "name")
    return organizations.annotate(parent_id=Subquery(parent)).prefetch_related(
        Prefetch("units", queryset=units)
    )


def committees_for_api(user):
    return committee_rows(Committee.objects.visible_to(user, VIEW_COMMITTEE))


def committee_rows(committees):
    posts = CommitteePost.objects.select_related("person").order_by("sort_order", "id")
    return (
        committees.select_related("organization")
        .prefetch_related(Prefetch("posts", queryset=posts))
        .order_by("organization__path", "-term_start", "id")
    )


def visible_organization_choices(request):
    """Choices of the organisation filters: an id outside the scope is an invalid choice."""
    if request is None:
        return Organization.objects.none()
    return Organization.objects.visible_to(request.user, VIEW_ORGANIZATION)


# --- filters -------------------------------------------------------------------------------------


class OrganizationChoiceFilter(filters.ModelChoiceFilter):
    """An organisation id, valid only inside the caller's scope (else a 400 naming the field)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages", {"invalid_choice": "该党组织不存在，或不在您的查看范围内。"}
        )
        super().__init__(queryset=visible_organization_choices, **kwargs)


class OrganizationFilter(filters.FilterSet):
    parent = OrganizationChoiceFilter(
        field_name="id",
        method="filter_parent",
        label="上级党组织",
        help_text="只列出该党组织的直接下级（须在调用者范围内）。",
    )
    within = OrganizationChoiceFilter(
        field_name="id",
        method="filter_within",
        label="所在子树",
        help_text="只列出该党组织及其全部下级（须在调用者范围内）。",
    )
    org_type = filters.ChoiceFilter(choices=OrgType.choices, label="组织类型")
    is_active = filters.BooleanFilter(label="有效")
    search = filters.CharFilter(
        method="filter_search", label="搜索", help_text="按全称、简称或组织代码模糊查找。"
    )

    class Meta:
        model = Organization
        fields = ["parent", "within", "org_type", "is_active", "search"]

    def filter_parent(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path, depth=value.depth + 1)

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__icontains=value)
        )


class CommitteeFilter(filters.FilterSet):
    organization = OrganizationChoiceFilter(label="党组织", help_text="该党组织本身的班子。")
    within = OrganizationChoiceFilter(
        field_name="organization",
        method="filter_within",
        label="所在子树",
        help_text="该党组织及其全部下级的班子。",
    )
    is_current = filters.BooleanFilter(label="现任")

    class Meta:
        model = Committee
        fields = ["organization", "within", "is_current"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(organization__path__startswith=value.path)


# --- serializers ---------------------------------------------------------------------------------


class UnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind"]


class OrganizationSerializer(serializers.ModelSerializer):
    org_type_display = serializers.CharField(source="get_org_type_display", read_only=True)
    parent = serializers.IntegerField(
        source="parent_id", read_only=True, allow_null=True, help_text="上级党组织 id；根为 null。"
    )
    children_count = serializers.IntegerField(source="numchild", read_only=True)
    units = UnitBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "parent",
            "depth",
            "children_count",
            "org_type",
            "org_type_display",
            "name",
            "short_name",
            "code",
            "founded_on",
            "sort_order",
            "is_active",
            "dissolved_on",
            "member_count",
            "full_member_count",
            "units",
        ]
        read_only_fields = fields


class OrganizationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "short_name", "code"]


class PersonBriefSerializer(serializers.Serializer):
    """Only the name: a person's contact details never leave through this API."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class CommitteePostSerializer(serializers.ModelSerializer):
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    person = PersonBriefSerializer(read_only=True)

    class Meta:
        model = CommitteePost
        fields = ["id", "post", "post_display", "person", "started_on", "ended_on"]


class CommitteeSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    posts = CommitteePostSerializer(many=True, read_only=True)

    class Meta:
        model = Committee
        fields = [
            "id",
            "organization",
            "term_number",
            "term_start",
            "term_end",
            "elected_on",
            "is_current",
            "note",
            "posts",
        ]


# The request bodies of the writes: they only parse; the services validate and decide.


class OrganizationCreateSerializer(serializers.Serializer):
    parent = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=MANAGE_ORGANIZATION,
        help_text="上级党组织 id（须在调用者可管理的范围内）。",
    )
    org_type = serializers.ChoiceField(choices=OrgType.choices, help_text="组织类型。")
    name = serializers.CharField(max_length=100, help_text="全称。")
    code = serializers.CharField(max_length=30, help_text="组织代码（唯一）。")
    short_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    founded_on = serializers.DateField(required=False, allow_null=True)
    sort_order = serializers.IntegerField(required=False, min_value=0)


class OrganizationUpdateSerializer(serializers.Serializer):
    """Only the fields sent are changed (PATCH)."""

    org_type = serializers.ChoiceField(choices=OrgType.choices, required=False)
    name = serializers.CharField(max_length=100, required=False)
    code = serializers.CharField(max_length=30, required=False)
    short_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    founded_on = serializers.DateField(required=False, allow_null=True)
    sort_order = serializers.IntegerField(required=False, min_value=0)


class OrganizationMoveSerializer(serializers.Serializer):
    parent = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=MANAGE_ORGANIZATION,
        help_text="新的上级党组织 id（须在调用者可管理的范围内）。",
    )


class OrganizationDissolveSerializer(serializers.Serializer):
    dissolved_on = serializers.DateField(required=False, allow_null=True, help_text="默认今天。")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CommitteeCreateSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=MANAGE_COMMITTEE,
        help_text="换届的党组织 id（须在调用者可管理班子的范围内）。",
    )
    term_start = serializers.DateField(help_text="任期开始日期。")
    term_end = serializers.DateField(
        required=False, allow_null=True, help_text="任期届满日期；不填按规定年限计算。"
    )
    elected_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- viewsets ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="党组织列表",
        description="调用者范围内的党组织，按树的先序排列；没有角色的调用者得到空列表。",
    ),
    retrieve=extend_schema(
        summary="党组织详情", description="范围外的党组织与不存在的一样答 404。"
    ),
    create=extend_schema(
        summary="新建党组织",
        description="在上级党组织下新建（orgs.manage_organization）；违反组织规则时答 400。",
        request=OrganizationCreateSerializer,
        responses={201: OrganizationSerializer},
    ),
    partial_update=extend_schema(
        summary="修改党组织（更名等）",
        description="只修改提交的字段；可见但无管理权限答 403。",
        request=OrganizationUpdateSerializer,
        responses=OrganizationSerializer,
    ),
)
@extend_schema(tags=["党组织"])
class OrganizationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Organization
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter

    def scoped_queryset(self, user):
        return organizations_for_api(user)

    def create(self, request):
        self.require_permission(MANAGE_ORGANIZATION)
        data = self.parse(OrganizationCreateSerializer)
        organization = services.organization_create(actor=request.user, **data)
        return self.answer(organization, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        organization = self.get_object_for(MANAGE_ORGANIZATION)
        data = self.parse(OrganizationUpdateSerializer)
        organization = services.organization_update(
            actor=request.user, organization=organization, **data
        )
        return self.answer(organization)

    @extend_schema(
        summary="调整隶属关系",
        description="把党组织连同其全部下级移到新的上级党组织下。",
        request=OrganizationMoveSerializer,
        responses=OrganizationSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def move(self, request, pk=None):
        organization = self.get_object_for(MANAGE_ORGANIZATION)
        data = self.parse(OrganizationMoveSerializer)
        organization = services.organization_move(
            actor=request.user, organization=organization, new_parent=data["parent"]
        )
        return self.answer(organization)

    @extend_schema(
        summary="撤销党组织",
        description=(
            "只能撤销没有有效下级组织、没有党员的党组织；否则答 400 并说明原因。"
            "党小组有编入的党员也可撤销，这些党员仍在所属党支部，改为不编入党小组。"
        ),
        request=OrganizationDissolveSerializer,
        responses=OrganizationSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def dissolve(self, request, pk=None):
        organization = self.get_object_for(MANAGE_ORGANIZATION)
        data = self.parse(OrganizationDissolveSerializer)
        organization = services.organization_dissolve(
            actor=request.user, organization=organization, **data
        )
        return self.answer(organization)

    def answer(self, organization, code=status.HTTP_200_OK):
        """The organisation just written, read again in the shape of the list.

        Not through the view scope: the caller was allowed to write it, which a role holding
        the manage permission without the view one may do.
        """
        fresh = organization_rows(Organization.objects.filter(pk=organization.pk)).get()
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="直接下级",
        description="该党组织的直接下级（分页）。",
        filters=False,
        responses=OrganizationSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def children(self, request, pk=None):
        parent = self.get_object()
        children = self.get_queryset().filter(path__startswith=parent.path, depth=parent.depth + 1)
        page = self.paginate_queryset(children)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="班子列表",
        description="调用者范围内各党组织的班子（届），含各职务及任职人员姓名。",
    ),
    retrieve=extend_schema(summary="班子详情"),
    create=extend_schema(
        summary="换届（新建一届班子）",
        description="上一届现任班子随之结束（orgs.manage_committee）。",
        request=CommitteeCreateSerializer,
        responses={201: CommitteeSerializer},
    ),
)
@extend_schema(tags=["班子"])
class CommitteeViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Committee
    serializer_class = CommitteeSerializer
    filterset_class = CommitteeFilter

    def scoped_queryset(self, user):
        return committees_for_api(user)

    def create(self, request):
        self.require_permission(MANAGE_COMMITTEE)
        data = self.parse(CommitteeCreateSerializer)
        committee = services.committee_create(actor=request.user, **data)
        fresh = committee_rows(Committee.objects.filter(pk=committee.pk)).get()
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


routes = [
    ("organizations", OrganizationViewSet, "organization"),
    ("committees", CommitteeViewSet, "committee"),
]
