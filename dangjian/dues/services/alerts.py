"""Arrears alerts (domain §2.2): at 3 consecutive unpaid months the branch's dues managers are
told (批评教育); at 6 months the 自行脱党 warning goes to the branch and the upper committee.

One aggregated arrears query over the whole ledger, one query for the role assignments, then
`notify` with a dedupe key per member, month and level: a second run in the same month sends
nothing, and a member still behind next month is reminded again.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.apps import apps

from dangjian.accounts.holders import lineage, nearest
from dangjian.core.rules import rule_source, rule_value
from dangjian.dues import rules
from dangjian.dues.models import LedgerEntry
from dangjian.dues.permissions import APPROVE_HARDSHIP, MANAGE_DUES
from dangjian.dues.selectors import arrears_rows, month_start
from dangjian.members.models import IN_GOOD_STANDING
from dangjian.notifications.models import Notification
from dangjian.notifications.services import notify


def _holders() -> dict[str, dict[str, set[int]]]:
    """permission → organisation path → active users granted it there (one query)."""
    assignment = apps.get_model("accounts", "RoleAssignment")
    result: dict[str, dict[str, set[int]]] = {
        MANAGE_DUES: defaultdict(set),
        APPROVE_HARDSHIP: defaultdict(set),
    }
    rows = assignment.objects.filter(
        user__is_active=True, organization__is_active=True
    ).values_list("user_id", "organization__path", "role__permissions")
    for user_id, path, permissions in rows:
        for permission in result:
            if permission in (permissions or ()):
                result[permission][path].add(user_id)
    return result


def recipients_for(holders, branch_path: str, *, lapse: bool) -> set[int]:
    """The branch's dues managers (the nearest level holding `dues.manage_dues`); for the
    自行脱党 warning also the upper committee (nearest level above holding either permission)."""
    paths = lineage(branch_path)
    users = nearest(holders[MANAGE_DUES], paths)
    if lapse:
        above = paths[1:]
        users |= nearest(holders[APPROVE_HARDSHIP], above) | nearest(holders[MANAGE_DUES], above)
    return users


def arrears_alerts_send(*, today: datetime.date) -> int:
    """Send the month's alerts; returns the number of members alerted."""
    alert_at = rule_value(rules.ARREARS_ALERT_MONTHS, on=today)
    lapse_at = rule_value(rules.LAPSE_WARNING_MONTHS, on=today)
    ledger = LedgerEntry.objects.filter(member__status__in=IN_GOOD_STANDING)
    rows = arrears_rows(ledger, min_months=min(alert_at, lapse_at), today=today).values(
        "member_id",
        "member__person__name",
        "member__organization__name",
        "member__organization__path",
        "months",
        "owed",
        "first_month",
    )
    holders = _holders()
    current = month_start(today)
    done = _already_sent(current)
    sent = 0
    for row in rows.iterator(chunk_size=2000):
        lapse = row["months"] >= lapse_at
        key = f"dues-arrears:{row['member_id']}:{current:%Y%m}:{'lapse' if lapse else 'alert'}"
        users = recipients_for(holders, row["member__organization__path"], lapse=lapse)
        if key in done or not users:
            continue
        notify(
            recipients=sorted(users),
            title=_title(row, lapse),
            body=_body(row, lapse, today),
            url="/dues/arrears/",
            category="dues",
            dedupe_key=key,
        )
        sent += 1
    return sent


def _already_sent(current: datetime.date) -> set[str]:
    """The month's alert keys already written (one query), so a daily re-run skips them
    without a notify call per member; `notify`'s own dedupe stays the guarantee."""
    return set(
        Notification.objects.filter(
            dedupe_key__startswith="dues-arrears:", dedupe_key__contains=f":{current:%Y%m}:"
        )
        .values_list("dedupe_key", flat=True)
        .distinct()
    )


def _title(row, lapse: bool) -> str:
    name, months = row["member__person__name"], row["months"]
    if lapse:
        return f"自行脱党预警：{name} 已连续 {months} 个月未交纳党费"
    return f"党费欠缴提醒：{name} 已连续 {months} 个月未交纳党费"


def _body(row, lapse: bool, today: datetime.date) -> str:
    text = (
        f"{row['member__organization__name']} {row['member__person__name']} 自"
        f"{row['first_month']:%Y年%m月}起连续 {row['months']} 个月未交纳党费，"
        f"共欠缴 {row['owed']} 元。"
    )
    if lapse:
        source = rule_source(rules.LAPSE_WARNING_MONTHS, on=today)
        return text + f"依据：{source}。请党支部及时了解情况，按规定研究处理并报上级党委。"
    months = rule_value(rules.CATCH_UP_MONTHS, on=today)
    return text + f"请党支部及时提醒、批评教育，补交最多可追溯 {months} 个月。"
