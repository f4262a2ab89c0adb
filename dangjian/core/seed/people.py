"""People, party members and committees of the demo data, generated in memory.

All dates are offsets from `today`, so a database seeded on another day holds the same people,
only shifted in time, and the term-ending warnings always have something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from dangjian.core.seed.names import NameMaker
from dangjian.core.seed.plan import OrgPlan, UnitPlan
from dangjian.members.models import Gender, Member, Person
from dangjian.orgs.models import CommitteePost, OrgType

Post = CommitteePost.Post

_JOBS = {
    "team": (("采煤工", 6), ("掘进工", 6), ("支护工", 4), ("电钳工", 4), ("机电维修工", 3),
             ("瓦斯检查员", 1), ("安全员", 2), ("班长", 3), ("技术员", 2), ("副队长", 1),
             ("队长", 1)),
    "office": (("科员", 6), ("技术员", 3), ("工程师", 3), ("主任科员", 2), ("副科长", 1),
               ("科长", 1)),
    "plant": (("洗选工", 6), ("电工", 3), ("装车工", 3), ("维修工", 3), ("班长", 2),
              ("调度员", 1)),
}  # fmt: skip
# Women do not work underground (劳动保护规定); in a team they hold the surface posts.
_TEAM_JOBS_WOMEN = (("技术员", 3), ("统计员", 2), ("材料员", 2), ("验收员", 1))
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "157", "158", "159", "166", "176", "177", "178", "180", "182", "183", "185", "186", "187",
    "188", "189", "198", "199",
)  # fmt: skip


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(slots=True)  # 150 000 of them at group scale: no per-instance dict
class PersonPlan:
    work_number: str
    name: str
    gender: str
    birth_date: date
    mobile: str
    unit: UnitPlan | None
    post: str
    employment: str
    organization: OrgPlan  # the branch holding the membership
    party_group: OrgPlan | None  # the 党小组 of that branch the member is organised in
    category: str
    joined_on: date
    full_member_on: date | None
    holds_post: bool = False
    pk: int | None = None
    # The personal record, filled by records.RecordMaker after the committees are chosen.
    ethnicity: str = "01"
    id_number: str = ""
    native_place: str = ""
    education: str = ""
    degree: str = ""
    education_mode: str = ""
    school: str = ""
    major: str = ""
    occupation: str = ""
    title_level: str = ""
    title: str = ""
    skill_level: str = ""
    address: str = ""
    retired_on: date | None = None
    is_floating: bool = False
    floating_since: date | None = None
    floating_destination: str = ""
    is_lost_contact: bool = False
    lost_contact_since: date | None = None


@dataclass
class CommitteePlan:
    organization: OrgPlan
    term_number: int
    term_start: date
    term_end: date
    posts: list[tuple[str, PersonPlan]] = field(default_factory=list)


class PeopleMaker:
    """Makes the members of each branch; work numbers are `<mine number><serial>`."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.names = NameMaker(rng)
        self.serials: dict[int, int] = {}

    def branch_members(self, branch: OrgPlan) -> list[PersonPlan]:
        """The branch's members: the branch holds them all, and they are dealt in turn to its
        党小组 (a 党小组 organises group life, it never holds a membership)."""
        groups = branch.children or [None]
        return [self._member(branch, groups[index % len(groups)])
                for index in range(branch.member_target)]  # fmt: skip

    def _member(self, branch: OrgPlan, group: OrgPlan | None) -> PersonPlan:
        rng = self.rng
        retired = branch.retired
        male_share = 0.9 if retired else (0.65 if branch.post_pool == "office" else 0.86)
        gender = Gender.MALE if rng.random() < male_share else Gender.FEMALE
        age = round(rng.triangular(60, 90, 66) if retired else rng.triangular(23, 59, 45))
        birth = self.today - timedelta(days=age * 365 + rng.randrange(365))
        probationary = not retired and age < 40 and rng.random() < 0.08
        joined, full_on = self._party_dates(birth, probationary)
        return PersonPlan(
            work_number=self._work_number(branch.mine_number),
            name=self.names.full(gender, birth.year),
            gender=gender,
            birth_date=birth,
            mobile=self._mobile(retired and age >= 80),
            unit=branch.units[0] if branch.units else None,
            post="" if retired else self._job(branch.post_pool, gender),
            employment=self._employment(retired, age),
            organization=branch,
            party_group=group,
            category=Member.Category.PROBATIONARY if probationary else Member.Category.FULL,
            joined_on=joined,
            full_member_on=full_on,
        )

    def _party_dates(self, birth: date, probationary: bool) -> tuple[date, date | None]:
        if probationary:
            return self.today - timedelta(days=self.rng.randint(20, 330)), None
        latest = self.today - timedelta(days=400)
        joined = add_years(birth, self.rng.randint(20, 38))
        joined += timedelta(days=self.rng.randrange(365))
        if joined > latest:
            joined = latest - timedelta(days=self.rng.randrange(1500))
        joined = max(joined, add_years(birth, 18) + timedelta(days=30))  # 党章: 年满十八岁
        return joined, add_years(joined, 1)

    def _work_number(self, mine_number: int) -> str:
        serial = self.serials.get(mine_number, 0) + 1
        self.serials[mine_number] = serial
        return f"{mine_number:02d}{serial:05d}"

    def _mobile(self, very_old: bool) -> str:
        """Some retirees over eighty have no mobile phone; everyone else has one."""
        if very_old and self.rng.random() < 0.3:
            return ""
        return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def _job(self, pool: str, gender: str) -> str:
        jobs = _JOBS.get(pool, _JOBS["team"])
        if pool == "team" and gender == Gender.FEMALE:
            jobs = _TEAM_JOBS_WOMEN
        return self.rng.choices([job for job, _ in jobs], weights=[w for _, w in jobs])[0]

    def _employment(self, retired: bool, age: int) -> str:
        if retired:
            return Person.Employment.RETIRED
        if age >= 52 and self.rng.random() < 0.15:
            return Person.Employment.INTERNAL_RETIRED
        return Person.Employment.ACTIVE


class CommitteeMaker:
    """Current committees (班子): posts held by members of the organisation's own subtree."""

    def __init__(self, rng: random.Random, today: date, members_by_branch):
        from dangjian.core.rules import rule_value

        self.rng = rng
        self.today = today
        self.members_by_branch = members_by_branch
        # Term lengths are rules (orgs/rules.py): 党委 five years, 党总支 and 党支部 three.
        self.committee_years = rule_value("orgs.committee_term_years")
        self.branch_years = rule_value("orgs.branch_term_years")

    def for_tree(self, root: OrgPlan, *, showcase: bool) -> list[CommitteePlan]:
        committees = []
        # Children first, so a 党委 prefers people who do not already sit on a branch committee.
        for node in reversed(list(root.walk())):
            if node.org_type == OrgType.GROUP or "root" in node.tags:
                continue
            committee = self._committee(node)
            if committee is not None:
                committees.append(committee)
        if showcase:
            committees = self._showcase(committees)
        return committees

    def _committee(self, node: OrgPlan) -> CommitteePlan | None:
        candidates = self._candidates(node)
        if not candidates:
            return None
        committee = node.org_type == OrgType.COMMITTEE
        years = self.committee_years if committee else self.branch_years
        remaining = self.rng.randint(20, years * 365)
        committee = self._term(node, years, remaining)
        for post, person in zip(self._posts(node, len(candidates)), candidates, strict=False):
            committee.posts.append((post, person))
            person.holds_post = True
            if post == Post.SECRETARY and person.employment != Person.Employment.RETIRED:
                person.post = {
                    OrgType.COMMITTEE: "党委书记",
                    OrgType.GENERAL_BRANCH: "党总支书记",
                }.get(node.org_type, "党支部书记")
        return committee

    def _term(self, node: OrgPlan, years: int, remaining_days: int) -> CommitteePlan:
        end = self.today + timedelta(days=remaining_days)
        return CommitteePlan(node, self.rng.randint(1, 6), add_years(end, -years), end)

    def _candidates(self, node: OrgPlan) -> list[PersonPlan]:
        """Full members who may sit on the committee, in a random but seeded order."""
        if node.is_branch:
            people = self.members_by_branch.get(id(node), [])
        else:
            branches = list(node.own_branches())
            offices = (
                [b for b in branches if b.office]
                or [b for b in branches if not b.retired]
                or branches
            )
            people = [p for b in offices for p in self.members_by_branch.get(id(b), [])]
        full = [p for p in people if p.category == Member.Category.FULL]
        self.rng.shuffle(full)
        if not node.is_branch:
            full.sort(key=lambda person: person.holds_post)  # stable: keeps the shuffle
        return full

    def _posts(self, node: OrgPlan, full_members: int) -> list[str]:
        rng = self.rng
        if node.org_type == OrgType.COMMITTEE:
            return [Post.SECRETARY, Post.DEPUTY_SECRETARY, Post.DEPUTY_SECRETARY,
                    *[Post.MEMBER] * rng.randint(2, 4)]  # fmt: skip
        if node.is_branch and full_members < 7:
            return [Post.SECRETARY]  # no 支委会 below seven full members (domain §3.1)
        posts = [Post.SECRETARY, Post.ORGANIZATION, Post.PROPAGANDA, Post.DISCIPLINE]
        if rng.random() < 0.3:
            posts.insert(1, Post.DEPUTY_SECRETARY)
        if node.is_branch and not node.retired and rng.random() < 0.15:
            posts.append(Post.YOUTH)
        return posts

    def _showcase(self, committees: list[CommitteePlan]) -> list[CommitteePlan]:
        """Make each warning of domain §3.1/§3.4 appear at least once in the demo mine."""
        branches = [
            c
            for c in committees
            if c.organization.is_branch and len(c.posts) > 1 and "demo" not in c.organization.tags
        ]
        picks = self.rng.sample(branches, 7)
        for committee, days in zip(picks[:5], (40, 75, 110, 140, 170), strict=True):
            committee.term_end = self.today + timedelta(days=days)
            committee.term_start = add_years(committee.term_end, -self.branch_years)
        picks[5].posts = picks[5].posts[:2]  # a committee below three members
        for _, person in picks[6].posts:
            person.holds_post = False
            person.post = "班长" if person.post.endswith("书记") else person.post
        return [c for c in committees if c is not picks[6]]  # ≥ 7 full members, no committee
