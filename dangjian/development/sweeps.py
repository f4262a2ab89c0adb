"""Reminder sweep of the development workflow (see core/scheduler.py): every day, 7 days before
and on each deadline (domain §1.2), tell the people who must act — the branch's holders of
`development.manage_development`, or for committee steps the committee's holders of
`development.approve_development`. Each reminder carries a dedupe key, so a second run the same
day (or a retried task) sends nothing twice."""

from __future__ import annotations

import datetime
from datetime import time, timedelta

from django.urls import NoReverseMatch, reverse

from dangjian.accounts.holders import nearest_holders_of, roles_with
from dangjian.core.rules import rule_value
from dangjian.core.scheduler import periodic
from dangjian.development.deadlines import COMMITTEE
from dangjian.development.models import CaseDeadline
from dangjian.development.permissions import APPROVE_DEVELOPMENT, MANAGE_DEVELOPMENT
from dangjian.development.rules import REMINDER_LEAD_DAYS
from dangjian.development.services.common import committee_of
from dangjian.notifications.services import notify

CATEGORY = "development"


def _case_url(case) -> str:
    try:
        return reverse("development:case", args=[case.pk])
    except NoReverseMatch:
        return ""


def reminder_phase(due_on: datetime.date, today: datetime.date, lead: int) -> str:
    """ "lead" within the lead days before, "due" on the day (and up to the lead days after,
    so a missed run still reminds once), else ""."""
    days_left = (due_on - today).days
    if 0 < days_left <= lead:
        return "lead"
    if -lead < days_left <= 0:
        return "due"
    return ""


class _Responsible:
    """Who must act for a case's deadline, read once per organisation and permission."""

    def __init__(self):
        self.roles = {perm: roles_with(perm) for perm in (MANAGE_DEVELOPMENT, APPROVE_DEVELOPMENT)}
        self.users: dict[tuple[int, str], list[int]] = {}
        self.committees: dict[int, object] = {}

    def for_deadline(self, case, deadline) -> list[int]:
        if deadline.responsible == COMMITTEE:
            if case.organization_id not in self.committees:
                self.committees[case.organization_id] = committee_of(case.organization)
            organization, permission = self.committees[case.organization_id], APPROVE_DEVELOPMENT
        else:
            organization, permission = case.organization, MANAGE_DEVELOPMENT
        if organization is None:
            return []
        key = (organization.pk, permission)
        if key not in self.users:
            self.users[key] = nearest_holders_of(
                organization, permission, roles=self.roles[permission]
            )
        return self.users[key]


def deadline_reminders_send(*, today: datetime.date) -> int:
    """Send the day's reminders; returns the number of reminders handed to `notify` (a
    repeat is still counted there, but `notify` stores nothing twice)."""
    lead = rule_value(REMINDER_LEAD_DAYS, on=today)
    responsible = _Responsible()
    sent = 0
    rows = (
        CaseDeadline.objects.filter(
            due_on__range=(today - timedelta(days=lead - 1), today + timedelta(days=lead))
        )
        .select_related("case__person", "case__organization")
        .order_by("due_on", "id")
    )
    for deadline in rows.iterator(chunk_size=2000):
        phase = reminder_phase(deadline.due_on, today, lead)
        if phase:
            case = deadline.case
            recipients = responsible.for_deadline(case, deadline)
            sent += _remind(case, deadline, phase, recipients, today)
    return sent


def _remind(case, deadline, phase: str, recipients: list[int], today) -> int:
    if not recipients:
        return 0
    if phase == "lead":
        when = f"将于 {deadline.due_on:%Y-%m-%d} 到期"
    elif deadline.due_on == today:
        when = "今天到期"
    else:
        when = f"已于 {deadline.due_on:%Y-%m-%d} 到期"
    return notify(
        recipients=recipients,
        title=f"发展党员提醒：{case.person.name} {deadline.label}{when}",
        body=(
            f"{case.organization}：{case.person.name}（{case.get_state_display()}）"
            f"{deadline.label}，期限 {deadline.due_on:%Y-%m-%d}。依据：{deadline.source}"
        ),
        url=_case_url(case),
        category=CATEGORY,
        obj=case,
        dedupe_key=f"development:{case.pk}:{deadline.key}:{deadline.due_on:%Y%m%d}:{phase}",
    )


@periodic("development.deadline_reminders", every=timedelta(days=1), first_run=time(7, 0))
def send_deadline_reminders(*, now):
    """Each morning, the development deadlines reminders (idempotent)."""
    from django.utils import timezone

    deadline_reminders_send(today=timezone.localdate(now))


@periodic("development.deadlines_rebuild", every=timedelta(days=1), first_run=time(1, 30))
def rebuild_stored_deadlines(*, now):
    """Each night, recompute every open case's stored deadlines, so a rule value changed by an
    administrator (谈话期限, 审批期限 …) and the rolling 半年考察 window reach every case before the
    morning reminders, not only the cases written since."""
    from django.utils import timezone

    from dangjian.development.services import deadlines_rebuild

    deadlines_rebuild(today=timezone.localdate(now))
