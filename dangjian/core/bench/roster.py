"""A generated roster (.xlsx) for the import benchmark: `rows` valid new members of one mine.

The people come from the seed's own generators (names, ID numbers, records), spread over the
mine's branches and named by branch code, as a clerk's roster would. Their ID numbers use a
region code the seed never draws (南阳 卧龙区) and their work numbers a prefix no mine has, so
every row is a new person: the benchmark times validation plus the bulk write of all of them.
"""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path

from dangjian.core.seed.names import NameMaker
from dangjian.core.seed.people import add_years
from dangjian.core.seed.records import RecordMaker

REGION = "411303"  # 南阳市卧龙区: not among the seed's regions, so no clash with seeded people
WORK_NUMBER_PREFIX = "B9"


def write_roster(path: Path, *, branches: list, rows: int, today: date, seed: int = 1) -> Path:
    """`branches`: (code, name) of the branches the rows go to, dealt in turn."""
    from openpyxl import Workbook

    from dangjian.members.importing.columns import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    sheet.append([column.title for column in COLUMNS])
    labels = {column.field: dict(column.choices) for column in COLUMNS}
    for index, record in enumerate(_records(rows, today, seed)):
        record["organization"] = branches[index % len(branches)][0]
        sheet.append([_cell(record.get(column.field), labels[column.field])
                      for column in COLUMNS])  # fmt: skip
    workbook.save(path)
    return path


def _cell(value, labels: dict) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(labels.get(value, value))


def _records(rows: int, today: date, seed: int):
    rng = random.Random(f"dangjian-bench-roster:{seed}")  # noqa: S311 — test data
    names = NameMaker(rng)
    records = RecordMaker(rng, today)
    for serial in range(1, rows + 1):
        yield _record(rng, names, records, today, serial)


def _record(rng, names, records, today: date, serial: int) -> dict:
    from dangjian.core.seed.people import PersonPlan

    gender = "male" if rng.random() < 0.8 else "female"
    age = rng.randint(23, 58)
    birth = today - timedelta(days=age * 365 + rng.randrange(365))
    joined = add_years(birth, rng.randint(20, min(age - 2, 40)))
    person = PersonPlan(
        work_number=f"{WORK_NUMBER_PREFIX}{serial:06d}",
        name=names.full(gender, birth.year),
        gender=gender,
        birth_date=birth,
        mobile=f"139{rng.randrange(10**8):08d}",
        unit=None,
        post=rng.choice(("采煤工", "掘进工", "电钳工", "技术员", "班长")),
        employment="active",
        organization=_NoBranch,
        party_group=None,
        category="full",
        joined_on=joined,
        full_member_on=add_years(joined, 1),
    )
    records.fill(person)
    person.id_number = records.unique_id_number(REGION, person)
    person.native_place = "河南南阳"
    values = {field.name: getattr(person, field.name) for field in fields(person)}
    values["organization"] = None
    return values


class _NoBranch:
    """Stands in for the branch plan: the roster names branches by code instead."""

    short_name = ""
