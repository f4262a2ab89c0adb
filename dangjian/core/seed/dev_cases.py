"""Development cases (发展党员) of the demo data, planned in memory: who, in which branch, and the
date of every step done so far, consistent with the rules of domain §1.2.

A case's timeline is drawn forward from its application date with margins inside every limit
(a talk within 25 days, an activist at least 6 months and 5 days after applying, a 发展对象 at
least a year and 5 days after that, approval within 80 days of the 支部大会 …), so that no rule
of the development services would refuse a step the seed records, on any day the seed runs.
The state is whatever the timeline reached by today; a few cases are *stalled* (nothing done for
a while) so that the overdue lists have something to show. Cases that reached 预备党员 or 正式党员
belong to people the seed already made members: their timeline is the same drawing shifted so
that the 支部大会 falls on the member's `joined_on`, so the 预备期 shown is that date + 1 year.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from dangjian.core.seed.people import PersonPlan
from dangjian.development.models import PublicityPurpose, State, StepCode, VotePurpose
from dangjian.members.models import Member
from dangjian.orgs.dates import add_months

S = StepCode
# The steps that move a case to another state (domain §1.4), in the order they happen.
STATE_AFTER = {
    S.TALK: State.TALKED,
    S.ACTIVIST: State.ACTIVIST,
    S.CANDIDATE: State.CANDIDATE,
    S.PRE_REVIEW: State.PRE_APPROVED,
    S.ACCEPTANCE_MEETING: State.BRANCH_ACCEPTED,
    S.APPROVAL: State.PROBATIONARY,
    S.CONVERSION_APPROVAL: State.FULL_MEMBER,
}
# Steps the upper 党委 does (approving organisation: the branch's nearest committee).
COMMITTEE_STEPS = frozenset(
    {S.ACTIVIST_FILING, S.CANDIDATE_FILING, S.PRE_REVIEW, S.COMMITTEE_TALK, S.APPROVAL,
     S.APPROVAL_FILING, S.CONVERSION_APPROVAL}
)  # fmt: skip
ONE_DAY = timedelta(days=1)


@dataclass
class Publicity:
    purpose: str  # PublicityPurpose
    start: date
    end: date
    working_days: int
    pending: bool = False  # still running on the day the case stands


@dataclass
class Vote:
    purpose: str  # VotePurpose
    held_on: date
    entitled: int  # 应到会有表决权的正式党员
    present: int
    yes: int
    no: int
    abstain: int
    written_yes: int


@dataclass
class CasePlan:
    branch: object  # OrgPlan of the branch developing the person
    person: PersonPlan  # an applicant (no membership yet) or the member the case made
    steps: dict[str, date]  # step code → date done (the repeatable steps are lists below)
    reviews: list[date] = field(default_factory=list)  # 培养教育考察, every six months
    probation_reviews: list[date] = field(default_factory=list)  # 继续教育考察, each quarter
    contacts: list[PersonPlan] = field(default_factory=list)  # 培养联系人
    introducers: list[PersonPlan] = field(default_factory=list)  # 入党介绍人
    publicity: list[Publicity] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    training: tuple[date, date, int, int] | None = None  # start, end, days, hours
    applied_on: date | None = None  # the date written on the application (≤ received)
    stalled: bool = False
    state: str = State.APPLIED
    pk: int | None = None

    @property
    def meeting(self) -> date | None:
        return self.steps.get(S.ACCEPTANCE_MEETING)


def state_of(steps: dict[str, date]) -> str:
    """The §1.4 state reached by the steps done."""
    state = State.APPLIED
    for step, after in STATE_AFTER.items():
        if step in steps:
            state = after
    return state


class WorkingDays:
    """Working days from the holiday calendar, read once (core.workdays reads per call)."""

    def __init__(self, marks: dict[date, bool]):
        self.marks = marks  # day → is a working day, for holidays and 调休 workdays only

    def is_working(self, day: date) -> bool:
        marked = self.marks.get(day)
        return marked if marked is not None else day.weekday() < 5

    def add(self, start: date, n: int) -> date:
        day, counted = start, 0
        while counted < n:
            day += ONE_DAY
            counted += self.is_working(day)
        return day

    def between(self, start: date, end: date) -> int:
        """Working days from `start` to `end`, both included (a 公示 period)."""
        days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
        return sum(self.is_working(day) for day in days)


Timeline = tuple[dict[str, date], list[date], list[date]]


class CaseMaker:
    """Draws the cases of one branch after another."""

    def __init__(self, rng: random.Random, today: date, workdays: WorkingDays):
        self.rng = rng
        self.today = today
        self.workdays = workdays

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    # --- a branch's cases ----------------------------------------------------------------

    def branch_cases(
        self,
        branch,
        members: list[PersonPlan],
        count: int,
        applicant: Callable[[date], PersonPlan],
        *,
        demo: bool = False,
    ) -> list[CasePlan]:
        """`count` cases of the branch; `applicant(application_date)` makes a new person. The
        demo branch gets one case of each kind the demo walks through."""
        sponsors = [p for p in members if p.category == Member.Category.FULL]
        if len(sponsors) < 4:  # two 联系人 and two 介绍人 to choose from
            return []
        entitled = len(sponsors)
        probationary = [p for p in members if p.category == Member.Category.PROBATIONARY]
        converted = [
            p
            for p in members
            if p.full_member_on
            and self.today - timedelta(days=300) <= p.full_member_on
            and p.full_member_on <= self.today - timedelta(days=20)
        ]
        self.rng.shuffle(probationary)
        self.rng.shuffle(converted)
        kinds = self._demo_kinds() if demo else self._kinds(count)
        cases = []
        for kind in kinds:
            case = self._case(kind, branch, probationary, converted, applicant)
            if case is None:
                continue
            self._sponsors(case, sponsors)
            self._votes(case, entitled)
            cases.append(case)
        return cases

    def _kinds(self, count: int) -> list[str]:
        return self.rng.choices(
            ("applicant", "stalled", "probationary", "converted"), weights=(62, 8, 22, 8), k=count
        )

    @staticmethod
    def _demo_kinds() -> list[str]:
        return ["activist_11_months", "talk_due", "pre_approved", "probationary", "candidate"]

    def _case(self, kind, branch, probationary, converted, applicant) -> CasePlan | None:
        if kind == "probationary":
            return (
                self._member_case(branch, probationary.pop(), converted=False)
                if (probationary)
                else None
            )
        if kind == "converted":
            return self._member_case(branch, converted.pop(), converted=True) if converted else None
        if kind in ("applicant", "stalled"):
            return self._applicant_case(branch, applicant, stalled=kind == "stalled")
        return self._demo_case(kind, branch, applicant)

    def _applicant_case(self, branch, applicant, *, stalled: bool) -> CasePlan:
        """Somebody on the way: applied up to two years ago, not yet approved."""
        until = self.today - self.days(40, 150) if stalled else self.today
        for _ in range(10):
            applied = until - self.days(3, 700)
            timeline = self.timeline(applied)
            if timeline[0][S.APPROVAL] > until:
                break
        return self.cut(branch, applicant(applied), timeline, until=until)

    def _demo_case(self, kind, branch, applicant) -> CasePlan:
        """The cases the demo secretary walks through (README: the 发展党员 demo)."""
        anchors = {
            # Named 积极分子 eleven months ago: 确定发展对象 is refused until the year is full.
            "activist_11_months": (S.ACTIVIST, add_months(self.today, -11)),
            # Applied 24 days ago, no talk yet: due within the week.
            "talk_due": (S.APPLICATION, self.today - timedelta(days=24)),
            # 预审 passed last week: the 支部大会 is next.
            "pre_approved": (S.PRE_REVIEW, self.today - timedelta(days=6)),
            # Named 发展对象 two weeks ago: 政审, training and the rest to do.
            "candidate": (S.CANDIDATE, self.today - timedelta(days=14)),
        }
        step, day = anchors[kind]
        steps, reviews, probation = self.timeline(add_months(day, -24))
        shift = day - steps[step]
        shifted = self._shift((steps, reviews, probation), shift)
        cut_at = {"activist_11_months": S.ACTIVIST, "talk_due": S.APPLICATION,
                  "pre_approved": S.PRE_REVIEW, "candidate": S.CANDIDATE}[kind]  # fmt: skip
        until = min(self.today, self._before_next(shifted[0], cut_at))
        return self.cut(branch, applicant(shifted[0][S.APPLICATION]), shifted, until=until)

    @staticmethod
    def _before_next(steps: dict[str, date], step: str) -> date:
        """The day before the first step after `step` (so the case stops at `step`'s state)."""
        later = [day for code, day in steps.items() if day > steps[step] and code in STATE_AFTER]
        return min(later) - ONE_DAY if later else steps[step]

    def _member_case(self, branch, member: PersonPlan, *, converted: bool) -> CasePlan | None:
        """The case that made a seeded member: the 支部大会 is their `joined_on`."""
        timeline = self._shift_to_meeting(member.joined_on)
        steps = timeline[0]
        until = self.today
        if converted:
            end = add_months(member.joined_on, 12)
            steps[S.CONVERSION_MEETING] = min(end + self.days(2, 10), self.today - self.days(8, 12))
            if steps[S.CONVERSION_MEETING] < end:
                return None
            steps[S.CONVERSION_APPROVAL] = min(
                steps[S.CONVERSION_MEETING] + self.days(7, 60), self.today - ONE_DAY
            )
            steps[S.ARCHIVE] = steps[S.CONVERSION_APPROVAL] + self.days(2, 7)
        else:
            # Still 预备党员: the seed's member is approved, not yet converted.
            if steps[S.APPROVAL] > self.today:  # approved by now, since they are a member
                steps[S.COMMITTEE_TALK] = member.joined_on + self.days(3, 8)
                span = (self.today - steps[S.COMMITTEE_TALK]).days
                steps[S.APPROVAL] = steps[S.COMMITTEE_TALK] + self.days(1, span)
                for step in (S.APPROVAL_FILING, S.ASSIGNMENT, S.OATH):
                    steps[step] = steps[S.APPROVAL] + self.days(1, 12)
            for step in (S.CONVERSION_APPROVAL, S.ARCHIVE):
                steps.pop(step)
            if add_months(member.joined_on, 12) < self.today - timedelta(days=30):
                steps.pop(S.CONVERSION_MEETING)  # 预备期 over a month ago, not yet discussed
        return self.cut(branch, member, timeline, until=until)

    def _shift_to_meeting(self, meeting: date) -> Timeline:
        """A timeline whose 支部大会 falls on `meeting`: the forward drawing shifted by whole
        days. Every month-based limit keeps at least five days of margin, so the shift never
        crosses one."""
        timeline = self.timeline(add_months(meeting, -22))
        return self._shift(timeline, meeting - timeline[0][S.ACCEPTANCE_MEETING])

    @staticmethod
    def _shift(timeline: Timeline, shift: timedelta) -> Timeline:
        steps, reviews, probation = timeline
        return (
            {step: day + shift for step, day in steps.items()},
            [day + shift for day in reviews],
            [day + shift for day in probation],
        )

    # --- the forward timeline ------------------------------------------------------------

    def timeline(self, received: date) -> Timeline:
        """Every step's date from the application on, all within the §1.2 limits."""
        d = self.days
        steps = {S.APPLICATION: received, S.TALK: received + d(5, 25)}
        activist = add_months(received, 6) + d(5, 60)
        steps |= {S.ACTIVIST: activist, S.ACTIVIST_FILING: activist + d(1, 10),
                  S.CONTACTS: activist + d(0, 7)}  # fmt: skip
        candidate = add_months(activist, 12) + d(5, 50)
        reviews = [add_months(activist, 6) - d(7, 25), add_months(activist, 12) - d(7, 40)]
        steps |= {S.CANDIDATE: candidate, S.CANDIDATE_FILING: candidate + d(1, 10),
                  S.INTRODUCERS: candidate + d(0, 10)}  # fmt: skip
        steps[S.POLITICAL_REVIEW] = candidate + d(15, 45)
        steps[S.TRAINING] = candidate + d(10, 50)  # the last day of the course
        steps[S.BRANCH_REVIEW] = max(steps[S.POLITICAL_REVIEW], steps[S.TRAINING]) + d(3, 15)
        steps[S.PRE_REVIEW] = steps[S.BRANCH_REVIEW] + d(5, 20)
        steps[S.VOLUNTEER_FORM] = steps[S.PRE_REVIEW] + d(2, 8)
        meeting = steps[S.VOLUNTEER_FORM] + d(12, 20)  # within a month of the 预审
        steps[S.ACCEPTANCE_MEETING] = meeting
        steps[S.COMMITTEE_TALK] = meeting + d(5, 20)
        steps[S.APPROVAL] = steps[S.COMMITTEE_TALK] + d(5, 60)  # ≤ 80 days: within 3 months
        steps[S.APPROVAL_FILING] = steps[S.APPROVAL] + d(3, 15)
        steps[S.ASSIGNMENT] = steps[S.APPROVAL] + d(1, 7)
        steps[S.OATH] = steps[S.APPROVAL] + d(5, 25)
        probation = [add_months(meeting, 3 * quarter) + d(5, 12) for quarter in (1, 2, 3)]
        end = add_months(meeting, 12)
        steps[S.CONVERSION_APPLICATION] = end - d(5, 20)
        steps[S.CONVERSION_MEETING] = end + d(2, 15)
        steps[S.CONVERSION_APPROVAL] = steps[S.CONVERSION_MEETING] + d(10, 70)
        steps[S.ARCHIVE] = steps[S.CONVERSION_APPROVAL] + d(2, 7)
        return steps, reviews, probation

    # --- cutting it at a day -------------------------------------------------------------

    def cut(self, branch, person: PersonPlan, timeline: Timeline, *, until: date) -> CasePlan:
        """The case as it stands on `until` (today, or earlier for a stalled case)."""
        steps, reviews, probation = timeline
        plan = CasePlan(
            branch=branch,
            person=person,
            steps={step: day for step, day in steps.items() if day <= until},
            probation_reviews=[day for day in probation if day <= until],
            stalled=until < self.today,
            applied_on=steps[S.APPLICATION] - self.days(0, 3),
        )
        if S.ACTIVIST in plan.steps:
            last = plan.steps.get(S.CANDIDATE, until)
            plan.reviews = [day for day in reviews if steps[S.ACTIVIST] < day <= last]
            if S.CANDIDATE not in plan.steps:  # the 6-monthly reviews go on while they wait
                plan.reviews = self._reviews(steps[S.ACTIVIST], until, reviews)
        if S.TRAINING in plan.steps:
            last = plan.steps[S.TRAINING]
            days = self.rng.choice((3, 3, 4, 5))
            plan.training = (last - timedelta(days=days - 1), last, days, 8 * days)
        plan.state = state_of(plan.steps)
        self._publicity(plan, steps, until)
        return plan

    def _reviews(self, activist: date, until: date, drawn: list[date]) -> list[date]:
        reviews = [day for day in drawn if day <= until]
        window = len(drawn) + 1
        while add_months(activist, 6 * window) - timedelta(days=7) <= until:
            reviews.append(add_months(activist, 6 * window) - self.days(7, 25))
            window += 1
        return [day for day in reviews if day <= until]

    def _publicity(self, plan: CasePlan, steps: dict[str, date], until: date) -> None:
        """公示 of at least five working days, ended a day or three before the step that needs
        it finished (预审, 支部大会 接收, 支部大会 转正); one still running on `until` is
        pending."""
        for purpose, step in (
            (PublicityPurpose.CANDIDATE, S.PRE_REVIEW),
            (PublicityPurpose.ACCEPTANCE, S.ACCEPTANCE_MEETING),
            (PublicityPurpose.CONVERSION, S.CONVERSION_MEETING),
        ):
            if step not in steps:
                continue
            end = steps[step] - self.days(1, 3)
            start = end - timedelta(days=6)
            while self.workdays.between(start, end) < 5:
                start -= ONE_DAY
            if start <= until:
                publicity = Publicity(purpose, start, end, self.workdays.between(start, end))
                publicity.pending = end >= until
                plan.publicity.append(publicity)

    # --- people and votes ----------------------------------------------------------------

    def _sponsors(self, case: CasePlan, full_members: list[PersonPlan]) -> None:
        """1–2 培养联系人 from the activist date; the two 入党介绍人 are normally them. Both are
        full members on the day they are named (no seeded member is under 留党察看)."""
        if S.CONTACTS in case.steps:
            case.contacts = self._full_on(full_members, case, case.steps[S.CONTACTS], k=2)
            if len(case.contacts) == 2 and self.rng.random() < 0.3:
                case.contacts.pop()
        if S.INTRODUCERS in case.steps:
            day = case.steps[S.INTRODUCERS]
            keep = [p for p in case.contacts if p.full_member_on <= day]
            spare = [p for p in self._full_on(full_members, case, day, k=3) if p not in keep]
            case.introducers = (keep + spare)[:2]

    def _full_on(self, members: list[PersonPlan], case: CasePlan, day: date, *, k: int):
        eligible = [p for p in members if p is not case.person and p.full_member_on <= day]
        return self.rng.sample(eligible, min(k, len(eligible)))

    def _votes(self, case: CasePlan, entitled: int) -> None:
        for purpose, step in (
            (VotePurpose.ACCEPTANCE, S.ACCEPTANCE_MEETING),
            (VotePurpose.CONVERSION, S.CONVERSION_MEETING),
        ):
            if step in case.steps:
                case.votes.append(passing_vote(self.rng, purpose, case.steps[step], entitled))


def passing_vote(rng: random.Random, purpose: str, held_on: date, entitled: int) -> Vote:
    """A 支部大会 vote that passes under §1.3: more than half of the entitled present, and yes
    plus written yes (from absent members) more than half of the entitled."""
    entitled = max(entitled, 3)
    needed = entitled // 2 + 1
    present = max(needed, entitled - rng.randint(0, max(1, entitled // 6)))
    written = rng.randint(0, min(2, entitled - present))
    yes = min(present, max(needed - written, present - rng.randint(0, 1)))
    rest = present - yes
    no = rng.randint(0, rest)
    return Vote(purpose, held_on, entitled, present, yes, no, rest - no, written)
