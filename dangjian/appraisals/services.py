"""Writes of 民主评议党员 (domain §3.3). Each is one transaction with its audit entry.

The branch (`appraisals.manage_appraisal` over it) opens a round, moves it through its phases,
proposes the grades and records the final ones; a participating member writes a
self-assessment and submits the peer ratings once. See `models` for why a rating can never be
linked back to its rater; the audit entry of a submission records that the member rated,
never what.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from dangjian.appraisals import rules
from dangjian.appraisals.models import (
    PHASE_ORDER,
    Grade,
    MeetingKind,
    Participant,
    PeerScope,
    Phase,
    RatingTally,
    Result,
    ResultGrade,
    Round,
)
from dangjian.appraisals.permissions import MANAGE_APPRAISAL
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.core.rules import rule_source, rule_value
from dangjian.core.scope import require_in_scope
from dangjian.members.models import Category, Member
from dangjian.members.models.choices import IN_GOOD_STANDING
from dangjian.notifications.services import notify
from dangjian.orgs.models import BRANCH_TYPES

REASON_MAX = 300
SELF_ASSESSMENT_MAX = 5000
CHINESE_FRACTIONS = {1: "全部", 2: "二分之一", 3: "三分之一", 4: "四分之一", 5: "五分之一"}


# ---------------------------------------------------------------- the 1/3 cap


def excellent_limit(graded: int, *, on: datetime.date | None = None) -> int:
    """How many of `graded` members may be 优秀: graded ÷ 3, floored by default (§3.3)."""
    denominator = int(rule_value(rules.EXCELLENT_DENOMINATOR, on=on))
    share = Decimal(graded) / Decimal(denominator)
    rounding = (
        ROUND_HALF_UP if rule_value(rules.EXCELLENT_ROUNDING, on=on) == "round" else ROUND_FLOOR
    )
    return int(share.quantize(Decimal(1), rounding=rounding))


def cap_description(graded: int, *, on: datetime.date | None = None) -> str:
    denominator = int(rule_value(rules.EXCELLENT_DENOMINATOR, on=on))
    fraction = CHINESE_FRACTIONS.get(denominator, f"{denominator}分之一")
    how = "四舍五入" if rule_value(rules.EXCELLENT_ROUNDING, on=on) == "round" else "向下取整"
    return f"评定等次的 {graded} 人的{fraction}，{how}"


def check_excellent_cap(excellent: int, graded: int, *, on: datetime.date | None = None) -> None:
    limit = excellent_limit(graded, on=on)
    if excellent <= limit:
        return
    raise RuleViolation(
        f"评为优秀的有 {excellent} 人，超过了上限 {limit} 人（{cap_description(graded, on=on)}）。",
        rule_key=rules.EXCELLENT_DENOMINATOR,
        source=rule_source(rules.EXCELLENT_DENOMINATOR, on=on),
        remedy=f"请把其中 {excellent - limit} 人改为其他等次。",
    )


# ---------------------------------------------------------------- opening a round


def round_open(
    *,
    actor,
    organization,
    year: int,
    peer_scope: str,
    self_ends_on: datetime.date,
    peer_ends_on: datetime.date,
    propose_ends_on: datetime.date,
    final_ends_on: datetime.date,
) -> Round:
    """Open the round of a branch for a year and snapshot its participants: the members in
    good standing (正常/恢复党籍) of the branch who are not 失联, with their 党小组 and category."""
    require_in_scope(actor, MANAGE_APPRAISAL, organization.path)
    today = timezone.localdate()
    _check_opening(organization, year, peer_scope, today)
    dates = [self_ends_on, peer_ends_on, propose_ends_on, final_ends_on]
    _check_dates(dates, today)
    members = list(_eligible_members(organization))
    if not members:
        raise ServiceError(f"“{organization.display_name}”目前没有可参加评议的党员，无法开启。")
    try:
        with transaction.atomic():
            round_ = Round.objects.create(
                organization=organization,
                year=year,
                peer_scope=peer_scope,
                self_ends_on=self_ends_on,
                peer_ends_on=peer_ends_on,
                propose_ends_on=propose_ends_on,
                final_ends_on=final_ends_on,
                opened_by=actor,
            )
            participants = _snapshot_participants(round_, members)
            audit_log(
                actor=actor,
                action="appraisals.round_open",
                obj=round_,
                organization=organization,
                after={"year": year, "participants": len(participants), "peer_scope": peer_scope},
            )
    except IntegrityError as exc:
        raise ServiceError(
            f"“{organization.display_name}”{year}年度的民主评议已经开启过了。"
        ) from exc
    _tell_participants(round_, participants)
    return round_


def _check_opening(organization, year, peer_scope, today) -> None:
    if organization.org_type not in BRANCH_TYPES:
        raise ServiceError("民主评议党员以党支部为单位开展，请选择一个党支部。")
    if year not in (today.year - 1, today.year):
        raise ServiceError(f"评议年度只能是 {today.year - 1} 或 {today.year} 年。")
    if peer_scope not in PeerScope.values:
        raise ServiceError("请选择互评范围。")
    if Round.objects.filter(organization=organization, year=year).exists():
        raise ServiceError(f"“{organization.display_name}”{year}年度的民主评议已经开启过了。")


def _check_dates(dates: list, today: datetime.date | None) -> None:
    labels = ["自评截止日期", "互评截止日期", "拟定等次截止日期", "确定等次截止日期"]
    for label, day in zip(labels, dates, strict=True):
        if not isinstance(day, datetime.date):
            raise ServiceError(f"请填写{label}。")
    if today is not None and dates[0] < today:
        raise ServiceError("自评截止日期不能早于今天。")
    for index in range(1, len(dates)):
        if dates[index] < dates[index - 1]:
            later, earlier = labels[index], labels[index - 1]
            raise ServiceError(
                f"{later}（{dates[index]}）不能早于{earlier}（{dates[index - 1]}）。"
            )


def _eligible_members(organization):
    return (
        Member.objects.filter(
            organization=organization, status__in=IN_GOOD_STANDING, is_lost_contact=False
        )
        .select_related("person")
        .order_by("person__name", "pk")
    )


def _snapshot_participants(round_: Round, members) -> list[Participant]:
    participants = Participant.objects.bulk_create(
        Participant(
            round=round_,
            member=member,
            name=member.person.name,
            party_group_id=member.party_group_id,
            category=member.category,
            is_graded=member.category == Category.FULL,
        )
        for member in members
    )
    RatingTally.objects.bulk_create(
        RatingTally(round=round_, ratee=participant, grade=grade)
        for participant in participants
        if participant.is_graded
        for grade in Grade.values
    )
    graded = sum(1 for participant in participants if participant.is_graded)
    Round.objects.filter(pk=round_.pk).update(
        participant_count=len(participants), graded_count=graded
    )
    round_.participant_count, round_.graded_count = len(participants), graded
    return participants


def _tell_participants(round_: Round, participants) -> None:
    person_ids = [participant.member.person_id for participant in participants]
    users = get_user_model().objects.filter(person_id__in=person_ids, is_active=True)
    notify(
        recipients=users,
        title=f"{round_.year}年度民主评议党员已开始，请在{round_.self_ends_on:%m月%d日}前完成个人自评",
        url=reverse("appraisals:mine_detail", args=[round_.pk]),
        category="appraisals",
        obj=round_,
        dedupe_key=f"appraisals:opened:{round_.pk}",
    )


# ---------------------------------------------------------------- phases


def round_advance(*, actor, round_: Round) -> Round:
    """Move the round to its next phase (自评 → 互评 → 拟定等次 → 确定等次). The last step, to
    closed, is `round_finalise` with the meeting that decided the grades."""
    require_in_scope(actor, MANAGE_APPRAISAL, round_.organization.path)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.phase in (Phase.CONFIRM, Phase.CLOSED):
            raise ServiceError(
                "确定等次阶段须在“确定等次”页面录入会议日期和最终等次后结束评议。"
                if locked.phase == Phase.CONFIRM
                else "本次评议已经结束。"
            )
        if locked.phase == Phase.PROPOSE:
            _check_all_proposed(locked)
        before = locked.phase
        locked.phase = PHASE_ORDER[locked.phase_index + 1]
        locked.save(update_fields=["phase"])
        audit_log(
            actor=actor,
            action="appraisals.round_advance",
            obj=locked,
            organization=locked.organization,
            before={"phase": before},
            after={"phase": locked.phase},
        )
    round_.phase = locked.phase
    return round_


def _check_all_proposed(round_: Round) -> None:
    graded = round_.participants.filter(is_graded=True)
    missing = graded.filter(proposed_grade="").count()
    if missing:
        raise ServiceError(f"还有 {missing} 名党员没有拟定等次，请先在“拟定等次”页面全部拟定。")
    graded.update(final_grade=F("proposed_grade"))


def round_reschedule(*, actor, round_: Round, **dates) -> Round:
    """Change the planned end dates of a round still running (e.g. give 互评 more days).
    The dates stay in phase order; the current phase cannot end in the past."""
    require_in_scope(actor, MANAGE_APPRAISAL, round_.organization.path)
    fields = ["self_ends_on", "peer_ends_on", "propose_ends_on", "final_ends_on"]
    values = [dates.get(name) for name in fields]
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.phase == Phase.CLOSED:
            raise ServiceError("评议已经结束，不能再调整日期。")
        _check_dates(values, today=None)
        current = dict(zip(PHASE_ORDER, values, strict=False)).get(locked.phase)
        if current is not None and current < timezone.localdate():
            raise ServiceError(f"当前“{locked.get_phase_display()}”阶段的截止日期不能早于今天。")
        before = {name: getattr(locked, name) for name in fields}
        for name, value in zip(fields, values, strict=True):
            setattr(locked, name, value)
        locked.save(update_fields=fields)
        audit_log(
            actor=actor,
            action="appraisals.round_reschedule",
            obj=locked,
            organization=locked.organization,
            before=before,
            after=dict(zip(fields, values, strict=True)),
        )
    return locked


# ---------------------------------------------------------------- the member's own part


def self_assessment_save(*, actor, participant: Participant, text: str) -> Participant:
    """Write (or rewrite) the participant's own self-assessment during 自评 or 互评."""
    _require_self(actor, participant)
    text = (text or "").strip()
    if not text:
        raise ServiceError("请填写个人自评内容。")
    if len(text) > SELF_ASSESSMENT_MAX:
        raise ServiceError(f"个人自评不能超过 {SELF_ASSESSMENT_MAX} 字（现在 {len(text)} 字）。")
    with transaction.atomic():
        locked = (
            Participant.objects.select_for_update().select_related("round").get(pk=participant.pk)
        )
        if locked.round.phase not in (Phase.SELF, Phase.PEER):
            raise ServiceError("个人自评已经截止（评议已进入拟定等次阶段），不能再修改。")
        first = locked.self_assessed_at is None
        locked.self_assessment = text
        locked.self_assessed_at = timezone.now()
        locked.save(update_fields=["self_assessment", "self_assessed_at"])
        if first:
            Round.objects.filter(pk=locked.round_id).update(self_count=F("self_count") + 1)
        audit_log(
            actor=actor,
            action="appraisals.self_assessment_save",
            obj=locked,
            organization=locked.round.organization,
            after={"length": len(text)},
        )
    return locked


def peers_to_rate(participant: Participant):
    """Whom the participant rates: the graded members of their 党小组, or of the whole branch
    when the round says so or the participant is in no 党小组 (预备党员 are not rated)."""
    peers = Participant.objects.filter(round_id=participant.round_id, is_graded=True).exclude(
        pk=participant.pk
    )
    if participant.round.peer_scope == PeerScope.GROUP and participant.party_group_id:
        peers = peers.filter(party_group_id=participant.party_group_id)
    return peers.order_by("name", "pk")


def ratings_submit(*, actor, participant: Participant, ratings: dict) -> bool:
    """Count the participant's ratings of their peers, all at once and only once.

    `ratings` maps each peer's participant id to a grade code. Returns False (and changes
    nothing) when this participant has already rated, so a double submit is harmless."""
    _require_self(actor, participant)
    round_ = participant.round
    _check_peer_phase(round_)
    by_grade = _ballot(participant, ratings)
    with transaction.atomic():
        claimed = Participant.objects.filter(
            pk=participant.pk, has_rated=False, round__phase=Phase.PEER
        ).update(has_rated=True)
        if not claimed:
            return False
        for grade, ratee_ids in by_grade.items():
            RatingTally.objects.filter(ratee_id__in=ratee_ids, grade=grade).update(
                count=F("count") + 1
            )
        Round.objects.filter(pk=round_.pk).update(rated_count=F("rated_count") + 1)
        audit_log(
            actor=actor,
            action="appraisals.rating_submit",
            obj=round_,
            organization=round_.organization,
            after={"rated_people": len(ratings)},
        )
    participant.has_rated = True
    return True


def _check_peer_phase(round_: Round) -> None:
    today = timezone.localdate()
    if round_.phase == Phase.SELF:
        raise ServiceError(f"党员互评还没有开始（当前为{round_.get_phase_display()}阶段）。")
    if round_.phase != Phase.PEER:
        raise ServiceError("党员互评已经结束，不能再提交评价。")
    if today > round_.peer_ends_on:
        raise ServiceError(f"党员互评已于 {round_.peer_ends_on:%Y-%m-%d} 截止，不能再提交评价。")


def _ballot(participant: Participant, ratings: dict) -> dict[str, list[int]]:
    expected = {peer.pk: peer.name for peer in peers_to_rate(participant)}
    if not expected:
        raise ServiceError("您没有需要评价的党员。")
    given: dict[int, str] = {}
    for key, grade in (ratings or {}).items():
        try:
            peer_id = int(key)
        except (TypeError, ValueError) as exc:
            raise ServiceError("评价对象不正确，请刷新页面后重新填写。") from exc
        if peer_id not in expected:
            raise ServiceError("评价对象不在您的互评范围内，请刷新页面后重新填写。")
        if grade not in Grade.values:
            raise ServiceError(f"请为“{expected[peer_id]}”选择优秀、合格、基本合格或不合格。")
        given[peer_id] = grade
    missing = [name for peer_id, name in expected.items() if peer_id not in given]
    if missing:
        raise ServiceError(f"请为每位党员选择评价等次，还没有选择：{'、'.join(missing)}。")
    by_grade: dict[str, list[int]] = defaultdict(list)
    for peer_id, grade in given.items():
        by_grade[grade].append(peer_id)
    return by_grade


def _require_self(actor, participant: Participant) -> None:
    person_id = getattr(actor, "person_id", None)
    if not person_id or participant.member.person_id != person_id:
        raise ServiceError("只能填写本人的评议。")


# ---------------------------------------------------------------- grading


def grades_propose(*, actor, round_: Round, grades: dict) -> int:
    """Save the branch's proposed grades: `grades` maps participant ids to (grade, reason);
    an empty grade leaves that member undecided. The 优秀 cap is checked over the whole
    branch after the change. Returns how many were saved."""
    require_in_scope(actor, MANAGE_APPRAISAL, round_.organization.path)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.phase != Phase.PROPOSE:
            raise ServiceError(_not_in_phase(locked, "拟定等次"))
        rows = _apply_grades(locked, grades, field="proposed_grade", complete=False)
        audit_log(
            actor=actor,
            action="appraisals.grades_propose",
            obj=locked,
            organization=locked.organization,
            after={"proposed": {row.name: row.proposed_grade for row in rows}},
        )
    return len(rows)


def round_finalise(*, actor, round_: Round, meeting_kind: str, meeting_date, grades: dict) -> Round:
    """Record the grades decided by the 支委会/党员大会, store each member's result for the year
    (预备党员: 不参加评定等次) and close the round."""
    require_in_scope(actor, MANAGE_APPRAISAL, round_.organization.path)
    _check_meeting(round_, meeting_kind, meeting_date)
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("organization").get(pk=round_.pk)
        if locked.phase != Phase.CONFIRM:
            raise ServiceError(_not_in_phase(locked, "确定等次"))
        rows = _apply_grades(locked, grades, field="final_grade", complete=True)
        locked.phase, locked.closed_at = Phase.CLOSED, timezone.now()
        locked.meeting_kind, locked.meeting_date = meeting_kind, meeting_date
        locked.save(update_fields=["phase", "closed_at", "meeting_kind", "meeting_date"])
        _store_results(locked)
        _tell_results(locked)
        audit_log(
            actor=actor,
            action="appraisals.round_finalise",
            obj=locked,
            organization=locked.organization,
            after={
                "meeting_kind": meeting_kind,
                "meeting_date": meeting_date,
                "grades": {row.name: row.final_grade for row in rows},
            },
        )
    return locked


def _check_meeting(round_: Round, meeting_kind, meeting_date) -> None:
    if meeting_kind not in MeetingKind.values:
        raise ServiceError("请选择确定等次的会议（支部委员会会议或支部党员大会）。")
    if not isinstance(meeting_date, datetime.date):
        raise ServiceError("请填写会议日期。")
    if meeting_date > timezone.localdate():
        raise ServiceError("会议日期不能晚于今天：请在会议召开后录入。")
    if meeting_date < timezone.localdate(round_.created_at):
        raise ServiceError(f"会议日期不能早于评议开启的日期（{round_.created_at:%Y-%m-%d}）。")


def _not_in_phase(round_: Round, wanted: str) -> str:
    return f"现在是{round_.get_phase_display()}阶段，不能{wanted}。请先把评议推进到“{wanted}”阶段。"


def _apply_grades(round_: Round, grades: dict, *, field: str, complete: bool) -> list:
    graded = {row.pk: row for row in round_.participants.filter(is_graded=True).order_by("name")}
    for key, value in (grades or {}).items():
        row = graded.get(_as_id(key))
        if row is None:
            raise ServiceError("只能为本次评议中评定等次的正式党员拟定等次（预备党员不评定等次）。")
        grade, reason = value
        grade, reason = (grade or "").strip(), (reason or "").strip()
        if grade and grade not in Grade.values:
            raise ServiceError(f"“{row.name}”的等次不正确，请选择优秀、合格、基本合格或不合格。")
        if grade == Grade.UNQUALIFIED and not reason:
            raise ServiceError(f"“{row.name}”定为不合格，须写明理由。")
        if len(reason) > REASON_MAX:
            raise ServiceError(f"“{row.name}”的说明不能超过 {REASON_MAX} 字。")
        setattr(row, field, grade)
        row.reason = reason
    missing = [row.name for row in graded.values() if not getattr(row, field)]
    if complete and missing:
        raise ServiceError(f"请为每位正式党员确定等次，还没有确定：{'、'.join(missing)}。")
    excellent = sum(1 for row in graded.values() if getattr(row, field) == Grade.EXCELLENT)
    check_excellent_cap(excellent, len(graded))
    Participant.objects.bulk_update(graded.values(), [field, "reason"])
    return list(graded.values())


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _store_results(round_: Round) -> None:
    participants = list(round_.participants.all())
    member_ids = [row.member_id for row in participants]
    Result.objects.filter(year=round_.year, member_id__in=member_ids).delete()
    Result.objects.bulk_create(
        Result(
            member_id=row.member_id,
            year=round_.year,
            grade=row.final_grade if row.is_graded else ResultGrade.NOT_GRADED,
            reason=row.reason if row.is_graded else "预备党员参加评议，不评定等次",
            organization=round_.organization,
            round=round_,
            meeting_kind=round_.meeting_kind,
            decided_on=round_.meeting_date,
        )
        for row in participants
    )


def _tell_results(round_: Round) -> None:
    person_ids = round_.participants.values_list("member__person_id", flat=True)
    notify(
        recipients=get_user_model().objects.filter(person_id__in=person_ids, is_active=True),
        title=f"{round_.year}年度民主评议党员结果已确定，可在“我的评议”中查看",
        url=reverse("appraisals:mine_detail", args=[round_.pk]),
        category="appraisals",
        obj=round_,
        dedupe_key=f"appraisals:closed:{round_.pk}",
    )


# ---------------------------------------------------------------- exports


def results_export_record(*, actor, round_: Round, rows: int) -> None:
    """Exports are audited (DESIGN §4): who took which round's results."""
    audit_log(
        actor=actor,
        action="appraisals.results_export",
        obj=round_,
        organization=round_.organization,
        after={"rows": rows},
    )
