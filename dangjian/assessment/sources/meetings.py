"""Sources reading the 三会一课 records (meetings app, domain §3.2).

`meetings.sanhui_yike` — for each card's organisation, the requirement periods of the rule table
(`meetings.compliance.evaluate`) judged in the assessment period, and how many meetings are
missing against them.

Which requirement periods an assessment period judges: those whose LAST day lies in
[starts_on, ends_on]. A monthly assessment therefore judges the month's monthly requirements,
and in the quarter's last month (March, June, September, December) also the quarter's
requirements (in June and December the half-year's, in December the year's). Each requirement
period is judged exactly once over a year of monthly periods, never split across months, and a
quarterly assessment judges the quarter's months and the quarter itself.

A requirement period is counted only when it is closed (its last day is before today: a branch
may still hold November's 主题党日 on the 30th) and applies to the organisation (periods before
the organisation existed, 不要求, are listed but not counted). occurrences = Σ max(required −
held, 0) over the counted periods; the lines give one line per requirement period, then the
meetings held in it by date and topic, so the assessor and the branch see why.

Queries: the card organisations, the compliance grid's fixed set per calendar year of the
period (organisations, rules, profile links, committees, one aggregate over meetings, one over
民主评议 rounds) and one query for the meetings listed — whatever the number of cards.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from dangjian.assessment.models import TargetKind
from dangjian.assessment.sources import Computed, register
from dangjian.meetings import compliance
from dangjian.meetings.models import Attendance, Category, Meeting
from dangjian.meetings.models import Period as RulePeriod
from dangjian.orgs.models import Organization

NOTHING_DUE = "本考核期内没有需要考核的三会一课要求（尚无已到期的应开会议）。"


def _requirement_name(rule) -> str:
    """ "支部党员大会（每季度至少1次）"; a 民主评议 rule keeps its own label."""
    if rule.counts_appraisal:
        return rule.label
    return (
        f"{Category(rule.category).label}（{RulePeriod(rule.period).label}至少{rule.min_count}次）"
    )


def _period_months(starts_on, ends_on) -> dict[int, tuple[int, ...]]:
    """Year -> the months of that year the assessment period covers."""
    months: dict[int, list[int]] = defaultdict(list)
    year, month = starts_on.year, starts_on.month
    while (year, month) <= (ends_on.year, ends_on.month):
        months[year].append(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return {y: tuple(m) for y, m in months.items()}


@register(
    "meetings.sanhui_yike",
    "三会一课落实情况（缺开会议次数）",
    target_kind=TargetKind.ORGANIZATION,
    description="按三会一课落实要求，统计考核期内到期的各项要求应开、实开会议次数，缺一次计一次。",
)
def sanhui_yike(indicator, period, cards) -> dict[int, Computed]:
    cards = list(cards)
    if not cards:
        return {}
    today = timezone.localdate()
    orgs = list(
        Organization.objects.filter(pk__in={card.organization_id for card in cards}).only(
            "pk", "path"
        )
    )
    # (org id) -> [(cell)] judged in the period, in rule and date order.
    judged: dict[int, list] = defaultdict(list)
    has_rules: set[int] = set()
    for year, months in _period_months(period.starts_on, period.ends_on).items():
        grid = compliance.evaluate(orgs, year, months=months, on=today, subtree=False)
        for row in grid:
            has_rules.add(row.organization.pk)
            for cell in row.cells:
                if period.starts_on <= cell.period.end <= period.ends_on:
                    judged[row.organization.pk].append(cell)

    # The meetings held in the judged periods, for the explanation (one query).
    held: dict[tuple[int, str], list] = defaultdict(list)
    spans = [cell.period for cells in judged.values() for cell in cells]
    categories = {
        cell.rule.category
        for cells in judged.values()
        for cell in cells
        if not cell.rule.counts_appraisal
    }
    if spans and categories:
        meetings = (
            Meeting.objects.filter(
                organization_id__in=list(judged),
                status__in=compliance.COUNTED_STATUSES,
                category__in=sorted(categories),
                held_on__gte=min(slot.start for slot in spans),
                held_on__lte=max(slot.end for slot in spans),
            )
            .order_by("held_on", "pk")
            .values_list("organization_id", "category", "held_on", "topic")
        )
        for org_id, category, held_on, topic in meetings:
            held[(org_id, category)].append((held_on, topic))

    results: dict[int, Computed] = {}
    for card in cards:
        org_id = card.organization_id
        cells = sorted(
            judged.get(org_id, []), key=lambda c: (c.period.end, c.rule.sort_order, c.rule.pk)
        )
        missing = 0
        lines: list[str] = []
        for cell in cells:
            slot, rule = cell.period, cell.rule
            head = f"{_requirement_name(rule)}{slot.label}："
            if cell.status == compliance.Status.GREY:
                lines.append(f"{head}组织在该期间未成立或已撤销，不考核")
                continue
            if slot.end >= today:
                lines.append(f"{head}应开{cell.required}次，已开{cell.held}次，尚未到期，不计")
                continue
            gap = max(cell.required - cell.held, 0)
            missing += gap
            verdict = f"缺{gap}次" if gap else "已落实"
            lines.append(f"{head}应开{cell.required}次，实开{cell.held}次，{verdict}")
            if not rule.counts_appraisal:
                label = Category(rule.category).label
                for held_on, topic in held.get((org_id, rule.category), []):
                    if slot.start <= held_on <= slot.end:
                        lines.append(f"　　{held_on:%Y-%m-%d} {label}：{topic}")
        if not any(
            cell.status != compliance.Status.GREY and cell.period.end < today for cell in cells
        ):
            lines.insert(0, NOTHING_DUE)
            if org_id not in has_rules:
                lines[0] = "本组织不适用三会一课落实要求，本考核期不扣分。"
        else:
            lines.insert(0, f"缺开会议共{missing}次。")
        results[card.pk] = Computed(occurrences=Decimal(missing), lines=lines)
    return results


@register(
    "meetings.member_attendance",
    "参加组织生活（无故缺席次数）",
    target_kind=TargetKind.MEMBER,
    description="考核期内召开的组织生活会议（三会一课等），党员被登记为缺席（未请假）的，每次计一次。",
)
def member_attendance(indicator, period, cards) -> dict[int, Computed]:
    """A member card's absences without leave: the member's attendance rows marked 缺席 at
    meetings of the organisation's record (held, returned or reviewed) held in the period. 请假
    is not an absence; 未签到 rows of a held meeting are left out (the record service turns
    them into 出席 or 缺席 when the record is entered). Two queries whatever the number of
    cards: the members' people and the absences."""
    from dangjian.members.models import Member

    cards = [card for card in cards if card.member_id]
    if not cards:
        return {}
    people = dict(
        Member.objects.filter(pk__in={card.member_id for card in cards}).values_list(
            "pk", "person_id"
        )
    )
    absences: dict[int, list[str]] = defaultdict(list)
    rows = (
        Attendance.objects.filter(
            person_id__in=set(people.values()),
            is_visitor=False,
            status=Attendance.Status.ABSENT,
            meeting__status__in=compliance.COUNTED_STATUSES,
            meeting__held_on__gte=period.starts_on,
            meeting__held_on__lte=period.ends_on,
        )
        .order_by("meeting__held_on", "meeting_id")
        .values_list("person_id", "meeting__held_on", "meeting__category", "meeting__topic")
    )
    for person_id, held_on, category, topic in rows:
        absences[person_id].append(f"{held_on:%Y-%m-%d} {Category(category).label}：{topic}，缺席")
    results = {}
    for card in cards:
        found = absences.get(people.get(card.member_id), [])
        if found:
            lines = [f"考核期内无故缺席组织生活{len(found)}次：", *found]
        else:
            lines = ["考核期内没有无故缺席组织生活的记录，不扣分。"]
        results[card.pk] = Computed(occurrences=Decimal(len(found)), lines=lines)
    return results
