"""The dry run: every row of a roster checked, nothing written.

A row goes through the same `check_record` as the edit form, after its references were
resolved (organisation, party group, unit) and merged onto the existing record when its ID
number is already registered in the batch's scope (an update). Then the file as a whole:
the same ID number or work number twice, ID numbers registered outside the scope, work numbers
used by someone else. The database is read in a handful of queries, never once per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Q

from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import IdNumberError, parse_id_number
from dangjian.core.scope import scope_of
from dangjian.members.importing.columns import (
    BY_FIELD,
    COLUMNS,
    ORGANIZATION,
    PARTY_GROUP,
    UNIT,
    Column,
    squeeze,
)
from dangjian.members.importing.reader import CellProblem, Roster, parse_cell
from dangjian.members.models import Person
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services.people import values_of
from dangjian.members.validation import LABELS, check_record
from dangjian.orgs.models import Organization, OrgType, Unit

CHUNK = 500  # rows per progress step and ids per IN (…) query
OUTSIDE_SCOPE = "该身份证号已登记在其他党组织，请先办理组织关系转接。"
COLUMN_ORDER = {column.field: index for index, column in enumerate(COLUMNS)}


@dataclass
class RowPlan:
    """A valid row: the values to write and, for an update, the person and their old values."""

    number: int
    values: dict
    person: Person | None = None
    before: dict = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        return self.person is not None


@dataclass
class Plan:
    total: int
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def to_create(self) -> int:
        return sum(1 for row in self.rows if not row.is_update)

    @property
    def to_update(self) -> int:
        return sum(1 for row in self.rows if row.is_update)

    @property
    def rejected(self) -> int:
        return len({error["row"] for error in self.errors})


@dataclass
class _Row:
    number: int
    values: dict
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    id_hash: str = ""
    person: Person | None = None
    before: dict = field(default_factory=dict)

    def add(self, field_name: str, message: str) -> None:
        if message not in self.problems[field_name]:
            self.problems[field_name].append(message)


def plan_import(roster: Roster, *, actor, organization: Organization, progress=None) -> Plan:
    references = References.load(organization)
    rows = [_parse_row(roster, raw, references) for raw in roster.rows]
    existing = _existing_people(row.id_hash for row in rows if row.id_hash)
    manage = scope_of(actor)
    for index, row in enumerate(rows, start=1):
        _merge_existing(row, existing.get(row.id_hash), organization, manage)
        _check(row)
        if progress and index % CHUNK == 0:
            progress(CHUNK)
    if progress:
        progress(len(rows) % CHUNK)
    _duplicates(rows, "id_number", _id_duplicate)
    _duplicates(rows, "work_number", _work_number_duplicate)
    _work_numbers_taken(rows)
    return _plan(rows)


# ------------------------------------------------------------------ references


@dataclass
class References:
    """The organisations (by full name, short name, code) of the batch's subtree, their 党小组
    and the administrative units a row may name — loaded once per file."""

    organization: Organization
    organizations: dict[str, list[Organization]]
    groups: dict[tuple[int, str], Organization]
    units: dict[str, list[Unit]]

    @classmethod
    def load(cls, organization: Organization) -> References:
        subtree = list(
            Organization.objects.filter(path__startswith=organization.path).only(
                "pk", "path", "depth", "name", "short_name", "code", "org_type", "is_active"
            )
        )
        by_path = {org.path: org for org in subtree}
        organizations, groups = defaultdict(list), {}
        for org in subtree:
            for key in _keys(org.name, org.short_name, org.code):
                organizations[key].append(org)
            parent = by_path.get(org.path[: -Organization.steplen])
            if org.org_type == OrgType.GROUP and parent is not None:
                for key in _keys(org.name, org.short_name, org.code):
                    groups[(parent.pk, key)] = org
        units = defaultdict(list)
        for unit in _units_for(organization):
            for key in _keys(unit.name, unit.code):
                units[key].append(unit)
        return cls(organization, dict(organizations), groups, dict(units))


def _keys(*names: str) -> set[str]:
    return {squeeze(name) for name in names if name and squeeze(name)}


def _units_for(organization: Organization):
    """Units owned by the batch's organisation, an ancestor of it, or an organisation below it."""
    step = Organization.steplen
    ancestors = [organization.path[:end] for end in range(step, len(organization.path) + 1, step)]
    return Unit.objects.filter(
        Q(owner__path__in=ancestors) | Q(owner__path__startswith=organization.path)
    ).only("pk", "name", "code", "is_active")


def _resolve(row: _Row, column: Column, text: str, references: References):
    if column.kind == ORGANIZATION:
        found = references.organizations.get(text, [])
        if not found:
            row.add(
                "organization",
                f"党组织“{text}”不在本次导入的范围（{references.organization.name}）内，"
                "或名称有误；请填写该范围内党支部的全称、简称或组织代码。",
            )
            return None
        if len(found) > 1:
            row.add("organization", f"有 {len(found)} 个党组织都叫“{text}”，请改填组织代码。")
            return None
        return found[0]
    if column.kind == UNIT:
        found = references.units.get(text, [])
        if len(found) != 1:
            reason = "有多个同名的行政单位，请改填单位代码" if found else "未登记，或名称有误"
            row.add("unit", f"行政单位“{text}”{reason}。")
            return None
        if not found[0].is_active:
            row.add("unit", f"行政单位“{text}”已停用。")
            return None
        return found[0]
    return None


def _resolve_group(row: _Row, text: str, references: References):
    branch = row.values.get("organization")
    if branch is None:
        return None  # the organisation's own problem is reported already
    group = references.groups.get((branch.pk, text))
    if group is None:
        row.add("party_group", f"“{branch.name}”下没有名为“{text}”的党小组。")
    return group


# ------------------------------------------------------------------ rows


def _parse_row(roster: Roster, raw, references: References) -> _Row:
    row = _Row(raw.number, {})
    group_text = None
    for column, value in roster.cells(raw).items():
        try:
            parsed = parse_cell(column, value)
        except CellProblem as exc:
            row.add(column.field, str(exc))
            continue
        if parsed is None:
            continue
        if column.kind == PARTY_GROUP:
            group_text = parsed
        elif column.kind in (ORGANIZATION, UNIT):
            resolved = _resolve(row, column, parsed, references)
            if resolved is not None:
                row.values[column.field] = resolved
        else:
            row.values[column.field] = parsed
    if group_text:
        group = _resolve_group(row, group_text, references)
        if group is not None:
            row.values["party_group"] = group
    row.id_hash = _id_hash(row.values.get("id_number"))
    return row


def _id_hash(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        return lookup_hash(parse_id_number(raw).number)
    except IdNumberError:
        return ""


def _existing_people(hashes: Iterable[str]) -> dict[str, Person]:
    found = {}
    wanted = iter(sorted(set(hashes)))
    while chunk := list(islice(wanted, CHUNK)):
        people = Person.objects.filter(id_number_hash__in=chunk).select_related(
            "organization",
            "unit",
            "membership",
            "membership__organization",
            "membership__party_group",
        )
        for person in people:
            found.setdefault(person.id_number_hash, person)
    return found


def _merge_existing(row: _Row, person: Person | None, organization, scope) -> None:
    if person is None:
        return
    path = person.organization.path if person.organization else ""
    if path.startswith(organization.path) and path:
        row.person = person
        row.before = values_of(person, getattr(person, "membership", None))
        row.values = {**row.before, **row.values}
    elif path and scope.covers(MANAGE_MEMBER, path):
        row.add(
            "id_number",
            f"该身份证号已登记在“{person.organization.name}”（{person.name}），不在本次导入的"
            "范围内；如需调整组织关系，请在党员信息中办理。",
        )
    else:
        row.add("id_number", OUTSIDE_SCOPE)


def _check(row: _Row) -> None:
    checked = check_record(row.values)
    row.values = checked.values
    already = set(row.problems)
    for field_name, message in checked.problems:
        if field_name not in already:  # the cell's own reason says it better
            row.add(field_name, message)


def _duplicates(rows: list[_Row], field_name: str, message) -> None:
    """The same value on several rows: every one of them names the others."""
    seen = defaultdict(list)
    for row in rows:
        value = row.values.get(field_name)
        if value and not (field_name == "id_number" and "id_number" in row.problems):
            seen[value].append(row)
    for value, same in seen.items():
        if len(same) < 2:
            continue
        for row in same:
            others = "、".join(str(other.number) for other in same if other is not row)
            row.add(field_name, message(value, others))


def _id_duplicate(value: str, others: str) -> str:
    return f"身份证号与第 {others} 行重复，同一人只能登记一次。"


def _work_number_duplicate(value: str, others: str) -> str:
    return f"工号 {value} 与第 {others} 行重复。"


def _work_numbers_taken(rows: list[_Row]) -> None:
    numbers = {row.values["work_number"]: row for row in rows if row.values.get("work_number")}
    wanted = iter(sorted(numbers))
    while chunk := list(islice(wanted, CHUNK)):
        holders = Person.objects.filter(work_number__in=chunk).values_list("work_number", "pk")
        for number, holder in holders:
            row = numbers[number]
            if row.person is None or row.person.pk != holder:
                row.add("work_number", f"工号 {number} 已被其他人员使用，请核对。")


def _plan(rows: list[_Row]) -> Plan:
    plan = Plan(total=len(rows))
    for row in rows:
        if row.problems:
            for field_name in sorted(row.problems, key=lambda name: COLUMN_ORDER.get(name, 99)):
                for message in row.problems[field_name]:
                    plan.errors.append(
                        {"row": row.number, "column": column_label(field_name), "message": message}
                    )
        else:
            plan.rows.append(RowPlan(row.number, row.values, row.person, row.before))
    return plan


def column_label(field_name: str) -> str:
    column = BY_FIELD.get(field_name)
    return column.header if column else LABELS.get(field_name, field_name)
