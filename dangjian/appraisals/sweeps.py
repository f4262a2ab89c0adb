"""Daily reminders of 民主评议党员 (see core/scheduler.py). Safe to run twice: every notice has
a dedupe key per round, recipient and stage ("before" the deadline, then "due" on/after it)."""

from __future__ import annotations

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from dangjian.appraisals.models import Participant, PeerScope, Phase, Round
from dangjian.appraisals.permissions import MANAGE_APPRAISAL
from dangjian.appraisals.rules import REMIND_DAYS_BEFORE
from dangjian.core.rules import rule_value
from dangjian.core.scheduler import periodic
from dangjian.notifications.services import notify


@periodic("appraisals.reminders", every=timedelta(days=1), first_run=time(8, 0))
def send_reminders(*, now):
    appraisal_reminders(today=timezone.localdate(now))


def appraisal_reminders(*, today) -> int:
    """Remind participants who have not rated before 互评 closes, and the branch before the
    round's final date. Returns how many notices went out (repeats count zero)."""
    window = today + timedelta(days=int(rule_value(REMIND_DAYS_BEFORE, on=today)))
    sent = 0
    peer_rounds = Round.objects.filter(phase=Phase.PEER, peer_ends_on__lte=window)
    for round_ in peer_rounds.select_related("organization"):
        sent += _remind_raters(round_, today)
    open_rounds = Round.objects.exclude(phase=Phase.CLOSED).filter(final_ends_on__lte=window)
    for round_ in open_rounds.select_related("organization", "opened_by"):
        sent += _remind_branch(round_, today)
    return sent


def _stage(today, deadline) -> str:
    return "due" if today >= deadline else "before"


def _remind_raters(round_: Round, today) -> int:
    person_ids = [row.member.person_id for row in _raters_left(round_)]
    if not person_ids:
        return 0
    stage = _stage(today, round_.peer_ends_on)
    when = "今天" if today == round_.peer_ends_on else f"{round_.peer_ends_on:%m月%d日}"
    title = (
        f"{round_.year}年度民主评议：党员互评已到截止日期，请尽快提交"
        if today > round_.peer_ends_on
        else f"{round_.year}年度民主评议：党员互评{when}截止，请按时提交"
    )
    return notify(
        recipients=get_user_model().objects.filter(person_id__in=person_ids, is_active=True),
        title=title,
        url=reverse("appraisals:mine_detail", args=[round_.pk]),
        category="appraisals",
        obj=round_,
        dedupe_key=f"appraisals:peer:{round_.pk}:{stage}",
    )


def _raters_left(round_: Round) -> list[Participant]:
    """Participants who have not rated and have someone to rate (one query, counted here)."""
    rows = list(round_.participants.select_related("member").order_by("pk"))
    graded_in_group: dict = {}
    graded_total = 0
    for row in rows:
        if row.is_graded:
            graded_total += 1
            graded_in_group[row.party_group_id] = graded_in_group.get(row.party_group_id, 0) + 1

    def peers(row) -> int:
        if round_.peer_scope == PeerScope.GROUP and row.party_group_id:
            pool = graded_in_group.get(row.party_group_id, 0)
        else:
            pool = graded_total
        return pool - (1 if row.is_graded else 0)

    return [row for row in rows if not row.has_rated and peers(row) > 0]


def _remind_branch(round_: Round, today) -> int:
    recipients = _branch_managers(round_)
    if not recipients:
        return 0
    stage = _stage(today, round_.final_ends_on)
    deadline = f"{round_.final_ends_on:%Y-%m-%d}"
    if stage == "due":
        title = f"{round_}已到确定等次的截止日期（{deadline}），请尽快召开会议确定等次"
    else:
        title = f"{round_}须在 {deadline} 前确定等次（现为{round_.get_phase_display()}阶段）"
    return notify(
        recipients=recipients,
        title=title,
        url=reverse("appraisals:detail", args=[round_.pk]),
        category="appraisals",
        obj=round_,
        dedupe_key=f"appraisals:final:{round_.pk}:{stage}",
    )


def _branch_managers(round_: Round) -> list:
    """Who runs the round: holders of `manage_appraisal` granted on the branch itself, and the
    user who opened it."""
    from dangjian.accounts.models import RoleAssignment

    assignments = RoleAssignment.objects.filter(
        organization_id=round_.organization_id, user__is_active=True
    ).select_related("role")
    users = {row.user_id for row in assignments if MANAGE_APPRAISAL in row.role.permissions}
    if round_.opened_by_id and round_.opened_by.is_active:
        users.add(round_.opened_by_id)
    return sorted(users)
