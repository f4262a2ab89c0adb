"""`/api/v1/users/` and `/api/v1/role-assignments/`.

Accounts belong to no organisation; who sees one follows the grants it holds (the same selector
as the administration pages), and everyone sees themselves. Password hashes, TOTP secrets and full
mobile numbers never leave: mobile numbers — and login names that are mobile numbers — are masked.
"""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.accounts.manage_selectors import users_visible_to
from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.accounts.permissions import GRANT_ROLE, VIEW_ROLE_ASSIGNMENT, VIEW_USER
from dangjian.accounts.services import grants as grant_services
from dangjian.core.api import ScopedPrimaryKeyRelatedField, ScopedViewSetMixin
from dangjian.orgs.api import OrganizationBriefSerializer, OrganizationChoiceFilter
from dangjian.orgs.models import Organization

# --- selectors -----------------------------------------------------------------------------------


def users_for_api(user):
    """Accounts holding a role inside the caller's `accounts.view_user` subtrees, plus self."""
    if not user.is_authenticated:
        return User.objects.none()
    visible = users_visible_to(user, VIEW_USER) | User.objects.filter(pk=user.pk)
    return visible.order_by("username")


def role_assignments_for_api(user):
    """Grants inside the caller's `accounts.view_role_assignment` subtrees, plus their own."""
    return assignment_rows(RoleAssignment.objects.visible_to(user, VIEW_ROLE_ASSIGNMENT))


def assignment_rows(assignments):
    return assignments.select_related("user", "role", "organization", "granted_by")


def _visible_users(request):
    if request is None:
        return User.objects.none()
    return users_for_api(request.user)


# --- filters -------------------------------------------------------------------------------------


class UserFilter(filters.FilterSet):
    is_active = filters.BooleanFilter(label="启用")
    search = filters.CharFilter(
        method="filter_search",
        label="搜索",
        help_text="姓名模糊查找，或登录名完全匹配。",
    )

    class Meta:
        model = User
        fields = ["is_active", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # Login names match only whole, so the search cannot spell out a masked mobile number.
        return queryset.filter(Q(display_name__icontains=value) | Q(username__iexact=value))


class RoleAssignmentFilter(filters.FilterSet):
    user = filters.ModelChoiceFilter(queryset=_visible_users, label="用户")
    role = filters.ModelChoiceFilter(queryset=Role.objects.all(), label="角色")
    organization = OrganizationChoiceFilter(label="党组织", help_text="授权在该党组织本身。")
    within = OrganizationChoiceFilter(
        field_name="organization",
        method="filter_within",
        label="所在子树",
        help_text="授权在该党组织或其任一下级。",
    )

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "organization", "within"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(organization__path__startswith=value.path)


# --- serializers ---------------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer):
    username = serializers.SerializerMethodField(help_text="登录名；为手机号时打码。")
    mobile = serializers.SerializerMethodField(help_text="手机号（打码）。")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "mobile", "is_active", "last_login"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_username(self, user) -> str:
        return user.masked_login_name

    @extend_schema_field(OpenApiTypes.STR)
    def get_mobile(self, user) -> str:
        return user.masked_mobile


class UserBriefSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        fields = ["id", "username", "display_name"]


class RoleBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "code", "name", "admin_kind"]


class OwnRoleSerializer(serializers.ModelSerializer):
    role = RoleBriefSerializer(read_only=True)
    organization = OrganizationBriefSerializer(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "organization", "granted_at"]


class MeSerializer(UserSerializer):
    roles = serializers.SerializerMethodField(help_text="本人的角色及其授权范围。")

    class Meta(UserSerializer.Meta):
        fields = [
            *UserSerializer.Meta.fields,
            "must_change_password",
            "otp_opt_in",
            "large_font",
            "roles",
        ]

    @extend_schema_field(OwnRoleSerializer(many=True))
    def get_roles(self, user):
        assignments = role_assignments_for_api(user).filter(user=user)
        return OwnRoleSerializer(assignments, many=True).data


class RoleAssignmentSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)
    role = RoleBriefSerializer(read_only=True)
    organization = OrganizationBriefSerializer(read_only=True)
    granted_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "organization", "granted_by", "granted_at", "note"]


class RoleGrantSerializer(serializers.Serializer):
    """A grant: the services check 三员分立 and answer with a Chinese message (400)."""

    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        help_text="被授权用户 id。",
        error_messages={"does_not_exist": "编号为 {pk_value} 的用户不存在。"},
    )
    role = serializers.PrimaryKeyRelatedField(
        queryset=Role.objects.all(),
        help_text="角色 id。",
        error_messages={"does_not_exist": "编号为 {pk_value} 的角色不存在。"},
    )
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=GRANT_ROLE,
        help_text="授权范围：该党组织及其全部下级（须在调用者可授权的范围内）。",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


# --- viewsets ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="用户列表",
        description=(
            "持有 accounts.view_user 的调用者看到在其范围内持有角色的用户；"
            "每个人都能看到自己。手机号一律打码。"
        ),
    ),
    retrieve=extend_schema(summary="用户详情", description="看不到的用户与不存在的一样答 404。"),
)
@extend_schema(tags=["用户"])
class UserViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = User
    serializer_class = UserSerializer
    filterset_class = UserFilter

    def scoped_queryset(self, user):
        return users_for_api(user)

    @extend_schema(summary="当前用户", responses=MeSerializer, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def me(self, request):
        return Response(MeSerializer(request.user).data)


@extend_schema_view(
    list=extend_schema(
        summary="角色授权列表",
        description=(
            "持有 accounts.view_role_assignment 的调用者看到其范围内的授权；"
            "每个人都能看到授予自己的角色。"
        ),
    ),
    retrieve=extend_schema(summary="角色授权详情"),
    create=extend_schema(
        summary="授予角色",
        description=(
            "accounts.grant_role（安全管理员）。三员不得兼任等规则由服务检查，"
            "拒绝时答 400 并给出中文原因。"
        ),
        request=RoleGrantSerializer,
        responses={201: RoleAssignmentSerializer},
    ),
    destroy=extend_schema(
        summary="收回角色",
        description="最后一位在用的三员角色不能收回（400）。",
        parameters=[
            OpenApiParameter(
                "reason", str, description="收回原因（记入审计日志）。", required=False
            )
        ],
        filters=False,
    ),
)
@extend_schema(tags=["角色授权"])
class RoleAssignmentViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = RoleAssignment
    serializer_class = RoleAssignmentSerializer
    filterset_class = RoleAssignmentFilter

    def scoped_queryset(self, user):
        return role_assignments_for_api(user)

    def create(self, request):
        self.require_permission(GRANT_ROLE)
        data = self.parse(RoleGrantSerializer)
        assignment = grant_services.role_grant(actor=request.user, **data)
        # Read back unscoped: a role may hold grant_role without view_role_assignment.
        fresh = assignment_rows(RoleAssignment.objects.filter(pk=assignment.pk)).get()
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        assignment = self.get_object_for(GRANT_ROLE)
        reason = request.query_params.get("reason", "")[:200]
        grant_services.role_revoke(actor=request.user, assignment=assignment, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


routes = [
    ("users", UserViewSet, "user"),
    ("role-assignments", RoleAssignmentViewSet, "role-assignment"),
]
