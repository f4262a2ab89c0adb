"""Daily 换届 reminders (domain §3.4): 6 and 3 months before the current committee's term ends
(orgs rules TERM_NOTICE_MONTHS / TERM_URGENT_MONTHS) and once the term is overdue.

Each (committee, stage) is sent once: the dedupe key is `terms:<committee>:<stage>`, and the
keys already sent are read in one query, so a daily run over the whole group only writes the
notices that are new today. The recipients of every committee due are found with a fixed
number of queries (no query per organisation): the organisation's own secretary (the holder of
the current 书记 post, and whoever holds `meetings.manage_election` or `orgs.manage_committee`
granted on the organisation itself) and the 组织部 of the upper organisation — the users with
one of those permissions granted on the nearest ancestor that has any.

The lead imports this module from `meetings/sweeps.py` so the scheduler registers it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.holders import lineage
from dangjian.core.rules import rule_value
from dangjian.core.scheduler import periodic
from dangjian.meetings.permissions import MANAGE_ELECTION
from dangjian.notifications.models import Notification
from dangjian.notifications.services import notify
from dangjian.orgs import rules as org_rules
from dangjian.orgs.dates import add_months
from dangjian.orgs.models import Committee, CommitteePost
from dangjian.orgs.permissions import MANAGE_COMMITTEE

NOTICE, URGENT, OVERDUE = "notice", "urgent", "overdue"
TERM_PERMISSIONS = (MANAGE_ELECTION, MANAGE_COMMITTEE)
CHUNK = 500


@periodic("meetings.term_reminders", every=timedelta(days=1), first_run=time(7, 40))
def send_term_reminders(*, now):
    term_reminders(today=timezone.localdate(now))


def stage_of(term_end: datetime.date, today: datetime.date) -> str | None:
    """Which reminder a term ending on `term_end` is due for today (None: not yet)."""
    if term_end < today:
        return OVERDUE
    if term_end <= add_months(today, rule_value(org_rules.TERM_URGENT_MONTHS, today)):
        return URGENT
    if term_end <= add_months(today, rule_value(org_rules.TERM_NOTICE_MONTHS, today)):
        return NOTICE
    return None


def dedupe_key(committee_id: int, stage: str) -> str:
    return f"terms:{committee_id}:{stage}"


def term_reminders(*, today: datetime.date) -> int:
    """Send the reminders due today that were not sent before. Returns the notices written."""
    horizon = add_months(today, rule_value(org_rules.TERM_NOTICE_MONTHS, today))
    committees = list(
        Committee.objects.filter(
            is_current=True, organization__is_active=True, term_end__lte=horizon
        )
        .select_related("organization")
        .order_by("term_end", "pk")
    )
    due = [(row, stage_of(row.term_end, today)) for row in committees]
    sent = _sent_keys([dedupe_key(row.pk, stage) for row, stage in due])
    pending = [(row, stage) for row, stage in due if dedupe_key(row.pk, stage) not in sent]
    if not pending:
        return 0
    recipients = recipients_for([row for row, _ in pending])
    url = reverse("meetings:terms")
    written = 0
    for committee, stage in pending:
        users = recipients.get(committee.pk)
        if not users:
            continue
        written += notify(
            recipients=sorted(users),
            title=_title(committee, stage, today),
            body=_body(committee, stage),
            url=url,
            category="terms",
            obj=committee,
            dedupe_key=dedupe_key(committee.pk, stage),
        )
    return written


def _sent_keys(keys: list[str]) -> set[str]:
    sent: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = Notification.objects.filter(dedupe_key__in=chunk).values_list(
            "dedupe_key", flat=True
        )
        sent.update(rows.distinct())
    return sent


def _title(committee: Committee, stage: str, today: datetime.date) -> str:
    org = committee.organization.display_name
    end = f"{committee.term_end:%Y年%m月%d日}"
    if stage == OVERDUE:
        days = (today - committee.term_end).days
        return f"{org}班子任期已于{end}届满（逾期 {days} 天），请尽快换届"
    if stage == URGENT:
        months = rule_value(org_rules.TERM_URGENT_MONTHS, today)
        return f"{org}班子任期将于{end}届满（不足 {months} 个月），请启动换届选举"
    months = rule_value(org_rules.TERM_NOTICE_MONTHS, today)
    return f"{org}班子任期将于{end}届满（不足 {months} 个月），请做好换届准备"


def _body(committee: Committee, stage: str) -> str:
    if stage == OVERDUE:
        return (
            "任期届满应当按期进行换届选举；确需延期的，须报上级党组织批准，延期一般不超过一年"
            "（《中国共产党基层组织选举工作条例》）。"
        )
    return (
        f"第{committee.term_number}届班子任期 {committee.term_start:%Y-%m-%d} 至 "
        f"{committee.term_end:%Y-%m-%d}。换届前请向上级党组织报告，做好候选人推荐和选举准备。"
    )


# ---------------------------------------------------------------------------------------------
# recipients, in bulk


def _term_role_ids() -> list[int]:
    from dangjian.accounts.models import Role

    return [
        role.pk
        for role in Role.objects.only("pk", "permissions")
        if any(code in (role.permissions or ()) for code in TERM_PERMISSIONS)
    ]


def recipients_for(committees: list[Committee]) -> dict[int, set[int]]:
    """{committee id: user ids} for the reminders of these committees (five queries)."""
    from dangjian.accounts.models import RoleAssignment

    role_ids = _term_role_ids()
    org_ids = {row.organization_id for row in committees}
    ancestors = {path for row in committees for path in lineage(row.organization.path)[1:]}
    own: dict[int, set[int]] = defaultdict(set)
    upper: dict[str, set[int]] = defaultdict(set)
    # The three administrators (三员) run the platform, not the party work: no reminders.
    grants = RoleAssignment.objects.filter(
        role_id__in=role_ids, user__is_active=True, organization__is_active=True, admin_kind=""
    )
    for ids in _chunks(sorted(org_ids)):
        for user_id, org_id in grants.filter(organization_id__in=ids).values_list(
            "user_id", "organization_id"
        ):
            own[org_id].add(user_id)
    for paths in _chunks(sorted(ancestors)):
        for user_id, path in grants.filter(organization__path__in=paths).values_list(
            "user_id", "organization__path"
        ):
            upper[path].add(user_id)
    secretaries = _secretary_users([row.pk for row in committees])
    result: dict[int, set[int]] = {}
    for row in committees:
        users = set(own.get(row.organization_id, ())) | secretaries.get(row.pk, set())
        for path in lineage(row.organization.path)[1:]:
            if upper.get(path):
                users |= upper[path]
                break
        result[row.pk] = users
    return result


def _secretary_users(committee_ids: list[int]) -> dict[int, set[int]]:
    """{committee id: accounts of its current 书记} (two queries per chunk)."""
    holders: dict[int, set[int]] = defaultdict(set)
    users_of: dict[int, set[int]] = defaultdict(set)
    posts = []
    for ids in _chunks(committee_ids):
        posts += list(
            CommitteePost.objects.filter(
                committee_id__in=ids, post=CommitteePost.Post.SECRETARY, ended_on__isnull=True
            ).values_list("committee_id", "person_id")
        )
    person_ids = sorted({person_id for _, person_id in posts})
    for ids in _chunks(person_ids):
        for user_id, person_id in (
            get_user_model()
            .objects.filter(person_id__in=ids, is_active=True)
            .values_list("pk", "person_id")
        ):
            users_of[person_id].add(user_id)
    for committee_id, person_id in posts:
        holders[committee_id] |= users_of.get(person_id, set())
    return holders


def _chunks(items: list):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
