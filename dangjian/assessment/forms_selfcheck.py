"""Forms of the target's side: one leaf's self-check (the input fits the rule type), an evidence
file, a resubmission note and an appeal. The leaf forms are drawn by hand in
`self_leaf.html` (radio buttons as large touch targets); these classes validate."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from dangjian.assessment import engine
from dangjian.assessment.models import Indicator, LeafScore, RuleType
from dangjian.assessment.services.selfcheck import NOTE_MAX
from dangjian.core.forms import BootstrapForm


class LeafSelfForm(forms.Form):
    """occurrences (按次扣分 / 加分), achieved (达标得分) or level (分档评分), and a note."""

    note = forms.CharField(label="自查说明", required=False, max_length=NOTE_MAX)

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        rule = indicator.rule_type
        if rule in (RuleType.DEDUCTION, RuleType.BONUS):
            self.fields["occurrences"] = forms.DecimalField(
                label="扣分次数" if rule == RuleType.DEDUCTION else "加分次数",
                min_value=Decimal("0"),
                max_value=Decimal("9999"),
                decimal_places=2,
                error_messages={"required": "请填写次数（没有就填 0）。"},
            )
        elif rule == RuleType.BINARY:
            self.fields["achieved"] = forms.ChoiceField(
                label="是否达标",
                choices=[("1", "达标"), ("0", "未达标")],
                error_messages={"required": "请选择达标或未达标。"},
            )
        else:
            self.fields["level"] = forms.ChoiceField(
                label="档次",
                choices=[(lv["label"], lv["label"]) for lv in indicator.levels],
                error_messages={"required": "请选择档次。", "invalid_choice": "请选择档次。"},
            )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"self_note": data.get("note", "")}
        if "occurrences" in data:
            kwargs["occurrences"] = data["occurrences"]
        if "achieved" in data:
            kwargs["achieved"] = data["achieved"] == "1"
        if "level" in data:
            kwargs["level"] = data["level"]
        return kwargs


def self_input_of(indicator: Indicator, row: LeafScore | None) -> dict:
    """The rule's input that gives the saved self score (to show it again in the form)."""
    if row is None or row.self_points is None:
        return {}
    points = row.self_points
    rule = indicator.rule_type
    unit = indicator.unit_points or Decimal("0")
    if rule == RuleType.DEDUCTION:
        if not unit:
            return {"occurrences": "0"}
        return {"occurrences": engine.fmt((indicator.max_points - points) / unit)}
    if rule == RuleType.BONUS:
        return {"occurrences": engine.fmt(points / unit) if unit else "0"}
    if rule == RuleType.BINARY:
        return {"achieved": "1" if points >= indicator.max_points else "0"}
    for level in indicator.levels:
        if engine.q(level["points"]) == points:
            return {"level": level["label"]}
    return {}


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="佐证材料", error_messages={"required": "请选择要上传的照片或文件。"}
    )


class ResubmitForm(forms.Form):
    note = forms.CharField(label="补充说明", required=False, max_length=NOTE_MAX)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class AppealForm(BootstrapForm):
    reason = forms.CharField(
        label="申诉理由",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请写明申诉理由：哪一项扣分不符合实际，依据是什么。"},
    )
    files = MultipleFileField(label="申诉材料", required=False)
