"""The target's side of an assessment (自查): self scores, evidence files (佐证材料), the card's
submission and the completion of leaves an assessor returned (退回补充).

Rules (domain §5.4, issue 8 item 3):
- Only the target side writes: holders of SELF_CHECK over the card's organisation
  (`access.is_target_side`); anybody else is refused with a message (views 404 before that).
- Self-check and evidence only while the period is OPEN, and only before the card is
  submitted — afterwards only on a leaf the assessor RETURNED. A leaf already scored is not
  self-checked again.
- The self score stays within the leaf's rule (`engine.check_points`); it may be given
  directly or through the rule's own input (occurrences, 达标, level) as the assessor's is.
- Evidence is checked by its real content against the kinds the leaf asks for ("image" → JPEG
  and PNG, "pdf", "docx", "xlsx"; a leaf that names none accepts all four), ≤ 20 MB.
- Submitting needs every leaf self-scored and, where the leaf lists evidence kinds, at least
  one file; the refusal names the missing leaves by code.
- A returned leaf is resubmitted after completion; its scorers are told.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.assessment import access, engine
from dangjian.assessment.models import (
    Evidence,
    Indicator,
    LeafScore,
    Period,
    Scorecard,
)
from dangjian.assessment.permissions import MANAGE_PERIOD, SCORE
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.uploads import DOCX, IMAGES, MB, PDF, XLSX, check_upload
from dangjian.notifications.services import notify
from dangjian.orgs.models import Organization

MAX_EVIDENCE_BYTES = 20 * MB
# The leaf's `evidence_kinds` words → core.uploads kinds.
EVIDENCE_KINDS = {
    "image": IMAGES,
    "pdf": frozenset({PDF}),
    "docx": frozenset({DOCX}),
    "xlsx": frozenset({XLSX}),
}
ALL_EVIDENCE = frozenset().union(*EVIDENCE_KINDS.values())
# What the upload button accepts in the browser (the server checks the content anyway).
ACCEPT = {
    "image": "image/*",
    "pdf": "application/pdf,.pdf",
    "docx": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KIND_WORDS = {"image": "照片/图片", "pdf": "PDF", "docx": "Word", "xlsx": "Excel"}
NOTE_MAX = 2000


def evidence_kinds_of(indicator: Indicator) -> frozenset[str]:
    kinds = frozenset().union(*(EVIDENCE_KINDS.get(word, ()) for word in indicator.evidence_kinds))
    return kinds or ALL_EVIDENCE


def accept_of(indicator: Indicator) -> str:
    words = [w for w in indicator.evidence_kinds if w in ACCEPT] or list(ACCEPT)
    return ",".join(ACCEPT[w] for w in words)


def evidence_required(indicator: Indicator) -> bool:
    return bool(indicator.evidence_kinds)


def card_url(card: Scorecard) -> str:
    return reverse("assessment:card_self", args=[card.pk])


# ------------------------------------------------------------------ checks shared by the writes


def _require_target(actor, card: Scorecard) -> None:
    if not access.is_target_side(actor, card):
        raise ServiceError("您不是该考核对象的自查人：只有本组织的书记或党务干事可以自查。")


def _require_open(card: Scorecard, what: str) -> None:
    period = card.period
    if period.status != Period.Status.OPEN:
        raise ServiceError(f"考核“{period.name}”{period.get_status_display()}，不能再{what}。")


def _require_leaf_of(card: Scorecard, indicator: Indicator) -> None:
    if indicator.template_id != card.period.template_id or not indicator.is_leaf:
        raise ServiceError("该指标不是本考核表的评分细则。")


def _locked_card(card: Scorecard) -> Scorecard:
    return (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("period__template", "organization")
        .get(pk=card.pk)
    )


def _leaf_row(card: Scorecard, indicator: Indicator) -> LeafScore:
    """The card's row of the leaf, created on demand (locked for this transaction)."""
    row, _ = LeafScore.objects.get_or_create(scorecard=card, indicator=indicator)
    return LeafScore.objects.select_for_update().get(pk=row.pk)


def _require_editable(card: Scorecard, row: LeafScore, what: str) -> None:
    if row.status == LeafScore.Status.SCORED:
        raise ServiceError(f"细则 {row.indicator.code} 已评分，不能再{what}。")
    if card.status != Scorecard.Status.SELF_CHECK and row.status != LeafScore.Status.RETURNED:
        raise ServiceError(
            f"自查已提交，不能再{what}；只有被退回补充的细则可以修改（细则 {row.indicator.code}）。"
        )


# ------------------------------------------------------------------ self score


def self_points_from(indicator: Indicator, *, self_points=None, occurrences=None, achieved=None,
                     level: str = ""):  # fmt: skip
    """The self score from a direct value or from the rule's input, checked by the engine."""
    try:
        if self_points not in (None, ""):
            return engine.check_points(indicator, self_points)
        return engine.leaf_points(
            indicator, occurrences=occurrences, achieved=achieved, level=level or ""
        )
    except engine.ScoreError as exc:
        raise ServiceError(f"细则 {indicator.code}：{exc}") from exc


def leaf_self_check(
    *,
    actor,
    card: Scorecard,
    indicator: Indicator,
    self_points=None,
    self_note: str = "",
    occurrences=None,
    achieved: bool | None = None,
    level: str = "",
) -> LeafScore:
    """Write the target's self score and explanation of one leaf. `self_points` directly, or
    the rule's input (occurrences / achieved / level) from which the engine computes it."""
    self_note = (self_note or "").strip()
    if len(self_note) > NOTE_MAX:
        raise ServiceError(f"自查说明最多 {NOTE_MAX} 字，请精简后再保存。")
    with transaction.atomic():
        card = _locked_card(card)
        _require_target(actor, card)
        _require_leaf_of(card, indicator)
        _require_open(card, "自查")
        points = self_points_from(
            indicator,
            self_points=self_points,
            occurrences=occurrences,
            achieved=achieved,
            level=level,
        )
        row = _leaf_row(card, indicator)
        row.indicator = indicator
        _require_editable(card, row, "修改自查")
        before = {"self_points": row.self_points, "self_note": row.self_note}
        row.self_points = points
        row.self_note = self_note
        row.self_at = timezone.now()
        if row.status == LeafScore.Status.EMPTY:
            row.status = LeafScore.Status.SELF_DONE
        row.save(update_fields=["self_points", "self_note", "self_at", "status"])
        engine.recompute_card(card)
        audit_log(
            actor=actor,
            action="assessment.self_check",
            obj=row,
            organization=card.organization,
            before=before,
            after={"leaf": indicator.code, "self_points": points, "self_note": self_note},
        )
    return row


# ------------------------------------------------------------------ evidence


def evidence_upload(*, actor, card: Scorecard, indicator: Indicator, file, appeal=None) -> Evidence:
    """Store one evidence file of a leaf (佐证材料), or of an appeal (`appeal` given: the
    appeal service checks the window; the file is kept with stage APPEAL)."""
    with transaction.atomic():
        card = _locked_card(card)
        if appeal is None or appeal.created_by_id != actor.pk:  # a member appeals his own card
            _require_target(actor, card)
        _require_leaf_of(card, indicator)
        if appeal is None:
            _require_open(card, "上传佐证材料")
            kinds = evidence_kinds_of(indicator)
        else:
            if appeal.scorecard_id != card.pk:
                raise ServiceError("申诉不属于该考核表。")
            kinds = ALL_EVIDENCE
        try:
            kind = check_upload(file, kinds=kinds, max_bytes=MAX_EVIDENCE_BYTES, what="佐证材料")
        except ValidationError as exc:
            raise ServiceError(f"细则 {indicator.code}：{exc.messages[0]}") from exc
        row = _leaf_row(card, indicator)
        row.indicator = indicator
        if appeal is None:
            _require_editable(card, row, "上传佐证材料")
        name = (getattr(file, "name", "") or "佐证材料").replace("\\", "/").rsplit("/", 1)[-1]
        name = name.strip()[:200] or "佐证材料"
        evidence = Evidence(
            scorecard=card,
            leaf=row,
            appeal=appeal,
            stage=Evidence.Stage.APPEAL if appeal is not None else Evidence.Stage.SELF_CHECK,
            title=name,
            file_kind=kind,
            size=file.size,
            uploaded_by=actor,
        )
        file.seek(0)
        evidence.file.save(name, file, save=False)
        evidence.save()
        engine.bump(Scorecard, card.pk, evidence_count=1)
        audit_log(
            actor=actor,
            action="assessment.evidence_upload",
            obj=evidence,
            organization=card.organization,
            after={
                "leaf": indicator.code,
                "title": name,
                "kind": kind,
                "size": file.size,
                "appeal": appeal.pk if appeal is not None else None,
            },
        )
    return evidence


def evidence_delete(*, actor, evidence: Evidence) -> None:
    """Remove a self-check file: before the submission, or on a leaf returned for completion."""
    with transaction.atomic():
        card = _locked_card(evidence.scorecard)
        _require_target(actor, card)
        evidence = Evidence.objects.select_related("leaf__indicator").filter(pk=evidence.pk).first()
        if evidence is None:
            raise ServiceError("该佐证材料已经删除。")
        if evidence.stage != Evidence.Stage.SELF_CHECK:
            raise ServiceError("申诉材料随申诉保存，不能删除。")
        _require_open(card, "删除佐证材料")
        row = LeafScore.objects.select_for_update().get(pk=evidence.leaf_id)
        row.indicator = evidence.leaf.indicator
        _require_editable(card, row, "删除佐证材料")
        audit_log(
            actor=actor,
            action="assessment.evidence_delete",
            obj=evidence,
            organization=card.organization,
            before={"leaf": row.indicator.code, "title": evidence.title},
        )
        stored = evidence.file
        evidence.delete()
        engine.bump(Scorecard, card.pk, evidence_count=-1)
        transaction.on_commit(lambda: stored.storage.delete(stored.name))


# ------------------------------------------------------------------ submission


def missing_for_submit(card: Scorecard) -> list[tuple[Indicator, str]]:
    """(leaf, what is missing) for every leaf that blocks the submission, in sheet order
    (three queries)."""
    leaves = engine.template_leaves(card.period.template)
    rows = {row.indicator_id: row for row in LeafScore.objects.filter(scorecard=card)}
    with_files = set(
        Evidence.objects.filter(scorecard=card, stage=Evidence.Stage.SELF_CHECK).values_list(
            "leaf__indicator_id", flat=True
        )
    )
    missing = []
    for indicator in leaves:
        row = rows.get(indicator.pk)
        lacks = []
        if row is None or row.self_points is None:
            lacks.append("未自查")
        if evidence_required(indicator) and indicator.pk not in with_files:
            lacks.append("缺佐证材料")
        if lacks:
            missing.append((indicator, "、".join(lacks)))
    return missing


def card_submit(*, actor, card: Scorecard) -> Scorecard:
    with transaction.atomic():
        card = _locked_card(card)
        _require_target(actor, card)
        _require_open(card, "提交自查")
        if card.status != Scorecard.Status.SELF_CHECK:
            when = (
                f"于 {timezone.localtime(card.submitted_at):%Y-%m-%d %H:%M} "
                if card.submitted_at
                else ""
            )
            raise ServiceError(f"自查已{when}提交，无需重复提交。")
        missing = missing_for_submit(card)
        if missing:
            listed = "；".join(f"{ind.code}（{lacks}）" for ind, lacks in missing[:20])
            more = f" 等 {len(missing)} 项" if len(missing) > 20 else f"，共 {len(missing)} 项"
            raise ServiceError(f"还不能提交：以下细则未完成 —— {listed}{more}。请补齐后再提交。")
        now = timezone.now()
        changed = Scorecard.objects.filter(pk=card.pk, status=Scorecard.Status.SELF_CHECK).update(
            status=Scorecard.Status.SUBMITTED, submitted_at=now, submitted_by=actor
        )
        if changed:
            engine.bump(Period, card.period_id, submitted_count=1)
        card.refresh_from_db()
        audit_log(
            actor=actor,
            action="assessment.card_submit",
            obj=card,
            organization=card.organization,
            before={"status": Scorecard.Status.SELF_CHECK},
            after={"status": card.status, "self_total": card.self_total},
        )
    return card


# ------------------------------------------------------------------ returned leaves


def scorers_of(card: Scorecard, indicator: Indicator) -> list[int]:
    """The users who score this leaf of this card: holders of the leaf's scorer role granted
    over the card's organisation (or an ancestor) whose role includes SCORE; for a leaf
    without a role, the MANAGE_PERIOD holders over it. One query over RoleAssignment."""
    path = card.organization.path
    step = Organization.steplen
    ancestors = [path[:end] for end in range(len(path), 0, -step)]
    rows = RoleAssignment.objects.filter(
        organization__path__in=ancestors, organization__is_active=True, user__is_active=True
    )
    if indicator.scorer_role_id:
        rows = rows.filter(role_id=indicator.scorer_role_id)
        wanted = SCORE
    else:
        wanted = MANAGE_PERIOD
    return sorted(
        {
            user_id
            for user_id, permissions in rows.values_list("user_id", "role__permissions")
            if wanted in (permissions or [])
        }
    )


def leaf_resubmit(*, actor, card: Scorecard, indicator: Indicator, note: str = "") -> LeafScore:
    """A RETURNED leaf completed by the target goes back to the assessor (SELF_DONE)."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(f"补充说明最多 {NOTE_MAX} 字。")
    with transaction.atomic():
        card = _locked_card(card)
        _require_target(actor, card)
        _require_leaf_of(card, indicator)
        _require_open(card, "重新提交")
        row = (
            LeafScore.objects.select_for_update(of=("self",))
            .filter(scorecard=card, indicator=indicator)
            .order_by()
            .first()
        )
        if row is None or row.status != LeafScore.Status.RETURNED:
            raise ServiceError(f"细则 {indicator.code} 没有被退回，无需重新提交。")
        row.indicator = indicator
        if row.self_points is None:
            raise ServiceError(f"细则 {indicator.code}：请先填写自查分再重新提交。")
        if (
            evidence_required(indicator)
            and not Evidence.objects.filter(leaf=row, stage=Evidence.Stage.SELF_CHECK).exists()
        ):
            raise ServiceError(f"细则 {indicator.code}：请先上传佐证材料再重新提交。")
        if note:
            stamp = timezone.localtime().strftime("%m-%d %H:%M")
            row.self_note = f"{row.self_note}\n【{stamp} 补充说明】{note}".strip()[: NOTE_MAX * 2]
        row.status = LeafScore.Status.SELF_DONE
        row.save(update_fields=["status", "self_note"])
        engine.recompute_card(card)
        audit_log(
            actor=actor,
            action="assessment.leaf_resubmit",
            obj=row,
            organization=card.organization,
            before={"status": LeafScore.Status.RETURNED, "return_message": row.return_message},
            after={"status": row.status, "note": note},
        )
        recipients = scorers_of(card, indicator)
        if recipients:
            notify(
                recipients=recipients,
                title=f"{card.target_name}已补充细则 {indicator.code}，请重新评分",
                body=f"{card.period.name} · {indicator.title}"
                + (f"\n补充说明：{note}" if note else ""),
                url=_score_url(card),
                category="assessment",
                obj=row,
            )
    return row


def _score_url(card: Scorecard) -> str:
    try:
        return reverse("assessment:score_card", args=[card.pk])
    except NoReverseMatch:  # the scoring pages are another part's (until they exist)
        return ""
