"""考核系统 (domain §5.4): indicator templates, periods, scorecards, leaf scores, evidence, appeals.

    Template      an indicator sheet (指标体系) of one owner organisation and year, versioned;
                  editable until a period first uses it (`used_at`), then frozen — a change
                  means a new version (copy)
    Indicator     one node of the sheet's tree: 类别 (level 1) → 项目 (2) → 细则 (3, the leaf
                  that is scored). A leaf carries its scoring rule (`engine.py`), veto flag,
                  evidence requirement, the role that scores it and an optional live-data source
    Period        a template applied to targets for a month, quarter or year, with its dates
                  and state: draft → open (self-check and scoring) → locked → published (公示,
                  appeal window) → final
    Category      a comparison group of a period (生产区队 / 辅助区队 / 机关科室): rankings
                  compare like with like
    Scorecard     one target's card in a period (an organisation, or a member with the member's
                  organisation as scope), with summary counters and the computed totals
    LeafScore     one leaf of one card: the target's self-check, the assessor's score with its
                  reason, a computed (live-data) score with its explanation, a return message.
                  Created on demand, not at opening: a period for 10 000 organisations opens by
                  writing 10 000 scorecards, not 10 000 × 40 leaves
    Evidence      a file bound to a leaf of a card (佐证材料), or to an appeal
    Appeal        the target's appeal of one leaf during the window, and its decision

Scores are Decimal with two places. A card's totals are recomputed from its leaves by
`engine.recompute_card` after every change of a leaf; nothing else writes them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import StoredFile
from dangjian.core.scope import ScopedQuerySet

POINTS = {"max_digits": 7, "decimal_places": 2}

DEFAULT_BANDS = [
    {"min": 90, "label": "优秀"},
    {"min": 80, "label": "良好"},
    {"min": 60, "label": "合格"},
    {"min": 0, "label": "不合格"},
]


class TargetKind(models.TextChoices):
    ORGANIZATION = "organization", _("党组织")
    MEMBER = "member", _("党员")


class Template(models.Model):
    class VetoEffect(models.TextChoices):
        GRADE = "grade", _("定为最低等次")
        ZERO = "zero", _("总分计零")

    class AnnualMethod(models.TextChoices):
        AVERAGE = "average", _("各期平均")
        WEIGHTED = "weighted", _("各期加权求和")

    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="assessment_templates",
        verbose_name=_("制定单位"),
    )
    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    target_kind = models.CharField(
        _("考核对象"), max_length=15, choices=TargetKind.choices, default=TargetKind.ORGANIZATION
    )
    description = models.TextField(_("说明"), blank=True)
    # Total = base + Σ leaf points (bonus part capped by bonus_cap), clamped to [min, max].
    # A 党支部 sheet: base 0, leaves worth 100. A 党员积分 sheet: base 80, bonus ≤ 20, deductions
    # uncapped, clamped 0–100.
    base_points = models.DecimalField(_("基础分"), default=Decimal("0"), **POINTS)
    bonus_cap = models.DecimalField(_("加分上限"), null=True, blank=True, **POINTS)
    min_total = models.DecimalField(_("总分下限"), null=True, blank=True, **POINTS)
    max_total = models.DecimalField(_("总分上限"), null=True, blank=True, **POINTS)
    # [{"min": 90, "label": "优秀"}, …] from the highest band down; the last band's min is 0.
    grade_bands = models.JSONField(_("等次划分"), default=list, blank=True)
    veto_effect = models.CharField(
        _("一票否决的后果"), max_length=10, choices=VetoEffect.choices, default=VetoEffect.GRADE
    )
    annual_method = models.CharField(
        _("年度结果计算"),
        max_length=10,
        choices=AnnualMethod.choices,
        default=AnnualMethod.AVERAGE,
    )
    # {"month": 0.6, "quarter": 0.4} for WEIGHTED: the weight of the average of each kind.
    annual_weights = models.JSONField(_("年度权重"), default=dict, blank=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    used_at = models.DateTimeField(_("首次使用时间"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "owner__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核指标体系")
        ordering = ["-year", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "year", "name", "version"], name="assessment_template_version"
            )
        ]

    def __str__(self):
        return f"{self.year}年 {self.name}（第{self.version}版）"

    @property
    def is_editable(self) -> bool:
        return self.used_at is None

    def bands(self) -> list[dict]:
        return self.grade_bands or DEFAULT_BANDS


class RuleType(models.TextChoices):
    DEDUCTION = "deduction", _("按次扣分")
    BINARY = "binary", _("达标得分")
    GRADED = "graded", _("分档评分")
    BONUS = "bonus", _("加分")


class Indicator(models.Model):
    class Level(models.IntegerChoices):
        CATEGORY = 1, _("类别")
        ITEM = 2, _("项目")
        RULE = 3, _("细则")

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    position = models.PositiveIntegerField(_("排序"), default=0)
    code = models.CharField(_("编号"), max_length=20, blank=True)  # "2.3.1", kept by services
    title = models.CharField(_("名称"), max_length=200)  # 目标 / 项目 / 内容
    scoring_note = models.TextField(_("评分说明"), blank=True)
    # Leaf only. For a category or item the page shows the sum of its leaves.
    max_points = models.DecimalField(_("分值"), default=Decimal("0"), **POINTS)
    rule_type = models.CharField(
        _("评分方式"), max_length=10, choices=RuleType.choices, default=RuleType.DEDUCTION
    )
    # DEDUCTION: points taken per occurrence; BONUS: points given per occurrence.
    unit_points = models.DecimalField(_("每次分值"), default=Decimal("0"), **POINTS)
    unit_label = models.CharField(_("计量单位"), max_length=10, default="次", blank=True)
    floor_at_zero = models.BooleanField(_("扣完为止"), default=True)
    # GRADED: [{"label": "好", "points": 5}, {"label": "一般", "points": 3}, …]
    levels = models.JSONField(_("档次"), default=list, blank=True)
    bonus_cap = models.DecimalField(_("加分上限"), null=True, blank=True, **POINTS)
    veto = models.BooleanField(_("一票否决"), default=False)
    evidence_kinds = models.JSONField(_("佐证材料类型"), default=list, blank=True)
    evidence_note = models.CharField(_("佐证材料要求"), max_length=300, blank=True)
    scorer_role = models.ForeignKey(
        "accounts.Role",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("评分部门"),
    )
    source = models.CharField(_("自动计算来源"), max_length=50, blank=True)
    source_params = models.JSONField(_("来源参数"), default=dict, blank=True)

    class Meta:
        verbose_name = _("考核指标")
        ordering = ["template", "level", "position", "id"]
        indexes = [models.Index(fields=["template", "parent", "position"])]

    def __str__(self):
        return f"{self.code} {self.title}".strip()

    @property
    def is_leaf(self) -> bool:
        return self.level == self.Level.RULE


class Period(models.Model):
    class Kind(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")

    class Status(models.TextChoices):
        DRAFT = "draft", _("未开启")
        OPENING = "opening", _("正在开启")
        OPEN = "open", _("自查评分中")
        LOCKED = "locked", _("已审核锁定")
        PUBLISHED = "published", _("公示中")
        FINAL = "final", _("已定档")

    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="assessment_periods",
        verbose_name=_("组织考核单位"),
    )
    template = models.ForeignKey(
        Template, on_delete=models.PROTECT, related_name="periods", verbose_name=_("指标体系")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("周期"), max_length=10, choices=Kind.choices, default=Kind.MONTH)
    starts_on = models.DateField(_("考核起始日"))
    ends_on = models.DateField(_("考核截止日"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # How the targets were chosen (for the page and for opening): the subtree root, the types.
    target_root = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("考核范围"),
    )
    target_types = models.JSONField(_("组织类型"), default=list, blank=True)
    target_note = models.CharField(_("考核对象"), max_length=300, blank=True)
    self_check_until = models.DateTimeField(_("自查截止"))
    scoring_until = models.DateTimeField(_("评分截止"))
    publish_on = models.DateField(_("计划公示日"), null=True, blank=True)
    appeal_days = models.PositiveSmallIntegerField(_("申诉期（工作日）"), default=5)
    appeal_until = models.DateTimeField(_("申诉截止"), null=True, blank=True)  # set at publish
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上一期"),
    )
    # Summary counters (F() updates by the services).
    target_count = models.PositiveIntegerField(_("考核对象数"), default=0)
    submitted_count = models.PositiveIntegerField(_("已提交自查"), default=0)
    scored_count = models.PositiveIntegerField(_("已评分完毕"), default=0)
    appeal_count = models.PositiveIntegerField(_("申诉数"), default=0)
    appeal_open_count = models.PositiveIntegerField(_("待裁定申诉"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)

    scope_path = "owner__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核周期")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["owner", "status", "-starts_on"])]

    def __str__(self):
        return self.name

    @property
    def is_scoring_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def results_visible(self) -> bool:
        """Published results are visible to targets and members (公示 and after)."""
        return self.status in (self.Status.PUBLISHED, self.Status.FINAL)


class Category(models.Model):
    """A comparison group. Opening assigns each target to the first category whose keywords
    appear in its name, else whose unit kinds match one of its units, else to the last one."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("类别名称"), max_length=50)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    name_keywords = models.JSONField(_("名称关键词"), default=list, blank=True)
    unit_kinds = models.JSONField(_("行政单位类别"), default=list, blank=True)

    class Meta:
        verbose_name = _("对比类别")
        ordering = ["period", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "name"], name="assessment_category_name")
        ]

    def __str__(self):
        return self.name


class Scorecard(models.Model):
    class Status(models.TextChoices):
        SELF_CHECK = "self_check", _("待自查")
        SUBMITTED = "submitted", _("已提交自查")
        SCORED = "scored", _("评分完毕")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="scorecards")
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scorecards",
        verbose_name=_("对比类别"),
    )
    # The organisation target, or for a member card the member's organisation at opening:
    # either way the card's scope.
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="scorecards"
    )
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scorecards",
    )
    target_name = models.CharField(_("考核对象"), max_length=100)  # frozen at opening
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SELF_CHECK, db_index=True
    )
    submitted_at = models.DateTimeField(_("提交自查时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Counters over the leaves of the template (leaf_count is set at opening).
    leaf_count = models.PositiveSmallIntegerField(default=0)
    self_done_count = models.PositiveSmallIntegerField(_("已自查"), default=0)
    scored_count = models.PositiveSmallIntegerField(_("已评分"), default=0)
    returned_count = models.PositiveSmallIntegerField(_("退回补充"), default=0)
    evidence_count = models.PositiveIntegerField(_("佐证材料"), default=0)
    # Totals computed by engine.recompute_card.
    self_total = models.DecimalField(_("自查分"), null=True, blank=True, **POINTS)
    total = models.DecimalField(_("考核分"), null=True, blank=True, db_index=True, **POINTS)
    deduction_total = models.DecimalField(_("扣分合计"), default=Decimal("0"), **POINTS)
    bonus_total = models.DecimalField(_("加分合计"), default=Decimal("0"), **POINTS)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    grade = models.CharField(_("等次"), max_length=20, blank=True)
    # Set when the period is locked (and again after an appeal decision): rank within the
    # category (ties share a rank: 1, 1, 3) and the previous period's total of the same target.
    rank = models.PositiveIntegerField(_("类别内名次"), null=True, blank=True)
    previous_total = models.DecimalField(_("上期得分"), null=True, blank=True, **POINTS)
    updated_at = models.DateTimeField(auto_now=True)

    # A member's own card and the own branch's published results are read through selectors.
    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核表")
        ordering = ["period", "category__position", "rank", "target_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "organization"],
                condition=Q(member__isnull=True),
                name="assessment_card_org_once",
            ),
            models.UniqueConstraint(
                fields=["period", "member"],
                condition=Q(member__isnull=False),
                name="assessment_card_member_once",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "category", "total"]),
            models.Index(fields=["organization", "period"]),
        ]

    def __str__(self):
        return f"{self.period} · {self.target_name}"


class LeafScore(models.Model):
    class Status(models.TextChoices):
        EMPTY = "empty", _("未自查")
        SELF_DONE = "self_done", _("已自查")
        RETURNED = "returned", _("退回补充")
        SCORED = "scored", _("已评分")

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="leaves")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.EMPTY, db_index=True
    )
    # The target's self-check (自查).
    self_points = models.DecimalField(_("自查分"), null=True, blank=True, **POINTS)
    self_note = models.TextField(_("自查说明"), blank=True)
    self_at = models.DateTimeField(null=True, blank=True)
    # A live-data source's result (sources/), kept with its explanation lines.
    computed_points = models.DecimalField(_("系统计算分"), null=True, blank=True, **POINTS)
    computed_lines = models.JSONField(_("计算依据"), default=list, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    # The assessor's score (考核分). occurrences / achieved / level are the inputs the rule type
    # uses (engine.leaf_points); points is the result.
    occurrences = models.DecimalField(_("次数"), null=True, blank=True, **POINTS)
    achieved = models.BooleanField(_("达标"), null=True, blank=True)
    level = models.CharField(_("档次"), max_length=30, blank=True)
    points = models.DecimalField(_("考核分"), null=True, blank=True, **POINTS)
    vetoed = models.BooleanField(_("触发一票否决"), default=False)
    reason = models.TextField(_("扣分理由"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    # Returned to the target for more evidence.
    return_message = models.TextField(_("退回说明"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    # Set when an appeal decision changed the score after lock.
    changed_by_appeal = models.BooleanField(default=False)

    scope_path = "scorecard__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("细则得分")
        ordering = ["scorecard", "indicator__position", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "indicator"], name="assessment_leaf_once")
        ]
        indexes = [models.Index(fields=["indicator", "status"])]

    def __str__(self):
        return f"{self.scorecard} · {self.indicator}"


class Appeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待裁定")
        UPHELD = "upheld", _("申诉成立")
        REJECTED = "rejected", _("维持原评分")

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="appeals")
    leaf = models.ForeignKey(LeafScore, on_delete=models.CASCADE, related_name="appeals")
    reason = models.TextField(_("申诉理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    points_before = models.DecimalField(_("原考核分"), null=True, blank=True, **POINTS)
    points_after = models.DecimalField(_("裁定后得分"), null=True, blank=True, **POINTS)
    decision = models.TextField(_("裁定意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    scope_path = "scorecard__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核申诉")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open appeal per leaf; a rejected one may not be filed again (services).
            models.UniqueConstraint(
                fields=["leaf"],
                condition=Q(status="pending"),
                name="assessment_one_open_appeal_per_leaf",
            )
        ]

    def __str__(self):
        return f"申诉 · {self.leaf}"


class Evidence(StoredFile):
    class Stage(models.TextChoices):
        SELF_CHECK = "self_check", _("自查")
        APPEAL = "appeal", _("申诉")

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="evidence")
    leaf = models.ForeignKey(LeafScore, on_delete=models.CASCADE, related_name="evidence")
    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    stage = models.CharField(
        _("环节"), max_length=12, choices=Stage.choices, default=Stage.SELF_CHECK
    )

    scope_path = "scorecard__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        verbose_name = _("佐证材料")
