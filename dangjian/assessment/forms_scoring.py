"""Forms of the assessor's pages: one leaf's score (the input of its rule type), a return."""

from __future__ import annotations

from django import forms

from dangjian.assessment import engine
from dangjian.assessment.models import Indicator, LeafScore, RuleType
from dangjian.core.forms import BootstrapForm


class ScoreForm(BootstrapForm):
    """The input of the leaf's rule type; `points` (直接给分) for deduction and bonus leaves;
    the 采用系统计算分 button posts action=accept and takes the computed points."""

    occurrences = forms.DecimalField(
        label="次数", required=False, min_value=0, max_digits=7, decimal_places=2
    )
    achieved = forms.ChoiceField(
        label="是否达标",
        required=False,
        choices=[("1", "达标"), ("0", "未达标")],
        widget=forms.RadioSelect,
    )
    level = forms.ChoiceField(label="档次", required=False)
    points = forms.DecimalField(label="直接给分", required=False, max_digits=7, decimal_places=2)
    vetoed = forms.BooleanField(label="触发一票否决", required=False)
    reason = forms.CharField(
        label="扣分理由",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, indicator: Indicator, leaf: LeafScore | None = None, **kwargs):
        self.indicator = indicator
        self.leaf = leaf
        if leaf is not None and leaf.points is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "occurrences": leaf.occurrences,
                "achieved": "" if leaf.achieved is None else ("1" if leaf.achieved else "0"),
                "level": leaf.level,
                "vetoed": leaf.vetoed,
                "reason": leaf.reason,
            }
        super().__init__(*args, **kwargs)
        rule = indicator.rule_type
        unit = indicator.unit_label or "次"
        if rule in (RuleType.DEDUCTION, RuleType.BONUS):
            del self.fields["achieved"], self.fields["level"]
            verb = "扣分" if rule == RuleType.DEDUCTION else "加分"
            self.fields[
                "occurrences"
            ].label = f"{verb}{unit}数（每{unit}{engine.fmt(indicator.unit_points)}分）"
            self.fields["occurrences"].widget.attrs.update({"step": "any", "inputmode": "decimal"})
            allowed = engine.allowed_range(indicator)
            self.fields["points"].label = f"或直接给分（{allowed.describe()}）"
            self.fields["points"].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})
        elif rule == RuleType.BINARY:
            del self.fields["occurrences"], self.fields["level"], self.fields["points"]
            self.fields["achieved"].choices = [
                ("1", f"达标（{engine.fmt(indicator.max_points)}分）"),
                ("0", "未达标（0分）"),
            ]
        else:
            del self.fields["occurrences"], self.fields["achieved"], self.fields["points"]
            self.fields["level"].choices = [("", "请选择档次")] + [
                (c["label"], f"{c['label']}（{engine.fmt(c['points'])}分）")
                for c in indicator.levels
            ]
        if "achieved" in self.fields:
            self.fields["achieved"].widget.attrs["class"] = "form-check-input"
        if indicator.veto:
            self.fields["vetoed"].widget.attrs["class"] = "form-check-input"
        else:
            del self.fields["vetoed"]
        if rule == RuleType.BONUS:
            self.fields["reason"].label = "评分说明"

    def score_kwargs(self, action: str = "") -> dict:
        """The keyword arguments of `services.scoring.leaf_score` (after is_valid)."""
        data = self.cleaned_data
        reason = data.get("reason", "")
        if action == "accept":
            computed = self.leaf.computed_points if self.leaf is not None else None
            return {"points": computed, "reason": reason, "vetoed": data.get("vetoed", False)}
        achieved = data.get("achieved", "")
        return {
            "occurrences": data.get("occurrences"),
            "achieved": None if achieved in ("", None) else achieved == "1",
            "level": data.get("level", ""),
            "points": data.get("points"),
            "vetoed": data.get("vetoed", False),
            "reason": reason,
        }


class ReturnForm(BootstrapForm):
    message = forms.CharField(
        label="退回说明",
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "写明需要补充的佐证材料（会通知对方）"}
        ),
    )
