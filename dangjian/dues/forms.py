"""Forms of the dues pages. They parse and check input only; every rule (补交 limits, rates,
who may approve) is the services' business, and their refusals are shown next to the form."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from dangjian.core.forms import BootstrapForm, DateInput, limit_rendered_choices
from dangjian.dues.models import BaseCategory, Channel, HardshipKind
from dangjian.orgs.models import Organization, OrgType

ORGANIZATIONS_SHOWN = 300
MONEY_MAX = Decimal("9999999999.99")
MONEY_ERRORS = {
    "invalid": "金额格式不正确，请填写数字，如 25.50。",
    "max_digits": "金额过大，请检查后重新填写。",
    "max_decimal_places": "金额最多精确到分（小数点后两位）。",
    "max_whole_digits": "金额过大，请检查后重新填写。",
    "min_value": "金额不能为负数。",
    "max_value": "金额过大，请检查后重新填写。",
}
DATE_ERRORS = {"invalid": "日期格式不正确，请重新选择。", "required": "请填写日期。"}


def money_field(label: str, *, required: bool = True, positive: bool = False, **extra):
    errors = dict(MONEY_ERRORS)
    if positive:
        errors["min_value"] = "金额必须大于 0。"
    errors["required"] = f"请填写{label}。"
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01") if positive else Decimal("0"),
        max_value=MONEY_MAX,
        error_messages=errors,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **extra,
    )


class MonthInput(forms.TextInput):
    """The browser's month picker ("2026-03" on the wire)."""

    input_type = "month"


class MonthField(forms.DateField):
    """A month as the first day of that month; "2026-03" and "2026-03-15" are both accepted."""

    widget = MonthInput

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {"invalid": "月份格式不正确，请填写如 2026-03 的月份。", "required": "请选择月份。"},
        )
        super().__init__(input_formats=["%Y-%m", "%Y-%m-%d"], **kwargs)

    def prepare_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m")
        return value

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not 2008 <= day.year <= 2100:
            raise forms.ValidationError("月份超出范围，请填写 2008 年以后的月份。", code="invalid")
        return day.replace(day=1) if day else day


class OrganizationField(forms.ModelChoiceField):
    """An organisation chosen among those in the user's scope, indented by level."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Organization.objects.none())
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": "所选党组织不在您的权限范围内，请重新选择。",
                "required": "请选择党组织。",
            },
        )
        super().__init__(**kwargs)


def scope_organizations(form: forms.Form, name: str, user, permission: str) -> None:
    """Limit an organisation field to the user's scope (no 党小组), indented by depth."""
    field = form.fields[name]
    field.queryset = (
        Organization.objects.visible_to(user, permission)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .order_by("path")
    )
    top = field.queryset.values_list("depth", flat=True).first() or 1
    field.label_from_instance = lambda org: "　" * max(org.depth - top, 0) + org.name
    limit_rendered_choices(form, name, ORGANIZATIONS_SHOWN)


class PickerForm(BootstrapForm):
    """The branch-month page's pickers: an organisation in scope and a month."""

    org = OrganizationField(label="党组织", empty_label=None)
    month = MonthField(label="月份")

    def __init__(self, *args, user, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        scope_organizations(self, "org", user, permission)


class PaymentForm(BootstrapForm):
    """One payment towards a member-month; an empty amount pays everything still owed."""

    paid_on = forms.DateField(label="缴纳日期", widget=DateInput(), error_messages=DATE_ERRORS)
    amount = money_field(
        "金额（元）", required=False, positive=True, help_text="不填则按本月未缴金额全额登记。"
    )
    channel = forms.ChoiceField(
        label="缴纳方式",
        choices=Channel.choices,
        initial=Channel.CASH,
        error_messages={"invalid_choice": "请选择缴纳方式。", "required": "请选择缴纳方式。"},
    )
    payer_name = forms.CharField(
        label="代缴人",
        max_length=50,
        required=False,
        help_text="本人缴纳不填；亲属或其他党员代缴时填写代缴人姓名。",
        error_messages={"max_length": "代缴人姓名最多 50 个字。"},
    )
    receipt_number = forms.CharField(
        label="收据号",
        max_length=50,
        required=False,
        error_messages={"max_length": "收据号最多 50 个字符。"},
    )
    # The row's state when the form was shown: a second submit of the same form is refused.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("paid_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class PayrollForm(BootstrapForm):
    paid_on = forms.DateField(label="代扣日期", widget=DateInput(), error_messages=DATE_ERRORS)


class BaseForm(BootstrapForm):
    """One member's base for a year: the category, the after-tax base or a fixed amount."""

    category = forms.ChoiceField(
        label="党费类别",
        choices=BaseCategory.choices,
        error_messages={"invalid_choice": "请从列表中选择党费类别。"},
    )
    base = money_field(
        "计算基数（税后，元/月）",
        required=False,
        help_text="在职、年薪制、个体经营者、离退休党员填写；按比例计算每月应缴。",
    )
    fixed_amount = money_field(
        "定额（元/月）",
        required=False,
        help_text="农民党员在 0.2—1 元之间定额时填写；学生、下岗失业等按 0.2 元，不必填写。",
    )
    note = forms.CharField(
        label="备注",
        max_length=200,
        required=False,
        error_messages={"max_length": "备注最多 200 个字。"},
    )

    def clean(self):
        data = super().clean()
        scaled = data.get("category") in (
            BaseCategory.EMPLOYED,
            BaseCategory.ANNUAL_SALARY,
            BaseCategory.SELF_EMPLOYED,
            BaseCategory.RETIRED,
        )
        if scaled and data.get("base") is None and "base" not in self.errors:
            self.add_error("base", "这一类别按比例计算，请填写计算基数。")
        return data


class BaseImportForm(BootstrapForm):
    organization = OrganizationField(
        label="党组织",
        empty_label=None,
        help_text="工资表中的党员须在这个党组织之内（含下级）。",
    )
    year = forms.IntegerField(
        label="年度",
        min_value=2008,
        max_value=2100,
        error_messages={
            "invalid": "年度请填写四位数字，如 2026。",
            "required": "请填写年度。",
            "min_value": "年度不能早于 2008 年。",
            "max_value": "年度超出范围。",
        },
    )
    file = forms.FileField(
        label="工资表（.xlsx）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text="Excel 工作簿，第一行为表头。",
        error_messages={"required": "请选择要上传的工资表。", "empty": "上传的文件是空的。"},
    )

    def __init__(self, *args, user, permission: str, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        scope_organizations(self, "organization", user, permission)


class HardshipForm(BootstrapForm):
    kind = forms.ChoiceField(
        label="类型",
        choices=HardshipKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择减交或免交。", "invalid_choice": "请选择减交或免交。"},
    )
    monthly_amount = money_field(
        "减交后每月金额（元）", required=False, help_text="减交时填写；免交不必填写。"
    )
    first_month = MonthField(label="起始月份")
    last_month = MonthField(label="截止月份")
    reason = forms.CharField(
        label="理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：因病长期休养，收入大幅减少"}),
        error_messages={"required": "请填写申请理由。", "max_length": "理由最多 1000 个字。"},
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", "截止月份不能早于起始月份。")
        if data.get("kind") == HardshipKind.REDUCE and data.get("monthly_amount") is None:
            self.add_error("monthly_amount", "减交请填写减交后每月金额。")
        return data


class DecisionForm(BootstrapForm):
    decision = forms.ChoiceField(
        label="审批结果",
        choices=[("approve", "批准"), ("reject", "不批准")],
        error_messages={
            "required": "请选择批准或不批准。",
            "invalid_choice": "请选择批准或不批准。",
        },
    )
    note = forms.CharField(
        label="审批意见",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "审批意见最多 500 个字。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("note"):
            self.add_error("note", "不批准时请写明理由，支部会看到这条意见。")
        return data


class StatementForm(BootstrapForm):
    opening_balance = money_field("上年结余（元）")
    remitted = money_field("上缴党费（元）")
    used = money_field("使用党费（元）")
    use_note = forms.CharField(
        label="使用说明",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：慰问困难党员 3 人，600 元"}),
        error_messages={"max_length": "使用说明最多 2000 个字。"},
    )


class ArrearsFilterForm(BootstrapForm):
    org = OrganizationField(label="党组织（含下级）", required=False, empty_label="全部")
    months = forms.IntegerField(
        label="连续未缴（月）≥",
        min_value=1,
        max_value=120,
        required=False,
        error_messages={
            "invalid": "月数请填写 1—120 的整数。",
            "min_value": "月数至少为 1。",
            "max_value": "月数最多为 120。",
        },
    )

    def __init__(self, *args, user, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        scope_organizations(self, "org", user, permission)


class VoluntaryForm(BootstrapForm):
    """自愿多交: a one-off extra payment beyond the member's monthly dues."""

    amount = money_field("金额（元）", positive=True)
    paid_on = forms.DateField(label="缴纳日期", widget=DateInput(), error_messages=DATE_ERRORS)
    channel = forms.ChoiceField(
        label="缴纳方式",
        choices=Channel.choices,
        initial=Channel.CASH,
        error_messages={"invalid_choice": "请选择缴纳方式。", "required": "请选择缴纳方式。"},
    )
    receipt_number = forms.CharField(
        label="收据号",
        max_length=50,
        required=False,
        error_messages={"max_length": "收据号最多 50 个字符。"},
    )
    note = forms.CharField(
        label="备注",
        max_length=200,
        required=False,
        error_messages={"max_length": "备注最多 200 个字。"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("paid_on", timezone.localdate())
        super().__init__(*args, **kwargs)
