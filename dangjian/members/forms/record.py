"""The person and membership record form, six sections on one page, saved through `record_save`.
The personal data (ID number, mobile, address) is never put into the edit form: the field starts
empty with the masked value as placeholder and is only replaced when a new value is typed, so a
user without the reveal permission never receives the full value in the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from dangjian.core.forms import DateInput, limit_rendered_choices
from dangjian.core.uploads import IMAGES, MB, check_upload
from dangjian.members.display import mask_value
from dangjian.members.forms.base import RecordBaseForm, _blank
from dangjian.members.forms.pickers import (
    OrganizationChoiceField,
    record_organizations,
    record_party_groups,
    record_units,
)
from dangjian.members.models import (
    ETHNICITY_CHOICES,
    Category,
    Degree,
    Education,
    EducationMode,
    Employment,
    Gender,
    Occupation,
    SkillLevel,
    TitleLevel,
)
from dangjian.members.models.choices import HAN
from dangjian.members.services.people import (
    MEMBER_FIELDS,
    PERSON_FIELDS,
    RecordInvalid,
    record_save,
    values_of,
)
from dangjian.orgs.models import Organization, Unit

OPTION_LIMIT = 30  # choices rendered at once in a search-backed select
PHOTO_MAX_BYTES = 5 * MB
SENSITIVE = ("id_number", "mobile", "address")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    icon: str
    fields: tuple[str, ...]
    intro: str = ""


SECTIONS = (
    Section(
        "basic",
        "基本信息",
        "person-vcard",
        ("name", "id_number", "gender", "birth_date", "ethnicity", "native_place", "work_number"),
    ),
    Section(
        "education",
        "学历与职称",
        "mortarboard",
        (
            "education",
            "degree",
            "education_mode",
            "school",
            "major",
            "title_level",
            "title",
            "skill_level",
        ),
    ),
    Section(
        "work",
        "工作信息",
        "briefcase",
        ("unit", "post", "occupation", "employment", "retired_on"),
    ),
    Section(
        "contact",
        "联系方式",
        "telephone",
        ("mobile", "clear_mobile", "address", "clear_address"),
        "手机号和家庭住址加密保存，页面上只显示脱敏后的号码。",
    ),
    Section(
        "party",
        "党籍信息",
        "flag",
        ("organization", "party_group", "category", "joined_on", "full_member_on"),
        "党籍状态（停止党籍、出党、死亡等）请在党员详情页通过“党籍变更”办理。",
    ),
    Section(
        "floating",
        "流动与失联",
        "geo-alt",
        (
            "is_floating",
            "floating_since",
            "floating_destination",
            "is_lost_contact",
            "lost_contact_since",
        ),
    ),
)
# Marked with a red star: check_record reports them missing (all problems at once, so the
# Django fields themselves stay optional and one submission lists every problem).
MARKED_REQUIRED = frozenset({"name", "id_number", "organization", "category", "joined_on"})
WIDE = frozenset({"address", "organization"})
SHOW_IF = {
    "floating_since": "id_is_floating",
    "floating_destination": "id_is_floating",
    "lost_contact_since": "id_is_lost_contact",
}
PICKERS = {
    "organization": "输入党组织名称或代码搜索",
    "unit": "输入单位名称或代码搜索",
}


class MemberRecordForm(RecordBaseForm):
    """A person and their party membership, as one form of six sections."""

    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=20,
        required=False,
        help_text="18 位，最后一位可为 X；旧版 15 位号码会自动转换为 18 位。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    gender = forms.ChoiceField(
        label="性别",
        required=False,
        choices=_blank("按身份证号自动识别") + list(Gender.choices),
        help_text="可不填：按身份证号第 17 位识别，填写时须与身份证号一致。",
    )
    birth_date = forms.DateField(
        label="出生日期",
        required=False,
        widget=DateInput(),
        help_text="可不填：按身份证号自动填写。",
    )
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial=HAN)
    native_place = forms.CharField(
        label="籍贯", max_length=50, required=False, help_text="如“河南平顶山”。"
    )
    work_number = forms.CharField(
        label="工号", max_length=30, required=False, help_text="全企业唯一，可用于登录和检索。"
    )
    photo = forms.FileField(
        label="照片",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text="JPG 或 PNG 格式，不超过 5 MB；建议使用一寸证件照。",
    )

    education = forms.ChoiceField(
        label="学历", required=False, choices=_blank("请选择") + list(Education.choices)
    )
    degree = forms.ChoiceField(
        label="学位", required=False, choices=_blank("请选择") + list(Degree.choices)
    )
    education_mode = forms.ChoiceField(
        label="教育类别",
        required=False,
        choices=_blank("请选择") + list(EducationMode.choices),
        help_text="最高学历是全日制教育还是在职教育取得的。",
    )
    school = forms.CharField(label="毕业院校", max_length=100, required=False)
    major = forms.CharField(label="所学专业", max_length=100, required=False)
    title_level = forms.ChoiceField(
        label="职称级别", required=False, choices=_blank("请选择") + list(TitleLevel.choices)
    )
    title = forms.CharField(
        label="职称名称", max_length=50, required=False, help_text="如“采矿工程师”。"
    )
    skill_level = forms.ChoiceField(
        label="技能等级", required=False, choices=_blank("请选择") + list(SkillLevel.choices)
    )

    unit = forms.ModelChoiceField(
        label="行政单位",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="请选择所在区队或科室",
    )
    post = forms.CharField(
        label="岗位", max_length=50, required=False, help_text="如“采煤机司机”“技术员”。"
    )
    occupation = forms.ChoiceField(
        label="职业类别",
        required=False,
        choices=_blank("请选择") + list(Occupation.choices),
        help_text="党内统计按此分类。",
    )
    employment = forms.ChoiceField(
        label="在岗状态", choices=Employment.choices, initial=Employment.ACTIVE
    )
    retired_on = forms.DateField(
        label="退休日期", required=False, widget=DateInput(), help_text="离退休、内退人员填写。"
    )

    mobile = forms.CharField(
        label="手机号",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    clear_mobile = forms.BooleanField(label="删除现有手机号", required=False)
    address = forms.CharField(
        label="家庭住址",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    clear_address = forms.BooleanField(label="删除现有家庭住址", required=False)

    organization = OrganizationChoiceField(
        label="所在党支部",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="请选择党员组织关系所在的党支部",
        help_text="组织关系所在的党支部（机关党员可为党委、党总支），不能是党小组。",
    )
    party_group = OrganizationChoiceField(
        label="所在党小组",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="不编入党小组",
        help_text="只列出所选党支部下属的党小组。",
    )
    category = forms.ChoiceField(
        label="党员类别", required=False, choices=_blank("请选择") + list(Category.choices)
    )
    joined_on = forms.DateField(
        label="入党日期",
        required=False,
        widget=DateInput(),
        help_text="支部大会通过接收为预备党员的日期，预备期自此日起算。",
    )
    full_member_on = forms.DateField(
        label="转正日期",
        required=False,
        widget=DateInput(),
        help_text="正式党员必填，预备党员留空；党龄自转正之日起计算。",
    )

    is_floating = forms.BooleanField(label="流动党员（外出务工、经商等）", required=False)
    floating_since = forms.DateField(label="外出流动日期", required=False, widget=DateInput())
    floating_destination = forms.CharField(
        label="流动去向", max_length=100, required=False, help_text="如“江苏省苏州市”。"
    )
    is_lost_contact = forms.BooleanField(label="与党组织失去联系", required=False)
    lost_contact_since = forms.DateField(
        label="失联日期",
        required=False,
        widget=DateInput(),
        help_text="失去联系满 6 个月仍无法取得联系的，应按规定停止党籍。",
    )

    def __init__(self, *args, actor, member=None, initial_organization=None, **kwargs):
        self.actor, self.member = actor, member
        self.person = member.person if member is not None else None
        self.current = values_of(self.person, member) if member is not None else {}
        initial = kwargs.pop("initial", None) or {}
        if member is not None:
            initial = {**self._initial_from_record(), **initial}
        elif initial_organization is not None:
            initial.setdefault("organization", initial_organization.pk)
        super().__init__(*args, initial=initial, **kwargs)
        self.photo_kind = ""
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
        self._scope_choices()
        self._sensitive_fields()

    # -- building the form

    def _initial_from_record(self) -> dict:
        initial = {}
        for name, value in self.current.items():
            if name in SENSITIVE:
                continue
            initial[name] = value.pk if hasattr(value, "pk") else value
        return initial

    def _scope_choices(self) -> None:
        fields = self.fields
        fields["organization"].queryset = record_organizations(self.actor)
        fields["unit"].queryset = record_units(self.actor)
        fields["party_group"].queryset = record_party_groups(self.actor)
        limit_rendered_choices(self, "organization", OPTION_LIMIT)
        limit_rendered_choices(self, "unit", OPTION_LIMIT)
        self._party_group_choices()
        options = reverse("members:record_options")
        fields["organization"].widget.attrs.update(
            {
                "hx-get": f"{options}?field=party_group",
                "hx-trigger": "change",
                "hx-target": "#id_party_group",
                "hx-swap": "innerHTML",
            }
        )

    def _party_group_choices(self) -> None:
        """Render the groups of the chosen (submitted or current) organisation only."""
        field = self.fields["party_group"]
        chosen = self["organization"].value()
        organization = (
            self.fields["organization"].queryset.filter(pk=chosen).first()
            if str(chosen or "").isdigit()
            else None
        )
        groups = (
            list(record_party_groups(self.actor, organization)[:OPTION_LIMIT])
            if organization
            else []
        )
        field.widget.choices = [("", field.empty_label)] + [
            (group.pk, field.label_from_instance(group)) for group in groups
        ]

    def _sensitive_fields(self) -> None:
        if self.person is None:
            for name in ("clear_mobile", "clear_address"):
                del self.fields[name]
            return
        for name in SENSITIVE:
            current = self.current.get(name) or ""
            field = self.fields[name]
            if current:
                field.widget.attrs["placeholder"] = mask_value(name, current)
                field.help_text = "需要更正时输入完整的新值；留空则保持不变。"
            elif name != "id_number":
                field.help_text = "尚未登记。"
        if not self.current.get("mobile"):
            del self.fields["clear_mobile"]
        if not self.current.get("address"):
            del self.fields["clear_address"]
        self.fields[
            "id_number"
        ].help_text = "需要更正时输入完整的 18 位（或 15 位）号码；留空则保持不变。"

    def sections(self) -> list[dict]:
        """The sections with their bound fields, for the template."""
        shown = []
        for section in SECTIONS:
            names = [name for name in section.fields if name in self.fields]
            if section.key == "basic":
                names.append("photo")
            shown.append(
                {
                    "key": section.key,
                    "title": section.title,
                    "icon": section.icon,
                    "intro": section.intro,
                    "fields": [self._described(name) for name in names],
                }
            )
        return shown

    def _described(self, name: str) -> dict:
        bound = self[name]
        return {
            "field": bound,
            "required": name in MARKED_REQUIRED,
            "wide": name in WIDE,
            "checkbox": isinstance(bound.field.widget, forms.CheckboxInput),
            "picker": PICKERS.get(name, ""),
            "show_if": SHOW_IF.get(name, ""),
            "masked": bound.field.widget.attrs.get("placeholder", "") if name in SENSITIVE else "",
        }

    # -- cleaning

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if upload:
            self.photo_kind = check_upload(
                upload, kinds=IMAGES, max_bytes=PHOTO_MAX_BYTES, what="照片"
            )
        return upload

    def clean(self):
        data = super().clean()
        today = date.today()
        pairs = (
            ("is_floating", "floating_since", "外出流动日期"),
            ("is_lost_contact", "lost_contact_since", "失联日期"),
        )
        for flag, since, label in pairs:
            if data.get(flag) and not data.get(since):
                self.add_error(since, f"请填写{label}。")
            if data.get(since) and data[since] > today:
                self.add_error(since, f"{label}不能晚于今天。")
        if data.get("retired_on") and data["retired_on"] > today:
            self.add_error("retired_on", "退休日期不能晚于今天。")
        return data

    def values(self) -> dict:
        """The values for `record_save`: every field, except personal data left blank on edit."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in (*PERSON_FIELDS, *MEMBER_FIELDS)}
        for name in ("name", "native_place", "work_number", "school", "major", "post", "title"):
            values[name] = (values[name] or "").strip()
        if not data.get("is_floating"):
            values.update(is_floating=False, floating_since=None, floating_destination="")
        if not data.get("is_lost_contact"):
            values.update(is_lost_contact=False, lost_contact_since=None)
        if self.person is not None:
            for name in SENSITIVE:
                if not (values[name] or "").strip():
                    values.pop(name)
            for name in ("mobile", "address"):
                if data.get(f"clear_{name}"):
                    values[name] = ""
        return values

    def changed_values(self) -> dict:
        """The values that differ from the stored record (everything for a new record)."""
        values = self.values()
        if self.person is None:
            return values
        return {
            name: value
            for name, value in values.items()
            if _comparable(value) != _comparable(self.current.get(name))
        }

    # -- saving

    def save(self):
        """Save through `record_save` (and the photo); None with field errors on refusal."""
        from dangjian.members.services.records import member_photo_set

        values = self.changed_values()
        upload = self.cleaned_data.get("photo")
        try:
            with transaction.atomic():
                person = self.person
                if values or person is None:
                    person = record_save(
                        actor=self.actor, person=person, values=values, membership=True
                    )
                if upload:
                    member_photo_set(actor=self.actor, member=person.membership, upload=upload)
        except RecordInvalid as exc:
            self.add_problems(exc.problems)
            return None
        except ValidationError as exc:
            self.add_error(None, exc)
            return None
        return person

    def add_problems(self, problems) -> None:
        for field, message in problems:
            self.add_error(field if field in self.fields else None, message)


def _comparable(value):
    if hasattr(value, "pk"):
        return value.pk
    if value is None:
        return ""
    return value
