"""Results of the assessment system (issue 8 items 4 and 6): rankings, a card's breakdown, the
indicators losing the most points, a target's trend over a year and the annual result.

Everything a user reads starts from `access.cards_visible(user)`: before publication only the
target side, the managers and the assessors see a card; from publication on the VIEW_RESULT
holders of the card's subtree and the members of the branch too. Rankings are read from the
stored `Scorecard.rank` (written by `engine.rank_period` at lock and after each appeal
decision), never recomputed on a page. Aggregates are SQL aggregates grouped by a handful of
columns: their cost does not grow with the number of cards beyond the one scan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, When

from dangjian.assessment import access, engine
from dangjian.assessment.models import (
    Appeal,
    Indicator,
    LeafScore,
    Period,
    RuleType,
    Scorecard,
    Template,
)
from dangjian.assessment.permissions import MANAGE_PERIOD, VIEW_RESULT
from dangjian.core.scope import prefix_q, scope_of

# Periods whose results are settled (a year's trend and the annual result read only these).
SETTLED = (Period.Status.LOCKED, Period.Status.PUBLISHED, Period.Status.FINAL)
ANNUAL_STATUSES = (Period.Status.PUBLISHED, Period.Status.FINAL)
ZERO = Decimal("0")


# ------------------------------------------------------------------------------ periods


def periods_visible(user):
    """Periods in which the user sees at least one card, or that the user manages."""
    cards = access.cards_visible(user).values("period_id")
    managed = access.periods_managed(user).values("pk")
    return Period.objects.filter(Q(pk__in=cards) | Q(pk__in=managed)).exclude(
        status=Period.Status.DRAFT
    )


def period_or_404(user, pk) -> Period:
    from django.http import Http404

    try:
        return (
            periods_visible(user)
            .select_related("template", "owner", "target_root", "previous")
            .get(pk=pk)
        )
    except (Period.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_issue_bulletin(user, period: Period) -> bool:
    """The 通报 covers every card of the period: the managers at any time after lock, and the
    VIEW_RESULT holders over the period's owner once it is published."""
    if period.status not in SETTLED:
        return False
    scope = scope_of(user)
    if scope.covers(MANAGE_PERIOD, period.owner.path):
        return True
    return period.results_visible and scope.covers(VIEW_RESULT, period.owner.path)


# ------------------------------------------------------------------------------ ranking


def period_ranking(user, period: Period, category=None):
    """The visible cards of the period ordered by category, rank (unranked last), name."""
    cards = access.cards_visible(user).filter(period=period)
    if category is not None:
        cards = cards.filter(category=category)
    return cards.select_related("category", "organization", "member__person").order_by(
        F("category__position").asc(nulls_last=True),
        "category_id",
        F("rank").asc(nulls_last=True),
        "target_name",
        "pk",
    )


def change_of(card: Scorecard) -> Decimal | None:
    """Change of the total against the previous period (None when either is missing)."""
    if card.total is None or card.previous_total is None:
        return None
    return card.total - card.previous_total


@dataclass
class PeriodSummary:
    cards: int = 0
    scored: int = 0
    vetoed: int = 0
    grades: list[tuple[str, int]] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)


def period_summary(user, period: Period) -> PeriodSummary:
    """Counts per grade and per category (with average, highest and lowest total) of the
    visible cards: two aggregate queries."""
    cards = access.cards_visible(user).filter(period=period)
    per_grade = dict(
        cards.exclude(grade="").values_list("grade").annotate(n=Count("pk")).order_by()
    )
    bands = [band["label"] for band in period.template.bands()]
    grades = [(label, per_grade.pop(label, 0)) for label in bands]
    grades += sorted(per_grade.items())
    rows = (
        cards.values("category_id", "category__name", "category__position")
        .annotate(
            n=Count("pk"),
            scored=Count("total"),
            total_sum=Sum("total"),
            vetoed=Count("pk", filter=Q(vetoed=True)),
        )
        .order_by(F("category__position").asc(nulls_last=True), "category_id")
    )
    categories, total_cards, total_scored, total_vetoed = [], 0, 0, 0
    extremes = _category_extremes(cards)
    for row in rows:
        high, low = extremes.get(row["category_id"], (None, None))
        average = engine.q(row["total_sum"] / row["scored"]) if row["scored"] else None
        categories.append(
            {
                "id": row["category_id"],
                "name": row["category__name"] or "未分类",
                "cards": row["n"],
                "scored": row["scored"],
                "average": average,
                "high": high,
                "low": low,
            }
        )
        total_cards += row["n"]
        total_scored += row["scored"]
        total_vetoed += row["vetoed"]
    return PeriodSummary(total_cards, total_scored, total_vetoed, grades, categories)


def _category_extremes(cards) -> dict:
    from django.db.models import Max, Min

    return {
        row["category_id"]: (row["high"], row["low"])
        for row in cards.values("category_id")
        .annotate(high=Max("total"), low=Min("total"))
        .order_by()
    }


def top_per_category(user, period: Period, count: int = 3) -> dict[int | None, list[Scorecard]]:
    """The first `count` ranks of each category (ties included): one query."""
    cards = (
        access.cards_visible(user)
        .filter(period=period, rank__isnull=False, rank__lte=count)
        .select_related("category")
        .order_by(F("category__position").asc(nulls_last=True), "rank", "target_name")
    )
    result: dict[int | None, list[Scorecard]] = defaultdict(list)
    for card in cards:
        result[card.category_id].append(card)
    return result


# ------------------------------------------------------------------------------ one card


@dataclass
class LeafRow:
    indicator: Indicator
    score: LeafScore | None
    full: Decimal
    deduction: Decimal | None
    appeals: list[Appeal]

    @property
    def points(self):
        return self.score.points if self.score else None

    @property
    def self_points(self):
        return self.score.self_points if self.score else None


@dataclass
class Node:
    indicator: Indicator
    children: list = field(default_factory=list)  # Node (item) or LeafRow (leaf)
    max_points: Decimal = ZERO
    points: Decimal | None = None
    deduction: Decimal = ZERO


def card_breakdown(card: Scorecard) -> list[Node]:
    """The card's tree 类别 → 项目 → 细则 with every leaf's full value, self score, score,
    deduction (with reason and computed lines on the LeafScore) and appeals. Sums per item and
    category only over scored leaves. Three queries whatever the size of the sheet."""
    template_id = card.period.template_id
    indicators = list(
        Indicator.objects.filter(template_id=template_id)
        .select_related("scorer_role")
        .order_by("level", "position", "id")
    )
    scores = {
        row.indicator_id: row
        for row in LeafScore.objects.filter(scorecard=card).select_related("scored_by")
    }
    appeals: dict[int, list[Appeal]] = defaultdict(list)
    for appeal in Appeal.objects.filter(scorecard=card).order_by("created_at", "pk"):
        appeals[appeal.leaf_id].append(appeal)
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for indicator in indicators:
        if indicator.is_leaf:
            score = scores.get(indicator.pk)
            full = engine.full_points(indicator)
            deduction = None
            if score is not None and score.points is not None:
                deduction = ZERO if indicator.rule_type == RuleType.BONUS else full - score.points
            row = LeafRow(
                indicator, score, full, deduction, appeals.get(score.pk, []) if score else []
            )
            parent = nodes.get(indicator.parent_id)
            if parent is not None:
                parent.children.append(row)
            continue
        node = Node(indicator)
        nodes[indicator.pk] = node
        parent = nodes.get(indicator.parent_id)
        (parent.children if parent is not None else roots).append(node)
    for root in roots:
        _sum_node(root)
    return roots


def _sum_node(node: Node) -> None:
    points, any_scored = ZERO, False
    for child in node.children:
        if isinstance(child, Node):
            _sum_node(child)
            node.max_points += child.max_points
            node.deduction += child.deduction
            if child.points is not None:
                points += child.points
                any_scored = True
        else:
            node.max_points += child.full
            if child.points is not None:
                points += child.points
                any_scored = True
                node.deduction += child.deduction or ZERO
    node.points = points if any_scored else None


def leaf_rows(nodes: list[Node]):
    for node in nodes:
        for child in node.children:
            if isinstance(child, Node):
                yield from leaf_rows([child])
            else:
                yield child


# ------------------------------------------------------------------------------ losses


@dataclass
class Loss:
    code: str
    title: str
    deduction: Decimal
    targets: int
    leaves: int  # scored leaves (targets × periods) counted


def indicator_losses(
    user, period_or_year, root=None, *, template_name: str | None = None, owner=None, limit=None
) -> list[Loss]:
    """Per leaf (code and title, merged across the year's periods of the same template name):
    the sum of deductions and the number of targets losing points, over the visible cards of
    a period or of a year's settled periods, in `root`'s subtree. One aggregate query grouped
    by (indicator, points) — the full value of a graded leaf is read from its levels — and
    one query for those indicators."""
    leaves = LeafScore.objects.filter(
        scorecard__in=access.cards_visible(user).values("pk"),
        points__isnull=False,
    ).exclude(indicator__rule_type=RuleType.BONUS)
    if isinstance(period_or_year, Period):
        leaves = leaves.filter(scorecard__period=period_or_year)
    else:
        periods = Period.objects.filter(starts_on__year=int(period_or_year), status__in=SETTLED)
        if template_name:
            periods = periods.filter(template__name=template_name)
        if owner is not None:
            periods = periods.filter(owner=owner)
        leaves = leaves.filter(scorecard__period__in=periods.values("pk"))
    if root is not None:
        leaves = leaves.filter(
            scorecard__organization__in=_subtree(root),
        )
    rows = list(leaves.values("indicator_id", "points").annotate(n=Count("pk")).order_by())
    if not rows:
        return []
    indicators = {
        ind.pk: ind
        for ind in Indicator.objects.filter(pk__in={row["indicator_id"] for row in rows})
    }
    merged: dict[tuple[str, str], Loss] = {}
    for row in rows:
        indicator = indicators[row["indicator_id"]]
        key = (indicator.code, indicator.title)
        loss = merged.setdefault(key, Loss(indicator.code, indicator.title, ZERO, 0, 0))
        loss.leaves += row["n"]
        lost = engine.full_points(indicator) - row["points"]
        if lost > 0:
            loss.deduction += lost * row["n"]
    # Targets losing points, distinct over the periods.
    for row in (
        leaves.filter(losing_q(indicators.values()))
        .values("indicator__code", "indicator__title")
        .annotate(
            members=Count("scorecard__member_id", distinct=True),
            organizations=Count(
                "scorecard__organization_id",
                distinct=True,
                filter=Q(scorecard__member__isnull=True),
            ),
        )
        .order_by()
    ):
        loss = merged.get((row["indicator__code"], row["indicator__title"]))
        if loss is not None:
            loss.targets = row["members"] + row["organizations"]
    result = sorted(
        (loss for loss in merged.values() if loss.deduction > 0),
        key=lambda loss: (-loss.deduction, -loss.targets, _code_key(loss.code)),
    )
    return result[:limit] if limit else result


def losing_q(indicators) -> Q:
    """LeafScore rows below their leaf's full value: its max_points, or for a graded leaf the
    top level (one term per graded indicator among `indicators`). Bonus leaves never lose."""
    losing = Q(points__lt=F("indicator__max_points")) & ~Q(
        indicator__rule_type__in=(RuleType.GRADED, RuleType.BONUS)
    )
    for indicator in indicators:
        if indicator.rule_type == RuleType.GRADED:
            losing |= Q(indicator_id=indicator.pk, points__lt=engine.full_points(indicator))
    return losing


def _subtree(root):
    from dangjian.orgs.models import Organization

    return Organization.objects.filter(prefix_q("path", (root.path,))).values("pk")


def _code_key(code: str):
    return [int(part) if part.isdigit() else 0 for part in (code or "").split(".")]


# ------------------------------------------------------------------------------ trends


@dataclass
class TrendPoint:
    period: Period
    card: Scorecard | None
    total: Decimal | None
    grade: str
    rank: int | None
    category_average: Decimal | None
    category_size: int


def target_trend(card_or_target, year: int, *, user=None, template_name: str | None = None):
    """The target's totals per period of `year` (periods of the same template name and owner
    as the card's; settled periods only), with the average of the target's category in each
    period. `card_or_target` is a Scorecard, or an organisation (with `template_name`).
    Three queries."""
    if isinstance(card_or_target, Scorecard):
        card = card_or_target
        template_name = card.period.template.name
        owner_id = card.period.owner_id
        target = (
            Q(member_id=card.member_id)
            if card.member_id
            else Q(organization_id=card.organization_id, member__isnull=True)
        )
    else:
        owner_id = None
        target = Q(organization_id=card_or_target.pk, member__isnull=True)
    periods = Period.objects.filter(starts_on__year=year, status__in=SETTLED)
    if template_name:
        periods = periods.filter(template__name=template_name)
    if owner_id:
        periods = periods.filter(owner_id=owner_id)
    periods = list(periods.order_by("starts_on", "pk"))
    cards_q = Scorecard.objects.filter(target, period__in=[p.pk for p in periods])
    if user is not None:
        cards_q = cards_q.filter(pk__in=access.cards_visible(user).values("pk"))
    cards = {c.period_id: c for c in cards_q.select_related("category")}
    averages = {
        (row["period_id"], row["category_id"]): row
        for row in Scorecard.objects.filter(
            period__in=[p.pk for p in periods],
            category_id__in={c.category_id for c in cards.values() if c.category_id},
        )
        .values("period_id", "category_id")
        .annotate(total_sum=Sum("total"), n=Count("total"))
        .order_by()
    }
    points = []
    for period in periods:
        card = cards.get(period.pk)
        if card is None:
            continue
        row = averages.get((period.pk, card.category_id))
        average = engine.q(row["total_sum"] / row["n"]) if row and row["n"] else None
        points.append(
            TrendPoint(
                period,
                card,
                card.total,
                card.grade,
                card.rank,
                average,
                row["n"] if row else 0,
            )
        )
    return points


def period_averages(user, year: int, *, template_name=None, root=None) -> list[dict]:
    """Average, highest and lowest visible total per settled period of the year (one query)."""
    from django.db.models import Max, Min

    cards = access.cards_visible(user).filter(
        period__starts_on__year=year, period__status__in=SETTLED, total__isnull=False
    )
    if template_name:
        cards = cards.filter(period__template__name=template_name)
    if root is not None:
        cards = cards.filter(organization__in=_subtree(root))
    rows = (
        cards.values("period_id", "period__name", "period__starts_on")
        .annotate(total_sum=Sum("total"), n=Count("pk"), high=Max("total"), low=Min("total"))
        .order_by("period__starts_on", "period_id")
    )
    return [
        {
            "period_id": row["period_id"],
            "name": row["period__name"],
            "average": engine.q(row["total_sum"] / row["n"]),
            "high": row["high"],
            "low": row["low"],
            "cards": row["n"],
        }
        for row in rows
    ]


# ------------------------------------------------------------------------------ annual


@dataclass
class AnnualRow:
    organization_id: int
    member_id: int | None
    name: str
    category: str
    periods: int
    by_kind: dict[str, Decimal]
    total: Decimal
    vetoed: bool
    grade: str = ""
    rank: int | None = None


def annual_template(owner, year: int, template_name: str) -> Template | None:
    """The template whose bands grade the year: the latest version used that year."""
    return (
        Template.objects.filter(owner=owner, year=year, name=template_name)
        .order_by("-version")
        .first()
    )


def annual_periods(owner, year: int, template_name: str):
    return Period.objects.filter(
        owner=owner,
        template__name=template_name,
        starts_on__year=year,
        status__in=ANNUAL_STATUSES,
    )


def annual_results(user, owner, year: int, template_name: str) -> list[AnnualRow]:
    """Per target over the year's published and final periods of the template name: the
    average of its period totals, or (Template.annual_method WEIGHTED) Σ weight(kind) ×
    average of the kind's totals. When a target has no period of a weighted kind, the weights
    of the kinds it has are scaled up to the full weight (a branch formed in the summer is
    not marked down for the months it did not exist). A veto in any period vetoes the year.
    Grade from the template's bands; ranked within the category of the target's latest card.
    Three queries; the combination per target is done in Python."""
    template = annual_template(owner, year, template_name)
    if template is None:
        return []
    periods = annual_periods(owner, year, template_name)
    cards = access.cards_visible(user).filter(period__in=periods.values("pk"), total__isnull=False)
    rows = (
        cards.values("organization_id", "member_id", "period__kind")
        .annotate(
            total_sum=Sum("total"),
            n=Count("pk"),
            vetoes=Sum(Case(When(vetoed=True, then=1), default=0, output_field=IntegerField())),
        )
        .order_by()
    )
    latest = _latest_cards(cards)
    weighted = template.annual_method == Template.AnnualMethod.WEIGHTED
    weights = {
        kind: Decimal(str(value))
        for kind, value in (template.annual_weights or {}).items()
        if kind in Period.Kind.values and Decimal(str(value)) > 0
    }
    per_target: dict[tuple, dict] = defaultdict(lambda: {"kinds": {}, "n": 0, "vetoes": 0})
    for row in rows:
        key = (row["organization_id"], row["member_id"])
        entry = per_target[key]
        entry["kinds"][row["period__kind"]] = (row["total_sum"], row["n"])
        entry["n"] += row["n"]
        entry["vetoes"] += row["vetoes"] or 0
    result: list[AnnualRow] = []
    for key, entry in per_target.items():
        kinds = entry["kinds"]
        by_kind = {kind: engine.q(s / n) for kind, (s, n) in kinds.items()}
        if weighted and weights and any(kind in weights for kind in kinds):
            present = {kind: w for kind, w in weights.items() if kind in kinds}
            value = sum(present[kind] * (kinds[kind][0] / kinds[kind][1]) for kind in present)
            value = value * sum(weights.values()) / sum(present.values())
        else:
            value = sum(s for s, _ in kinds.values()) / entry["n"]
        vetoed = entry["vetoes"] > 0
        total = engine.q(value)
        if vetoed and template.veto_effect == Template.VetoEffect.ZERO:
            total = ZERO
        name, category = latest.get(key, ("", ""))
        result.append(
            AnnualRow(
                key[0],
                key[1],
                name,
                category,
                entry["n"],
                by_kind,
                total,
                vetoed,
                engine.grade_for(template, total, vetoed),
            )
        )
    by_category: dict[str, list[AnnualRow]] = defaultdict(list)
    for row in result:
        by_category[row.category].append(row)
    for group in by_category.values():
        for row, rank in zip(
            group, engine.competition_ranks([r.total for r in group]), strict=True
        ):
            row.rank = rank
    category_order = _category_order(periods)
    result.sort(
        key=lambda r: (category_order.get(r.category, 999), r.category, r.rank or 0, r.name)
    )
    return result


def _latest_cards(cards) -> dict[tuple, tuple[str, str]]:
    """(target name, category name) of each target's latest card."""
    latest: dict[tuple, tuple[str, str]] = {}
    for row in cards.values(
        "organization_id", "member_id", "target_name", "category__name"
    ).order_by("period__starts_on", "period_id"):
        latest[(row["organization_id"], row["member_id"])] = (
            row["target_name"],
            row["category__name"] or "未分类",
        )
    return latest


def _category_order(periods) -> dict[str, int]:
    from dangjian.assessment.models import Category

    order: dict[str, int] = {}
    for name, position in (
        Category.objects.filter(period__in=periods.values("pk"))
        .order_by("position", "pk")
        .values_list("name", "position")
    ):
        order.setdefault(name, position)
    return order


def annual_choices(user, year: int) -> list[dict]:
    """The (owner, template name) pairs of the year's published periods the user sees."""
    rows = (
        periods_visible(user)
        .filter(starts_on__year=year, status__in=ANNUAL_STATUSES)
        .values("owner_id", "owner__name", "template__name")
        .distinct()
        .order_by("owner__name", "template__name")
    )
    return [
        {
            "key": f"{row['owner_id']}:{row['template__name']}",
            "owner_id": row["owner_id"],
            "label": f"{row['owner__name']} · {row['template__name']}",
            "template_name": row["template__name"],
        }
        for row in rows
    ]
