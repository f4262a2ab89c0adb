"""党内统计: the structure of the membership of an organisation subtree on a given date.

    stats = party_statistics(user, organization, date(2025, 12, 31))
    stats.total, stats.headline, stats.breakdowns["age"].rows, stats.children

Who is counted on a date (decision STATS-1): a member whose `joined_on` is on or before the
date, and who is either in good standing now (正常, 恢复党籍) or whose present status (停止党籍,
出党, 死亡, 转出) took effect after the date (`status_changed_on` > date). A status change without
a date, or a member without a joining date, cannot be placed in time and is not counted.

Every figure is counted by the database: one conditional aggregation (`COUNT(…) FILTER`/`CASE`)
for the totals and every breakdown, one GROUP BY for the minorities present, one for the table
of direct children. Nothing loops over members in Python, so the whole group (150 000 members)
costs three scans of the members in scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from dangjian.core.scope import scope_of
from dangjian.members.models import (
    ETHNICITY_CHOICES,
    IN_GOOD_STANDING,
    Category,
    Education,
    Employment,
    Gender,
    Member,
    Occupation,
)
from dangjian.members.models.choices import HAN
from dangjian.members.permissions import VIEW_STATISTICS
from dangjian.orgs.dates import add_months
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType


@dataclass(frozen=True)
class Band:
    """A band of full years, both ends inclusive (None: open)."""

    code: str
    label: str
    youngest: int | None
    oldest: int | None


AGE_BANDS_SOURCE = (
    "中共中央组织部《党内统计年报》党员队伍年龄结构分组：30岁及以下、31至35岁、36至40岁、"
    "41至45岁、46至50岁、51至55岁、56至60岁、61岁及以上"
)
AGE_BANDS = (
    Band("-30", "30岁及以下", None, 30),
    Band("31-35", "31–35岁", 31, 35),
    Band("36-40", "36–40岁", 36, 40),
    Band("41-45", "41–45岁", 41, 45),
    Band("46-50", "46–50岁", 46, 50),
    Band("51-55", "51–55岁", 51, 55),
    Band("56-60", "56–60岁", 56, 60),
    Band("61-", "61岁及以上", 61, None),
)

PARTY_AGE_BANDS_SOURCE = (
    "党龄自转正之日起计算（《中国共产党章程》第七条；domain.md §1.2 PARTY_AGE）；"
    "分组按党内统计习惯：不满5年、5至10年、10至20年……50年及以上（下限含、上限不含）"
)
PARTY_AGE_BANDS = (
    Band("-5", "不满5年", None, 4),
    Band("5-10", "5–9年", 5, 9),
    Band("10-20", "10–19年", 10, 19),
    Band("20-30", "20–29年", 20, 29),
    Band("30-40", "30–39年", 30, 39),
    Band("40-50", "40–49年", 40, 49),
    Band("50-", "50年及以上", 50, None),
)

YOUNG_AGE = 35  # "35岁及以下" column of the per-child table (青年党员, 党内统计)

UNKNOWN = "unknown"
UNKNOWN_LABEL = "未填写"
MINORITY_CODES = tuple(code for code, _ in ETHNICITY_CHOICES[1:56])  # 02–56: the 55 minorities
ETHNICITY_NAMES = dict(ETHNICITY_CHOICES)


# ---------------------------------------------------------------- conditions on a date


def counted_on(on_date: date) -> Q:
    """Members of the party on `on_date` (module docstring, decision STATS-1)."""
    return Q(joined_on__isnull=False, joined_on__lte=on_date) & (
        Q(status__in=IN_GOOD_STANDING) | Q(status_changed_on__gt=on_date)
    )


def full_on(on_date: date) -> Q:
    """正式党员 on the date: converted on or before it; a full member without a recorded
    conversion date keeps the category the record states."""
    return Q(full_member_on__lte=on_date) | Q(full_member_on__isnull=True, category=Category.FULL)


def years_between(lookup: str, band: Band, on_date: date) -> Q:
    """`lookup` (a date) lies between the band's full years before `on_date`.

    N full years have passed when the date is on or before `on_date` minus N years; at most N
    when it is after `on_date` minus N + 1 years (29 February clamps, as `display.full_years`).
    """
    condition = Q(**{f"{lookup}__isnull": False})
    if band.youngest is not None:
        condition &= Q(**{f"{lookup}__lte": add_months(on_date, -12 * band.youngest)})
    if band.oldest is not None:
        condition &= Q(**{f"{lookup}__gt": add_months(on_date, -12 * (band.oldest + 1))})
    return condition


def retired_on(on_date: date) -> Q:
    """离退休 on the date: retired now, and not retired after the date."""
    return Q(person__employment=Employment.RETIRED) & (
        Q(person__retired_on__isnull=True) | Q(person__retired_on__lte=on_date)
    )


def floating_on(on_date: date) -> Q:
    return Q(is_floating=True) & (Q(floating_since__isnull=True) | Q(floating_since__lte=on_date))


def lost_contact_on(on_date: date) -> Q:
    return Q(is_lost_contact=True) & (
        Q(lost_contact_since__isnull=True) | Q(lost_contact_since__lte=on_date)
    )


def minority() -> Q:
    return Q(person__ethnicity__in=MINORITY_CODES)


def young_on(on_date: date) -> Q:
    return years_between("person__birth_date", Band("young", "", None, YOUNG_AGE), on_date)


# ---------------------------------------------------------------- what the page shows


@dataclass
class Row:
    code: str
    label: str
    count: int = 0
    share: float = 0.0  # percent of the total, one decimal


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[Row]
    chart: str = "bar"  # "pie" or "bar"
    note: str = ""


@dataclass
class ChildRow:
    organization: Organization | None  # None: members held by the chosen organisation itself
    label: str
    total: int = 0
    full: int = 0
    probationary: int = 0
    women: int = 0
    minority: int = 0
    young: int = 0
    retired: int = 0
    floating: int = 0


@dataclass
class PartyStatistics:
    organization: Organization
    on_date: date
    total: int
    headline: list[Row]
    breakdowns: dict[str, Breakdown]
    minorities: list[Row]
    children: list[ChildRow] = field(default_factory=list)
    children_title: str = "下级组织"

    @property
    def totals_row(self) -> ChildRow:
        """The per-child table's 合计 line (the organisation's own figures)."""
        figures = {row.code: row.count for row in self.headline}
        fields = ("full", "probationary", "women", "minority", "young", "retired", "floating")
        return ChildRow(None, "合计", self.total, **{name: figures[name] for name in fields})

    def chart_data(self) -> dict:
        """What `static/members/statistics.js` draws (passed as JSON, never as a script)."""
        return {
            key: {
                "title": breakdown.title,
                "type": breakdown.chart,
                "labels": [row.label for row in breakdown.rows],
                "values": [row.count for row in breakdown.rows],
            }
            for key, breakdown in self.breakdowns.items()
        }


def _share(count: int, total: int) -> float:
    return round(count * 100 / total, 1) if total else 0.0


def _spec(on_date: date) -> list[tuple[str, str, str, list[tuple[str, str, Q]]]]:
    """(key, title, chart, [(code, label, condition)]) for every breakdown on the date."""
    full = full_on(on_date)
    retired = retired_on(on_date)
    return [
        (
            "category",
            "党员类别",
            "pie",
            [
                (Category.FULL, Category.FULL.label, full),
                (Category.PROBATIONARY, Category.PROBATIONARY.label, ~full),
            ],
        ),
        (
            "gender",
            "性别",
            "pie",
            [(value, label, Q(person__gender=value)) for value, label in Gender.choices]
            + [(UNKNOWN, UNKNOWN_LABEL, ~Q(person__gender__in=Gender.values))],
        ),
        (
            "ethnicity",
            "民族",
            "pie",
            [
                ("han", "汉族", Q(person__ethnicity=HAN)),
                ("minority", "少数民族", minority()),
                ("other", "其他（含外国血统）", ~Q(person__ethnicity__in=(HAN, *MINORITY_CODES))),
            ],
        ),
        (
            "age",
            "年龄",
            "bar",
            [
                (band.code, band.label, years_between("person__birth_date", band, on_date))
                for band in AGE_BANDS
            ]
            + [(UNKNOWN, "出生日期未填写", Q(person__birth_date__isnull=True))],
        ),
        (
            "education",
            "学历",
            "bar",
            [(value, label, Q(person__education=value)) for value, label in Education.choices]
            + [(UNKNOWN, UNKNOWN_LABEL, ~Q(person__education__in=Education.values))],
        ),
        (
            "occupation",
            "职业（岗位类别）",
            "bar",
            [("retired", "离退休人员", retired)]
            + [
                (value, label, ~retired & Q(person__occupation=value))
                for value, label in Occupation.choices
            ]
            + [(UNKNOWN, UNKNOWN_LABEL, ~retired & ~Q(person__occupation__in=Occupation.values))],
        ),
        (
            "party_age",
            "党龄",
            "bar",
            [
                (
                    band.code,
                    band.label,
                    Q(full_member_on__lte=on_date) & _party_years(band, on_date),
                )
                for band in PARTY_AGE_BANDS
            ]
            + [
                (Category.PROBATIONARY, "预备党员（不计党龄）", ~full),
                (UNKNOWN, "转正日期未填写", Q(full_member_on__isnull=True, category=Category.FULL)),
            ],
        ),
    ]


def _party_years(band: Band, on_date: date) -> Q:
    return years_between("full_member_on", band, on_date)


def _headline(on_date: date) -> list[tuple[str, str, Q]]:
    return [
        ("full", "正式党员", full_on(on_date)),
        ("probationary", "预备党员", ~full_on(on_date)),
        ("women", "女党员", Q(person__gender=Gender.FEMALE)),
        ("minority", "少数民族党员", minority()),
        ("young", f"{YOUNG_AGE}岁及以下", young_on(on_date)),
        ("retired", "离退休党员", retired_on(on_date)),
        ("floating", "流动党员", floating_on(on_date)),
        ("lost_contact", "失去联系党员", lost_contact_on(on_date)),
    ]


# ---------------------------------------------------------------- the entry point


def statistics_members(user, organization: Organization, on_date: date) -> QuerySet:
    """The members counted for `organization` on `on_date`, within the user's scope."""
    if not scope_of(user).covers(VIEW_STATISTICS, organization.path):
        raise Http404
    members = Member.objects.visible_to(user, VIEW_STATISTICS).filter(counted_on(on_date))
    if organization.org_type == OrgType.GROUP:
        return members.filter(party_group=organization)
    return members.filter(organization__path__startswith=organization.path)


def party_statistics(user, organization: Organization, on_date: date | None = None):
    """Totals and breakdowns of the organisation's subtree on the date (default today).

    Answers 404 for an organisation outside the user's `members.view_statistics` scope, exactly
    as for a missing one.
    """
    on_date = on_date or date.today()
    members = statistics_members(user, organization, on_date)
    spec = _spec(on_date)
    headline = _headline(on_date)
    counts = _aggregate(members, spec, headline)
    total = counts["total"]
    breakdowns = {
        key: Breakdown(
            key=key,
            title=title,
            chart=chart,
            rows=[
                Row(code, label, counts[f"{key}__{code}"], _share(counts[f"{key}__{code}"], total))
                for code, label, _ in rows
                if code != UNKNOWN or counts[f"{key}__{code}"]  # "未填写" only when it happens
            ],
        )
        for key, title, chart, rows in spec
    }
    breakdowns["age"].note = AGE_BANDS_SOURCE
    breakdowns["party_age"].note = PARTY_AGE_BANDS_SOURCE
    stats = PartyStatistics(
        organization=organization,
        on_date=on_date,
        total=total,
        headline=[
            Row(
                code, label, counts[f"headline__{code}"], _share(counts[f"headline__{code}"], total)
            )
            for code, label, _ in headline
        ],
        breakdowns=breakdowns,
        minorities=_minorities(members, total),
    )
    stats.children, stats.children_title = _children(members, organization, on_date)
    return stats


def _aggregate(members: QuerySet, spec, headline) -> dict[str, int]:
    """Every count in one conditional aggregation over the members."""
    expressions = {"total": Count("pk")}
    for key, _title, _chart, rows in spec:
        for code, _label, condition in rows:
            expressions[f"{key}__{code}"] = Count("pk", filter=condition)
    for code, _label, condition in headline:
        expressions[f"headline__{code}"] = Count("pk", filter=condition)
    return members.order_by().aggregate(**expressions)


def _minorities(members: QuerySet, total: int) -> list[Row]:
    """The minorities present, most numerous first (one GROUP BY)."""
    grouped = (
        members.filter(minority())
        .order_by()
        .values_list("person__ethnicity")
        .annotate(number=Count("pk"))
        .order_by("-number", "person__ethnicity")
    )
    return [
        Row(code, ETHNICITY_NAMES.get(code, code), number, _share(number, total))
        for code, number in grouped
    ]


# ---------------------------------------------------------------- the direct children


def _child_counts(on_date: date) -> dict:
    full = full_on(on_date)
    return {
        "total": Count("pk"),
        "full": Count("pk", filter=full),
        "probationary": Count("pk", filter=~full),
        "women": Count("pk", filter=Q(person__gender=Gender.FEMALE)),
        "minority": Count("pk", filter=minority()),
        "young": Count("pk", filter=young_on(on_date)),
        "retired": Count("pk", filter=retired_on(on_date)),
        "floating": Count("pk", filter=floating_on(on_date)),
    }


def _children(members: QuerySet, organization: Organization, on_date: date):
    """Each direct child with its totals (one GROUP BY), and the table's title.

    Below a 党委 or 党总支 the children are the organisations one level down, each counting its
    subtree; the members a 党委 holds itself (机关) get a row of their own. A 党支部's members
    are held by the branch itself, so its table is by 党小组 (and "未编入党小组").
    """
    if organization.org_type == OrgType.GROUP:
        return [], ""
    counts = _child_counts(on_date)
    if organization.org_type in BRANCH_TYPES:
        grouped = members.order_by().values("party_group_id").annotate(**counts)
        by_key = {row.pop("party_group_id"): row for row in grouped}
        children = Organization.objects.filter(
            path__startswith=organization.path,
            depth=organization.depth + 1,
            org_type=OrgType.GROUP,
        ).order_by("sort_order", "path")
        rows = [_child_row(child, child.name, by_key.get(child.pk)) for child in children]
        return _with_own(rows, by_key.get(None), "未编入党小组"), "党小组"
    width = len(organization.path) + Organization.steplen
    grouped = (
        members.order_by()
        .annotate(child_path=Substr("organization__path", 1, width))
        .values("child_path")
        .annotate(**counts)
    )
    by_key = {row.pop("child_path"): row for row in grouped}
    children = (
        Organization.objects.filter(
            path__startswith=organization.path, depth=organization.depth + 1
        )
        .exclude(org_type=OrgType.GROUP)
        .order_by("sort_order", "path")
    )
    rows = [
        _child_row(child, child.name, by_key.get(child.path))
        for child in children
        if child.is_active or child.path in by_key
    ]
    return _with_own(rows, by_key.get(organization.path), "本级直属党员"), "下级组织"


def _child_row(organization, label: str, counts: dict | None) -> ChildRow:
    return ChildRow(organization, label, **(counts or {}))


def _with_own(rows: list[ChildRow], counts: dict | None, label: str) -> list[ChildRow]:
    if counts and counts["total"]:
        rows.append(ChildRow(None, label, **counts))
    return rows
