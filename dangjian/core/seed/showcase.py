"""What the demo mine shows on purpose: search examples and a few data-quality findings.

The group scale stays clean (it is what `bench` measures); the mine, which people click through,
has the names that make pinyin search worth trying (every reading of 单, 曾, 解, 区, 仇, 朴, 查, 盖,
and a 张 found by `zs`) in the secretary's own branch, and each data-quality check of issue 3
finds something: two probationary members past their probation end, three members without a
mobile number, one person recorded twice in two branches, one missing ID number, one ID number
with a wrong check character, one birth date that disagrees with the ID number. The people chosen
hold no committee post and no demo account, so the rest of the demo reads as before.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from dangjian.core.idnumbers import CHECK_CHARACTERS
from dangjian.core.seed.names import NameMaker, generation
from dangjian.core.seed.people import PersonPlan, add_years
from dangjian.members.models import Category, Employment, Gender

POLYPHONIC_SURNAMES = ("单", "曾", "解", "区", "仇", "朴", "查", "盖")
IN_SECRETARYS_BRANCH = ("单", "曾", "解", "仇")
# Given names with the initial s, per generation: 张 + one of them is found by `zs`.
_S_NAMES = {
    ("old", Gender.MALE): "胜利", ("old", Gender.FEMALE): "淑珍",
    ("middle", Gender.MALE): "树军", ("middle", Gender.FEMALE): "素梅",
    ("young", Gender.MALE): "帅", ("young", Gender.FEMALE): "思涵",
}  # fmt: skip
# Fields that identify the person, copied when someone is recorded a second time.
_IDENTITY = ("name", "gender", "birth_date", "id_number", "ethnicity", "native_place",
             "education", "degree", "education_mode", "school", "major", "mobile", "address",
             "category", "joined_on", "full_member_on")  # fmt: skip


class Showcase:
    def __init__(self, rng: random.Random, today: date, members_by_branch, *, branch, keep):
        self.rng = rng
        self.today = today
        self.branch = branch  # the demo secretary's branch
        self.taken = {id(person) for person in keep}
        self.everyone = [person for people in members_by_branch.values() for person in people]
        self.in_branch = members_by_branch.get(id(branch), [])

    def _pick(self, people, *, count=1, when=lambda person: True) -> list[PersonPlan]:
        free = [
            person
            for person in people
            if id(person) not in self.taken
            and not person.holds_post
            and person.employment == Employment.ACTIVE
            and when(person)
        ]
        chosen = self.rng.sample(free, min(count, len(free)))
        self.taken.update(id(person) for person in chosen)
        return chosen

    def names(self) -> None:
        """Before the records are drawn, so a 朴 gets the 朝鲜族 record that goes with it."""
        maker = NameMaker(self.rng)
        outside = [person for person in self.everyone if person.organization is not self.branch]
        local = self._pick(self.in_branch, count=len(IN_SECRETARYS_BRANCH))
        elsewhere = [s for s in POLYPHONIC_SURNAMES if s not in IN_SECRETARYS_BRANCH]
        for person, surname in zip(local, IN_SECRETARYS_BRANCH, strict=False):
            person.name = surname + maker.given(person.gender, person.birth_date.year)
        for person, surname in zip(self._pick(outside, count=len(elsewhere)), elsewhere,
                                   strict=False):  # fmt: skip
            person.name = surname + maker.given(person.gender, person.birth_date.year)
        for person in self._pick(self.in_branch):
            person.name = "张" + _S_NAMES[(generation(person.birth_date.year), person.gender)]

    def findings(self) -> None:
        """After the records are drawn: spoil a few of them the way real rosters are spoilt."""
        self._overdue_probation()
        for person in [*self._pick(self.in_branch), *self._pick(self.everyone, count=2)]:
            person.mobile = ""
        self._recorded_twice()
        (missing,) = self._pick(self.everyone)
        missing.id_number = ""
        (typo,) = self._pick(self.everyone)
        wrong = [c for c in CHECK_CHARACTERS if c != typo.id_number[-1]]
        typo.id_number = typo.id_number[:-1] + self.rng.choice(wrong)
        (misdated,) = self._pick(self.everyone)
        misdated.birth_date = add_years(misdated.birth_date, -1)  # the year typed wrong

    def _overdue_probation(self) -> None:
        def probationary(person):
            return person.category == Category.PROBATIONARY

        late = self._pick(self.in_branch, when=probationary)
        late += self._pick(self.everyone, count=2 - len(late), when=probationary)
        for person, days in zip(late, (20, 75), strict=False):
            person.joined_on = self.today - timedelta(days=365 + days)

    def _recorded_twice(self) -> None:
        """A member transferred between branches whose old record was never closed: two people
        with one ID number, one in each branch."""
        (original,) = self._pick(
            self.everyone, when=lambda person: person.category == Category.FULL
        )
        (stale,) = self._pick(
            self.everyone,
            when=lambda person: (
                person.gender == original.gender
                and person.category == Category.FULL
                and person.organization is not original.organization
            ),
        )
        for field in _IDENTITY:
            setattr(stale, field, getattr(original, field))
