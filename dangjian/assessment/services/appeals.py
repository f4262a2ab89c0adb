"""Appeals (申诉) of published results: the target files one against a deducted leaf during the
window; a manager of the period decides it. An upheld appeal is the only way a score changes
after lock: the leaf gets its new points (checked by the engine), `changed_by_appeal`, the card
is recomputed and the period re-ranked.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment import engine
from dangjian.assessment.access import is_manager, is_target_side
from dangjian.assessment.models import (
    Appeal,
    Indicator,
    LeafScore,
    Period,
    RuleType,
    Scorecard,
)
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.notifications.services import notify

MAX_FILES = 10


def _is_own_member_card(actor, card: Scorecard) -> bool:
    person_id = getattr(actor, "person_id", None)
    return bool(card.member_id and person_id and card.member.person_id == person_id)


def may_appeal(actor, card: Scorecard) -> bool:
    """The target side of the card (SELF_CHECK over its organisation), or the member of a
    member card."""
    return is_target_side(actor, card) or _is_own_member_card(actor, card)


def _leaf_of(card: Scorecard, leaf) -> LeafScore:
    if isinstance(leaf, Indicator):
        found = (
            LeafScore.objects.select_for_update(of=("self",))
            .select_related("indicator")
            .filter(scorecard=card, indicator=leaf)
            .first()
        )
    elif isinstance(leaf, LeafScore):
        found = (
            LeafScore.objects.select_for_update(of=("self",))
            .select_related("indicator")
            .filter(pk=leaf.pk, scorecard=card)
            .first()
        )
    else:
        found = None
    if found is None:
        raise ServiceError("这项细则还没有考核分，不能申诉。")
    return found


def _appeals_url(period: Period) -> str:
    return reverse("assessment:appeals", args=[period.pk])


def _card_url(card: Scorecard) -> str:
    for name in ("assessment:card_result", "assessment:card_self"):
        try:
            return reverse(name, args=[card.pk])
        except Exception:  # noqa: S112 — the other parts' pages land in their own commits
            continue
    return ""


@transaction.atomic
def appeal_file(*, actor, card: Scorecard, leaf, reason: str, files=(), now=None) -> Appeal:
    """申诉: during the window, against a leaf with a deduction, one open appeal per leaf and
    one appeal per leaf in all (a decided leaf is not appealed again)."""
    now = now or timezone.now()
    card = (
        Scorecard.objects.select_related("period__owner", "period__template", "organization")
        .select_related("member")
        .get(pk=card.pk)
    )
    period = card.period
    if not may_appeal(actor, card):
        raise ServiceError(f"您不能替{card.target_name}提出申诉。")
    if period.status != Period.Status.PUBLISHED:
        raise ServiceError(f"本期考核{period.get_status_display()}，不在申诉期内，不能申诉。")
    if period.appeal_until is None or now > period.appeal_until:
        raise ServiceError("申诉期已结束，不能再提出申诉。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请写明申诉理由：哪一项扣分有误、为什么。")
    if len(reason) > 2000:
        raise ServiceError("申诉理由不能超过 2000 字。")
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        raise ServiceError(f"一次申诉最多上传 {MAX_FILES} 个佐证材料。")
    row = _leaf_of(card, leaf)
    indicator = row.indicator
    if row.points is None or not (engine.is_deduction(indicator, row.points) or row.vetoed):
        raise ServiceError(f"细则 {indicator.code} 没有扣分，不需要申诉。")
    earlier = Appeal.objects.filter(leaf=row).first()
    if earlier is not None:
        if earlier.status == Appeal.Status.PENDING:
            raise ServiceError(f"细则 {indicator.code} 已有申诉在裁定中，请等待裁定结果。")
        raise ServiceError(
            f"细则 {indicator.code} 的申诉已裁定（{earlier.get_status_display()}），不能再次申诉。"
        )
    appeal = Appeal.objects.create(
        scorecard=card,
        leaf=row,
        reason=reason,
        points_before=row.points,
        created_by=actor,
    )
    if files:
        from dangjian.assessment.services.selfcheck import evidence_upload

        for file in files:
            evidence_upload(actor=actor, card=card, indicator=indicator, file=file, appeal=appeal)
    engine.bump(Period, period.pk, appeal_count=1, appeal_open_count=1)
    audit_log(
        actor=actor,
        action="assessment.appeal_file",
        obj=appeal,
        organization=card.organization,
        after={
            "card": card.target_name,
            "leaf": indicator.code,
            "points": row.points,
            "files": len(files),
        },
    )
    from dangjian.assessment.services.periods import managers_of

    managers = managers_of(period)
    if managers:
        notify(
            recipients=managers,
            title=f"新的考核申诉：{card.target_name}",
            body=f"{period.name} · 细则 {indicator.code} {indicator.title[:40]}",
            url=_appeals_url(period),
            category="assessment",
            obj=appeal,
            dedupe_key=f"assessment-appeal:{appeal.pk}",
        )
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    actor,
    appeal: Appeal,
    upheld: bool,
    decision: str,
    occurrences=None,
    achieved=None,
    level: str = "",
    points=None,
    now=None,
) -> Appeal:
    """裁定: 维持 (rejected: nothing changes) or 成立 (upheld: the leaf's new points from the
    rule's input, checked by the engine; the card recomputed, the period re-ranked)."""
    now = now or timezone.now()
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("scorecard__period__owner", "scorecard__period__template")
        .get(pk=appeal.pk)
    )
    card = appeal.scorecard
    period = card.period
    if not is_manager(actor, period):
        raise ServiceError("您没有裁定这件申诉的权限（须在组织考核单位持有“组织考核”权限）。")
    if appeal.status != Appeal.Status.PENDING:
        raise ServiceError(
            f"这件申诉已于 {timezone.localtime(appeal.decided_at):%Y-%m-%d %H:%M} 裁定"
            f"（{appeal.get_status_display()}），不能再次裁定。"
        )
    if period.status != Period.Status.PUBLISHED:
        raise ServiceError(f"本期考核{period.get_status_display()}，不能再裁定申诉。")
    decision = (decision or "").strip()
    if not decision:
        raise ServiceError("请填写裁定意见（会告知申诉单位）。")
    leaf = LeafScore.objects.select_for_update(of=("self",)).select_related("indicator")
    leaf = leaf.get(pk=appeal.leaf_id)
    indicator = leaf.indicator
    before = {"points": leaf.points, "total": card.total, "rank": card.rank}
    if upheld:
        try:
            new_points = engine.leaf_points(
                indicator, occurrences=occurrences, achieved=achieved, level=level, points=points
            )
        except engine.ScoreError as exc:
            raise ServiceError(str(exc)) from exc
        if new_points == leaf.points and not leaf.vetoed:
            raise ServiceError(
                "申诉成立时须给出改正后的得分（与原考核分不同）；如不改分，请选择“维持原评分”。"
            )
        if indicator.rule_type in (RuleType.DEDUCTION, RuleType.BONUS) and points is None:
            leaf.occurrences = Decimal(str(occurrences))
        if achieved is not None:
            leaf.achieved = achieved
        if level:
            leaf.level = level
        leaf.points = new_points
        leaf.vetoed = False
        leaf.changed_by_appeal = True
        leaf.reason = (leaf.reason + f"\n（申诉裁定：{decision}）").strip()[:4000]
        leaf.save(
            update_fields=[
                "occurrences",
                "achieved",
                "level",
                "points",
                "vetoed",
                "changed_by_appeal",
                "reason",
            ]
        )
        engine.recompute_card(card)
        engine.rank_period(period)
        card.refresh_from_db()
        appeal.status = Appeal.Status.UPHELD
        appeal.points_after = new_points
    else:
        appeal.status = Appeal.Status.REJECTED
        appeal.points_after = leaf.points
    appeal.decision = decision[:2000]
    appeal.decided_by = actor
    appeal.decided_at = now
    appeal.save(update_fields=["status", "points_after", "decision", "decided_by", "decided_at"])
    engine.bump(Period, period.pk, appeal_open_count=-1)
    audit_log(
        actor=actor,
        action="assessment.appeal_decide",
        obj=appeal,
        organization=card.organization,
        before=before,
        after={
            "upheld": bool(upheld),
            "points": appeal.points_after,
            "total": card.total,
            "rank": card.rank,
            "leaf": indicator.code,
        },
    )
    outcome = "申诉成立" if upheld else "维持原评分"
    text = f"细则 {indicator.code}：{outcome}。{decision}"
    if upheld:
        text += f"（{engine.fmt(before['points'])} → {engine.fmt(appeal.points_after)} 分）"
    notify(
        recipients=[appeal.created_by_id],
        title=f"申诉裁定结果：{card.target_name}",
        body=text,
        url=_card_url(card),
        category="assessment",
        obj=appeal,
        dedupe_key=f"assessment-appeal-decided:{appeal.pk}",
    )
    return appeal
