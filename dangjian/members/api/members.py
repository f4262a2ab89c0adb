"""`/api/v1/members/`: member records, listed with the list page's own selector and filters
(`MemberListFilter`, whose documented parameters are read from the list page's form), read with
the ID number, mobile and address masked, written through `services.people.record_save`, and
revealed one field at a time through `POST /members/{id}/reveal/` (decision API-1).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response

from dangjian.core.api import ScopedPrimaryKeyRelatedField, ScopedViewSetMixin
from dangjian.members import display, selectors
from dangjian.members.api.common import (
    SEARCH_HELP,
    PersonSerializer,
    _optional_choice,
    _optional_text,
    label_of,
    members_for_api,
)
from dangjian.members.models import (
    ETHNICITY_CHOICES,
    Category,
    Degree,
    Education,
    EducationMode,
    Employment,
    Gender,
    Member,
    Occupation,
    Person,
    RecordChange,
    SkillLevel,
    TitleLevel,
)
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services.people import RecordInvalid, record_save
from dangjian.members.services.reveal import member_reveal
from dangjian.orgs.api import OrganizationBriefSerializer
from dangjian.orgs.models import Organization, Unit

REVEAL_REFUSED = (
    "您没有查看完整身份证号、手机号和住址的权限（members.reveal_sensitive），只能看到打码后的信息。"
)
SENSITIVE_LABELS = {"id_number": "身份证号", "mobile": "手机号", "address": "家庭住址"}


# --- filters -------------------------------------------------------------------------------------


class MemberListFilter(BaseFilterBackend):
    """The member list page's filters (`selectors.filtered_members`), `?search=` for its `q`.

    The selector builds the scoped queryset itself; an invalid filter value answers 400 naming
    the parameter. The documented parameters are read from the list page's form, so the two
    cannot drift apart.
    """

    RENAMED = {"q": "search"}

    def filter_queryset(self, request, queryset, view):
        if view.action != "list":
            return queryset  # one member by id: the scope alone decides, whatever its status
        data = request.query_params.copy()
        for form_name, api_name in self.RENAMED.items():
            data.pop(form_name, None)
            if api_name in data:
                data.setlist(form_name, data.pop(api_name))
        members, form = selectors.filtered_members(request.user, data)
        if form.errors:
            raise exceptions.ValidationError(
                {self.RENAMED.get(name, name): list(errors) for name, errors in form.errors.items()}
            )
        return members

    def get_schema_operation_parameters(self, view):
        from dangjian.members.filters import MemberFilterForm

        return [
            {
                "name": self.RENAMED.get(name, name),
                "in": "query",
                "required": False,
                "description": _parameter_description(name, field),
                "schema": _parameter_schema(name, field),
            }
            for name, field in MemberFilterForm.base_fields.items()
        ]


PARAMETER_NOTES = {
    "q": SEARCH_HELP,
    "org": "党组织 id：该党组织及其全部下级的党员（须在调用者范围内）。",
    "unit": "行政单位 id。",
    "status": "党籍状态；不填为在册党员（正常、恢复党籍），all 为全部。",
    "sort": "排序。",
}


def _parameter_description(name: str, field) -> str:
    return PARAMETER_NOTES.get(name) or f"{field.label}。"


def _parameter_schema(name: str, field) -> dict:
    from django import forms

    from dangjian.members.filters import SORTS

    if name == "sort":
        return {"type": "string", "enum": list(SORTS)}
    if isinstance(field, forms.ModelChoiceField | forms.IntegerField):
        return {"type": "integer"}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [value for value, _ in field.choices if value != ""]}
    return {"type": "string"}


# --- serializers ---------------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    person = PersonSerializer(read_only=True)
    organization = OrganizationBriefSerializer(read_only=True)
    party_group = OrganizationBriefSerializer(read_only=True, allow_null=True)
    category_display = label_of("category")
    status_display = label_of("status")
    party_age = serializers.SerializerMethodField(help_text="党龄（自转正之日起的整年数）。")
    probation_end = serializers.SerializerMethodField(help_text="预备期满日期（预备党员）。")

    class Meta:
        model = Member
        fields = [
            "id",
            "person",
            "organization",
            "party_group",
            "category",
            "category_display",
            "status",
            "status_display",
            "status_changed_on",
            "joined_on",
            "full_member_on",
            "party_age",
            "probation_end",
            "is_floating",
            "floating_since",
            "floating_destination",
            "is_lost_contact",
            "lost_contact_since",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_party_age(self, member):
        return display.party_age(member)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_probation_end(self, member):
        if member.category != Category.PROBATIONARY:
            return None
        return display.probation_end(member)


class MemberWriteSerializer(serializers.Serializer):
    """The body of a create or an update. It only parses; `record_save` checks the record
    (required fields, ID number, dates, duplicates) and answers each problem in Chinese."""

    name = _optional_text(50, "姓名（新建时必填）。")
    gender = _optional_choice(Gender.choices, "性别；不填按身份证号推定。")
    ethnicity = _optional_choice(ETHNICITY_CHOICES, "民族代码。")
    birth_date = serializers.DateField(
        required=False, allow_null=True, help_text="出生日期；不填按身份证号推定。"
    )
    id_number = _optional_text(30, "身份证号（18 位，旧 15 位号码自动转换）。")
    native_place = _optional_text(50, "籍贯。")
    work_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True, allow_null=True, help_text="工号。"
    )
    education = _optional_choice(Education.choices, "学历。")
    degree = _optional_choice(Degree.choices, "学位。")
    education_mode = _optional_choice(EducationMode.choices, "教育类别。")
    school = _optional_text(100, "毕业院校。")
    major = _optional_text(100, "所学专业。")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="行政单位 id。",
        error_messages={"does_not_exist": "编号为 {pk_value} 的行政单位不存在或已撤销。"},
    )
    post = _optional_text(50, "岗位。")
    occupation = _optional_choice(Occupation.choices, "职业类别。")
    title_level = _optional_choice(TitleLevel.choices, "职称级别。")
    title = _optional_text(50, "职称。")
    skill_level = _optional_choice(SkillLevel.choices, "技能等级。")
    mobile = _optional_text(20, "手机号。")
    address = _optional_text(200, "家庭住址。")
    employment = serializers.ChoiceField(
        choices=Employment.choices, required=False, help_text="在岗状态。"
    )
    retired_on = serializers.DateField(required=False, allow_null=True, help_text="退休日期。")
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=MANAGE_MEMBER,
        required=False,
        help_text="所在党支部 id（须在调用者可维护党员信息的范围内；新建时必填）。",
    )
    party_group = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=MANAGE_MEMBER,
        required=False,
        allow_null=True,
        help_text="所在党小组 id（所在党支部下属的党小组）。",
    )
    category = serializers.ChoiceField(
        choices=Category.choices, required=False, help_text="党员类别（新建时必填）。"
    )
    joined_on = serializers.DateField(
        required=False, allow_null=True, help_text="入党日期（新建时必填）。"
    )
    full_member_on = serializers.DateField(
        required=False, allow_null=True, help_text="转正日期；正式党员必填，预备党员为空。"
    )
    is_floating = serializers.BooleanField(required=False, help_text="流动党员。")
    floating_since = serializers.DateField(required=False, allow_null=True)
    floating_destination = _optional_text(100, "流动去向。")
    is_lost_contact = serializers.BooleanField(required=False, help_text="失去联系。")
    lost_contact_since = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        if "status" in self.initial_data:
            raise serializers.ValidationError(
                {"status": ["党籍状态不能直接修改，请办理党籍变更（停止党籍、恢复党籍、出党等）。"]}
            )
        return attrs


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=list(SENSITIVE_LABELS.items()),
        help_text="要查看完整值的字段：id_number（身份证号）、mobile（手机号）、address（住址）。",
        error_messages={"invalid_choice": "只能查看 id_number、mobile 或 address 的完整值。"},
    )


class RevealSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="字段名。")
    value = serializers.CharField(help_text="完整值（可能为空字符串）。")


# --- viewsets ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="党员列表",
        description=(
            "调用者范围内的党员（members.view_member），筛选条件与党员列表页相同；"
            "身份证号、手机号和住址一律打码。没有角色的调用者得到空列表。"
        ),
    ),
    retrieve=extend_schema(summary="党员详情", description="范围外的党员与不存在的一样答 404。"),
    create=extend_schema(
        summary="新建党员档案",
        description=(
            "members.manage_member。记录校验（身份证号、性别与出生日期、日期先后、必填项、"
            "重复登记）不通过时答 400，details 为 {字段: [中文原因]}。"
        ),
        request=MemberWriteSerializer,
        responses={201: MemberSerializer},
    ),
    partial_update=extend_schema(
        summary="修改党员档案",
        description=(
            "只修改提交的字段；每次修改记入变更历史和审计日志。党籍状态不在此修改"
            "（停止党籍、出党等走党籍变更）。可见但无维护权限答 403。"
        ),
        request=MemberWriteSerializer,
        responses=MemberSerializer,
    ),
)
@extend_schema(tags=["党员"])
class MemberViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Member
    serializer_class = MemberSerializer
    filter_backends = [MemberListFilter]

    def scoped_queryset(self, user):
        return members_for_api(user)

    def create(self, request):
        self.require_permission(MANAGE_MEMBER)
        values = self.parse(MemberWriteSerializer)
        person = self.save(person=None, values=values)
        return self.answer(person.membership, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        member = self.get_object_for(MANAGE_MEMBER)
        values = self.parse(MemberWriteSerializer)
        person = self.save(person=member.person, values=values)
        return self.answer(person.membership)

    def save(self, *, person, values) -> Person:
        try:
            return record_save(
                actor=self.request.user,
                person=person,
                values=values,
                source=RecordChange.Source.API,
            )
        except RecordInvalid as exc:
            details: dict[str, list[str]] = {}
            for field, message in exc.problems:
                details.setdefault(field, []).append(message)
            raise exceptions.ValidationError(details) from exc

    def answer(self, member, code=status.HTTP_200_OK):
        """The member just written, read again as the list shows it (not through the view
        scope: a role may hold manage_member without view_member)."""
        fresh = Member.objects.select_related(*selectors.MEMBER_RELATED).get(pk=member.pk)
        return Response(MemberSerializer(fresh).data, status=code)

    @extend_schema(
        summary="查看完整的个人信息",
        description=(
            "返回一个打码字段的完整值，须持有对该党员的 members.reveal_sensitive 权限，"
            "否则答 403；每次查看都记入审计日志（members.reveal_sensitive）。"
        ),
        request=RevealRequestSerializer,
        responses=RevealSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reveal(self, request, pk=None):
        member = self.get_object()
        field = self.parse(RevealRequestSerializer)["field"]
        if not selectors.may_reveal(request.user, member):
            # Visible but not revealable: 403 saying why (the service alone would answer 404).
            raise exceptions.PermissionDenied(REVEAL_REFUSED, code="reveal_not_allowed")
        value = member_reveal(actor=request.user, member=member, field=field)
        return Response({"field": field, "value": value})
