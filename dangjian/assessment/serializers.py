"""Serializers of `/api/v1/assessment/…` (see `api.py`).

Scores are decimals with two places, sent as strings ("4.50"), as DRF does for DecimalField.
Who may see a card's assessor scores is decided in `api.py` (`scores_visible`) and passed in the
context as `show_scores`: before publication the target side sees its self-check, its evidence
and any return message, not the assessor's points (those appear with 公示).
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.assessment.models import (
    Appeal,
    Category,
    Evidence,
    Indicator,
    LeafScore,
    Period,
    RuleType,
    Scorecard,
    TargetKind,
    Template,
)
from dangjian.assessment.services.templates import LEAF_FIELDS
from dangjian.development.serializers import choice
from dangjian.orgs.api import OrganizationBriefSerializer

POINTS = {"max_digits": 7, "decimal_places": 2}


def _points(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**POINTS, **kwargs)


def _label(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{field}_display", read_only=True)


def _url(name: str, pk) -> str | None:
    """A page address of another part of the system; None until that page exists."""
    try:
        return reverse(f"assessment:{name}", args=[pk])
    except NoReverseMatch:
        return None


# ------------------------------------------------------------------------------ templates


class IndicatorSerializer(serializers.ModelSerializer):
    """One node of the tree; a leaf (level 3, 细则) carries its scoring rule."""

    rule_type = choice(RuleType.choices, "AssessmentRuleTypeEnum", read_only=True)
    rule_type_display = _label("rule_type")
    scorer_role = serializers.CharField(source="scorer_role.name", read_only=True, default="")
    children = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "id",
            "level",
            "code",
            "title",
            "scoring_note",
            "max_points",
            "rule_type",
            "rule_type_display",
            "unit_points",
            "unit_label",
            "floor_at_zero",
            "levels",
            "bonus_cap",
            "veto",
            "evidence_kinds",
            "evidence_note",
            "scorer_role",
            "source",
            "children",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_children(self, obj) -> list:
        kids = self.context.get("children", {}).get(obj.pk, [])
        return IndicatorSerializer(kids, many=True, context=self.context).data


class TemplateSerializer(serializers.ModelSerializer):
    owner = OrganizationBriefSerializer(read_only=True)
    target_kind = choice(TargetKind.choices, "AssessmentTargetKindEnum", read_only=True)
    target_kind_display = _label("target_kind")
    is_editable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Template
        fields = [
            "id",
            "name",
            "year",
            "version",
            "owner",
            "target_kind",
            "target_kind_display",
            "base_points",
            "bonus_cap",
            "min_total",
            "max_total",
            "is_active",
            "is_editable",
            "used_at",
            "copied_from",
            "created_at",
        ]


class TemplateDetailSerializer(TemplateSerializer):
    """The template with its indicator tree (类别 → 项目 → 细则), read with one query."""

    grade_bands = serializers.SerializerMethodField()
    tree = serializers.SerializerMethodField()

    class Meta(TemplateSerializer.Meta):
        fields = [
            *TemplateSerializer.Meta.fields,
            "description",
            "grade_bands",
            "veto_effect",
            "annual_method",
            "annual_weights",
            "tree",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_grade_bands(self, obj) -> list:
        return obj.bands()

    @extend_schema_field(IndicatorSerializer(many=True))
    def get_tree(self, obj) -> list:
        nodes = list(
            Indicator.objects.filter(template=obj)
            .select_related("scorer_role")
            .order_by("level", "position", "id")
        )
        children: dict[int | None, list[Indicator]] = {}
        for node in nodes:
            children.setdefault(node.parent_id, []).append(node)
        context = {**self.context, "children": children}
        return IndicatorSerializer(children.get(None, []), many=True, context=context).data


# ------------------------------------------------------------------------------ periods


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "position"]


class PeriodBriefSerializer(serializers.ModelSerializer):
    status = choice(Period.Status.choices, "AssessmentPeriodStatusEnum", read_only=True)
    status_display = _label("status")

    class Meta:
        model = Period
        fields = ["id", "name", "kind", "starts_on", "ends_on", "status", "status_display"]


class PeriodSerializer(serializers.ModelSerializer):
    owner = OrganizationBriefSerializer(read_only=True)
    template = serializers.PrimaryKeyRelatedField(read_only=True)
    template_name = serializers.CharField(source="template.__str__", read_only=True)
    kind = choice(Period.Kind.choices, "AssessmentPeriodKindEnum", read_only=True)
    kind_display = _label("kind")
    status = choice(Period.Status.choices, "AssessmentPeriodStatusEnum", read_only=True)
    status_display = _label("status")

    class Meta:
        model = Period
        fields = [
            "id",
            "name",
            "owner",
            "template",
            "template_name",
            "kind",
            "kind_display",
            "starts_on",
            "ends_on",
            "status",
            "status_display",
            "self_check_until",
            "scoring_until",
            "publish_on",
            "appeal_days",
            "appeal_until",
            "target_count",
            "submitted_count",
            "scored_count",
            "appeal_count",
            "appeal_open_count",
        ]


class PeriodDetailSerializer(PeriodSerializer):
    target_root = OrganizationBriefSerializer(read_only=True)
    categories = CategorySerializer(many=True, read_only=True)
    previous = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(PeriodSerializer.Meta):
        fields = [
            *PeriodSerializer.Meta.fields,
            "target_root",
            "target_types",
            "target_note",
            "previous",
            "categories",
            "opened_at",
            "locked_at",
            "published_at",
            "finalized_at",
        ]


# ------------------------------------------------------------------------------ scorecards

# Fields of a card (and of a leaf) that only show with `show_scores`.
CARD_SCORE_FIELDS = (
    "total",
    "deduction_total",
    "bonus_total",
    "vetoed",
    "grade",
    "rank",
    "previous_total",
)
LEAF_SCORE_FIELDS = (
    "computed_points",
    "computed_lines",
    "occurrences",
    "achieved",
    "level",
    "points",
    "vetoed",
    "reason",
    "scored_at",
    "changed_by_appeal",
)


class ScorecardSerializer(serializers.ModelSerializer):
    period = PeriodBriefSerializer(read_only=True)
    organization = OrganizationBriefSerializer(read_only=True)
    category = serializers.CharField(source="category.name", read_only=True, default="")
    status = choice(Scorecard.Status.choices, "AssessmentCardStatusEnum", read_only=True)
    status_display = _label("status")
    scores_visible = serializers.SerializerMethodField()

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "period",
            "organization",
            "member",
            "target_name",
            "category",
            "status",
            "status_display",
            "submitted_at",
            "leaf_count",
            "self_done_count",
            "scored_count",
            "returned_count",
            "evidence_count",
            "self_total",
            "scores_visible",
            *CARD_SCORE_FIELDS,
        ]

    def get_scores_visible(self, obj) -> bool:
        return self._show(obj)

    def _show(self, obj) -> bool:
        decide = self.context.get("show_scores")
        return bool(decide(obj)) if callable(decide) else bool(decide)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if not self._show(obj):
            for name in CARD_SCORE_FIELDS:
                data[name] = None
        return data


class EvidenceSerializer(serializers.ModelSerializer):
    stage = choice(Evidence.Stage.choices, "AssessmentEvidenceStageEnum", read_only=True)
    indicator = serializers.IntegerField(source="leaf.indicator_id", read_only=True)
    url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "scorecard",
            "indicator",
            "appeal",
            "stage",
            "title",
            "file_kind",
            "size",
            "uploaded_at",
            "url",
            "preview_url",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, obj) -> str | None:
        return _url("evidence_file", obj.pk)

    @extend_schema_field(OpenApiTypes.STR)
    def get_preview_url(self, obj) -> str | None:
        return _url("evidence_preview", obj.pk)


class LeafIndicatorSerializer(serializers.ModelSerializer):
    """The leaf's rule, as the card shows it."""

    rule_type = choice(RuleType.choices, "AssessmentRuleTypeEnum", read_only=True)
    scorer_role = serializers.CharField(source="scorer_role.name", read_only=True, default="")

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "title",
            "scoring_note",
            *LEAF_FIELDS,
        ]


class LeafRowSerializer(serializers.Serializer):
    """One leaf of a card: the rule, and the LeafScore if one exists yet (rows are created on
    demand, so an untouched leaf reads as status `empty` with nothing filled in)."""

    indicator = LeafIndicatorSerializer()
    status = choice(LeafScore.Status.choices, "AssessmentLeafStatusEnum")
    status_display = serializers.CharField()
    self_points = _points(allow_null=True)
    self_note = serializers.CharField()
    self_at = serializers.DateTimeField(allow_null=True)
    computed_points = _points(allow_null=True)
    computed_lines = serializers.ListField(child=serializers.CharField())
    occurrences = _points(allow_null=True)
    achieved = serializers.BooleanField(allow_null=True)
    level = serializers.CharField()
    points = _points(allow_null=True)
    vetoed = serializers.BooleanField()
    reason = serializers.CharField()
    scored_at = serializers.DateTimeField(allow_null=True)
    return_message = serializers.CharField()
    returned_at = serializers.DateTimeField(allow_null=True)
    changed_by_appeal = serializers.BooleanField()
    can_score = serializers.BooleanField()
    evidence = EvidenceSerializer(many=True)

    def to_representation(self, row):
        data = super().to_representation(row)
        if not row["show_scores"]:
            for name in LEAF_SCORE_FIELDS:
                data[name] = [] if name == "computed_lines" else None
            data["vetoed"] = False
            data["changed_by_appeal"] = False
            data["level"] = ""
            data["reason"] = ""
        return data


def leaf_row(indicator: Indicator, leaf: LeafScore | None, *, evidence, show_scores, can_score):
    """The dict LeafRowSerializer reads, from the indicator and its (possibly missing) row."""
    empty = LeafScore.Status.EMPTY
    status = leaf.status if leaf else empty
    return {
        "indicator": indicator,
        "status": status,
        "status_display": LeafScore.Status(status).label,
        "self_points": leaf.self_points if leaf else None,
        "self_note": leaf.self_note if leaf else "",
        "self_at": leaf.self_at if leaf else None,
        "computed_points": leaf.computed_points if leaf else None,
        "computed_lines": list(leaf.computed_lines or []) if leaf else [],
        "occurrences": leaf.occurrences if leaf else None,
        "achieved": leaf.achieved if leaf else None,
        "level": leaf.level if leaf else "",
        "points": leaf.points if leaf else None,
        "vetoed": leaf.vetoed if leaf else False,
        "reason": leaf.reason if leaf else "",
        "scored_at": leaf.scored_at if leaf else None,
        "return_message": leaf.return_message if leaf else "",
        "returned_at": leaf.returned_at if leaf else None,
        "changed_by_appeal": leaf.changed_by_appeal if leaf else False,
        "can_score": can_score,
        "evidence": evidence,
        "show_scores": show_scores,
    }


class ScorecardDetailSerializer(ScorecardSerializer):
    """The card with every leaf of its template (`leaves` is put in the context by the view)."""

    can_self_check = serializers.SerializerMethodField()
    leaves = serializers.SerializerMethodField()

    class Meta(ScorecardSerializer.Meta):
        fields = [*ScorecardSerializer.Meta.fields, "can_self_check", "leaves"]

    def get_can_self_check(self, obj) -> bool:
        return bool(self.context.get("can_self_check"))

    @extend_schema_field(LeafRowSerializer(many=True))
    def get_leaves(self, obj) -> list:
        return LeafRowSerializer(self.context.get("leaves", []), many=True).data


class RankingRowSerializer(ScorecardSerializer):
    """A card in a published ranking (no leaves)."""

    class Meta(ScorecardSerializer.Meta):
        fields = [
            "id",
            "organization",
            "member",
            "target_name",
            "category",
            "self_total",
            "scores_visible",
            *CARD_SCORE_FIELDS,
        ]


# ------------------------------------------------------------------------------ appeals


class AppealSerializer(serializers.ModelSerializer):
    scorecard = serializers.PrimaryKeyRelatedField(read_only=True)
    target_name = serializers.CharField(source="scorecard.target_name", read_only=True)
    period = serializers.IntegerField(source="scorecard.period_id", read_only=True)
    indicator = LeafIndicatorSerializer(source="leaf.indicator", read_only=True)
    status = choice(Appeal.Status.choices, "AssessmentAppealStatusEnum", read_only=True)
    status_display = _label("status")
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    decided_by_name = serializers.CharField(
        source="decided_by.display_name", read_only=True, default=""
    )

    class Meta:
        model = Appeal
        fields = [
            "id",
            "scorecard",
            "period",
            "target_name",
            "indicator",
            "reason",
            "status",
            "status_display",
            "points_before",
            "points_after",
            "decision",
            "created_by_name",
            "created_at",
            "decided_by_name",
            "decided_at",
        ]


class AppealDetailSerializer(AppealSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta(AppealSerializer.Meta):
        fields = [*AppealSerializer.Meta.fields, "evidence"]


# ------------------------------------------------------------------------------ inputs

_REQUIRED = {"required": "请填写此项。", "null": "请填写此项。", "blank": "请填写此项。"}


def _indicator_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        help_text="细则（第三级指标）的编号 id。",
        error_messages={**_REQUIRED, "invalid": "请填写细则的编号（整数）。"},
    )


def _decimal_input(help_text: str, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        help_text=help_text,
        error_messages={
            **_REQUIRED,
            "invalid": "须为数字。",
            "max_decimal_places": "最多两位小数。",
            "max_digits": "数字太大。",
            "max_whole_digits": "数字太大。",
        },
        **kwargs,
    )


class SelfCheckInputSerializer(serializers.Serializer):
    indicator = _indicator_field()
    self_points = _decimal_input(
        "自查分，在本细则允许的范围内；或不填，改填下面按评分方式的输入。",
        required=False,
        allow_null=True,
    )
    occurrences = _decimal_input("按次扣分 / 加分细则：次数。", required=False, allow_null=True)
    achieved = serializers.BooleanField(required=False, allow_null=True, default=None)
    level = serializers.CharField(required=False, allow_blank=True, max_length=30)
    self_note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="自查说明。"
    )


class ScoreInputSerializer(serializers.Serializer):
    indicator = _indicator_field()
    occurrences = _decimal_input(
        "按次扣分 / 加分细则：次数。", required=False, allow_null=True, min_value=0
    )
    achieved = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="达标得分细则：是否达标。"
    )
    level = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="分档细则：所选档次的名称。"
    )
    points = _decimal_input(
        "直接给分（或对系统计算分的调整），须在允许范围内。", required=False, allow_null=True
    )
    vetoed = serializers.BooleanField(
        required=False, default=False, help_text="触发一票否决（仅一票否决细则）。"
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="扣分理由：扣分或与计算分不同时必填。",
    )


class ReturnInputSerializer(serializers.Serializer):
    indicator = _indicator_field()
    message = serializers.CharField(
        max_length=2000, help_text="退回说明：请补充什么。", error_messages=_REQUIRED
    )


class ResubmitInputSerializer(serializers.Serializer):
    indicator = _indicator_field()
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="补充说明。"
    )


class EvidenceInputSerializer(serializers.Serializer):
    indicator = _indicator_field()
    file = serializers.FileField(
        help_text="佐证材料：图片、PDF 或 DOCX 等（以细则要求为准），不超过 20 MB。",
        error_messages={
            **_REQUIRED,
            "empty": "上传的文件是空的。",
            "invalid": "请上传文件。",
        },
    )


class EvidenceCreateInputSerializer(EvidenceInputSerializer):
    scorecard = serializers.IntegerField(min_value=1, help_text="考核表 id。")


class AppealInputSerializer(serializers.Serializer):
    scorecard = serializers.IntegerField(
        min_value=1, help_text="考核表 id。", error_messages={**_REQUIRED}
    )
    indicator = _indicator_field()
    reason = serializers.CharField(
        max_length=5000, help_text="申诉理由。", error_messages=_REQUIRED
    )
    files = serializers.ListField(
        child=serializers.FileField(
            error_messages={"empty": "上传的文件是空的。", "invalid": "请上传文件。"}
        ),
        required=False,
        allow_empty=True,
        help_text="申诉材料（可多个，同名字段重复）。",
    )


class PeriodTransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[
            ("open", "开启"),
            ("lock", "审核锁定"),
            ("unlock", "解除锁定"),
            ("publish", "公示"),
            ("finalize", "定档"),
        ],
        help_text="open 开启（对象多时转为后台任务，答 202）；lock 审核锁定；unlock 解除锁定"
        "（须填 reason）；publish 公示；finalize 定档。",
        error_messages={**_REQUIRED, "invalid_choice": "未知的操作：{input}。"},
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="解除锁定的原因。"
    )


class PeriodJobSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="后台任务 id（开启考核周期）。")
    url = serializers.CharField(help_text="查看进度的页面地址。")


class AppealDecideInputSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(
        help_text="true：申诉成立（按下面的输入改分）；false：维持原评分。",
        error_messages={**_REQUIRED, "invalid": "请填写 true 或 false。"},
    )
    decision = serializers.CharField(
        max_length=5000, help_text="裁定意见。", error_messages=_REQUIRED
    )
    occurrences = _decimal_input("申诉成立时的次数。", required=False, allow_null=True, min_value=0)
    achieved = serializers.BooleanField(required=False, allow_null=True, default=None)
    level = serializers.CharField(required=False, allow_blank=True, max_length=30)
    points = _decimal_input("申诉成立时直接给出的分数。", required=False, allow_null=True)
