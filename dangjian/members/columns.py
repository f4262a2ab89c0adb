"""The columns of the member list, and the columns each user chose (`ListColumns`).

A column renders from the row's member alone (person, organisation, party group and unit are
selected with it), so no column adds a query per row. Personal data is always masked here;
the full value is only ever shown on the detail page after an audited reveal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from dangjian.audit.services import audit_log
from dangjian.members import display
from dangjian.members.models import Category, ListColumns, Member

LIST_KEY = "members"


def _date(value: date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _birth(member: Member) -> str:
    person = member.person
    if person.birth_date is None:
        return ""
    return f"{person.birth_date:%Y-%m-%d}（{display.age(person)}岁）"


def _party_age(member: Member) -> str:
    years = display.party_age(member)
    if years is None:
        return "预备期" if member.category == Category.PROBATIONARY else ""
    return f"{years}年"


def _flags(member: Member) -> str:
    flags = []
    if member.is_floating:
        flags.append("流动")
    if member.is_lost_contact:
        flags.append("失联")
    return "、".join(flags)


def _title(member: Member) -> str:
    person = member.person
    return person.title or (person.get_title_level_display() if person.title_level else "")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Member], str]
    default: bool = False
    narrow: bool = False  # short values: kept on one line


COLUMNS = (
    Column("name", "姓名", lambda m: m.person.name, default=True),
    Column("gender", "性别", lambda m: m.person.get_gender_display(), default=True, narrow=True),
    Column("ethnicity", "民族", lambda m: m.person.get_ethnicity_display(), narrow=True),
    Column("birth", "出生日期/年龄", _birth, default=True),
    Column("id_number", "身份证号", lambda m: display.mask_value("id_number", m.person.id_number)),
    Column("mobile", "手机号", lambda m: display.mask_value("mobile", m.person.mobile)),
    Column("education", "学历", lambda m: m.person.get_education_display()),
    Column("organization", "所在支部", lambda m: m.organization.name, default=True),
    Column("party_group", "党小组", lambda m: m.party_group.name if m.party_group else ""),
    Column("category", "党员类别", lambda m: m.get_category_display(), default=True, narrow=True),
    Column("status", "党籍状态", lambda m: m.get_status_display(), default=True, narrow=True),
    Column("joined_on", "入党日期", lambda m: _date(m.joined_on), default=True, narrow=True),
    Column("full_member_on", "转正日期", lambda m: _date(m.full_member_on), narrow=True),
    Column("party_age", "党龄", _party_age, default=True, narrow=True),
    Column("work_number", "工号", lambda m: m.person.work_number or "", default=True),
    Column("unit", "行政单位", lambda m: m.person.unit.name if m.person.unit else ""),
    Column("post", "岗位", lambda m: m.person.post),
    Column("title", "职称", _title),
    Column("flags", "流动/失联", _flags, narrow=True),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
ALWAYS = ("name",)  # the name links to the record; it cannot be hidden
DEFAULT_KEYS = tuple(column.key for column in COLUMNS if column.default)


def clean_keys(keys) -> list[str]:
    """Known keys in the registry's order, the name always first; unknown keys dropped."""
    wanted = set(keys or ()) | set(ALWAYS)
    return [column.key for column in COLUMNS if column.key in wanted]


def chosen_columns(user) -> list[Column]:
    """The user's columns for the member list (the defaults until they choose)."""
    saved = (
        ListColumns.objects.filter(user=user, list_key=LIST_KEY)
        .values_list("columns", flat=True)
        .first()
    )
    keys = clean_keys(saved) if saved else list(DEFAULT_KEYS)
    return [COLUMN_BY_KEY[key] for key in keys]


@transaction.atomic
def list_columns_save(*, actor, keys) -> list[str]:
    """Remember the user's column choice (one row per user and list, updated in place)."""
    keys = clean_keys(keys)
    ListColumns.objects.update_or_create(user=actor, list_key=LIST_KEY, defaults={"columns": keys})
    audit_log(actor=actor, action="members.list_columns", after={"columns": keys})
    return keys
