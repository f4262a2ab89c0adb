"""Forms of the 指标体系 pages. Numbers are taken as text and checked by the services, which
say in Chinese what to fix ("分值须为数字"); the forms only shape the input."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.assessment.models import RuleType, TargetKind, Template
from dangjian.assessment.permissions import MANAGE_TEMPLATE
from dangjian.assessment.services import templates as services
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType


def _number(label: str, *, required=False, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
    )


def _text(label: str, *, required=False, max_length=200, help_text="", **attrs):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs={"class": "form-control", **attrs}),
    )


def _area(label: str, rows=2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": rows}),
    )


def owner_choices(user):
    """Organisations for which the user manages templates: 党委 and 党总支 (a 党支部 is a
    target, not an assessing unit)."""
    return (
        Organization.objects.visible_to(user, MANAGE_TEMPLATE)
        .filter(is_active=True)
        .exclude(org_type__in=(*BRANCH_TYPES, OrgType.GROUP))
        .order_by("path")
    )


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class TemplateForm(forms.Form):
    owner = OwnerField(
        label="制定单位",
        queryset=Organization.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    name = _text("名称", required=True, max_length=100, placeholder="如：党支部工作目标管理考核")
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    target_kind = forms.ChoiceField(
        label="考核对象",
        choices=TargetKind.choices,
        initial=TargetKind.ORGANIZATION,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = _area("说明", rows=3)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(user)
        self.fields["year"].initial = timezone.localdate().year


class StandardForm(forms.Form):
    owner = OwnerField(queryset=Organization.objects.none(), empty_label=None)
    year = forms.IntegerField(min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(user)


class SettingsForm(forms.Form):
    name = _text("名称", required=True, max_length=100)
    description = _area("说明", rows=3)
    base_points = _number("基础分", required=True, help_text="党支部考核一般为0；党员积分一般为80")
    bonus_cap = _number("加分上限", help_text="各加分细则合计最多加的分；不填不限")
    min_total = _number("总分下限", help_text="不填不限；党员积分为0")
    max_total = _number("总分上限", help_text="不填不限；党员积分为100")
    grade_bands = _text(
        "等次划分",
        max_length=300,
        help_text=(
            "“等次:最低分”，用逗号分隔，最后一档最低分为0，"
            "例如：优秀:90, 良好:80, 合格:60, 不合格:0"
        ),
    )
    veto_effect = forms.ChoiceField(
        label="一票否决的后果",
        choices=Template.VetoEffect.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    annual_method = forms.ChoiceField(
        label="年度结果计算",
        choices=Template.AnnualMethod.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    weight_month = _number("月度权重")
    weight_quarter = _number("季度权重")
    weight_year = _number("年度权重")

    @classmethod
    def for_template(cls, template: Template, data=None):
        def text(value):
            return "" if value is None else services._fmt(value)

        weights = template.annual_weights or {}
        initial = {
            "name": template.name,
            "description": template.description,
            "base_points": text(template.base_points),
            "bonus_cap": text(template.bonus_cap),
            "min_total": text(template.min_total),
            "max_total": text(template.max_total),
            "grade_bands": services.bands_text(template.bands()),
            "veto_effect": template.veto_effect,
            "annual_method": template.annual_method,
            "weight_month": text(weights.get("month")),
            "weight_quarter": text(weights.get("quarter")),
            "weight_year": text(weights.get("year")),
        }
        return cls(data, initial=initial)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "base_points": data["base_points"],
            "bonus_cap": data["bonus_cap"],
            "min_total": data["min_total"],
            "max_total": data["max_total"],
            "grade_bands": data["grade_bands"],
            "veto_effect": data["veto_effect"],
            "annual_method": data["annual_method"],
            "annual_weights": {
                "month": data["weight_month"],
                "quarter": data["weight_quarter"],
                "year": data["weight_year"],
            },
        }


class CopyForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    name = _text("名称", required=True, max_length=100)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ),
    )


# Which leaf fields each rule type uses (the page hides the others; tpl.js).
RULE_FIELDS = {
    "unit_points": "deduction bonus",
    "unit_label": "deduction bonus",
    "floor_at_zero": "deduction",
    "levels": "graded",
    "bonus_cap": "bonus",
    "max_points": "deduction binary graded",
}


class IndicatorForm(forms.Form):
    title = _text("名称", required=True)
    scoring_note = _area("评分说明", rows=3)

    LEAF = services.LEAF_FIELDS

    def __init__(self, *args, level: int, target_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = level
        label = {1: "目标（类别）", 2: "项目", 3: "内容（细则）"}[level]
        self.fields["title"].label = label
        if level != 3:
            return
        self.fields["max_points"] = _number("分值", help_text="分档评分可不填，取最高档")
        self.fields["rule_type"] = forms.ChoiceField(
            label="评分方式",
            choices=RuleType.choices,
            widget=forms.Select(attrs={"class": "form-select", "data-tpl-rule": ""}),
        )
        self.fields["unit_points"] = _number(
            "每次分值", help_text="按次扣分：每次扣几分；加分：每次加几分"
        )
        self.fields["unit_label"] = _text("计量单位", max_length=10, placeholder="次")
        self.fields["floor_at_zero"] = forms.BooleanField(
            label="扣完为止（本细则最低0分）", required=False, initial=True
        )
        self.fields["levels"] = _text(
            "档次",
            max_length=300,
            help_text="“档次:分值”，用逗号分隔，例如：好:5, 较好:3, 一般:1",
            placeholder="好:5, 较好:3, 一般:1",
        )
        self.fields["bonus_cap"] = _number("加分上限")
        self.fields["veto"] = forms.BooleanField(
            label="一票否决（触发时按指标体系设置定为最低等次或总分计零）", required=False
        )
        self.fields["evidence_kinds"] = forms.MultipleChoiceField(
            label="佐证材料",
            required=False,
            choices=list(services.EVIDENCE_KINDS.items()),
            widget=forms.CheckboxSelectMultiple,
            help_text="勾选后，自查时须上传其中一种材料；按实时数据计算的细则一般不需要",
        )
        self.fields["evidence_note"] = _text("佐证材料要求", max_length=300)
        self.fields["scorer_role"] = forms.ChoiceField(
            label="评分部门",
            required=False,
            choices=[("", "考核组织部门")]
            + [(str(role.pk), role.name) for role in services.scorer_roles()],
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["source"] = forms.ChoiceField(
            label="自动计算来源",
            required=False,
            choices=[("", "不自动计算（人工评分）"), *services.source_choices(target_kind)],
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        for name, rules in RULE_FIELDS.items():
            self.fields[name].widget.attrs["data-tpl-rules"] = rules

    @classmethod
    def for_indicator(cls, indicator, data=None):
        initial = {"title": indicator.title, "scoring_note": indicator.scoring_note}
        if indicator.is_leaf:
            uses_unit = indicator.rule_type in (RuleType.DEDUCTION, RuleType.BONUS)
            initial.update(
                max_points=services._fmt(indicator.max_points),
                rule_type=indicator.rule_type,
                unit_points=services._fmt(indicator.unit_points) if uses_unit else "",
                unit_label=indicator.unit_label,
                floor_at_zero=indicator.floor_at_zero,
                levels=services.levels_text(indicator.levels),
                bonus_cap=(
                    services._fmt(indicator.bonus_cap) if indicator.bonus_cap is not None else ""
                ),
                veto=indicator.veto,
                evidence_kinds=indicator.evidence_kinds,
                evidence_note=indicator.evidence_note,
                scorer_role=str(indicator.scorer_role_id or ""),
                source=indicator.source,
            )
        return cls(
            data,
            initial=initial,
            level=indicator.level,
            target_kind=indicator.template.target_kind,
        )

    def values(self) -> dict:
        data = self.cleaned_data
        values = {"title": data["title"], "scoring_note": data["scoring_note"]}
        if self.level == 3:
            for name in self.LEAF:
                values[name] = data.get(name)
            values["scorer_role"] = data.get("scorer_role") or None
        return values
