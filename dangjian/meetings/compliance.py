"""The 三会一课 compliance engine (domain §3.2): which requirements of the rule table apply to an
organisation, and for every organisation of a subtree, every rule and every period of a year,
how many meetings were required and held, with a traffic-light status.

    rules_for(org, on) -> list[ComplianceRule]
        The organisation's own profile's rules when it has one (离退休党支部 …), else the default
        rules; kept when the rule lists the organisation's type and, for `requires_committee`
        rules (支委会), only when the organisation has a current committee.

    evaluate(root, year, *, months=None, on=None) -> Grid
        Every organisation of the subtree(s) of `root` (one organisation or a list) that has
        rules. A fixed number of queries whatever the size of the subtree: organisations,
        rules, profile links, current committees, one aggregate over Meeting (organisation ×
        category × month, through the covering index `meetings_org_held_cover`) and one over the
        closed 民主评议 rounds. `months` (e.g. (10, 11, 12)) keeps only the periods that overlap
        those months. `on` is "today" (default: the local date).

    compliance_score(org, period_start, period_end, *, on=None) -> (ratio, lines)
        For the assessment app: the share (0.0–1.0, Decimal-free float rounded to 4 places) of
        the organisation's own requirement periods lying wholly inside [period_start,
        period_end] that are met, and one Chinese line per period ("支部党员大会每季度至少召开1次
        · 2026年第1季度：应1次，已开2次，已落实"). Exempt periods (grey) and periods not yet
        closed count neither way; with nothing to score the ratio is 1.0 and the lines say so.

Statuses (`Status`): green — met; amber — still open and not yet met, or closed but met only
partly (held > 0 but fewer than required); red — closed with nothing held; grey — exempt (the
organisation did not exist for the whole period); future — not started yet.

Meetings counted: HELD, RETURNED and REVIEWED. A returned record was still a meeting that took
place; the upper organisation returned it to correct the record, not because it did not happen,
so dropping it would turn a branch red for a paperwork fix.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.scope import prefix_q
from dangjian.meetings.models import ComplianceProfile, ComplianceRule, Meeting, Period
from dangjian.orgs.models import Committee, Organization

COUNTED_STATUSES = [
    Meeting.Status.HELD,
    Meeting.Status.REVIEWED,
    Meeting.Status.RETURNED,
]
ALL_MONTHS = tuple(range(1, 13))
# A long period (half year, year) is summarised in the heat-map cell of its last month only: an
# unmet yearly 组织生活会 would otherwise paint every month of the year amber from January.
LONG_PERIODS = {Period.HALF_YEAR, Period.YEAR}


class Status:
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"
    FUTURE = "future"

    LABELS = {
        "green": "已落实",
        "amber": "待落实",
        "red": "未落实",
        "grey": "不要求",
        "future": "未到期",
    }
    # Which status a heat-map cell shows when several rules meet in one month.
    RANK = {"red": 5, "amber": 4, "future": 3, "green": 2, "grey": 1}


ORG_FIELDS = (
    "pk",
    "path",
    "depth",
    "org_type",
    "name",
    "short_name",
    "code",
    "founded_on",
    "dissolved_on",
    "is_active",
    "numchild",
)


# ---------------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class PeriodSlot:
    """One period of a rule's kind in a year: 2026年第3季度, 2026年10月 …"""

    kind: str
    index: int
    start: datetime.date
    end: datetime.date
    label: str
    months: tuple[int, ...]

    @property
    def short_label(self) -> str:
        """The label without the year: 10月, 第4季度, 下半年, 全年."""
        rest = self.label.removeprefix(f"{self.start.year}年")
        return "全年" if rest == "度" else rest

    @property
    def last_month(self) -> int:
        return self.months[-1]

    def state(self, on: datetime.date) -> str:
        """ "closed", "open" or "future" relative to `on`."""
        if self.end < on:
            return "closed"
        return "open" if self.start <= on else "future"


def _slot(kind: str, index: int, year: int, first: int, last: int, label: str) -> PeriodSlot:
    end = datetime.date(year, last, calendar.monthrange(year, last)[1])
    months = tuple(range(first, last + 1))
    return PeriodSlot(kind, index, datetime.date(year, first, 1), end, label, months)


def periods_of(kind: str, year: int) -> list[PeriodSlot]:
    """The periods of one kind in a year, in order."""
    if kind == Period.MONTH:
        return [_slot(kind, m, year, m, m, f"{year}年{m}月") for m in ALL_MONTHS]
    if kind == Period.QUARTER:
        return [_slot(kind, q, year, 3 * q - 2, 3 * q, f"{year}年第{q}季度") for q in range(1, 5)]
    if kind == Period.HALF_YEAR:
        return [
            _slot(kind, 1, year, 1, 6, f"{year}年上半年"),
            _slot(kind, 2, year, 7, 12, f"{year}年下半年"),
        ]
    return [_slot(kind, 1, year, 1, 12, f"{year}年度")]


def _periods_in(kind: str, year: int, months: tuple[int, ...]) -> list[PeriodSlot]:
    wanted = set(months)
    return [slot for slot in periods_of(kind, year) if wanted.intersection(slot.months)]


# ------------------------------------------------------------------------------------ rules


def _all_rules() -> list[ComplianceRule]:
    return list(ComplianceRule.objects.filter(is_active=True).order_by("sort_order", "id"))


def _rule_sets(rules: Iterable[ComplianceRule]) -> dict[int | None, list[ComplianceRule]]:
    """Active rules by profile id (None: the default rules)."""
    sets: dict[int | None, list[ComplianceRule]] = defaultdict(list)
    for rule in rules:
        sets[rule.profile_id].append(rule)
    return sets


def applicable(rules, org_type: str, has_committee: bool) -> list[ComplianceRule]:
    return [
        rule
        for rule in rules
        if org_type in (rule.org_types or []) and (has_committee or not rule.requires_committee)
    ]


def rules_for(org: Organization, on: datetime.date | None = None) -> list[ComplianceRule]:
    """The requirements that apply to the organisation (see the module docstring). `on` is
    accepted for symmetry with the rule values; the rule table itself is not versioned."""
    profile_id = (
        ComplianceProfile.organizations.through.objects.filter(organization_id=org.pk)
        .order_by("complianceprofile_id")
        .values_list("complianceprofile_id", flat=True)
        .first()
    )
    sets = _rule_sets(_all_rules())
    has_committee = Committee.objects.filter(organization_id=org.pk, is_current=True).exists()
    chosen = sets.get(profile_id, []) if profile_id is not None else sets.get(None, [])
    return applicable(chosen, org.org_type, has_committee)


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Cell:
    """One rule × one period of one organisation."""

    rule: ComplianceRule
    period: PeriodSlot
    required: int
    held: int
    status: str
    state: str  # "closed", "open" or "future" on the day of the evaluation

    @property
    def status_label(self) -> str:
        if self.status == Status.AMBER and self.state == "closed":
            return "部分落实"
        return Status.LABELS[self.status]


@dataclass(frozen=True)
class Missing:
    """A requirement not (yet) met: shown in the missing list and used by the reminders."""

    organization: Organization
    rule: ComplianceRule
    period: PeriodSlot
    required: int
    held: int
    status: str
    state: str

    @property
    def status_label(self) -> str:
        if self.status == Status.AMBER and self.state == "closed":
            return "部分落实"
        return Status.LABELS[self.status]

    @property
    def period_label(self) -> str:
        return self.period.label

    @property
    def source(self) -> str:
        return self.rule.source


@dataclass
class OrgResult:
    organization: Organization
    profile_id: int | None
    has_committee: bool
    cells: list[Cell] = field(default_factory=list)
    # Month number -> status of the heat-map cell (months outside the evaluation are absent).
    months: dict[int, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[Missing]:
        return [
            Missing(self.organization, c.rule, c.period, c.required, c.held, c.status, c.state)
            for c in self.cells
            if c.status in (Status.RED, Status.AMBER)
        ]

    @property
    def counts(self) -> dict[str, int]:
        tally = dict.fromkeys(Status.LABELS, 0)
        for cell in self.cells:
            tally[cell.status] += 1
        return tally

    @property
    def is_compliant(self) -> bool:
        return not any(c.status in (Status.RED, Status.AMBER) for c in self.cells)


@dataclass
class Grid:
    year: int
    on: datetime.date
    months: tuple[int, ...]
    rows: dict[int, OrgResult]

    def __iter__(self):
        return iter(self.rows.values())

    def __len__(self):
        return len(self.rows)

    def get(self, org_id: int) -> OrgResult | None:
        return self.rows.get(org_id)

    @property
    def missing(self) -> list[Missing]:
        """Everything unmet, red first, then by organisation (tree order) and period."""
        found = [item for row in self.rows.values() for item in row.missing]
        found.sort(
            key=lambda m: (
                m.status != Status.RED,
                m.organization.path,
                m.period.start,
                m.rule.sort_order,
            )
        )
        return found

    def within(self, path: str) -> list[OrgResult]:
        """The results of the organisations in the subtree of `path` (tree order)."""
        return [row for row in self.rows.values() if row.organization.path.startswith(path)]


# ------------------------------------------------------------------------------------ evaluate


def _roots(root) -> list[Organization]:
    if isinstance(root, Organization):
        return [root]
    return list(root)


def subtree_ids(roots: Sequence[Organization]):
    """The ids of the organisations in the subtrees, as a subquery (no rows fetched)."""
    condition = prefix_q("path", [org.path for org in roots]) or Q(pk__in=[])
    return Organization.objects.filter(condition).order_by().values("pk")


def alive_in(year: int) -> Q:
    """Organisations that existed during the year: active ones (not founded after it) and
    those dissolved during or after it (shown grey after the dissolution)."""
    alive = Q(is_active=True) | Q(dissolved_on__gte=datetime.date(year, 1, 1))
    return alive & ~Q(founded_on__gt=datetime.date(year, 12, 31))


def _organizations(roots, year: int, subtree: bool) -> list[Organization]:
    if subtree:
        condition = prefix_q("path", [org.path for org in roots]) or Q(pk__in=[])
    else:
        condition = Q(pk__in=[org.pk for org in roots])
    found = Organization.objects.filter(condition).filter(alive_in(year))
    return list(found.only(*ORG_FIELDS).order_by("path"))


def _profile_links(ids) -> dict[int, int]:
    links = ComplianceProfile.organizations.through.objects.filter(organization_id__in=ids)
    chosen: dict[int, int] = {}
    for org_id, profile_id in links.order_by("complianceprofile_id").values_list(
        "organization_id", "complianceprofile_id"
    ):
        chosen.setdefault(org_id, profile_id)
    return chosen


def _committee_orgs(ids) -> set[int]:
    current = Committee.objects.filter(is_current=True, organization_id__in=ids)
    return set(current.values_list("organization_id", flat=True))


def meeting_counts(ids, year: int, categories) -> dict[tuple[int, str], list[int]]:
    """(organisation id, category) -> 13 counters (index = month) of the meetings counted, in
    ONE query over the counted meetings of the year.

    The rows are counted here rather than grouped in SQL: a branch rarely holds two meetings
    of one category in a month, so a group's year has about as many groups as meetings
    (~150 000) and grouping only added a sort (and, on SQLite, a Python call per row for
    ExtractMonth). The plain cursor rows skip the queryset's per-row converters."""
    rows = (
        Meeting.objects.filter(
            status__in=COUNTED_STATUSES,
            category__in=sorted(categories),
            held_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            organization_id__in=ids,
        )
        .order_by()
        .values_list("organization_id", "category", "held_on")
    )
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    counts: dict[tuple[int, str], list[int]] = {}
    for org_id, category, held_on in found:
        key = (org_id, category)
        if isinstance(held_on, str):  # a backend without date conversion
            held_on = datetime.date.fromisoformat(held_on)
        monthly = counts.get(key)
        if monthly is None:
            monthly = counts[key] = [0] * 13
        monthly[held_on.month] += 1
    return counts


def appraisal_counts(ids, year: int) -> dict[int, int]:
    """Organisation id -> closed 民主评议党员 rounds of the year (one query)."""
    from dangjian.appraisals.models import Phase, Round

    rows = (
        Round.objects.filter(year=year, phase=Phase.CLOSED, organization_id__in=ids)
        .order_by()
        .values("organization_id")
        .annotate(n=Count("id"))
    )
    return {row["organization_id"]: row["n"] for row in rows}


def _exists_for(org: Organization, slot: PeriodSlot) -> bool:
    """A period counts only when the organisation existed on its first day and was not
    dissolved before its last day (a new or dissolved branch is not blamed for a part period)."""
    if org.founded_on is not None and org.founded_on > slot.start:
        return False
    if org.dissolved_on is not None and org.dissolved_on < slot.end:
        return False
    return not (not org.is_active and org.dissolved_on is None)


def status_of(required: int, held: int, state: str) -> str:
    if held >= required:
        return Status.GREEN
    if state == "future":
        return Status.FUTURE
    if state == "open" or held > 0:
        return Status.AMBER
    return Status.RED


class _Evaluator:
    """Holds what the queries returned and turns it into cells, one organisation at a time."""

    def __init__(self, year, on, months, rule_sets, profiles, committees, counts, appraisals):
        self.year, self.on, self.months = year, on, months
        self.rule_sets, self.profiles, self.committees = rule_sets, profiles, committees
        self.counts, self.appraisals = counts, appraisals
        self.slots: dict[str, list[tuple[PeriodSlot, str]]] = {
            kind: [(slot, slot.state(on)) for slot in _periods_in(kind, year, months)]
            for kind in Period.values
        }
        self.month_set = set(months)

    def rules_of(self, org) -> tuple[int | None, bool, list[ComplianceRule]]:
        profile_id = self.profiles.get(org.pk)
        has_committee = org.pk in self.committees
        chosen = self.rule_sets.get(profile_id, []) if profile_id else self.rule_sets.get(None, [])
        return profile_id, has_committee, applicable(chosen, org.org_type, has_committee)

    def held(self, org, rule, slot: PeriodSlot) -> int:
        if rule.counts_appraisal:
            return self.appraisals.get(org.pk, 0) if slot.kind == Period.YEAR else 0
        monthly = self.counts.get((org.pk, rule.category))
        if monthly is None:
            return 0
        return sum(monthly[m] for m in slot.months)

    def result(self, org) -> OrgResult | None:
        profile_id, has_committee, rules = self.rules_of(org)
        if not rules:
            return None
        result = OrgResult(org, profile_id, has_committee)
        ranks: dict[int, int] = {}
        for rule in rules:
            for slot, state in self.slots[rule.period]:
                if _exists_for(org, slot):
                    held = self.held(org, rule, slot)
                    status = status_of(rule.min_count, held, state)
                else:
                    held, status = 0, Status.GREY
                result.cells.append(Cell(rule, slot, rule.min_count, held, status, state))
                shown = (slot.last_month,) if rule.period in LONG_PERIODS else slot.months
                for month in shown:
                    if month in self.month_set and Status.RANK[status] > ranks.get(month, 0):
                        ranks[month] = Status.RANK[status]
        by_rank = {rank: status for status, rank in Status.RANK.items()}
        result.months = {m: by_rank[ranks[m]] if m in ranks else Status.GREY for m in self.months}
        return result


def evaluate(
    root, year: int, *, months=None, on: datetime.date | None = None, subtree: bool = True
) -> Grid:
    """The compliance grid of every organisation with rules in the subtree(s) of `root` (with
    `subtree=False`: of the given organisations only — a page of a table)."""
    roots = _roots(root)
    on = on or timezone.localdate()
    months = tuple(sorted(set(months))) if months else ALL_MONTHS
    ids = subtree_ids(roots) if subtree else [org.pk for org in roots]
    organizations = _organizations(roots, year, subtree)
    rules = _all_rules()
    categories = {rule.category for rule in rules if not rule.counts_appraisal}
    evaluator = _Evaluator(
        year,
        on,
        months,
        _rule_sets(rules),
        _profile_links(ids),
        _committee_orgs(ids),
        meeting_counts(ids, year, categories) if roots and categories else {},
        appraisal_counts(ids, year) if any(r.counts_appraisal for r in rules) else {},
    )
    rows = {}
    for org in organizations:
        result = evaluator.result(org)
        if result is not None:
            rows[org.pk] = result
    return Grid(year=year, on=on, months=months, rows=rows)


# ------------------------------------------------------------------------- heat-map fast path

RANK_STATUS = {rank: status for status, rank in Status.RANK.items()}
_GREEN, _AMBER, _RED, _GREY, _FUTURE = (
    Status.RANK[s] for s in (Status.GREEN, Status.AMBER, Status.RED, Status.GREY, Status.FUTURE)
)


@dataclass
class MonthRow:
    """The heat-map of one organisation without its cells: month -> status and how many
    rule × period cells have each status (the same numbers as `OrgResult.months/.counts`)."""

    organization: Organization
    months: dict[int, str]
    counts: dict[str, int]


class _MonthEvaluator(_Evaluator):
    """The month statuses of `_Evaluator.result` in plain integers (no Cell objects)."""

    def __init__(self, *args):
        super().__init__(*args)
        # kind -> [(slot, first month, last month, state rank when unmet, shown months)]
        self.plans = {}
        for kind, slots in self.slots.items():
            plan = []
            for slot, state in slots:
                unmet = {"future": _FUTURE, "open": _AMBER}.get(state, _RED)
                shown = (slot.last_month,) if kind in LONG_PERIODS else slot.months
                shown = tuple(m for m in shown if m in self.month_set)
                plan.append((slot, slot.months[0], slot.months[-1] + 1, unmet, shown))
            self.plans[kind] = plan
        self._applicable: dict[tuple, list[ComplianceRule]] = {}

    def rules_of(self, org):
        profile_id = self.profiles.get(org.pk)
        has_committee = org.pk in self.committees
        key = (profile_id, has_committee, org.org_type)
        rules = self._applicable.get(key)
        if rules is None:
            chosen = self.rule_sets.get(profile_id, []) if profile_id else self.rule_sets[None]
            rules = self._applicable[key] = applicable(chosen, org.org_type, has_committee)
        return profile_id, has_committee, rules

    def month_row(self, org) -> MonthRow | None:
        rules = self.rules_of(org)[2]
        if not rules:
            return None
        whole_year = (
            (org.founded_on is None or org.founded_on.year < self.year)
            and org.dissolved_on is None
            and org.is_active
        )
        ranks = [0] * 13
        tally = [0] * 6
        for rule in rules:
            required = rule.min_count
            if rule.counts_appraisal:
                monthly = None
                appraised = self.appraisals.get(org.pk, 0)
            else:
                monthly = self.counts.get((org.pk, rule.category))
            for slot, first, stop, unmet, shown in self.plans[rule.period]:
                if not (whole_year or _exists_for(org, slot)):
                    rank = _GREY
                else:
                    if rule.counts_appraisal:
                        held = appraised if slot.kind == Period.YEAR else 0
                    elif monthly is None:
                        held = 0
                    else:
                        held = sum(monthly[first:stop])
                    if held >= required:
                        rank = _GREEN
                    elif held > 0 and unmet == _RED:
                        rank = _AMBER
                    else:
                        rank = unmet
                tally[rank] += 1
                for month in shown:
                    if rank > ranks[month]:
                        ranks[month] = rank
        months = {m: RANK_STATUS[ranks[m]] if ranks[m] else Status.GREY for m in self.months}
        counts = {status: tally[rank] for status, rank in Status.RANK.items()}
        return MonthRow(org, months, counts)


def evaluate_months(
    root, year: int, *, months=None, on: datetime.date | None = None, detail=()
) -> Grid:
    """The heat-map of the subtree(s) of `root` for a whole group: like `evaluate` (same six
    queries, same month colours and status counts) but each row is a `MonthRow` — month
    statuses and counts only, no cells — except the organisations whose ids are in `detail`
    (the rows of one page), which get their full `OrgResult` with cells. Several times faster
    at group scale, where building ~350 000 cells dominated."""
    roots = _roots(root)
    on = on or timezone.localdate()
    months = tuple(sorted(set(months))) if months else ALL_MONTHS
    ids = subtree_ids(roots)
    organizations = _organizations(roots, year, True)
    rules = _all_rules()
    categories = {rule.category for rule in rules if not rule.counts_appraisal}
    rule_sets = _rule_sets(rules)
    rule_sets.setdefault(None, [])
    evaluator = _MonthEvaluator(
        year,
        on,
        months,
        rule_sets,
        _profile_links(ids),
        _committee_orgs(ids),
        meeting_counts(ids, year, categories) if roots and categories else {},
        appraisal_counts(ids, year) if any(r.counts_appraisal for r in rules) else {},
    )
    detail = set(detail)
    rows = {}
    for org in organizations:
        row = evaluator.result(org) if org.pk in detail else evaluator.month_row(org)
        if row is not None:
            rows[org.pk] = row
    return Grid(year=year, on=on, months=months, rows=rows)


# ------------------------------------------------------------------------------ assessment


def compliance_score(
    org: Organization,
    period_start: datetime.date,
    period_end: datetime.date,
    *,
    on: datetime.date | None = None,
) -> tuple[float, list[str]]:
    """Share of the organisation's closed requirement periods inside the dates that are met,
    with one explanation line per period (see the module docstring)."""
    on = on or timezone.localdate()
    met = total = 0
    lines: list[str] = []
    for year in range(period_start.year, period_end.year + 1):
        row = evaluate([org], year, on=on, subtree=False).get(org.pk)
        for cell in row.cells if row else []:
            slot = cell.period
            inside = period_start <= slot.start and slot.end <= period_end
            if not inside or cell.status in (Status.GREY, Status.FUTURE) or slot.end >= on:
                continue
            total += 1
            met += cell.status == Status.GREEN
            verdict = "已落实" if cell.status == Status.GREEN else "未落实"
            lines.append(
                f"{cell.rule.label} · {slot.label}：应{cell.required}次，"
                f"已开{cell.held}次，{verdict}（{cell.rule.source}）"
            )
    if total == 0:
        return 1.0, ["所选期间内没有已到期的组织生活要求。"]
    lines.insert(0, f"已落实 {met}/{total} 项（按期间计）。")
    return round(met / total, 4), lines


# ------------------------------------------------------------------------------ page reads


def rated_types() -> list[str]:
    """The organisation types some active rule applies to (one query)."""
    types = set()
    for org_types in ComplianceRule.objects.filter(is_active=True).values_list(
        "org_types", flat=True
    ):
        types.update(org_types or [])
    return sorted(types)


def rated_organizations(root: Organization, year: int):
    """The organisations of the subtree that the rule table may apply to, in tree order: the
    rows of the table view, the API and the export (paginated in the database)."""
    return (
        Organization.objects.filter(path__startswith=root.path, org_type__in=rated_types())
        .filter(alive_in(year))
        .only(*ORG_FIELDS)
        .order_by("path")
    )


def level_children(root: Organization, year: int):
    """The heat-map rows below `root`: its direct children that existed in the year."""
    return (
        Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1)
        .filter(alive_in(year))
        .only(*ORG_FIELDS)
        .order_by("path")
    )


@dataclass
class MonthShare:
    """One month of a 党委/党总支 row: its branches, and how many of them are green."""

    month: int
    branches: int
    green: int
    red: int
    open: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.green / self.branches) if self.branches else None

    @property
    def status(self) -> str:
        """Green when every branch is, amber while the only gaps are still open, else red."""
        if not self.branches:
            return Status.GREY
        if self.green == self.branches:
            return Status.GREEN
        if self.red == 0:
            return Status.FUTURE if self.open == 0 else Status.AMBER
        return Status.RED


def shares(results: Iterable[OrgResult], months: Sequence[int]) -> list[MonthShare]:
    """Per month, the branches (党支部 types) among `results` and how many are compliant."""
    from dangjian.orgs.models import BRANCH_TYPES

    tally = {m: MonthShare(m, 0, 0, 0, 0) for m in months}
    for result in results:
        if result.organization.org_type not in BRANCH_TYPES:
            continue
        for month in months:
            status = result.months.get(month, Status.GREY)
            if status in (Status.GREY, Status.FUTURE):
                continue
            share = tally[month]
            share.branches += 1
            share.green += status == Status.GREEN
            share.red += status == Status.RED
            share.open += status == Status.AMBER
    return list(tally.values())


def month_gaps(result: OrgResult, month: int) -> list[Cell]:
    """The unmet cells a heat-map month of one organisation stands for."""
    gaps = []
    for cell in result.cells:
        kind = cell.period.kind
        shown = (cell.period.last_month,) if kind in LONG_PERIODS else cell.period.months
        if month in shown and cell.status in (Status.RED, Status.AMBER):
            gaps.append(cell)
    return gaps


def bucket_by_child(grid: Grid, root: Organization) -> dict[str, list[OrgResult]]:
    """Results grouped by the path of the child of `root` they lie under (one pass)."""
    width = len(root.path) + Organization.steplen
    buckets: dict[str, list[OrgResult]] = defaultdict(list)
    for result in grid:
        if len(result.organization.path) >= width:
            buckets[result.organization.path[:width]].append(result)
    return buckets
