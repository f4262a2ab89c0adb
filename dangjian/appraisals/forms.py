"""Forms of the 民主评议 pages. They parse input; the services decide."""

from __future__ import annotations

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone

from dangjian.appraisals import selectors
from dangjian.appraisals.models import Grade, MeetingKind, PeerScope
from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.core.search_select import searchable
from dangjian.orgs.models import Organization

GRADE_CHOICES = [("", "—— 请选择 ——"), *Grade.choices]


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class RoundFilterForm(BootstrapForm):
    """The rounds list's subtree filter: a search-backed select over the user's scope."""

    within = BranchChoiceField(
        queryset=Organization.objects.none(),
        label="党组织（含下级）",
        required=False,
        empty_label="全部",
        error_messages={
            "invalid_choice": "所选党组织不在您可以查看民主评议的范围内，"
            "请输入名称或代码查找后从列表中选择。"
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["within"].queryset = selectors.filter_organizations(user)
        url = reverse("appraisals:organization_options")
        searchable(self, "within", url, "输入名称或代码查找")


class RoundOpenForm(BootstrapForm):
    organization = BranchChoiceField(
        queryset=Organization.objects.none(),
        label="党支部",
        empty_label="请选择党支部",
        error_messages={
            "required": "请选择党支部。",
            "invalid_choice": "所选党支部不在您可以组织民主评议的范围内（或不是有效的党支部），"
            "请输入支部名称或代码查找后从列表中选择。",
        },
    )
    year = forms.TypedChoiceField(label="评议年度", coerce=int)
    peer_scope = forms.ChoiceField(label="互评范围", choices=PeerScope.choices)
    self_ends_on = forms.DateField(label="个人自评截止", widget=DateInput())
    peer_ends_on = forms.DateField(label="党员互评截止", widget=DateInput())
    propose_ends_on = forms.DateField(label="拟定等次截止", widget=DateInput())
    final_ends_on = forms.DateField(label="确定等次截止", widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "year": today.year if today.month >= 7 else today.year - 1,
            "self_ends_on": today + datetime.timedelta(days=7),
            "peer_ends_on": today + datetime.timedelta(days=14),
            "propose_ends_on": today + datetime.timedelta(days=21),
            "final_ends_on": today + datetime.timedelta(days=30),
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.open_branches(user)
        url = reverse("appraisals:branch_options")
        searchable(self, "organization", url, "输入支部名称或代码查找")
        self.fields["year"].choices = [(today.year, today.year), (today.year - 1, today.year - 1)]
        for name in ("self_ends_on", "peer_ends_on", "propose_ends_on", "final_ends_on"):
            label = self.fields[name].label
            self.fields[name].error_messages = {
                "required": f"请填写{label}日期。",
                "invalid": f"{label}日期格式不正确，例如 {today:%Y-%m-%d}。",
            }


class SelfAssessmentForm(BootstrapForm):
    text = forms.CharField(
        label="个人自评",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "请填写个人自评内容。"},
        help_text="对照党员标准，从理想信念、政治纪律、工作表现、作用发挥等方面总结，并查找不足。",
    )


class RatingForm(forms.Form):
    """One radio group per peer; every peer must be rated."""

    def __init__(self, *args, peers, **kwargs):
        super().__init__(*args, **kwargs)
        self.peers = list(peers)
        for peer in self.peers:
            self.fields[f"peer_{peer.pk}"] = forms.ChoiceField(
                label=peer.name,
                choices=Grade.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"请为“{peer.name}”选择评价等次。"},
            )

    def rows(self):
        return [(peer, self[f"peer_{peer.pk}"]) for peer in self.peers]

    def ratings(self) -> dict:
        return {peer.pk: self.cleaned_data[f"peer_{peer.pk}"] for peer in self.peers}


class GradingForm(forms.Form):
    """One grade select and one reason per graded member."""

    def __init__(self, *args, rows, field: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.graded = [row for row in rows if row.is_graded]
        for row in self.graded:
            self.fields[f"grade_{row.pk}"] = forms.ChoiceField(
                label=f"{row.name}的等次",
                choices=GRADE_CHOICES,
                required=False,
                initial=getattr(row, field),
                widget=forms.Select(attrs={"class": "form-select form-select-sm dj-grade"}),
            )
            self.fields[f"reason_{row.pk}"] = forms.CharField(
                label=f"{row.name}的说明",
                required=False,
                max_length=300,
                initial=row.reason,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control form-control-sm",
                        "placeholder": "不合格须写明理由",
                    }
                ),
                error_messages={"max_length": f"“{row.name}”的说明不能超过 300 字。"},
            )

    def bound_rows(self):
        return [(row, self[f"grade_{row.pk}"], self[f"reason_{row.pk}"]) for row in self.graded]

    def grades(self) -> dict:
        data = self.cleaned_data
        return {row.pk: (data[f"grade_{row.pk}"], data[f"reason_{row.pk}"]) for row in self.graded}

    def excellent_count(self) -> int:
        """From the raw submission, for the live counter (invalid values simply do not count)."""
        if self.is_bound:
            chosen = [self.data.get(f"grade_{row.pk}") for row in self.graded]
        else:
            chosen = [self.fields[f"grade_{row.pk}"].initial for row in self.graded]
        return sum(1 for grade in chosen if grade == Grade.EXCELLENT)


class MeetingForm(BootstrapForm):
    meeting_kind = forms.ChoiceField(
        label="确定等次的会议",
        choices=[("", "—— 请选择 ——"), *MeetingKind.choices],
        error_messages={"required": "请选择确定等次的会议。"},
    )
    meeting_date = forms.DateField(
        label="会议日期",
        widget=DateInput(),
        error_messages={"required": "请填写会议日期。", "invalid": "会议日期格式不正确。"},
    )


class RescheduleForm(BootstrapForm):
    self_ends_on = forms.DateField(label="个人自评截止", widget=DateInput())
    peer_ends_on = forms.DateField(label="党员互评截止", widget=DateInput())
    propose_ends_on = forms.DateField(label="拟定等次截止", widget=DateInput())
    final_ends_on = forms.DateField(label="确定等次截止", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages = {
                "required": f"请填写{field.label}日期。",
                "invalid": f"{field.label}日期格式不正确。",
            }
