"""The audit page's filter: who, what, where, when, and how it ended."""

import datetime

from django import forms

from dangjian.audit import actions
from dangjian.audit.models import AuditEntry
from dangjian.audit.permissions import VIEW_LOG
from dangjian.core.forms import parse_id

# The organisation select lists the upper levels only (集团 → 二级党委 → 矿党委): with 10 000
# organisations a full list would be unusable; a deeper organisation chosen by link still shows.
_ORG_SELECT_DEPTH = 3


class AuditFilterForm(forms.Form):
    person = forms.CharField(
        label="人员",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "登录名或姓名", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(label="操作", required=False)
    organization = forms.ModelChoiceField(
        label="组织",
        required=False,
        queryset=None,
        empty_label="全部组织",
        error_messages={"invalid_choice": "请从列表中选择党组织。"},
    )
    date_from = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "起始日期格式不正确，请按“年-月-日”填写，例如 2026-01-31。"},
    )
    date_to = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "截止日期格式不正确，请按“年-月-日”填写，例如 2026-01-31。"},
    )
    result = forms.ChoiceField(
        label="结果",
        required=False,
        choices=[("", "全部结果"), *AuditEntry.Result.choices],
        error_messages={"invalid_choice": "结果只能选择“成功”或“失败”。"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from dangjian.orgs.models import Organization

        self.fields["action"].choices = [("", "全部操作"), *actions.grouped_choices()]
        self.fields["action"].error_messages["invalid_choice"] = "请从列表中选择操作类型。"
        organizations = Organization.objects.visible_to(user, VIEW_LOG)
        field = self.fields["organization"]
        field.queryset = organizations
        field.widget.choices = self._organization_options(organizations)
        for name, form_field in self.fields.items():
            kind = "form-select" if name in self._SELECTS else "form-control"
            form_field.widget.attrs["class"] = f"{kind} {kind}-sm"

    _SELECTS = ("action", "organization", "result")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def _organization_options(self, organizations):
        selected = self.data.get("organization") if self.is_bound else None
        shown = organizations.filter(depth__lte=_ORG_SELECT_DEPTH)
        if parse_id(selected) is not None:
            shown = shown | organizations.filter(pk=parse_id(selected))
        options = [("", "全部组织")]
        for org in shown.only("pk", "name", "short_name", "depth", "path"):
            indent = "\u3000" * (org.depth - 1)
            options.append((org.pk, f"{indent}{org.display_name}"))
        return options

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return cleaned

    def as_params(self) -> dict:
        """The valid filter as plain JSON values (for the export job and the audit entry)."""
        params = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif hasattr(value, "pk"):
                value = value.pk
            params[name] = value
        return params
