"""学时 totals (domain §3.2): each member's hours of a year against the yearly requirement —
`meetings.yearly_class_hours` (32), or `meetings.yearly_class_hours_leaders` (56) for
基层党组织书记和班子成员.

Everything here is read in a fixed number of queries whatever the size of the subtree:

* `member_rows` is one query over the members of a subtree, each annotated with the year's
  total (a correlated SUM over `ClassHourCredit` on its (person, year) index) and the
  requirement (an EXISTS over the committee posts), so it sorts, filters and paginates in the
  database;
* `BranchRows` / `subtree_total` sum the year's credits of the subtree's people once, grouped
  by person, join them to the members annotated with their requirement and group by
  organisation (one query per page of the per-branch table, one for the subtree total);
* `sources_for` splits the hours of one page of people by source (one grouped query).

A member's hours follow the person, not the branch: credits earned before a transfer count
towards the same yearly requirement, so the SUM reads the person's credits wherever they were
credited. Members are listed under the organisation holding their membership today.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core.rules import rule_source, rule_value
from dangjian.core.scope import scope_condition
from dangjian.meetings import rules
from dangjian.meetings.models import ClassHourCredit
from dangjian.members.filters import search_q
from dangjian.members.models import IN_GOOD_STANDING, Member, Person
from dangjian.orgs.models import CommitteePost, Organization

HOURS = DecimalField(max_digits=7, decimal_places=1)
ZERO = Decimal("0")
SOURCES = tuple(ClassHourCredit.Source)

# Member list orderings offered by the pages and the API (key → ORM ordering).
MEMBER_ORDERINGS = {
    "name": ("person__name", "pk"),
    "-hours": ("-hours", "person__name", "pk"),
    "hours": ("hours", "person__name", "pk"),
    "-gap": ("-gap", "person__name", "pk"),
    "organization": ("organization__path", "person__name", "pk"),
}
# Branch table orderings (key → SQL ORDER BY over the grouped derived table).
BRANCH_ORDERINGS = {
    "organization": "o.path",
    "-average": "average DESC, o.path",
    "average": "average ASC, o.path",
    "-below": "below DESC, o.path",
    "reached_percent": "reached_rate ASC, o.path",
    "-members": "members DESC, o.path",
}


@dataclass(frozen=True)
class Requirement:
    """The two yearly requirements in force for a year, with their sources."""

    year: int
    on: datetime.date  # the day whose committee posts decide who is a leader
    members: Decimal
    leaders: Decimal
    source: str
    leaders_source: str


def reference_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """Who counts as a leader is read on the last day of the year, or today for this year
    (a secretary elected in November owes 56 学时 for the year in which they took office)."""
    today = today or timezone.localdate()
    return min(today, datetime.date(year, 12, 31))


def requirement_for(year: int, today: datetime.date | None = None) -> Requirement:
    on = reference_date(year, today)
    return Requirement(
        year=year,
        on=on,
        members=Decimal(rule_value(rules.YEARLY_HOURS, on=on)),
        leaders=Decimal(rule_value(rules.YEARLY_HOURS_LEADERS, on=on)),
        source=rule_source(rules.YEARLY_HOURS, on=on),
        leaders_source=rule_source(rules.YEARLY_HOURS_LEADERS, on=on),
    )


def leader_posts(on: datetime.date, person_ref="person_id"):
    """Committee posts held on the day: every post of a committee (班子) of a 党委, 党总支 or
    党支部 except 党小组组长 (a 党小组 is not a 基层党组织 and its leader is no 班子成员)."""
    return CommitteePost.objects.filter(
        Q(started_on__isnull=True) | Q(started_on__lte=on),
        Q(ended_on__isnull=True) | Q(ended_on__gte=on),
        Q(committee__is_current=True) | Q(committee__term_end__gte=on),
        person_id=OuterRef(person_ref),
        committee__term_start__lte=on,
    ).exclude(post=CommitteePost.Post.GROUP_LEADER)


def year_total(year: int, person_ref="person_id"):
    """The person's 学时 of the year as a correlated subquery (0 when none)."""
    credits = (
        ClassHourCredit.objects.filter(person_id=OuterRef(person_ref), year=year)
        .order_by()
        .values("person_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(Subquery(credits, output_field=HOURS), Value(ZERO), output_field=HOURS)


def annotate_hours(members, requirement: Requirement):
    """Members annotated with `hours`, `is_leader`, `required` and `gap` (never below 0)."""
    return members.annotate(
        hours=year_total(requirement.year),
        is_leader=Exists(leader_posts(requirement.on)),
    ).annotate(
        required=Case(
            When(is_leader=True, then=Value(requirement.leaders)),
            default=Value(requirement.members),
            output_field=HOURS,
        ),
        gap=Case(
            When(hours__lt=F("required"), then=F("required") - F("hours")),
            default=Value(ZERO),
            output_field=HOURS,
        ),
    )


def members_within(organization: Organization):
    """Members in good standing whose membership is held inside the organisation's subtree."""
    inside = scope_condition("organization__path", (organization.path,))
    return Member.objects.filter(inside, status__in=IN_GOOD_STANDING)


def member_rows(
    organization: Organization,
    requirement: Requirement,
    *,
    below_only: bool = False,
    ordering: str = "name",
    q: str = "",
):
    """One query: the subtree's members with their year's hours, requirement and gap."""
    rows = annotate_hours(members_within(organization), requirement)
    if q:
        rows = rows.filter(search_q(q))
    if below_only:
        rows = rows.filter(hours__lt=F("required"))
    order = MEMBER_ORDERINGS.get(ordering, MEMBER_ORDERINGS["name"])
    return rows.select_related("person", "organization").order_by(*order)


def sources_for(person_ids, year: int) -> dict[int, dict[str, Decimal]]:
    """person id → {source: hours} for the given people (one grouped query)."""
    found: dict[int, dict[str, Decimal]] = {}
    rows = (
        ClassHourCredit.objects.filter(person_id__in=list(person_ids), year=year)
        .order_by()
        .values_list("person_id", "source")
        .annotate(total=Sum("hours"))
    )
    for person_id, source, total in rows:
        found.setdefault(person_id, {})[source] = total
    return found


def attach_sources(rows, year: int) -> list:
    """The page's rows with `by_source` (a list of (label, hours) in the sources' order)."""
    rows = list(rows)
    found = sources_for((row.person_id for row in rows), year)
    for row in rows:
        own = found.get(row.person_id, {})
        row.sources = own
        row.by_source = [(str(source.label), own.get(source.value, ZERO)) for source in SOURCES]
    return rows


# --- per branch ---------------------------------------------------------------------------------


@dataclass
class BranchRow:
    organization_id: int
    name: str
    path: str
    members: int
    total: Decimal
    below: int

    @property
    def average(self) -> Decimal:
        if not self.members:
            return ZERO
        return (Decimal(self.total) / self.members).quantize(Decimal("0.1"))

    @property
    def reached(self) -> int:
        return self.members - self.below

    @property
    def reached_percent(self) -> int:
        return round(100 * self.reached / self.members) if self.members else 0


def _grouped_sql(organization, requirement) -> tuple[str, list]:
    """Per organisation of the subtree: members, their total hours and how many are below
    their requirement. The year's credits of the subtree's people are summed once, grouped by
    person (a derived table), and joined to the members annotated with their requirement —
    one pass over the credits instead of one correlated SUM per member."""
    members = members_within(organization)
    required = (
        members.annotate(is_leader=Exists(leader_posts(requirement.on)))
        .annotate(
            required=Case(
                When(is_leader=True, then=Value(requirement.leaders)),
                default=Value(requirement.members),
                output_field=HOURS,
            )
        )
        .values("organization_id", "person_id", "required")
        .order_by()
    )
    people = members.values("person_id").order_by()
    credits = (
        ClassHourCredit.objects.filter(year=requirement.year, person_id__in=people)
        .order_by()
        .values("person_id")
        .annotate(total=Sum("hours"))
        .values("person_id", "total")
    )
    members_sql, members_params = required.query.sql_with_params()
    credits_sql, credits_params = credits.query.sql_with_params()
    organizations = connection.ops.quote_name(Organization._meta.db_table)
    sql = (
        "SELECT t.organization_id, o.name, o.short_name, o.path, COUNT(*) AS members,"  # noqa: S608 — compiled ORM queries; every value is a parameter
        " SUM(COALESCE(c.total, 0)) AS total,"
        " SUM(CASE WHEN COALESCE(c.total, 0) < t.required THEN 1 ELSE 0 END) AS below,"
        " SUM(COALESCE(c.total, 0)) / COUNT(*) AS average,"
        " 1.0 * SUM(CASE WHEN COALESCE(c.total, 0) < t.required THEN 0 ELSE 1 END) / COUNT(*)"
        " AS reached_rate"
        f" FROM ({members_sql}) t LEFT JOIN ({credits_sql}) c ON c.person_id = t.person_id"
        f" JOIN {organizations} o ON o.id = t.organization_id"
        " GROUP BY t.organization_id, o.name, o.short_name, o.path"
    )
    return sql, [*members_params, *credits_params]


class BranchRows:
    """The per-organisation table of a subtree as a sliceable sequence for the paginator: each
    page is one grouped query, ordered and sliced in the database; the count is one cheap
    query over the memberships (or over the grouped rows when only those below are wanted)."""

    def __init__(self, organization, requirement, *, ordering="organization", below_only=False):
        self._organization = organization
        self._sql, self._params = _grouped_sql(organization, requirement)
        if below_only:
            self._sql += (
                " HAVING SUM(CASE WHEN COALESCE(c.total, 0) < t.required THEN 1 ELSE 0 END) > 0"
            )
        self._below_only = below_only
        self._order = BRANCH_ORDERINGS.get(ordering, BRANCH_ORDERINGS["organization"])
        self._count = None

    def count(self) -> int:
        if self._count is None:
            if self._below_only:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT COUNT(*) FROM ({self._sql}) g", self._params)  # noqa: S608
                    self._count = cursor.fetchone()[0]
            else:
                members = members_within(self._organization)
                self._count = members.values("organization_id").distinct().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("BranchRows supports slices only")
        start, stop = int(index.start or 0), index.stop
        limit = 2**31 - 1 if stop is None else int(stop) - start
        sql = f"{self._sql} ORDER BY {self._order} LIMIT {limit} OFFSET {start}"
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params)
            return [_branch_row(row) for row in cursor.fetchall()]


def _branch_row(row) -> BranchRow:
    return BranchRow(
        organization_id=row[0],
        name=row[2] or row[1],
        path=row[3],
        members=int(row[4]),
        total=Decimal(row[5] or 0),
        below=int(row[6] or 0),
    )


def subtree_total(organization, requirement) -> BranchRow:
    """The whole subtree in one row: the per-organisation rows summed (one query)."""
    grouped, params = _grouped_sql(organization, requirement)
    sql = f"SELECT SUM(g.members), SUM(g.total), SUM(g.below) FROM ({grouped}) g"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, total, below = cursor.fetchone()
    return BranchRow(
        organization_id=organization.pk,
        name=organization.display_name,
        path=organization.path,
        members=int(count or 0),
        total=Decimal(total or 0),
        below=int(below or 0),
    )


# --- one person ---------------------------------------------------------------------------------


@dataclass
class PersonYear:
    year: int
    hours: Decimal
    required: Decimal
    is_leader: bool
    requirement: Requirement

    @property
    def gap(self) -> Decimal:
        return max(self.required - self.hours, ZERO)

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, int(100 * self.hours / self.required))

    @property
    def reached(self) -> bool:
        return self.hours >= self.required


def person_year(person, year: int, today: datetime.date | None = None) -> PersonYear:
    """One person's year: total, requirement and whether they count as a leader (one query)."""
    requirement = requirement_for(year, today)
    row = (
        Person.objects.filter(pk=person.pk)
        .annotate(
            hours=year_total(year, person_ref="pk"),
            is_leader=Exists(leader_posts(requirement.on, person_ref="pk")),
        )
        .values("hours", "is_leader")
        .get()
    )
    is_leader = bool(row["is_leader"])
    return PersonYear(
        year=year,
        hours=Decimal(row["hours"]),
        required=requirement.leaders if is_leader else requirement.members,
        is_leader=is_leader,
        requirement=requirement,
    )


def person_credits(person, year: int):
    return (
        ClassHourCredit.objects.filter(person=person, year=year)
        .select_related("meeting", "organization")
        .order_by("-on_date", "-id")
    )
