"""The assessor's writes (远程考核, issue 8 items 3 and 5): score a leaf of a card, score one leaf
across many cards from one table, return a leaf to the target for more evidence, and compute
the leaves that have a live-data source.

    leaf_score        period OPEN; the actor scores the leaf (`access.can_score`); the card is
                      submitted or its self-check deadline has passed; the points come from the
                      rule input (engine.leaf_points) or are given directly; a reason is required
                      for a deduction, a veto, and any score that differs from the computed one
                      (accepting a computed deduction takes the explanation as the reason)
    leaf_scores_bulk  the same for many cards of one leaf, all or nothing, one message per row
    leaf_return       RETURNED with a message, the target's handlers are told
    sources_compute   runs the leaf's registered source once over all cards of the period and
                      writes computed_points / computed_lines in bulk; never sets `points`

Every score change recomputes the card (`engine.recompute_card`, the one writer of totals). A
card whose leaves are all scored becomes 评分完毕 and counts in the period's `scored_count`.
After lock nothing here changes a score: only an appeal decision does (services/appeals.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.assessment import engine, sources
from dangjian.assessment.access import can_score
from dangjian.assessment.models import Indicator, LeafScore, Period, Scorecard
from dangjian.assessment.permissions import SELF_CHECK
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError

MAX_REASON = 2000
BATCH = 1000

LOCKED_MESSAGE = {
    Period.Status.DRAFT: "考核周期尚未开启，不能评分。",
    Period.Status.OPENING: "考核周期正在开启，请稍后再评分。",
    Period.Status.LOCKED: "本期考核已审核锁定，不能再修改评分；如有异议请在公示期内申诉。",
    Period.Status.PUBLISHED: "本期考核结果已公示，评分只能通过申诉裁定修改。",
    Period.Status.FINAL: "本期考核已定档，不能再修改评分。",
}


@dataclass(frozen=True)
class Entry:
    """One row of a bulk scoring table (the same inputs as `leaf_score`)."""

    card: Scorecard
    occurrences: object = None
    achieved: bool | None = None
    level: str = ""
    points: object = None
    vetoed: bool = False
    reason: str = ""


# ------------------------------------------------------------------ guards


def _require_open(period: Period) -> None:
    if period.status != Period.Status.OPEN:
        raise ServiceError(LOCKED_MESSAGE.get(period.status, "本期考核不在评分阶段。"))


def _require_leaf(card: Scorecard, indicator: Indicator) -> None:
    if indicator.template_id != card.period.template_id or not indicator.is_leaf:
        raise ServiceError("这项指标不是本期考核指标体系中的评分细则。")


def _require_scorer(actor, card: Scorecard, indicator: Indicator) -> None:
    if not can_score(actor, card, indicator):
        role = indicator.scorer_role.name if indicator.scorer_role_id else "组织考核部门"
        raise ServiceError(f"细则 {indicator.code} 由{role}评分，您不负责这项细则的评分。")


def card_ready(card: Scorecard, now=None) -> bool:
    """The assessor may score once the target submitted its self-check, or its deadline passed."""
    now = now or timezone.now()
    return (
        card.status in (Scorecard.Status.SUBMITTED, Scorecard.Status.SCORED)
        or now >= card.period.self_check_until
    )


def _require_ready(card: Scorecard, now) -> None:
    if not card_ready(card, now):
        until = timezone.localtime(card.period.self_check_until)
        raise ServiceError(
            f"{card.target_name}尚未提交自查，自查截止（{until:%Y-%m-%d %H:%M}）后才能评分或退回。"
        )


def _locked_card(card: Scorecard) -> Scorecard:
    return (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("period__template", "period__owner", "organization")
        .get(pk=card.pk)
    )


def _locked_leaf(card: Scorecard, indicator: Indicator) -> LeafScore | None:
    # order_by("pk"): the default ordering joins the card's nullable category, and PostgreSQL
    # refuses FOR UPDATE on the nullable side of an outer join
    return (
        LeafScore.objects.select_for_update(of=("self",))
        .filter(scorecard=card, indicator=indicator)
        .order_by("pk")
        .first()
    )


def computed_reason(leaf: LeafScore | None) -> str:
    """The computed explanation as a reason text (the default when a computed deduction is
    accepted as it is)."""
    if leaf is None or not leaf.computed_lines:
        return ""
    return "系统按实时数据计算：" + "；".join(str(line) for line in leaf.computed_lines)


def _value(indicator, *, occurrences, achieved, level, points) -> Decimal:
    try:
        return engine.leaf_points(
            indicator,
            occurrences=occurrences,
            achieved=achieved,
            level=level or "",
            points=None if points in (None, "") else points,
        )
    except engine.ScoreError as exc:
        raise ServiceError(f"细则 {indicator.code}：{exc}") from exc


def _checked(indicator, leaf, *, occurrences, achieved, level, points, vetoed, reason) -> dict:
    """Validate one score and return the fields to write (raises ServiceError)."""
    value = _value(
        indicator, occurrences=occurrences, achieved=achieved, level=level, points=points
    )
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ServiceError(f"扣分理由不能超过{MAX_REASON}字。")
    if vetoed and not indicator.veto:
        raise ServiceError(f"细则 {indicator.code} 不是一票否决项，不能标记一票否决。")
    computed = leaf.computed_points if leaf is not None else None
    differs = computed is not None and value != computed
    deduction = engine.is_deduction(indicator, value)
    if not reason and deduction and computed is not None and not differs:
        reason = computed_reason(leaf)
    if not reason:
        if vetoed:
            raise ServiceError(f"细则 {indicator.code}：触发一票否决须写明理由。")
        if deduction:
            raise ServiceError(
                f"细则 {indicator.code}：扣分须写明理由（评{engine.fmt(value)}分，"
                f"满分{engine.fmt(engine.full_points(indicator))}分）。"
            )
        if differs:
            raise ServiceError(
                f"细则 {indicator.code}：评分与系统计算分（{engine.fmt(computed)}分）不同，"
                "须写明理由。"
            )
    rule_input = {"occurrences": None, "achieved": None, "level": ""}
    if points in (None, ""):
        if indicator.rule_type in (engine.RuleType.DEDUCTION, engine.RuleType.BONUS):
            rule_input["occurrences"] = engine.q(Decimal(str(occurrences)))
        elif indicator.rule_type == engine.RuleType.BINARY:
            rule_input["achieved"] = bool(achieved)
        else:
            rule_input["level"] = level
    elif indicator.rule_type == engine.RuleType.GRADED:
        rule_input["level"] = next(
            (c["label"] for c in indicator.levels if engine.q(c["points"]) == value), ""
        )
    elif indicator.rule_type == engine.RuleType.BINARY:
        rule_input["achieved"] = value == engine.full_points(indicator)
    return {**rule_input, "points": value, "vetoed": bool(vetoed), "reason": reason}


def _snapshot(leaf: LeafScore | None) -> dict:
    if leaf is None:
        return {}
    return {
        "status": leaf.status,
        "points": engine.fmt(leaf.points),
        "vetoed": leaf.vetoed,
        "reason": leaf.reason,
    }


def _after_score(card: Scorecard, leaves_of_template=None) -> None:
    """Recompute the card; a card whose leaves are now all scored becomes 评分完毕."""
    engine.recompute_card(card, leaves_of_template)
    if card.scored_count >= card.leaf_count and card.status != Scorecard.Status.SCORED:
        changed = Scorecard.objects.filter(pk=card.pk).exclude(status=Scorecard.Status.SCORED)
        if changed.update(status=Scorecard.Status.SCORED):
            engine.bump(Period, card.period_id, scored_count=1)
            card.status = Scorecard.Status.SCORED


# ------------------------------------------------------------------ scoring


@transaction.atomic
def leaf_score(
    *,
    actor,
    card: Scorecard,
    indicator: Indicator,
    occurrences=None,
    achieved: bool | None = None,
    level: str = "",
    points=None,
    vetoed: bool = False,
    reason: str = "",
) -> LeafScore:
    card = _locked_card(card)
    _require_open(card.period)
    _require_leaf(card, indicator)
    _require_scorer(actor, card, indicator)
    now = timezone.now()
    _require_ready(card, now)
    leaf = _locked_leaf(card, indicator)
    fields = _checked(
        indicator,
        leaf,
        occurrences=occurrences,
        achieved=achieved,
        level=level,
        points=points,
        vetoed=vetoed,
        reason=reason,
    )
    before = _snapshot(leaf)
    if leaf is None:
        leaf = LeafScore(scorecard=card, indicator=indicator)
    for name, value in fields.items():
        setattr(leaf, name, value)
    leaf.status = LeafScore.Status.SCORED
    leaf.scored_by = actor
    leaf.scored_at = now
    leaf.save()
    _after_score(card)
    audit_log(
        actor=actor,
        action="assessment.leaf_score",
        obj=leaf,
        organization=card.organization,
        before=before,
        after=_snapshot(leaf) | {"card": card.target_name, "indicator": indicator.code},
    )
    return leaf


@transaction.atomic
def leaf_scores_bulk(*, actor, period: Period, indicator: Indicator, entries: list[Entry]) -> int:
    """Score one leaf for many cards of a period (the table's 保存全部 / 全部采用系统计算分).
    Every row is validated first; one refused row refuses all, with one message per row
    ("单位：说明"). Returns the number of leaves scored."""
    period = (
        Period.objects.select_for_update(of=("self",)).select_related("template").get(pk=period.pk)
    )
    _require_open(period)
    if indicator.template_id != period.template_id or not indicator.is_leaf:
        raise ServiceError("这项指标不是本期考核指标体系中的评分细则。")
    if not entries:
        raise ServiceError("没有需要保存的评分。")
    ids = [entry.card.pk for entry in entries]
    cards = {
        card.pk: card
        for card in Scorecard.objects.select_for_update(of=("self",))
        .select_related("period__template", "organization")
        .filter(pk__in=ids, period=period)
        .order_by("pk")
    }
    leaves = {
        leaf.scorecard_id: leaf
        for leaf in LeafScore.objects.select_for_update(of=("self",))
        .filter(scorecard_id__in=ids, indicator=indicator)
        .order_by("pk")
    }
    now = timezone.now()
    errors, planned = [], []
    for entry in entries:
        card = cards.get(entry.card.pk)
        if card is None:
            errors.append(f"{entry.card.target_name}：不是本期考核的考核对象。")
            continue
        try:
            _require_scorer(actor, card, indicator)
            _require_ready(card, now)
            fields = _checked(
                indicator,
                leaves.get(card.pk),
                occurrences=entry.occurrences,
                achieved=entry.achieved,
                level=entry.level,
                points=entry.points,
                vetoed=entry.vetoed,
                reason=entry.reason,
            )
        except ServiceError as exc:
            errors.append(f"{card.target_name}：{exc.messages[0]}")
            continue
        planned.append((card, fields))
    if errors:
        raise ServiceError(errors)
    template_leaves = engine.template_leaves(period.template)
    for card, fields in planned:
        leaf = leaves.get(card.pk)
        before = _snapshot(leaf)
        if leaf is None:
            leaf = LeafScore(scorecard=card, indicator=indicator)
        for name, value in fields.items():
            setattr(leaf, name, value)
        leaf.status = LeafScore.Status.SCORED
        leaf.scored_by = actor
        leaf.scored_at = now
        leaf.save()
        _after_score(card, template_leaves)
        audit_log(
            actor=actor,
            action="assessment.leaf_score",
            obj=leaf,
            organization=card.organization,
            before=before,
            after=_snapshot(leaf) | {"card": card.target_name, "indicator": indicator.code},
        )
    return len(planned)


@transaction.atomic
def leaf_return(*, actor, card: Scorecard, indicator: Indicator, message: str) -> LeafScore:
    """Return a leaf to the target for more evidence (退回补充). Only a leaf not yet scored:
    a scored leaf is changed by scoring it again."""
    card = _locked_card(card)
    _require_open(card.period)
    _require_leaf(card, indicator)
    _require_scorer(actor, card, indicator)
    now = timezone.now()
    _require_ready(card, now)
    message = (message or "").strip()
    if not message:
        raise ServiceError("请写明退回原因和需要补充的佐证材料。")
    if len(message) > MAX_REASON:
        raise ServiceError(f"退回说明不能超过{MAX_REASON}字。")
    leaf = _locked_leaf(card, indicator)
    if leaf is not None and leaf.points is not None:
        raise ServiceError("这项细则已经评分，不能再退回；如需改分请直接修改评分。")
    if leaf is not None and leaf.status == LeafScore.Status.RETURNED:
        raise ServiceError("这项细则已经退回，正在等待对方补充（可能是重复点击）。")
    before = _snapshot(leaf)
    if leaf is None:
        leaf = LeafScore(scorecard=card, indicator=indicator)
    leaf.status = LeafScore.Status.RETURNED
    leaf.return_message = message
    leaf.returned_by = actor
    leaf.returned_at = now
    leaf.save()
    engine.recompute_card(card)
    audit_log(
        actor=actor,
        action="assessment.leaf_return",
        obj=leaf,
        organization=card.organization,
        before=before,
        after={"status": leaf.status, "message": message, "indicator": indicator.code},
    )
    _notify_target(card, indicator, message)
    return leaf


def _notify_target(card: Scorecard, indicator: Indicator, message: str) -> None:
    from dangjian.documents.access import signers_of
    from dangjian.notifications.services import notify

    recipients = signers_of([card.organization], SELF_CHECK).get(card.organization_id, [])
    if not recipients:
        return
    try:
        url = reverse("assessment:card_self", args=[card.pk])
    except NoReverseMatch:  # the self-check pages are another part's
        url = ""
    notify(
        recipients=recipients,
        title=f"考核细则 {indicator.code} 被退回补充佐证材料",
        body=f"{card.period.name}：{indicator.title}。退回说明：{message}",
        url=url,
        category="assessment",
        obj=card,
    )


# ------------------------------------------------------------------ live-data sources


@transaction.atomic
def sources_compute(*, actor=None, period: Period, indicator: Indicator | None = None) -> int:
    """Run the registered source of each leaf with a `source` (or of `indicator` only) over all
    cards of the period at once; write computed_points and computed_lines. Creates the missing
    LeafScore rows, updates the others in bulk, never touches `points`. Returns the number of
    leaves written."""
    period = Period.objects.select_related("template", "owner").get(pk=period.pk)
    _require_open(period)
    leaves = Indicator.objects.filter(template=period.template, level=Indicator.Level.RULE)
    if indicator is not None:
        if indicator.template_id != period.template_id or not indicator.is_leaf:
            raise ServiceError("这项指标不是本期考核指标体系中的评分细则。")
        if not indicator.source or sources.get(indicator.source) is None:
            raise ServiceError(f"细则 {indicator.code} 没有可用的自动计算来源。")
        leaves = leaves.filter(pk=indicator.pk)
    leaves = list(leaves.exclude(source="").order_by("position", "id"))
    if not leaves:
        return 0
    cards = list(
        Scorecard.objects.filter(period=period)
        .select_related("organization", "member")
        .order_by("pk")
    )
    written = 0
    now = timezone.now()
    for ind in leaves:
        source = sources.get(ind.source)
        if source is None or source.target_kind != period.template.target_kind:
            continue
        results = source.compute(ind, period, cards) or {}
        existing = {
            leaf.scorecard_id: leaf
            for leaf in LeafScore.objects.filter(indicator=ind, scorecard__period=period)
        }
        create, update = [], []
        for card in cards:
            result = results.get(card.pk)
            if result is None:
                continue
            points, lines = _computed_value(ind, result)
            leaf = existing.get(card.pk)
            if leaf is None:
                leaf = LeafScore(scorecard=card, indicator=ind)
                create.append(leaf)
            else:
                update.append(leaf)
            leaf.computed_points = points
            leaf.computed_lines = lines
            leaf.computed_at = now
        LeafScore.objects.bulk_create(create, batch_size=BATCH)
        LeafScore.objects.bulk_update(
            update, ["computed_points", "computed_lines", "computed_at"], batch_size=BATCH
        )
        written += len(create) + len(update)
        audit_log(
            actor=actor,
            action="assessment.leaf_compute",
            obj=ind,
            organization=period.owner,
            after={"period": period.name, "source": ind.source, "cards": len(create) + len(update)},
        )
    return written


def _computed_value(indicator: Indicator, result: sources.Computed) -> tuple[Decimal | None, list]:
    lines = [str(line) for line in (result.lines or [])]
    try:
        points = engine.leaf_points(
            indicator,
            occurrences=result.occurrences,
            achieved=result.achieved,
            points=result.points,
        )
    except engine.ScoreError as exc:
        return None, [*lines, f"未能计算得分：{exc}"]
    return points, lines
