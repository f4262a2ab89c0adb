"""`/api/v1/members/`, `/api/v1/people/` and `/api/v1/member-imports/`: member records over the API.

* Members are listed with the list page's own selector (`selectors.filtered_members`), so the
  filters and the search (name, full pinyin or initials, work number, full ID number) answer the
  same rows in both places. A member outside the caller's scope answers 404.
* The ID number, mobile and address are always masked. The full value of one field comes only
  from `POST /members/{id}/reveal/`, for holders of `members.reveal_sensitive` over that member,
  and every reveal is an audit entry (decision API-1).
* Writes go through `services.people.record_save`, whose problems answer 400 with
  `details = {field: [Chinese reason]}`. There is no delete: a member leaves through a 党籍
  status change.
* Imports use the import services; the list, the uploads and the progress fields live here,
  the work (validation, writing, undo) in `members.importing`.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dangjian.core.api import ErrorSerializer, ScopedPrimaryKeyRelatedField, ScopedViewSetMixin
from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import IdNumberError, normalise, parse_id_number
from dangjian.core.models import Job
from dangjian.core.pinyin import is_pinyin_query, name_matches_q
from dangjian.members import display, selectors
from dangjian.members.importing import services as importing
from dangjian.members.models import (
    ETHNICITY_CHOICES,
    Category,
    Degree,
    Education,
    EducationMode,
    Employment,
    Gender,
    ImportBatch,
    Member,
    Occupation,
    Person,
    RecordChange,
    SkillLevel,
    TitleLevel,
)
from dangjian.members.permissions import MANAGE_MEMBER, VIEW_MEMBER
from dangjian.members.services.people import RecordInvalid, record_save
from dangjian.members.services.reveal import member_reveal
from dangjian.orgs.api import (
    OrganizationBriefSerializer,
    OrganizationChoiceFilter,
    UnitBriefSerializer,
)
from dangjian.orgs.models import Organization, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEARCH_HELP = (
    "按姓名、全拼或首字母（zs → 张三；多音字姓氏各读音均可）、工号（开头）或完整身份证号查找。"
)
REVEAL_REFUSED = (
    "您没有查看完整身份证号、手机号和住址的权限（members.reveal_sensitive），只能看到打码后的信息。"
)
SENSITIVE_LABELS = {"id_number": "身份证号", "mobile": "手机号", "address": "家庭住址"}

# --- selectors -----------------------------------------------------------------------------------


def members_for_api(user):
    return selectors.members_visible_to(user, VIEW_MEMBER).order_by("pk")


def people_for_api(user):
    people = Person.objects.visible_to(user, VIEW_MEMBER)
    return people.select_related("organization", "unit", "membership").order_by("name", "pk")


def imports_for_api(user):
    return importing.batches_visible_to(user).select_related("organization", "job", "created_by")


def person_search_q(value: str) -> Q:
    """The list page's search (`filters.search_q`) on people: a full ID number (by its hash), a
    name in pinyin or initials, a work number (prefix) or a part of a name."""
    value = value.strip()
    number = normalise(value)
    if len(number) in (15, 18) and number[:-1].isdigit() and number[-1] in "0123456789X":
        try:
            return Q(id_number_hash=lookup_hash(parse_id_number(number).number))
        except IdNumberError:
            pass  # not a valid ID number: maybe a work number
    if is_pinyin_query(value):
        return name_matches_q(value)
    if value.isascii() and value.replace("-", "").isalnum():
        return Q(work_number__istartswith=value)
    return Q(name__contains=value)


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


class ImportBatchFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ImportBatch.Status.choices, label="状态")
    organization = OrganizationChoiceFilter(label="导入范围", help_text="导入到该党组织的批次。")

    class Meta:
        model = ImportBatch
        fields = ["status", "organization"]


# --- serializers ---------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class MaskedField(serializers.Field):
    """A personal-data field, always masked (`410402********1234`, `138****5678`)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return display.mask_value(self.field_name, value or "")


def label_of(field: str, help_text: str = "") -> serializers.CharField:
    """The Chinese label of a choice field (`gender_display` → 男)."""
    return serializers.CharField(source=f"get_{field}_display", read_only=True, help_text=help_text)


def blank_choice(choices) -> serializers.ChoiceField:
    """A code that may be empty ("" = not filled in), documented as such."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


class PersonSerializer(serializers.ModelSerializer):
    education = blank_choice(Education.choices)
    degree = blank_choice(Degree.choices)
    education_mode = blank_choice(EducationMode.choices)
    occupation = blank_choice(Occupation.choices)
    title_level = blank_choice(TitleLevel.choices)
    skill_level = blank_choice(SkillLevel.choices)
    gender_display = label_of("gender")
    ethnicity_display = label_of("ethnicity")
    age = serializers.SerializerMethodField(help_text="周岁年龄。")
    id_number = MaskedField(help_text="身份证号（打码；完整号码见 reveal 操作）。")
    mobile = MaskedField(help_text="手机号（打码）。")
    address = MaskedField(help_text="家庭住址（只显示前 6 个字）。")
    education_display = label_of("education")
    degree_display = label_of("degree")
    education_mode_display = label_of("education_mode")
    occupation_display = label_of("occupation")
    title_level_display = label_of("title_level")
    skill_level_display = label_of("skill_level")
    employment_display = label_of("employment")
    unit = UnitBriefSerializer(read_only=True, allow_null=True)
    has_photo = serializers.SerializerMethodField(help_text="是否有照片。")

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "gender",
            "gender_display",
            "ethnicity",
            "ethnicity_display",
            "birth_date",
            "age",
            "id_number",
            "native_place",
            "work_number",
            "education",
            "education_display",
            "degree",
            "degree_display",
            "education_mode",
            "education_mode_display",
            "school",
            "major",
            "unit",
            "post",
            "occupation",
            "occupation_display",
            "title_level",
            "title_level_display",
            "title",
            "skill_level",
            "skill_level_display",
            "mobile",
            "address",
            "employment",
            "employment_display",
            "retired_on",
            "has_photo",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_age(self, person):
        return display.age(person)

    def get_has_photo(self, person) -> bool:
        return bool(person.photo)


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


def _optional_choice(choices, help_text=""):
    return serializers.ChoiceField(
        choices=choices, required=False, allow_blank=True, help_text=help_text
    )


def _optional_text(max_length, help_text=""):
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, help_text=help_text
    )


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


def codes_of(choices) -> str:
    return "、".join(f"{value}（{label}）" for value, label in choices)


class JobProgressSerializer(serializers.ModelSerializer):
    # Plain strings, not enums: several models name their choices `status` (decision API-5).
    status = serializers.CharField(read_only=True, help_text=codes_of(Job.Status.choices))
    status_display = label_of("status")
    percent = serializers.IntegerField(read_only=True, help_text="进度百分比。")

    class Meta:
        model = Job
        fields = ["id", "status", "status_display", "total", "done", "percent", "message"]


class ImportBatchSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text=codes_of(ImportBatch.Status.choices))
    status_display = label_of("status")
    job = JobProgressSerializer(read_only=True, allow_null=True, help_text="后台任务的进度。")
    created_by = serializers.SerializerMethodField(help_text="上传人。")

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "organization",
            "file_name",
            "status",
            "status_display",
            "total_rows",
            "valid_rows",
            "rejected_rows",
            "created_count",
            "updated_count",
            "message",
            "job",
            "created_by",
            "created_at",
            "imported_at",
            "undone_at",
        ]
        read_only_fields = fields

    def get_created_by(self, batch) -> str:
        return str(batch.created_by) if batch.created_by_id else ""


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel 行号。")
    column = serializers.CharField(help_text="列名。")
    message = serializers.CharField(help_text="中文原因。")


class ImportBatchDetailSerializer(ImportBatchSerializer):
    errors = ImportProblemSerializer(many=True, read_only=True, help_text="预检发现的全部问题。")

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "errors"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=MANAGE_MEMBER,
        help_text="导入范围：表中各行的党组织须在该党组织之下（须在调用者可维护的范围内）。",
    )
    file = serializers.FileField(help_text="党员名册（.xlsx，按导入模板填写）。")


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


XLSX_RESPONSE = {(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="Excel 文件。")}


@extend_schema_view(
    list=extend_schema(
        summary="党员信息导入批次",
        description="调用者范围内的导入批次，新的在前；含后台任务进度。",
        responses=ImportBatchSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="导入批次详情",
        description="含预检发现的全部问题（行号、列名、中文原因）。",
        responses=ImportBatchDetailSerializer,
    ),
    create=extend_schema(
        summary="上传党员名册",
        description=(
            "multipart/form-data：organization（导入范围）和 file（.xlsx）。"
            "上传后在后台逐行预检，不写入任何数据；用 GET 查看进度和问题，"
            "再用 confirm 确认导入。"
        ),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchDetailSerializer},
    ),
)
@extend_schema(tags=["党员信息导入"])
class ImportBatchViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = ImportBatch
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilter
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, user):
        return imports_for_api(user)

    def get_serializer_class(self):
        return ImportBatchSerializer if self.action == "list" else ImportBatchDetailSerializer

    def create(self, request):
        self.require_permission(MANAGE_MEMBER)
        data = self.parse(ImportUploadSerializer)
        batch = importing.batch_upload(
            actor=request.user, organization=data["organization"], upload=data["file"]
        )
        return self.answer(batch, status.HTTP_201_CREATED)

    def answer(self, batch, code=status.HTTP_200_OK):
        fresh = ImportBatch.objects.select_related("organization", "job", "created_by")
        return Response(ImportBatchDetailSerializer(fresh.get(pk=batch.pk)).data, status=code)

    def act(self, service):
        batch = self.get_object_for(MANAGE_MEMBER)
        return self.answer(service(actor=self.request.user, batch=batch))

    @extend_schema(
        summary="确认导入",
        description="把预检通过的行在后台一次写入；问题行不导入。只能确认“待确认”的批次。",
        request=None,
        responses=ImportBatchDetailSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request, pk=None):
        return self.act(importing.batch_confirm)

    @extend_schema(
        summary="撤销导入",
        description="把本批新增的人员删除、更新的人员恢复原值（整批撤销）。",
        request=None,
        responses=ImportBatchDetailSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def undo(self, request, pk=None):
        return self.act(importing.batch_undo)

    @extend_schema(
        summary="放弃导入",
        description="放弃尚未确认的批次，不写入任何数据。",
        request=None,
        responses=ImportBatchDetailSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def discard(self, request, pk=None):
        return self.act(importing.batch_discard)

    @extend_schema(
        summary="下载问题行",
        description=(
            "预检未通过的行（按上传时的原样）加一列问题说明的 Excel，改正后可重新上传；"
            "含个人信息，每次下载记入审计日志。没有问题行时答 400。"
        ),
        responses={
            **XLSX_RESPONSE,
            400: OpenApiResponse(ErrorSerializer, description="本批次没有问题行可以下载。"),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def rejected(self, request, pk=None):
        batch = self.get_object_for(MANAGE_MEMBER)
        content = importing.batch_rejected_export(actor=request.user, batch=batch)
        return xlsx_response(content, f"问题行-{batch.file_name}")

    @extend_schema(
        summary="下载导入模板",
        description="党员名册的 Excel 模板（中文列名和填写说明）。须有维护党员信息的权限。",
        responses=XLSX_RESPONSE,
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def template(self, request):
        self.require_permission(MANAGE_MEMBER)
        return xlsx_response(importing.template_workbook(), "党员信息导入模板.xlsx")


def xlsx_response(content: bytes, file_name: str) -> HttpResponse:
    from urllib.parse import quote

    if not file_name.lower().endswith(".xlsx"):
        file_name += ".xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


routes = [
    ("members", MemberViewSet, "member"),
    ("people", PersonViewSet, "person"),
    ("member-imports", ImportBatchViewSet, "member-import"),
]
