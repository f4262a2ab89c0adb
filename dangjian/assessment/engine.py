"""The scoring engine (domain §5.4): what a leaf is worth given the assessor's input, what a card
totals to, which grade band it falls in, how targets rank within a category. Pure functions over
model instances plus `recompute_card`, the one writer of a card's totals.

Rule types (`RuleType`):
    DEDUCTION  max_points − occurrences × unit_points; with floor_at_zero ("扣完为止") never
               below 0, without it unbounded below (a 党员积分 deduction leaf has max 0)
    BINARY     max_points when achieved, else 0
    GRADED     the points of the chosen level (levels: [{"label", "points"}])
    BONUS      occurrences × unit_points, at most the leaf's bonus_cap

Card total = template.base_points + Σ leaf points, where the bonus leaves together give at most
template.bonus_cap; then clamped to [min_total, max_total]. A vetoed leaf (一票否决) sets the total
to 0 or the grade to the lowest band, as the template says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import F

from dangjian.assessment.models import (
    Indicator,
    LeafScore,
    Period,
    RuleType,
    Scorecard,
    Template,
)

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0")


class ScoreError(ValueError):
    """An input the rule does not allow; the message is Chinese and says what to fix."""


def q(value) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def fmt(value) -> str:
    """5.00 → "5", 0.50 → "0.5", -1.00 → "-1" (for pages and explanations)."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Range:
    low: Decimal | None  # None: unbounded below
    high: Decimal
    choices: tuple[Decimal, ...] = ()  # BINARY / GRADED: the only allowed values

    def describe(self) -> str:
        if self.choices:
            return "、".join(fmt(value) for value in self.choices)
        if self.low is None:
            return f"不高于{fmt(self.high)}分"
        return f"{fmt(self.low)}～{fmt(self.high)}分"


def allowed_range(indicator: Indicator) -> Range:
    rule = indicator.rule_type
    if rule == RuleType.DEDUCTION:
        return Range(ZERO if indicator.floor_at_zero else None, q(indicator.max_points))
    if rule == RuleType.BINARY:
        return Range(ZERO, q(indicator.max_points), (q(indicator.max_points), ZERO))
    if rule == RuleType.GRADED:
        values = tuple(q(level["points"]) for level in indicator.levels)
        return Range(min(values, default=ZERO), max(values, default=ZERO), values)
    cap = q(indicator.bonus_cap if indicator.bonus_cap is not None else indicator.max_points)
    return Range(ZERO, cap)


def full_points(indicator: Indicator) -> Decimal:
    """What the leaf is worth with nothing deducted (a bonus leaf: 0)."""
    if indicator.rule_type == RuleType.BONUS:
        return ZERO
    if indicator.rule_type == RuleType.GRADED:
        return allowed_range(indicator).high
    return q(indicator.max_points)


def leaf_points(
    indicator: Indicator,
    *,
    occurrences=None,
    achieved: bool | None = None,
    level: str = "",
    points=None,
) -> Decimal:
    """The leaf's points from the rule type's input. `points` given directly is checked
    against the allowed range instead (an assessor's direct score or an adjustment)."""
    rule = indicator.rule_type
    if points is not None:
        return check_points(indicator, points)
    if rule == RuleType.DEDUCTION:
        count = _count(occurrences)
        value = q(q(indicator.max_points) - count * q(indicator.unit_points))
        return max(value, ZERO) if indicator.floor_at_zero else value
    if rule == RuleType.BINARY:
        if achieved is None:
            raise ScoreError("请选择是否达标。")
        return q(indicator.max_points) if achieved else ZERO
    if rule == RuleType.GRADED:
        for choice in indicator.levels:
            if choice["label"] == level:
                return q(choice["points"])
        labels = "、".join(choice["label"] for choice in indicator.levels)
        raise ScoreError(f"请选择档次（{labels}）。")
    count = _count(occurrences)
    return min(q(count * q(indicator.unit_points)), allowed_range(indicator).high)


def _count(occurrences) -> Decimal:
    if occurrences in (None, ""):
        raise ScoreError("请填写次数。")
    try:
        count = Decimal(str(occurrences))
    except ArithmeticError as exc:
        raise ScoreError("次数须为数字。") from exc
    if count < 0:
        raise ScoreError("次数不能为负数。")
    return count


def check_points(indicator: Indicator, points) -> Decimal:
    try:
        value = q(points)
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise ScoreError("分数须为数字，最多两位小数。") from exc
    allowed = allowed_range(indicator)
    if allowed.choices and value not in allowed.choices:
        raise ScoreError(f"本细则只能评{allowed.describe()}分。")
    if value > allowed.high or (allowed.low is not None and value < allowed.low):
        raise ScoreError(f"分数超出范围：本细则可评{allowed.describe()}。")
    return value


def is_deduction(indicator: Indicator, points: Decimal) -> bool:
    """A score below the leaf's full value: the assessor must give a reason."""
    return indicator.rule_type != RuleType.BONUS and q(points) < full_points(indicator)


def grade_for(template: Template, total: Decimal | None, vetoed: bool = False) -> str:
    bands = sorted(template.bands(), key=lambda band: Decimal(str(band["min"])), reverse=True)
    if not bands or total is None:
        return ""
    if vetoed and template.veto_effect == Template.VetoEffect.GRADE:
        return bands[-1]["label"]
    for band in bands:
        if total >= Decimal(str(band["min"])):
            return band["label"]
    return bands[-1]["label"]


@dataclass(frozen=True)
class Totals:
    total: Decimal | None
    self_total: Decimal | None
    deductions: Decimal
    bonus: Decimal
    vetoed: bool
    grade: str


def card_totals(template: Template, leaves: Iterable[tuple[Indicator, LeafScore | None]]) -> Totals:
    """Totals of a card from (leaf indicator, its LeafScore or None) pairs over every leaf of the
    template. The 考核分 total exists only when every leaf has been scored; the 自查分 total
    when every leaf has a self score."""
    base = q(template.base_points)
    scored_sum = self_sum = deductions = bonus = ZERO
    scored_all = self_all = True
    vetoed = False
    for indicator, leaf in leaves:
        if leaf is None or leaf.points is None:
            scored_all = False
        else:
            if indicator.rule_type == RuleType.BONUS:
                bonus += leaf.points
            else:
                scored_sum += leaf.points
                deductions += full_points(indicator) - leaf.points
            vetoed = vetoed or (indicator.veto and leaf.vetoed)
        if leaf is None or leaf.self_points is None:
            self_all = False
        else:
            self_sum += leaf.self_points
    if template.bonus_cap is not None:
        bonus = min(bonus, q(template.bonus_cap))
    total = _clamp(template, base + scored_sum + bonus) if scored_all else None
    if total is not None and vetoed and template.veto_effect == Template.VetoEffect.ZERO:
        total = ZERO
    self_total = _clamp(template, base + self_sum) if self_all else None
    return Totals(
        total, self_total, q(deductions), q(bonus), vetoed, grade_for(template, total, vetoed)
    )


def _clamp(template: Template, value: Decimal) -> Decimal:
    if template.min_total is not None:
        value = max(value, q(template.min_total))
    if template.max_total is not None:
        value = min(value, q(template.max_total))
    return q(value)


def template_leaves(template: Template) -> list[Indicator]:
    return list(
        Indicator.objects.filter(template=template, level=Indicator.Level.RULE).order_by(
            "position", "id"
        )
    )


# The fields a recompute writes, with the PostgreSQL type of their VALUES column.
TOTAL_FIELDS = {
    "total": "numeric",
    "self_total": "numeric",
    "deduction_total": "numeric",
    "bonus_total": "numeric",
    "vetoed": "boolean",
    "grade": "varchar",
    "self_done_count": "integer",
    "scored_count": "integer",
    "returned_count": "integer",
}
RANK_FIELDS = {"rank": "integer", "previous_total": "numeric"}
BATCH = 1000


def _card_fields(template: Template, indicators, by_indicator: dict) -> tuple[Totals, dict]:
    """A card's totals and counters from its leaf rows keyed by indicator id."""
    totals = card_totals(template, [(ind, by_indicator.get(ind.pk)) for ind in indicators])
    rows = list(by_indicator.values())
    return totals, {
        "total": totals.total,
        "self_total": totals.self_total,
        "deduction_total": totals.deductions,
        "bonus_total": totals.bonus,
        "vetoed": totals.vetoed,
        "grade": totals.grade,
        "self_done_count": sum(1 for row in rows if row.self_points is not None),
        "scored_count": sum(1 for row in rows if row.points is not None),
        "returned_count": sum(1 for row in rows if row.status == LeafScore.Status.RETURNED),
    }


def recompute_card(card: Scorecard, leaves_of_template: list[Indicator] | None = None) -> Totals:
    """Recompute and save one card's totals and counters from its leaves (three queries)."""
    template = card.period.template
    indicators = leaves_of_template or template_leaves(template)
    by_indicator = {leaf.indicator_id: leaf for leaf in card.leaves.all()}
    totals, fields = _card_fields(template, indicators, by_indicator)
    Scorecard.objects.filter(pk=card.pk).update(**fields)
    card.refresh_from_db()
    return totals


def recompute_period(period: Period) -> int:
    """Every card of the period, as `recompute_card` does one, read and written per 1 000
    cards: a lock at 10 000 cards costs a few queries per 1 000 cards, not three per card."""
    template = period.template
    indicators = template_leaves(template)
    cards = list(Scorecard.objects.filter(period=period).only("pk").order_by("pk"))
    for start in range(0, len(cards), BATCH):
        batch = cards[start : start + BATCH]
        by_card: dict[int, dict[int, LeafScore]] = {}
        rows = LeafScore.objects.filter(scorecard_id__in=[c.pk for c in batch]).only(
            "pk", "scorecard_id", "indicator_id", "points", "self_points", "status", "vetoed"
        )
        for leaf in rows:
            by_card.setdefault(leaf.scorecard_id, {})[leaf.indicator_id] = leaf
        for card in batch:
            _totals, fields = _card_fields(template, indicators, by_card.get(card.pk, {}))
            for name, value in fields.items():
                setattr(card, name, value)
        write_fields(batch, TOTAL_FIELDS)
    return len(cards)


def write_fields(cards: list[Scorecard], fields: dict[str, str]) -> None:
    """Write the named fields of many cards. On PostgreSQL one `UPDATE … FROM (VALUES …)` per
    1 000 cards: Django's bulk_update builds a CASE of 1 000 WHENs per field, which took 98 s
    for 10 000 cards (measured); elsewhere bulk_update."""
    names = list(fields)
    if connection.vendor != "postgresql":
        Scorecard.objects.bulk_update(cards, names, batch_size=BATCH)
        return
    table = Scorecard._meta.db_table
    columns = ", ".join(f"{name} = v.{name}::{kind}" for name, kind in fields.items())
    row = "(" + ", ".join(["%s"] * (len(names) + 1)) + ")"
    for start in range(0, len(cards), BATCH):
        part = cards[start : start + BATCH]
        params = []
        for card in part:
            params.append(card.pk)
            params.extend(getattr(card, name) for name in names)
        sql = (
            f'UPDATE "{table}" AS c SET {columns} '  # noqa: S608 — names are constants
            f"FROM (VALUES {', '.join([row] * len(part))}) AS v(id, {', '.join(names)}) "
            "WHERE c.id = v.id::bigint"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def competition_ranks(values: list[Decimal | None]) -> list[int | None]:
    """Ranks for totals sorted or not: the highest gets 1, equal totals share a rank and the
    next rank skips (1, 1, 3). A missing total has no rank."""
    present = sorted((v for v in values if v is not None), reverse=True)
    first_index: dict[Decimal, int] = {}
    for index, value in enumerate(present):
        first_index.setdefault(value, index + 1)
    return [first_index[v] if v is not None else None for v in values]


@transaction.atomic
def rank_period(period: Period) -> int:
    """Store each card's rank within its category (and the previous period's total of the same
    target). Returns the number of cards ranked."""
    cards = list(
        Scorecard.objects.filter(period=period).only(
            "pk", "category_id", "organization_id", "member_id", "total"
        )
    )
    previous: dict[tuple[str, int], Decimal | None] = {}
    if period.previous_id:
        previous = {
            _target_key(row["organization_id"], row["member_id"]): row["total"]
            for row in Scorecard.objects.filter(period_id=period.previous_id).values(
                "organization_id", "member_id", "total"
            )
        }
    by_category: dict[int | None, list[Scorecard]] = {}
    for card in cards:
        by_category.setdefault(card.category_id, []).append(card)
    for group in by_category.values():
        for card, rank in zip(group, competition_ranks([c.total for c in group]), strict=True):
            card.rank = rank
            card.previous_total = previous.get(_target_key(card.organization_id, card.member_id))
    write_fields(cards, RANK_FIELDS)
    return len(cards)


def _target_key(organization_id: int, member_id: int | None) -> tuple[str, int]:
    """A member is the same target after a transfer; an organisation card is its organisation."""
    return ("member", member_id) if member_id else ("organization", organization_id)


def bump(model, pk, **deltas) -> None:
    """Add to summary counters with one UPDATE (F() expressions)."""
    model.objects.filter(pk=pk).update(**{name: F(name) + delta for name, delta in deltas.items()})
