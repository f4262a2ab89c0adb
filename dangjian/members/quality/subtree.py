"""What one run of the checks looks at: the `Subtree` of the organisation tree (its people and
members as querysets, the day of the run) and its one scan of the decrypted ID numbers, each
parsed once into an `IdRow` that the ID-number checks share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.utils import timezone

from dangjian.core.idnumbers import IdNumberError, normalise, parse_id_number
from dangjian.members.models import Member, Person, Status
from dangjian.orgs.models import Organization

# Members an organisation still holds (its 党员名册); orgs.counts.HELD_STATUSES says the same.
HELD = (Status.NORMAL, Status.SUSPENDED, Status.RESTORED)
CHUNK = 2000


@dataclass
class Subtree:
    """The part of the tree one run checks (`path` "" = the whole tree), and what the checks
    share during one run: the day, and the decrypted ID numbers read once for four checks."""

    path: str = ""
    today: date = field(default_factory=timezone.localdate)
    _id_scan: list[IdRow] | None = None

    def organizations(self):
        """The subtree's organisations as a subquery: `organization_id IN (…)` lets the
        database walk the organisation index first, instead of testing every person's path."""
        return Organization.objects.filter(path__startswith=self.path).values("pk")

    def people(self):
        people = Person.objects.filter(organization__isnull=False)
        return people.filter(organization_id__in=self.organizations()) if self.path else people

    def members(self):
        members = Member.objects.all()
        return members.filter(organization_id__in=self.organizations()) if self.path else members

    def held_members(self):
        return self.members().filter(status__in=HELD)

    def id_numbers(self) -> list[IdRow]:
        """Everyone in the subtree who has an ID number, with what the number says, decrypted
        and parsed once per run (read in chunks; the numbers themselves are not kept)."""
        if self._id_scan is None:
            rows = (
                self.people()
                .exclude(id_number="")
                .order_by()
                .values_list("pk", "organization_id", "id_number", "gender", "birth_date")
            )
            self._id_scan = [
                IdRow.read(*row, today=self.today) for row in rows.iterator(chunk_size=CHUNK)
            ]
        return self._id_scan


class IdRow(NamedTuple):
    person_id: int
    organization_id: int
    gender: str
    birth_date: date | None
    id_gender: str  # from the number ("" when it is invalid)
    id_birth_date: date | None
    problem: str  # why the number is invalid, in words that repeat none of its digits

    @classmethod
    def read(cls, pk, organization_id, number, gender, birth, *, today):
        try:
            parsed = parse_id_number(number, today=today)
        except IdNumberError:
            return cls(pk, organization_id, gender, birth, "", None, _id_problem(number, today))
        return cls(pk, organization_id, gender, birth, parsed.gender, parsed.birth_date, "")


def _id_problem(number: str, today: date) -> str:
    """Why a stored number is invalid, in words that repeat none of its digits."""
    normalised = normalise(number)
    try:
        parse_id_number(normalised, today=today)
    except IdNumberError:
        pass
    else:
        return ""
    if len(normalised) not in (15, 18):
        return f"位数不对（{len(normalised)} 位，应为 18 位）"
    if not normalised[:-1].isdigit() or not (normalised[-1].isdigit() or normalised[-1] == "X"):
        return "含有数字和末位 X 以外的字符"
    try:
        parse_id_number(normalised, today=date.max)
    except IdNumberError as error:
        if "校验位" in str(error):
            return "校验位错误（可能有数字录错）"
        return "其中的出生日期不是有效日期"
    return "其中的出生日期晚于今天"
