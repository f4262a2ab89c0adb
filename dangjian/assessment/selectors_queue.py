"""The assessor's queue (评分任务, issue 8 item 6): which leaves of which periods wait for the
user's score, and the cards behind each count.

A leaf is scored by the holders of its `scorer_role` over the card's organisation (SCORE), a
leaf without a role by the MANAGE_PERIOD holders (`access.scorer_prefixes`). So the user's work
splits into groups, one per role they score through (plus the role-less leaves for managers),
each with its own subtrees.

Counts per (period, leaf), from a fixed number of aggregate queries whatever the number of
cards, leaves or periods (LeafScore rows are created on demand, so a card without a row for the
leaf is simply not scored yet):

    targets    the cards of the period inside the group's subtrees
    waiting    of those, not yet ready: the target has not submitted and the self-check
               deadline has not passed (待自查)
    pending    ready, not scored, not returned (待评分) = ready − scored − returned
    returned   returned to the target for more evidence, not scored since (已退回)
    scored     scored (已评分)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from dangjian.assessment.access import scorer_prefixes, scorer_role_ids
from dangjian.assessment.models import Indicator, LeafScore, Period, Scorecard
from dangjian.assessment.permissions import MANAGE_PERIOD
from dangjian.core.scope import scope_condition, scope_of

STATUSES = {
    "": "全部",
    "pending": "待评分",
    "returned": "已退回",
    "scored": "已评分",
    "waiting": "待自查",
}


@dataclass
class QueueRow:
    period: Period
    indicator: Indicator
    targets: int = 0
    ready: int = 0
    returned: int = 0
    scored: int = 0

    @property
    def waiting(self) -> int:
        return max(self.targets - self.ready, 0)

    @property
    def pending(self) -> int:
        return max(self.ready - self.scored - self.returned, 0)


@dataclass
class Group:
    """Leaves of one scorer role (None: role-less leaves, scored by managers) and the subtrees
    over which the user scores them."""

    role_id: int | None
    prefixes: tuple[str, ...]

    def leaf_q(self, lookup: str = "") -> Q:
        if self.role_id is None:
            return Q(**{f"{lookup}scorer_role__isnull": True})
        return Q(**{f"{lookup}scorer_role_id": self.role_id})

    def card_q(self, lookup: str = "") -> Q:
        return scope_condition(f"{lookup}organization__path", self.prefixes)


def groups_of(user) -> list[Group]:
    groups = [
        Group(role_id, prefixes)
        for role_id in sorted(scorer_role_ids(user))
        if (prefixes := scorer_prefixes(user, role_id))
    ]
    managed = scope_of(user).paths_for(MANAGE_PERIOD)
    if managed:
        groups.append(Group(None, managed))
    return groups


def group_for(user, indicator: Indicator) -> Group | None:
    prefixes = scorer_prefixes(user, indicator.scorer_role_id)
    return Group(indicator.scorer_role_id, prefixes) if prefixes else None


def ready_q(now=None, lookup: str = "") -> Q:
    """Cards the assessor may score: submitted (or already scored), or past the deadline."""
    now = now or timezone.now()
    return Q(**{f"{lookup}status__in": (Scorecard.Status.SUBMITTED, Scorecard.Status.SCORED)}) | Q(
        **{f"{lookup}period__self_check_until__lte": now}
    )


def _card_filters(*, category: str = "", q: str = "", lookup: str = "") -> Q:
    condition = Q()
    if category:
        condition &= Q(**{f"{lookup}category__name": category})
    if q:
        condition &= Q(**{f"{lookup}target_name__icontains": q.strip()})
    return condition


def queue_periods(user, *, period_id=None, statuses=(Period.Status.OPEN,)):
    """The periods in which the user has leaves to score (a queryset, for DB pagination): by
    default the open ones; with `period_id` that period whatever its state."""
    groups = groups_of(user)
    if not groups:
        return Period.objects.none()
    periods = Period.objects.all()
    periods = periods.filter(pk=period_id) if period_id else periods.filter(status__in=statuses)
    leaves = Q()
    for group in groups:
        inside = Scorecard.objects.filter(group.card_q(), period=OuterRef("pk"))
        has_leaf = Indicator.objects.filter(
            group.leaf_q(), template=OuterRef("template"), level=Indicator.Level.RULE
        )
        leaves |= Q(Exists(inside)) & Q(Exists(has_leaf))
    return periods.filter(leaves).select_related("template", "owner").order_by("-starts_on", "-id")


def queue_summary(
    user, periods=None, *, category: str = "", status: str = "", q: str = "", now=None
) -> list[QueueRow]:
    """One row per (period, leaf the user scores) with its counts; three queries for any
    number of periods, leaves and cards (plus the user's scope, cached)."""
    groups = groups_of(user)
    if not groups:
        return []
    periods = list(periods if periods is not None else queue_periods(user))
    if not periods:
        return []
    now = now or timezone.now()
    leaf_condition = Q()
    for group in groups:
        leaf_condition |= group.leaf_q()
    indicators = list(
        Indicator.objects.filter(
            leaf_condition,
            template_id__in={p.template_id for p in periods},
            level=Indicator.Level.RULE,
        )
        .select_related("scorer_role")
        .order_by("template_id", "position", "id")
    )
    if not indicators:
        return []
    filters = _card_filters(category=category, q=q)
    aggregates = {}
    for index, group in enumerate(groups):
        aggregates[f"all_{index}"] = Count("pk", filter=group.card_q())
        aggregates[f"ready_{index}"] = Count("pk", filter=group.card_q() & ready_q(now))
    card_counts = {
        row["period_id"]: row
        for row in Scorecard.objects.filter(filters, period__in=[p.pk for p in periods])
        .order_by()
        .values("period_id")
        .annotate(**aggregates)
    }
    leaf_scope = Q()
    for group in groups:
        leaf_scope |= group.leaf_q("indicator__") & group.card_q("scorecard__")
    leaf_counts = {
        (row["scorecard__period_id"], row["indicator_id"]): row
        for row in LeafScore.objects.filter(
            leaf_scope,
            _card_filters(category=category, q=q, lookup="scorecard__"),
            scorecard__period__in=[p.pk for p in periods],
            indicator__in=[ind.pk for ind in indicators],
        )
        .order_by()
        .values("scorecard__period_id", "indicator_id")
        .annotate(
            scored=Count("pk", filter=Q(points__isnull=False)),
            returned=Count("pk", filter=Q(status=LeafScore.Status.RETURNED, points__isnull=True)),
        )
    }
    group_index = {group.role_id: index for index, group in enumerate(groups)}
    rows = []
    for period in periods:
        counts = card_counts.get(period.pk, {})
        for indicator in indicators:
            if indicator.template_id != period.template_id:
                continue
            index = group_index.get(indicator.scorer_role_id)
            if index is None:
                continue
            leaf = leaf_counts.get((period.pk, indicator.pk), {})
            row = QueueRow(
                period,
                indicator,
                targets=counts.get(f"all_{index}", 0),
                ready=counts.get(f"ready_{index}", 0),
                returned=leaf.get("returned", 0),
                scored=leaf.get("scored", 0),
            )
            if row.targets and _status_matches(row, status):
                rows.append(row)
    return rows


def _status_matches(row: QueueRow, status: str) -> bool:
    if status in ("pending", "returned", "scored", "waiting"):
        return getattr(row, status) > 0
    return True


def queue_totals(rows: list[QueueRow]) -> dict:
    return {
        "pending": sum(r.pending for r in rows),
        "returned": sum(r.returned for r in rows),
        "scored": sum(r.scored for r in rows),
        "waiting": sum(r.waiting for r in rows),
    }


def queue_cards(
    user,
    period: Period,
    indicator: Indicator,
    status: str = "",
    *,
    category: str = "",
    q: str = "",
    now=None,
):
    """The cards of the period whose `indicator` the user scores (a queryset for DB
    pagination), filtered by the leaf's state; `Scorecard.objects.none()` when none."""
    group = group_for(user, indicator)
    if group is None or indicator.template_id != period.template_id:
        return Scorecard.objects.none()
    now = now or timezone.now()
    cards = Scorecard.objects.filter(
        group.card_q(), _card_filters(category=category, q=q), period=period
    )
    of_leaf = LeafScore.objects.filter(scorecard=OuterRef("pk"), indicator=indicator)
    scored = of_leaf.filter(points__isnull=False)
    returned = of_leaf.filter(status=LeafScore.Status.RETURNED, points__isnull=True)
    if status == "pending":
        cards = cards.filter(ready_q(now)).exclude(Exists(scored)).exclude(Exists(returned))
    elif status == "returned":
        cards = cards.filter(Exists(returned))
    elif status == "scored":
        cards = cards.filter(Exists(scored))
    elif status == "waiting":
        cards = cards.exclude(ready_q(now))
    return cards.select_related("period", "category", "organization").order_by(
        "category__position", "target_name", "pk"
    )


def leaves_of_cards(cards, indicator: Indicator) -> dict[int, LeafScore]:
    """{card id: LeafScore} of one leaf for a page of cards, with the self-check evidence
    (two queries)."""
    return {
        leaf.scorecard_id: leaf
        for leaf in LeafScore.objects.filter(
            scorecard__in=[card.pk for card in cards], indicator=indicator
        )
        .select_related("scored_by", "returned_by")
        .prefetch_related("evidence")
    }


def my_leaves_of_card(user, card: Scorecard) -> list[tuple[Indicator, LeafScore | None]]:
    """The leaves of one card that the user scores, with their LeafScore rows (three
    queries)."""
    path = card.organization.path
    indicators = [
        indicator
        for indicator in Indicator.objects.filter(
            template_id=card.period.template_id, level=Indicator.Level.RULE
        )
        .select_related("scorer_role", "parent")
        .order_by("position", "id")
        if any(path.startswith(p) for p in scorer_prefixes(user, indicator.scorer_role_id))
    ]
    rows = {
        leaf.indicator_id: leaf
        for leaf in LeafScore.objects.filter(scorecard=card)
        .select_related("scored_by", "returned_by")
        .prefetch_related("evidence")
    }
    return [(indicator, rows.get(indicator.pk)) for indicator in indicators]
