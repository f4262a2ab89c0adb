"""Forms of 考核周期: a new period (template, month/quarter/year, targets, categories, dates),
the unlock reason, and an appeal decision."""

from __future__ import annotations

import calendar
import datetime as dt

from django import forms
from django.utils import timezone

from dangjian.assessment.models import Period, RuleType
from dangjian.assessment.permissions import MANAGE_PERIOD
from dangjian.assessment.services.periods import (
    DEFAULT_CATEGORIES,
    DEFAULT_TARGET_TYPES,
    templates_usable,
)
from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.core.scope import scope_condition, scope_of
from dangjian.orgs.models import Organization, OrgType, Unit

CATEGORY_ROWS = 6
ROOT_TYPES = (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def managing_organizations(user):
    """Where the user's 组织考核 grants are held: the periods' possible owners."""
    ids = [g.organization_id for g in scope_of(user).grants if MANAGE_PERIOD in g.permissions]
    return Organization.objects.filter(pk__in=ids, is_active=True).order_by("path")


def root_choices(user):
    """Target roots: the 党委 and 党总支 inside the user's 组织考核 subtrees."""
    condition = scope_condition("path", scope_of(user).paths_for(MANAGE_PERIOD))
    if condition is None:
        return Organization.objects.none()
    return Organization.objects.filter(condition, is_active=True, org_type__in=ROOT_TYPES)


def period_dates(kind: str, year: int, number: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a month (number 1–12), quarter (1–4) or year."""
    if kind == Period.Kind.MONTH:
        return dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])
    if kind == Period.Kind.QUARTER:
        first = 3 * (number - 1) + 1
        last = first + 2
        return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def default_name(kind: str, year: int, number: int, template_name: str = "党支部工作考核") -> str:
    if kind == Period.Kind.MONTH:
        return f"{year}年{number}月{template_name}"
    if kind == Period.Kind.QUARTER:
        return f"{year}年第{'一二三四'[number - 1]}季度{template_name}"
    return f"{year}年度{template_name}"


class PeriodForm(BootstrapForm):
    owner = forms.ModelChoiceField(
        label="组织考核单位", queryset=Organization.objects.none(), empty_label=None
    )
    template = forms.ModelChoiceField(
        label="考核指标体系", queryset=None, empty_label="请选择指标体系"
    )
    kind = forms.ChoiceField(label="考核周期", choices=Period.Kind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    number = forms.IntegerField(label="月份/季度", min_value=1, max_value=12, required=False)
    name = forms.CharField(label="考核名称", max_length=100, required=False)
    starts_on = forms.DateField(label="考核起始日", widget=DateInput(), required=False)
    ends_on = forms.DateField(label="考核截止日", widget=DateInput(), required=False)
    target_root = forms.ModelChoiceField(
        label="考核范围", queryset=Organization.objects.none(), empty_label=None
    )
    target_types = forms.MultipleChoiceField(
        label="考核对象（组织类型）",
        choices=OrgType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    self_check_until = forms.DateTimeField(label="自查截止", widget=DateTimeInput())
    scoring_until = forms.DateTimeField(label="评分截止", widget=DateTimeInput())
    publish_on = forms.DateField(label="计划公示日", widget=DateInput(), required=False)
    appeal_days = forms.IntegerField(label="申诉期（工作日）", min_value=1, max_value=30)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = managing_organizations(user)
        self.fields["template"].queryset = templates_usable(user).order_by(
            "-year", "name", "-version"
        )
        self.fields["target_root"].queryset = root_choices(user).order_by("path")
        self.fields["target_root"].label_from_instance = lambda org: (
            "　" * max(org.depth - 1, 0) + org.display_name
        )
        self.fields["owner"].label_from_instance = lambda org: org.display_name
        self.fields["template"].label_from_instance = lambda t: (
            f"{t.year}年 {t.name}（第{t.version}版，{t.get_target_kind_display()}）"
        )
        if not self.is_bound:
            today = timezone.localdate()
            last_month = today.replace(day=1) - dt.timedelta(days=1)
            first, last = period_dates(Period.Kind.MONTH, last_month.year, last_month.month)
            tz = timezone.get_current_timezone()
            self.initial.setdefault("kind", Period.Kind.MONTH)
            self.initial.setdefault("year", last_month.year)
            self.initial.setdefault("number", last_month.month)
            self.initial.setdefault("starts_on", first)
            self.initial.setdefault("ends_on", last)
            self.initial.setdefault("target_types", DEFAULT_TARGET_TYPES)
            self.initial.setdefault("appeal_days", 5)
            self.initial.setdefault(
                "self_check_until",
                dt.datetime.combine(today + dt.timedelta(days=5), dt.time(18), tz),
            )
            self.initial.setdefault(
                "scoring_until", dt.datetime.combine(today + dt.timedelta(days=10), dt.time(18), tz)
            )
            owners = list(self.fields["owner"].queryset[:1])
            if owners:
                self.initial.setdefault("owner", owners[0].pk)
                self.initial.setdefault("target_root", owners[0].pk)

    def category_rows(self) -> list[dict]:
        """The editor's rows: submitted ones, or the defaults, padded to CATEGORY_ROWS."""
        if self.is_bound:
            rows = self.posted_categories(keep_blank=True)
        else:
            rows = [
                {
                    "name": row["name"],
                    "name_keywords": "、".join(row["name_keywords"]),
                    "unit_kinds": list(row["unit_kinds"]),
                }
                for row in DEFAULT_CATEGORIES
            ]
        while len(rows) < CATEGORY_ROWS:
            rows.append({"name": "", "name_keywords": "", "unit_kinds": []})
        return [{**row, "index": index} for index, row in enumerate(rows)]

    def posted_categories(self, *, keep_blank: bool = False) -> list[dict]:
        rows = []
        for index in range(CATEGORY_ROWS):
            name = (self.data.get(f"cat-{index}-name") or "").strip()
            keywords = (self.data.get(f"cat-{index}-keywords") or "").strip()
            kinds = self.data.getlist(f"cat-{index}-units") if hasattr(self.data, "getlist") else []
            if not name and not keep_blank:
                continue
            rows.append(
                {
                    "name": name,
                    "name_keywords": keywords,
                    "unit_kinds": [k for k in kinds if k in Unit.Kind.values],
                }
            )
        return rows

    def clean(self):
        data = super().clean()
        kind, year, number = data.get("kind"), data.get("year"), data.get("number")
        if kind and year:
            if kind == Period.Kind.QUARTER and number and number > 4:
                self.add_error("number", "季度须为 1～4。")
                return data
            if kind != Period.Kind.YEAR and not number:
                self.add_error("number", "请选择月份或季度。")
                return data
            first, last = period_dates(kind, year, number or 1)
            data["starts_on"] = data.get("starts_on") or first
            data["ends_on"] = data.get("ends_on") or last
            if not data.get("name"):
                template = data.get("template")
                data["name"] = default_name(
                    kind, year, number or 1, template.name if template else "党支部工作考核"
                )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "owner": data["owner"],
            "template": data["template"],
            "name": data["name"],
            "kind": data["kind"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "target_root": data["target_root"],
            "target_types": data.get("target_types") or [],
            "categories": self.posted_categories(),
            "self_check_until": data["self_check_until"],
            "scoring_until": data["scoring_until"],
            "publish_on": data.get("publish_on"),
            "appeal_days": data["appeal_days"],
        }


class UnlockForm(BootstrapForm):
    reason = forms.CharField(label="解除锁定的原因", max_length=500)


class DecisionForm(BootstrapForm):
    upheld = forms.TypedChoiceField(
        label="裁定结果",
        choices=[("0", "维持原评分"), ("1", "申诉成立，改正得分")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label="裁定意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    occurrences = forms.DecimalField(label="次数", min_value=0, decimal_places=2, required=False)
    achieved = forms.TypedChoiceField(
        label="是否达标",
        choices=[("", "—"), ("1", "达标"), ("0", "未达标")],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    level = forms.ChoiceField(label="档次", required=False)
    points = forms.DecimalField(label="直接给分", decimal_places=2, required=False)

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upheld"].widget.attrs["class"] = "form-check-input"
        self.indicator = indicator
        levels = [(lv["label"], f"{lv['label']}（{lv['points']}分）") for lv in indicator.levels]
        self.fields["level"].choices = [("", "—"), *levels]
        rule = indicator.rule_type
        if rule not in (RuleType.DEDUCTION, RuleType.BONUS):
            del self.fields["occurrences"]
        if rule != RuleType.BINARY:
            del self.fields["achieved"]
        if rule != RuleType.GRADED:
            del self.fields["level"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "upheld": data["upheld"],
            "decision": data["decision"],
            "occurrences": data.get("occurrences"),
            "achieved": data.get("achieved"),
            "level": data.get("level") or "",
            "points": data.get("points"),
        }
