"""Checks of one person's record, shared by the forms, the Excel import and the API.

`check_record(values)` takes the values as entered (field name → Python value; dates as `date`,
organisations as `Organization`) and returns the normalised values and a list of problems, each
`(field, Chinese reason)`. It never touches the database; the duplicate checks that need it live
with their callers (a form checks one row, the import checks a whole file at once).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import FieldDoesNotExist

from dangjian.core.idnumbers import IdNumberError, parse_id_number
from dangjian.members.models.choices import Category, Gender
from dangjian.orgs.models import OrgType

MOBILE = re.compile(r"^1[3-9]\d{9}$")
MIN_JOINING_AGE = 18  # 党章第一条: 年满十八岁 (the development rules of issue 4 own the full check)

LABELS = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "id_number": "身份证号",
    "mobile": "手机号",
    "organization": "所在党支部",
    "party_group": "党小组",
    "category": "党员类别",
    "joined_on": "入党日期",
    "full_member_on": "转正日期",
}


@dataclass
class Checked:
    values: dict
    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.problems.append((field_name, message))

    @property
    def ok(self) -> bool:
        return not self.problems


def check_record(values: dict, *, member: bool = True, today: date | None = None) -> Checked:
    today = today or date.today()
    checked = Checked(dict(values))
    _check_name(checked)
    _check_lengths(checked)
    _check_id_number(checked, today)
    _check_mobile(checked)
    if member:
        _check_membership(checked, today)
    return checked


def _check_name(checked: Checked) -> None:
    name = (checked.values.get("name") or "").strip()
    checked.values["name"] = name
    if not name:
        checked.add("name", "姓名不能为空。")
    elif len(name) > 50:
        checked.add("name", "姓名不能超过 50 个字。")


def _check_lengths(checked: Checked) -> None:
    """Text longer than its column: a clear message instead of a database error."""
    for name, limit in _text_limits().items():
        value = checked.values.get(name)
        if isinstance(value, str) and len(value) > limit and name != "name":
            checked.add(name, f"{_label(name)}不能超过 {limit} 个字（现有 {len(value)} 个）。")


@functools.cache
def _text_limits() -> dict[str, int]:
    from dangjian.members.models import Member, Person

    return {
        column.name: column.max_length
        for model in (Person, Member)
        for column in model._meta.concrete_fields
        if getattr(column, "max_length", None) and not column.choices and not column.is_relation
    }


def _label(field: str) -> str:
    from dangjian.members.models import Member, Person

    for model in (Person, Member):
        try:
            return str(model._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:
            continue
    return field


def _check_id_number(checked: Checked, today: date) -> None:
    values = checked.values
    raw = (values.get("id_number") or "").strip()
    if not raw:
        checked.add("id_number", "身份证号不能为空。")
        return
    try:
        parsed = parse_id_number(raw, today=today)
    except IdNumberError as exc:
        checked.add("id_number", str(exc))
        return
    values["id_number"] = parsed.number
    gender, birth = values.get("gender"), values.get("birth_date")
    if gender and gender != parsed.gender:
        checked.add(
            "gender",
            f"性别与身份证号不符：身份证号第 17 位表示{Gender(parsed.gender).label}性。",
        )
    if birth and birth != parsed.birth_date:
        checked.add(
            "birth_date",
            f"出生日期与身份证号不符：身份证号中的出生日期是 {parsed.birth_date:%Y-%m-%d}。",
        )
    values.setdefault("gender", parsed.gender)
    values["gender"] = values["gender"] or parsed.gender
    values["birth_date"] = values.get("birth_date") or parsed.birth_date


def _check_mobile(checked: Checked) -> None:
    mobile = "".join(str(checked.values.get("mobile") or "").split())
    checked.values["mobile"] = mobile
    if mobile and not MOBILE.match(mobile):
        checked.add("mobile", "手机号应为 11 位数字，以 1 开头。")


def _check_membership(checked: Checked, today: date) -> None:
    values = checked.values
    organization = values.get("organization")
    if organization is None:
        checked.add("organization", "所在党支部不能为空。")
    elif organization.org_type == OrgType.GROUP:
        checked.add(
            "organization", "党员的组织关系应在党支部，不能是党小组；党小组请填在“党小组”一栏。"
        )
    elif not organization.is_active:
        checked.add("organization", f"“{organization.name}”已撤销，不能再接收党员。")
    group = values.get("party_group")
    if (
        group is not None
        and organization is not None
        and (
            group.org_type != OrgType.GROUP
            or not group.path.startswith(organization.path)
            or group.depth != organization.depth + 1
        )
    ):
        checked.add("party_group", f"“{group.name}”不是“{organization.name}”下属的党小组。")
    _check_party_dates(checked, today)


def _check_party_dates(checked: Checked, today: date) -> None:
    values = checked.values
    category, joined, full = (
        values.get("category"),
        values.get("joined_on"),
        values.get("full_member_on"),
    )
    if not category:
        checked.add("category", "党员类别不能为空（正式党员或预备党员）。")
    if not joined:
        checked.add("joined_on", "入党日期不能为空。")
    for key in ("joined_on", "full_member_on"):
        if values.get(key) and values[key] > today:
            checked.add(key, f"{LABELS[key]}不能晚于今天。")
    if category == Category.FULL and not full:
        checked.add("full_member_on", "正式党员须填写转正日期（党龄自转正之日起计算）。")
    if category == Category.PROBATIONARY and full:
        checked.add("full_member_on", "预备党员尚未转正，转正日期应为空。")
    if joined and full and full < joined:
        checked.add("full_member_on", "转正日期早于入党日期，请核对。")
    birth = values.get("birth_date")
    if joined and birth and _age_on(birth, joined) < MIN_JOINING_AGE:
        checked.add(
            "joined_on",
            f"入党日期时未满 {MIN_JOINING_AGE} 周岁（出生于 {birth:%Y-%m-%d}），请核对。",
        )


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
