"""Daily reminders of the 三会一课 requirements (domain §3.2; see meetings/compliance.py).

Before a period closes: for every open period ending within `meetings.compliance_remind_days`
(default 10) whose requirement is not yet met, the organisation's secretary is told — the user
account of the holder of the 书记 post on the current committee; for an organisation without
one, the users holding `meetings.manage_meeting` by a grant on the organisation itself; a 党小组
without either falls back to its branch's.

After a period closed unmet: once per closed quarter, half year or year (never per month — a
monthly notice to every upper organisation would be noise), one notice to the users holding
`meetings.review_meeting` by a grant on the upper organisation (the parent) of any organisation
with a requirement of that period left unmet.

Bulk at group scale: one `evaluate` over the whole tree (a fixed number of queries), one query
for the secretaries, one for the role holders, and one `notify` call per requirement × period
(each chunked by 500 recipients) — never a query per organisation. The dedupe key is
`meetings.compliance:<rule>:<period>` per recipient, so each secretary hears about a
requirement of a period once, however often the sweep runs; the upper notice's key is
`meetings.compliance-closed:<period>`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import Role, RoleAssignment
from dangjian.core.rules import rule_value
from dangjian.core.scheduler import periodic
from dangjian.meetings.compliance import Grid, PeriodSlot, Status, evaluate, periods_of
from dangjian.meetings.permissions import MANAGE_MEETING, REVIEW_MEETING
from dangjian.meetings.rules import COMPLIANCE_REMIND_DAYS
from dangjian.notifications.services import notify
from dangjian.orgs.models import CommitteePost, Organization, OrgType

CATEGORY = "meetings"
LONG_KINDS = ("quarter", "half_year", "year")
STEP = Organization.steplen


@periodic("meetings.compliance_reminders", every=timedelta(days=1), first_run=time(7, 20))
def send_compliance_reminders(*, now):
    """Each morning, the compliance reminders (idempotent)."""
    compliance_reminders_send(today=timezone.localdate(now))


def compliance_reminders_send(*, today: datetime.date) -> dict[str, int]:
    """Send the day's reminders; returns how many recipients each kind reached."""
    lead = rule_value(COMPLIANCE_REMIND_DAYS, on=today)
    roots = list(Organization.objects.filter(depth=1).only("pk", "path").order_by("path"))
    return {
        "before": _before_close(roots, today, lead),
        "after": _after_close(roots, today, lead),
    }


def _page_url(name: str, period: PeriodSlot) -> str:
    query = f"?year={period.start.year}"
    if period.kind in ("month", "quarter"):
        query += f"&quarter={(period.months[0] - 1) // 3 + 1}"
    return reverse(name) + query


# ------------------------------------------------------------------ before a period closes


def closing_periods(today: datetime.date, lead: int) -> list[PeriodSlot]:
    """Periods open today that end within `lead` days (today included)."""
    years = {today.year, (today + timedelta(days=lead)).year}
    return [
        slot
        for year in sorted(years)
        for kind in ("month", *LONG_KINDS)
        for slot in periods_of(kind, year)
        if slot.start <= today <= slot.end and (slot.end - today).days < lead
    ]


def _before_close(roots, today, lead) -> int:
    closing = closing_periods(today, lead)
    if not closing or not roots:
        return 0
    unmet: dict[tuple, list] = defaultdict(list)  # (rule, period) -> organisations
    for year in sorted({slot.start.year for slot in closing}):
        months = sorted({m for slot in closing if slot.start.year == year for m in slot.months})
        grid = evaluate(roots, year, months=months, on=today)
        wanted = {(slot.kind, slot.index) for slot in closing if slot.start.year == year}
        for row in grid:
            for cell in row.cells:
                if cell.status == Status.AMBER and (cell.period.kind, cell.period.index) in wanted:
                    unmet[(cell.rule, cell.period)].append(row.organization)
    if not unmet:
        return 0
    organizations = {org.pk: org for orgs in unmet.values() for org in orgs}
    responsible = secretaries_of(list(organizations.values()))
    return sum(
        _remind(rule, period, {u for org in orgs for u in responsible.get(org.pk, ())})
        for (rule, period), orgs in unmet.items()
    )


def _remind(rule, period: PeriodSlot, recipients: set[int]) -> int:
    if not recipients:
        return 0
    return notify(
        recipients=sorted(recipients),
        title=f"组织生活提醒：{period.label}“{rule.label}”尚未落实，{period.end:%m月%d日}截止",
        body=(
            f"你负责的党组织在{period.label}还没有达到“{rule.label}”的要求，本周期将于"
            f"{period.end:%Y年%m月%d日}结束。请按时召开并及时录入会议记录；打开链接可查看"
            f"本组织的落实情况和缺项清单。依据：{rule.source}"
        ),
        url=_page_url("meetings:compliance_missing", period),
        category=CATEGORY,
        dedupe_key=f"meetings.compliance:{rule.pk}:{period.kind}:{period.start:%Y%m}",
    )


def _roles_with(permission: str) -> list[int]:
    return [role.pk for role in Role.objects.all() if permission in (role.permissions or [])]


def secretaries_of(organizations) -> dict[int, set[int]]:
    """Organisation id -> user ids to remind (see the module docstring), in two queries."""
    ids = [org.pk for org in organizations]
    result: dict[int, set[int]] = defaultdict(set)
    rows = (
        get_user_model()
        .objects.filter(
            is_active=True,
            person__committee_posts__post=CommitteePost.Post.SECRETARY,
            person__committee_posts__ended_on__isnull=True,
            person__committee_posts__committee__is_current=True,
            person__committee_posts__committee__organization_id__in=ids,
        )
        .values_list("person__committee_posts__committee__organization_id", "pk")
    )
    for org_id, user_id in rows:
        result[org_id].add(user_id)
    rest = [org for org in organizations if org.pk not in result]
    if rest:
        _managers_of(rest, result)
    return result


def _managers_of(organizations, result: dict[int, set[int]]) -> None:
    """MANAGE_MEETING holders on the organisation itself, else (党小组) on its branch."""
    paths = {org.path for org in organizations}
    paths |= {org.path[:-STEP] for org in organizations if org.org_type == OrgType.GROUP}
    holders: dict[str, set[int]] = defaultdict(set)
    rows = RoleAssignment.objects.filter(
        role_id__in=_roles_with(MANAGE_MEETING),
        organization__path__in=sorted(paths),
        user__is_active=True,
    ).values_list("organization__path", "user_id")
    for path, user_id in rows:
        holders[path].add(user_id)
    for org in organizations:
        found = holders.get(org.path) or set()
        if not found and org.org_type == OrgType.GROUP:
            found = holders.get(org.path[:-STEP]) or set()
        if found:
            result[org.pk] |= found


# ------------------------------------------------------------------ after a period closed


def closed_periods(today: datetime.date, lead: int) -> list[PeriodSlot]:
    """Quarters, half years and years that closed within the last `lead` days (so a missed
    run still sends the notice once)."""
    years = {today.year, (today - timedelta(days=lead)).year}
    return [
        slot
        for year in sorted(years)
        for kind in LONG_KINDS
        for slot in periods_of(kind, year)
        if 0 < (today - slot.end).days <= lead
    ]


def _after_close(roots, today, lead) -> int:
    reached = 0
    for period in closed_periods(today, lead):
        grid = evaluate(roots, period.start.year, months=period.months, on=today)
        parents = _parents_with_unmet(grid, period)
        reached += _tell_upper(period, parents)
    return reached


def _parents_with_unmet(grid: Grid, period: PeriodSlot) -> set[str]:
    parents = set()
    for row in grid:
        if row.organization.depth <= 1:
            continue
        for cell in row.cells:
            inside = period.start <= cell.period.start and cell.period.end <= period.end
            if inside and cell.status in (Status.RED, Status.AMBER):
                parents.add(row.organization.path[:-STEP])
                break
    return parents


def _tell_upper(period: PeriodSlot, parent_paths: set[str]) -> int:
    if not parent_paths:
        return 0
    reviewers = RoleAssignment.objects.filter(
        role_id__in=_roles_with(REVIEW_MEETING),
        organization__path__in=sorted(parent_paths),
        user__is_active=True,
    ).values_list("user_id", flat=True)
    recipients = sorted(set(reviewers))
    if not recipients:
        return 0
    return notify(
        recipients=recipients,
        title=f"组织生活落实情况：{period.label}已结束，所属党组织有要求未落实",
        body=(
            f"{period.label}已于{period.end:%Y年%m月%d日}结束，你所管理的下级党组织中有"
            "“三会一课”等组织生活要求没有落实。打开链接查看热力图和缺项清单，督促相关支部。"
        ),
        url=_page_url("meetings:compliance", period),
        category=CATEGORY,
        dedupe_key=f"meetings.compliance-closed:{period.kind}:{period.start:%Y%m}",
    )
