"""The forms of the transfer pages. They only parse; the services check the rules and answer
each problem in Chinese (attached to the field they name).

The member, the in-tree destination and the branch are search-backed selects: the select
is the platform's shared one (`core.search_select`): the select renders the first 30 choices
(and the submitted one), the field still accepts any object of its queryset, and the search box
above it fetches matching options from the field's `search_url`.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse

from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.core.search_select import searchable
from dangjian.members.models import Category, Member
from dangjian.orgs.models import Organization
from dangjian.transfers import selectors
from dangjian.transfers.models import VerifyMethod

DATE_ERRORS = {"invalid": "日期格式不正确，请重新选择。"}


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


def day_field(label: str, *, required=True, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text,
        error_messages={**DATE_ERRORS, "required": f"请填写{label}。"},
    )


def month_field(label: str, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=MonthInput(),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=help_text,
        error_messages={"invalid": "请按“年-月”填写，如 2026-05。"},
    )


def branch_field(receiver: Organization) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label="编入党支部",
        queryset=selectors.receiving_branches(receiver),
        empty_label="请选择党支部",
        error_messages={
            "required": "请选择编入的党支部。",
            "invalid_choice": f"所选党支部不是“{receiver.name}”下属的有效党支部，"
            "请输入支部名称或代码查找后从列表中选择。",
        },
    )


def _text(label, *, required=True, rows=3, max_length=500, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"请填写{label}。",
            "max_length": f"{label}不能超过 {max_length} 字。",
        },
    )


class RequestForm(BootstrapForm):
    """The branch registers a member's request to transfer out."""

    member = forms.ModelChoiceField(
        label="党员",
        queryset=Member.objects.none(),
        empty_label="请选择党员",
        error_messages={
            "required": "请选择党员。",
            "invalid_choice": "所选党员不在您可以办理转接的范围内（或已不是在册党员），"
            "请输入姓名、拼音或工号查找后从列表中选择。",
        },
    )
    within = forms.ChoiceField(
        label="接收党组织在",
        choices=[("inside", "本平台（集团内）"), ("outside", "平台外（其他单位、地区）")],
        widget=forms.RadioSelect,
        initial="outside",
        error_messages={"required": "请选择接收党组织在平台内还是平台外。"},
    )
    destination = forms.ModelChoiceField(
        label="平台内接收党组织",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="请选择党委、党总支或党支部",
        error_messages={
            "invalid_choice": "所选接收党组织不是本集团有效的党委、党总支或党支部，"
            "请输入名称或代码查找后从列表中选择。"
        },
    )
    destination_name = forms.CharField(
        label="平台外接收党组织全称",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：中共某市某区某街道工作委员会"}),
    )
    in_city = forms.BooleanField(label="同城转接（介绍信有效期按同城计算）", required=False)
    reason = _text("转接原因", help_text="如：工作调动到某单位、随家属迁居某地。")
    requested_on = day_field("申请日期")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["in_city"].widget.attrs["class"] = "form-check-input"
        field = self.fields["member"]
        field.queryset = selectors.transferable_members(user)
        field.label_from_instance = selectors.member_label
        searchable(self, "member", reverse("transfers:member_options"), "输入姓名、拼音或工号查找")
        field = self.fields["destination"]
        field.queryset = selectors.destinations()
        field.label_from_instance = selectors.destination_label
        url = reverse("transfers:destination_options")
        searchable(self, "destination", url, "输入党组织名称或代码查找")

    def clean(self):
        data = super().clean()
        if data.get("within") == "inside":
            data["destination_name"] = ""
            if not data.get("destination"):
                self.add_error("destination", "请选择平台内的接收党组织。")
        elif data.get("within") == "outside":
            data["destination"] = None
            if not (data.get("destination_name") or "").strip():
                self.add_error("destination_name", "请填写平台外接收党组织的全称。")
        return data


class RegisterForm(BootstrapForm):
    """An incoming member from outside the platform."""

    receiver = forms.ModelChoiceField(
        label="接收党组织",
        queryset=Organization.objects.none(),
        empty_label="请选择",
        error_messages={
            "required": "请选择接收党组织。",
            "invalid_choice": "所选接收党组织不在您可以办理转入登记的范围内，"
            "请输入名称或代码查找后从列表中选择。",
        },
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名。"})
    id_number = forms.CharField(
        label="身份证号",
        max_length=30,
        error_messages={"required": "请填写身份证号。"},
        help_text="用于查找本平台是否已有该人员档案；页面上只显示打码后的号码。",
    )
    category = forms.ChoiceField(
        label="党员类别",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择党员类别。"},
    )
    joined_on = day_field("入党日期")
    full_member_on = day_field("转正日期", required=False, help_text="正式党员必填。")
    origin_name = forms.CharField(
        label="转出党组织全称",
        max_length=200,
        error_messages={"required": "请填写转出党组织全称。"},
    )
    origin_letter_number = forms.CharField(label="介绍信编号", max_length=60, required=False)
    dues_paid_through = month_field("党费缴至", "介绍信上写明的“党费已交到 X年X月”。")
    registered_on = day_field("登记日期")
    reason = _text("转入原因", required=False, rows=2)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["receiver"]
        field.queryset = selectors.registering_organizations(user)
        field.label_from_instance = lambda org: org.name
        searchable(
            self, "receiver", reverse("transfers:receiver_options"), "输入党组织名称或代码查找"
        )


STEP_FIELDS = {
    "branch_approve": lambda: {"approved_on": day_field("支部同意日期")},
    "issue_letter": lambda: {
        "issued_on": day_field("开具日期"),
        "validity_days": forms.IntegerField(
            label="有效期（天）",
            min_value=1,
            error_messages={
                "required": "请填写有效期天数。",
                "invalid": "有效期请填写整数天数。",
                "min_value": "有效期至少 1 天。",
            },
        ),
        "dues_paid_through": month_field(
            "党费缴至", "按党费台账预填，可修改；没有缴费记录的请如实填写。"
        ),
    },
    "reissue": lambda: {
        "issued_on": day_field("补开日期"),
        "validity_days": forms.IntegerField(
            label="有效期（天）",
            min_value=1,
            error_messages={
                "required": "请填写有效期天数。",
                "invalid": "有效期请填写整数天数。",
                "min_value": "有效期至少 1 天。",
            },
        ),
        "dues_paid_through": month_field("党费缴至"),
    },
    "received": lambda: {"received_on": day_field("对方接收日期")},
    "receipt": lambda: {"receipt_on": day_field("回执收到日期")},
    "close": lambda: {"closed_on": day_field("办结日期")},
    "expire": lambda: {},
    "lost": lambda: {"reported_on": day_field("报告遗失日期"), "reason": _text("遗失情况")},
    "accept": lambda: {"accepted_on": day_field("接收日期")},
    "verify": lambda: {
        "verified_on": day_field("核验日期"),
        "verify_method": forms.ChoiceField(
            label="核验方式",
            choices=VerifyMethod.choices,
            widget=forms.RadioSelect,
            error_messages={"required": "请选择核验方式。"},
        ),
        "archive_note": _text(
            "档案查核情况", required=False, rows=2, help_text="如有必要查核党员档案，记录查核结果。"
        ),
    },
    "accept_in": lambda: {"accepted_on": day_field("同意接收日期")},
    "assign": lambda: {"assigned_on": day_field("编入日期")},
    "send_receipt": lambda: {"sent_on": day_field("回执寄出日期")},
    "cancel": lambda: {"reason": _text("撤销原因")},
}


class StepForm(BootstrapForm):
    """The fields of one step (`STEP_FIELDS`), plus the branch choice when one is needed."""

    def __init__(self, *args, verb: str, branch_of=None, transfer=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in STEP_FIELDS[verb]().items():
            self.fields[name] = field
        if branch_of is not None:
            self.fields["branch"] = branch_field(branch_of)
            url = reverse("transfers:branch_options", args=[transfer.pk])
            searchable(self, "branch", url, "输入支部名称或代码查找")
        self._style()

    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
