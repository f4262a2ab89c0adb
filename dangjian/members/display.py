"""How member data is shown: masking of personal data, ages, 党龄, probation end."""

from __future__ import annotations

from datetime import date

from dangjian.core.crypto import mask_middle, mask_phone
from dangjian.core.idnumbers import mask_id_number
from dangjian.core.rules import rule_value
from dangjian.orgs.dates import add_months

SENSITIVE_FIELDS = ("id_number", "mobile", "address")


def mask_address(value: str) -> str:
    """Keep the first six characters (city, district): `河南省平顶山市****`."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else "****"


MASKERS = {"id_number": mask_id_number, "mobile": mask_phone, "address": mask_address}


def mask_value(field: str, value: str) -> str:
    masker = MASKERS.get(field)
    return masker(value or "") if masker else value


def full_years(start: date | None, day: date) -> int | None:
    if start is None:
        return None
    return day.year - start.year - ((day.month, day.day) < (start.month, start.day))


def age(person, day: date | None = None) -> int | None:
    return full_years(person.birth_date, day or date.today())


def party_age(member, day: date | None = None) -> int | None:
    """党龄 in full years from the conversion date (domain §1.2 PARTY_AGE); None for 预备党员."""
    return full_years(member.full_member_on, day or date.today())


def probation_end(member) -> date | None:
    """预备期满: the 支部大会 date (`joined_on`) plus the probation rule (12 months)."""
    if member.joined_on is None:
        return None
    months = rule_value("members.probation_months", member.joined_on)
    return add_months(member.joined_on, months)


__all__ = ["add_months", "age", "mask_middle", "mask_value", "party_age", "probation_end"]
