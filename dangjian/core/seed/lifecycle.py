"""The member lifecycle of the demo data (issue 4): development cases, dues, transfers and
appraisals, planned in memory after the people and written after them.

Each kind of data draws from its own random stream, so the tree, people and committees of a
seed are the same as before this module existed, and adding a field here changes nothing else.
The data satisfies every rule the lifecycle services enforce (dev_cases.py, dues_ledger.py …
say how); the seed writes rows directly because calling the services per member would take
hours at group scale.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from dangjian.core.seed.appraisal_rounds import AppraisalMaker, AppraisalWriter, RoundPlan
from dangjian.core.seed.dev_cases import CaseMaker, CasePlan, WorkingDays
from dangjian.core.seed.dues_ledger import DuesMaker, DuesPlan, DuesWriter
from dangjian.core.seed.names import NameMaker
from dangjian.core.seed.people import PersonPlan, add_years
from dangjian.core.seed.plan import OrgPlan
from dangjian.core.seed.records import WORKER_POSTS, RecordMaker
from dangjian.core.seed.transfer_cases import (
    TransferMaker,
    TransferPlan,
    TransferWriter,
    pick_movers,
)
from dangjian.dues.models import BaseCategory
from dangjian.members.models import Member, Person
from dangjian.orgs.models import CommitteePost, OrgType

_APPLICANT_POSTS = {
    "team": ("采煤工", "掘进工", "电钳工", "支护工", "技术员", "机电维修工"),
    "office": ("科员", "技术员", "工程师"),
    "plant": ("洗选工", "电工", "维修工"),
}
_MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "158", "183", "187", "199")


@dataclass
class LifecyclePlan:
    applicants: list[PersonPlan] = field(default_factory=list)  # people, not members
    cases: list[CasePlan] = field(default_factory=list)
    quotas: list[tuple[OrgPlan, int, int]] = field(default_factory=list)  # branch, year, planned
    dues: list[DuesPlan] = field(default_factory=list)
    dues_maker: DuesMaker | None = None
    rounds: list[RoundPlan] = field(default_factory=list)
    transfers: list[TransferPlan] = field(default_factory=list)
    appraisal_maker: AppraisalMaker | None = None
    committees: dict[int, OrgPlan] = field(default_factory=dict)  # id(branch) → its 党委
    secretaries: dict[int, str] = field(default_factory=dict)  # id(org) → secretary's name
    demo_branch: OrgPlan | None = None
    today: date | None = None
    scale: str = "mine"


def seeded_lifecycle_models() -> list:
    """The models this module fills, each after those it points to."""
    from dangjian.appraisals import models as appraisals
    from dangjian.development import models as development
    from dangjian.dues import models as dues
    from dangjian.transfers import models as transfers

    return [
        transfers.Transfer, transfers.Event, transfers.Letter, transfers.LetterCounter,
        appraisals.Round, appraisals.Participant, appraisals.RatingTally, appraisals.Result,
        development.DevelopmentCase, development.CaseDeadline, development.CaseStep,
        development.Sponsor,
        development.Publicity, development.Vote, development.Training,
        development.PoliticalReview, development.Quota, dues.DuesBase, dues.Hardship,
        dues.LedgerEntry, dues.Payment, dues.BranchStatement,
    ]  # fmt: skip


def plan_lifecycle(
    *, scale: str, rng_for: Callable[[str], random.Random], today: date, root: OrgPlan,
    people: list[PersonPlan], members_by_branch: dict, committees: list, anchors: dict,
    demo_people: dict,
) -> LifecyclePlan:  # fmt: skip
    """`rng_for(stream)` gives the seed's random stream of that name."""
    plan = LifecyclePlan(today=today, scale=scale, demo_branch=anchors["branch"])
    plan.committees = _nearest_committees(root)
    plan.secretaries = {
        id(committee.organization): person.name
        for committee in committees
        for post, person in committee.posts
        if post == CommitteePost.Post.SECRETARY
    }
    _plan_development(plan, rng_for("development"), root, people, members_by_branch)
    _plan_dues(plan, rng_for("dues"), people, members_by_branch, demo_people)
    _plan_appraisals(plan, rng_for("appraisals"), root, members_by_branch, demo_people)
    if scale == "mine":
        _plan_transfers(plan, rng_for("transfers"), root, members_by_branch, demo_people, people)
    return plan


def write_lifecycle(plan: LifecyclePlan, writer, progress: Callable[[str], None]) -> None:
    """`writer`: the seed's Writer, after it wrote the organisations, people and committees."""
    from dangjian.core.seed.dev_rows import DevelopmentWriter
    from dangjian.development.services import deadlines_rebuild

    started = time.monotonic()
    writer.write_persons(plan.applicants)
    member_ids = dict(Member.objects.values_list("person_id", "pk"))
    DevelopmentWriter(writer.organizations, plan.committees, plan.secretaries, member_ids).write(
        plan.cases, plan.quotas
    )
    deadlines_rebuild(today=plan.today)  # the stored pending deadlines of the open cases
    progress(
        f"发展党员 {len(plan.cases)} 人（新申请人 {len(plan.applicants)} 人），"
        f"用时 {time.monotonic() - started:.1f} 秒"
    )
    started = time.monotonic()
    rows = DuesWriter(plan.dues_maker, writer.organizations, member_ids).write(plan.dues)
    seconds = time.monotonic() - started
    progress(f"党费：基数 {len(plan.dues)} 人，台账 {rows} 行，用时 {seconds:.1f} 秒")
    started = time.monotonic()
    people = AppraisalWriter(plan.appraisal_maker, writer.organizations, member_ids).write(
        plan.rounds
    )
    seconds = time.monotonic() - started
    progress(f"民主评议 {len(plan.rounds)} 轮，参评 {people} 人次，用时 {seconds:.1f} 秒")
    if plan.transfers:
        TransferWriter(writer.organizations, plan.committees, member_ids, plan.secretaries).write(
            plan.transfers
        )
        progress(f"组织关系转接 {len(plan.transfers)} 笔")


# --- development -------------------------------------------------------------------------


def _nearest_committees(root: OrgPlan) -> dict[int, OrgPlan]:
    """id(branch) → the nearest 党委 above it (who files, pre-reviews and approves)."""
    nearest: dict[int, OrgPlan] = {}

    def visit(node: OrgPlan, committee: OrgPlan) -> None:
        if node.org_type == OrgType.COMMITTEE:
            committee = node
        if node.is_branch:
            nearest[id(node)] = committee
        for child in node.children:
            visit(child, committee)

    visit(root, root)
    return nearest


def _plan_development(plan: LifecyclePlan, rng: random.Random, root, people, members_by_branch):
    today = plan.today
    maker = CaseMaker(rng, today, WorkingDays(_calendar_marks(today)))
    records = RecordMaker(rng, today)
    records.used_numbers = {person.id_number for person in people}
    names = NameMaker(rng)
    serials: dict[int, int] = {}

    def applicant_for(branch: OrgPlan) -> Callable[[date], PersonPlan]:
        def make(received: date) -> PersonPlan:
            person = _applicant(rng, names, branch, received, serials)
            records.fill(person)
            plan.applicants.append(person)
            return person

        return make

    for branch in root.branches():
        if branch.retired:
            continue  # 离退休党支部 do not develop members
        demo = branch is plan.demo_branch
        count = rng.choices((1, 2, 3, 4), weights=(30, 35, 22, 13))[0]
        cases = maker.branch_cases(
            branch, members_by_branch[id(branch)], count, applicant_for(branch), demo=demo
        )
        plan.cases.extend(cases)
        accepted = sum(1 for case in cases if case.meeting and case.meeting.year == today.year)
        plan.quotas.append((branch, today.year, max(accepted, rng.choice((1, 1, 2, 2, 3)))))


def _applicant(rng, names: NameMaker, branch: OrgPlan, received: date, serials) -> PersonPlan:
    """A young worker of the branch's unit who applied on `received`: 19–35 years old then,
    graduates (技术员, 科员 …) at least 23."""
    gender = "male" if rng.random() < (0.6 if branch.post_pool == "office" else 0.85) else "female"
    posts = _APPLICANT_POSTS.get(branch.post_pool, _APPLICANT_POSTS["team"])
    if branch.post_pool == "team" and gender == "female":
        posts = ("技术员", "统计员", "材料员")  # women do not work underground
    post = rng.choice(posts)
    youngest = 19 if post in WORKER_POSTS else 23
    birth = received - timedelta(days=rng.randint(youngest * 365 + 5, 35 * 365))
    serial = serials[branch.mine_number] = serials.get(branch.mine_number, 0) + 1
    return PersonPlan(
        # The 9xxxx serials are above any mine's members (at most a few thousand a mine).
        work_number=f"{branch.mine_number:02d}9{serial:04d}",
        name=names.full(gender, birth.year),
        gender=gender,
        birth_date=birth,
        mobile=rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        unit=branch.units[0] if branch.units else None,
        post=post,
        employment=Person.Employment.ACTIVE,
        organization=branch,
        party_group=None,
        category="",
        joined_on=received,  # not a member: only the record's own checks read it
        full_member_on=None,
    )


def _calendar_marks(today: date) -> dict[date, bool]:
    """The holiday calendar (法定节假日, 调休上班) of the years the timelines cover."""
    from dangjian.core.models import CalendarDay

    rows = CalendarDay.objects.filter(
        date__range=(add_years(today, -4), add_years(today, 1))
    ).values_list("date", "kind")
    return {day: kind == CalendarDay.Kind.WORKDAY for day, kind in rows}


# --- dues --------------------------------------------------------------------------------


def _plan_dues(plan: LifecyclePlan, rng, people, members_by_branch, demo_people) -> None:
    maker = DuesMaker(rng, plan.today, history=plan.scale == "mine")
    plan.dues_maker = maker
    plan.dues = [maker.plan(person) for person in people]
    # In the demo secretary's branch one member is 4 months behind (the 3-month alert) and one
    # 7 months (the 自行脱党 warning); neither holds a post or a demo account.
    branch = {id(person) for person in members_by_branch[id(plan.demo_branch)]}
    keep = {id(person) for person in demo_people.values()}
    plain = [
        dues
        for dues in plan.dues
        if id(dues.person) in branch and id(dues.person) not in keep
        and not dues.person.holds_post and dues.kind == BaseCategory.EMPLOYED
        and dues.first_month == maker.first
    ]  # fmt: skip
    for dues, months in zip(plain[:2], (4, 7), strict=False):
        maker.behind(dues, months)


# --- appraisals ---------------------------------------------------------------------------


def _plan_appraisals(plan: LifecyclePlan, rng, root, members_by_branch, demo_people) -> None:
    """Last year's closed round in every branch; this year's open one in the demo branch."""
    maker = AppraisalMaker(rng, plan.today)
    plan.appraisal_maker = maker
    for branch in root.branches():
        round_ = maker.closed_round(branch, members_by_branch[id(branch)])
        if round_ is not None:
            plan.rounds.append(round_)
    members = members_by_branch[id(plan.demo_branch)]
    keep = {id(person) for person in demo_people.values()} - {id(demo_people.get("shuji"))}
    plan.rounds.append(maker.open_round(plan.demo_branch, members, keep))


# --- transfers ----------------------------------------------------------------------------


def _plan_transfers(plan: LifecyclePlan, rng, root, members_by_branch, demo_people, people):
    """The demo mine's handful of transfers (transfer_cases.py)."""
    from dangjian.core.rules import rule_value

    dues = {id(item.person): item for item in plan.dues}
    maker = plan.dues_maker

    def paid_through(person: PersonPlan):
        item = dues[id(person)]
        paid = [month for month in maker.months(item) if maker.paid_on(item, month)]
        return paid[-1] if paid else None

    taken = {id(person) for person in demo_people.values()}
    taken |= {id(case.person) for case in plan.cases}
    taken |= {id(p) for case in plan.cases for p in (*case.contacts, *case.introducers)}
    movers = pick_movers(
        rng, members_by_branch, list(root.branches()), plan.demo_branch, taken,
        lambda person: dues[id(person)].unpaid_from is None,
    )  # fmt: skip
    if len(movers) < 5:
        return
    names = NameMaker(rng)
    records = RecordMaker(rng, plan.today)
    records.used_numbers = {person.id_number for person in [*people, *plan.applicants]}
    newcomers = []
    for _ in range(2):
        person = _applicant(rng, names, plan.demo_branch, plan.today, {99: len(newcomers)})
        # Newly hired by the mine (8xxxx: a range no member or applicant has).
        person.work_number = f"{plan.demo_branch.mine_number:02d}8{len(newcomers) + 1:04d}"
        person.joined_on = plan.today - timedelta(days=rng.randint(800, 4000))
        person.full_member_on = add_years(person.joined_on, 1)
        person.category = Member.Category.FULL
        records.fill(person)
        newcomers.append(person)
    plan.applicants.extend(newcomers)
    validity = {
        True: int(rule_value("transfers.validity_in_city_days")),
        False: int(rule_value("transfers.validity_out_of_city_days")),
    }
    plan.transfers = TransferMaker(rng, plan.today, validity).plans(
        movers, plan.demo_branch, newcomers
    )
    for transfer in plan.transfers:
        if transfer.direction == "out":
            transfer.paid_through = paid_through(transfer.person)
