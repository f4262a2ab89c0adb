"""Shared parts of the members API: the constants, the scoped querysets and the serializer pieces
that more than one of `members`, `people` and `imports` use. The selectors (`members_for_api`,
`people_for_api`, `imports_for_api`) give each viewset its scope; `person_search_q` is the list
page's search; `MaskedField`, `label_of`, `blank_choice`, `PersonSerializer`, the optional-field
helpers and `codes_of` describe personal records and choice codes the same way everywhere.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.members import display, selectors
from dangjian.members.filters import search_q
from dangjian.members.importing import services as importing
from dangjian.members.models import (
    Degree,
    Education,
    EducationMode,
    Occupation,
    Person,
    SkillLevel,
    TitleLevel,
)
from dangjian.members.permissions import VIEW_MEMBER
from dangjian.orgs.api import UnitBriefSerializer

SEARCH_HELP = (
    "按姓名、全拼或首字母（zs → 张三；多音字姓氏各读音均可）、工号（开头）或完整身份证号查找。"
)


# --- selectors -----------------------------------------------------------------------------------


def members_for_api(user):
    return selectors.members_visible_to(user, VIEW_MEMBER).order_by("pk")


def people_for_api(user):
    people = Person.objects.visible_to(user, VIEW_MEMBER)
    return people.select_related("organization", "unit", "membership").order_by("name", "pk")


def imports_for_api(user):
    return importing.batches_visible_to(user).select_related("organization", "job", "created_by")


def person_search_q(value: str) -> Q:
    """The list page's search on people: a full ID number (by its hash), a name in pinyin or
    initials, a work number (prefix) or a part of a name."""
    return search_q(value, prefix="")


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


def _optional_choice(choices, help_text=""):
    return serializers.ChoiceField(
        choices=choices, required=False, allow_blank=True, help_text=help_text
    )


def _optional_text(max_length, help_text=""):
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, help_text=help_text
    )


def codes_of(choices) -> str:
    return "、".join(f"{value}（{label}）" for value, label in choices)
