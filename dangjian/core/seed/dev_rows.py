"""Writes the planned development cases (dev_cases.py): cases, steps, sponsors, 公示, votes,
training, 政审 and the year's 发展计划, each table with one bulk INSERT (the steps, tens of
thousands at group scale, as plain rows)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from dangjian.core.seed.dev_cases import COMMITTEE_STEPS, STATE_AFTER, CasePlan
from dangjian.core.seed.rows import RowWriter
from dangjian.development.models import (
    CaseStep,
    DevelopmentCase,
    PoliticalReview,
    Publicity,
    PublicityResult,
    Quota,
    Sponsor,
    SponsorKind,
    State,
    StepCode,
    Training,
    Vote,
    VoteMethod,
)
from dangjian.orgs.dates import add_months

BATCH = 2000
# The 25 steps are the first 25 codes, in order (domain §1.1).
NUMBER = {code: index + 1 for index, code in enumerate(list(StepCode)[:25])}
S = StepCode
PENDING, NO_OBJECTION = PublicityResult.PENDING, PublicityResult.NO_OBJECTION


class DevelopmentWriter:
    def __init__(self, organizations: dict, committees: dict, names: dict, member_ids: dict):
        """`organizations`: id(OrgPlan) → Organization row; `committees`: id(branch plan) →
        plan of its nearest 党委; `names`: id(OrgPlan) → its secretary's name; `member_ids`:
        person pk → member pk."""
        self.organizations = organizations
        self.committees = committees
        self.names = names
        self.member_ids = member_ids
        self.document_numbers: Counter = Counter()

    def write(self, cases: list[CasePlan], quotas: list[tuple[object, int, int]]) -> None:
        rows = [self._case(plan) for plan in cases]
        DevelopmentCase.objects.bulk_create(rows, batch_size=BATCH)
        for plan, row in zip(cases, rows, strict=True):
            plan.pk = row.pk
        self._steps(cases)
        Sponsor.objects.bulk_create(
            [sponsor for plan in cases for sponsor in self._sponsors(plan)], batch_size=BATCH
        )
        Publicity.objects.bulk_create(
            [
                Publicity(
                    case_id=plan.pk,
                    purpose=item.purpose,
                    starts_on=item.start,
                    ends_on=item.end,
                    working_days=item.working_days,
                    result=PENDING if item.pending else NO_OBJECTION,
                )
                for plan in cases
                for item in plan.publicity
            ],
            batch_size=BATCH,
        )
        Vote.objects.bulk_create(
            [self._vote(plan, vote) for plan in cases for vote in plan.votes], batch_size=BATCH
        )
        Training.objects.bulk_create(
            [self._training(plan) for plan in cases if plan.training], batch_size=BATCH
        )
        PoliticalReview.objects.bulk_create(
            [
                PoliticalReview(
                    case_id=plan.pk,
                    concluded_on=plan.steps[S.POLITICAL_REVIEW],
                    passed=True,
                    conclusion="经谈话、查阅档案和函调，该同志政治历史清楚，现实表现好，政审合格。",
                )
                for plan in cases
                if S.POLITICAL_REVIEW in plan.steps
            ],
            batch_size=BATCH,
        )
        Quota.objects.bulk_create(
            [
                Quota(
                    organization=self.organizations[id(branch)],
                    year=year,
                    planned=planned,
                    note="年度发展计划",
                )
                for branch, year, planned in quotas
            ],
            batch_size=BATCH,
        )

    def _case(self, plan: CasePlan) -> DevelopmentCase:
        steps = plan.steps
        accepted = steps.get(S.ACCEPTANCE_MEETING)
        full = plan.state == State.FULL_MEMBER
        member = plan.state in (State.PROBATIONARY, State.FULL_MEMBER)
        return DevelopmentCase(
            person_id=plan.person.pk,
            organization=self.organizations[id(plan.branch)],
            state=plan.state,
            applied_on=plan.applied_on,
            received_on=steps[S.APPLICATION],
            talked_on=steps.get(S.TALK),
            activist_on=steps.get(S.ACTIVIST),
            candidate_on=steps.get(S.CANDIDATE),
            pre_reviewed_on=steps.get(S.PRE_REVIEW),
            accepted_on=accepted,
            approved_on=steps.get(S.APPROVAL),
            probation_ends_on=add_months(accepted, 12) if accepted else None,
            conversion_meeting_on=steps.get(S.CONVERSION_MEETING),
            converted_on=steps.get(S.CONVERSION_APPROVAL),
            full_member_on=add_months(accepted, 12) if full else None,
            member_id=self.member_ids[plan.person.pk] if member else None,
        )

    def _steps(self, cases: list[CasePlan]) -> None:
        writer = RowWriter(CaseStep)
        rows = [row for plan in cases for row in self._step_rows(plan)]
        first = writer.first_free_pk()
        for offset, row in enumerate(rows):
            row["id"] = first + offset
        for start in range(0, len(rows), BATCH * 5):
            writer.insert(rows[start : start + BATCH * 5])
        writer.reset_sequence()

    def _step_rows(self, plan: CasePlan) -> list[dict]:
        events = [(day, NUMBER[code], code) for code, day in plan.steps.items()]
        events += [(day, NUMBER[S.ACTIVIST_REVIEW], S.ACTIVIST_REVIEW) for day in plan.reviews]
        events += [
            (day, NUMBER[S.PROBATION_REVIEW], S.PROBATION_REVIEW) for day in plan.probation_reviews
        ]
        state, rows = State.APPLIED, []
        for day, number, code in sorted(events):
            after = STATE_AFTER.get(code, state)
            rows.append(self._step(plan, code, number, day, state, after))
            state = after
        return rows

    def _step(self, plan, code, number, day: date, before: str, after: str) -> dict:
        committee = self.committees[id(plan.branch)]
        by_committee = code in COMMITTEE_STEPS
        organization = committee if by_committee else plan.branch
        return {
            "case_id": plan.pk,
            "code": code,
            "number": number,
            "done_on": day,
            "from_state": before,
            "to_state": after,
            "approving_organization_id": self.organizations[id(organization)].pk,
            "note": "",
            "document_number": self._document_number(committee, day) if by_committee else "",
            "override_reason": "",
            "actor_id": None,
            "actor_name": self.names.get(id(organization), ""),
        }

    def _document_number(self, committee, day: date) -> str:
        """The 党委's file number, e.g. 一矿党委〔2026〕17号, counted per committee and year."""
        key = (id(committee), day.year)
        self.document_numbers[key] += 1
        return f"{committee.short_name}〔{day.year}〕{self.document_numbers[key]}号"

    def _sponsors(self, plan: CasePlan) -> list[Sponsor]:
        return [
            Sponsor(
                case_id=plan.pk,
                kind=kind,
                member_id=self.member_ids[person.pk],
                assigned_on=plan.steps[step],
            )
            for kind, step, people in (
                (SponsorKind.CONTACT, S.CONTACTS, plan.contacts),
                (SponsorKind.INTRODUCER, S.INTRODUCERS, plan.introducers),
            )
            for person in people
        ]

    @staticmethod
    def _vote(plan: CasePlan, vote) -> Vote:
        return Vote(
            case_id=plan.pk,
            purpose=vote.purpose,
            meeting_on=vote.held_on,
            entitled=vote.entitled,
            present=vote.present,
            yes=vote.yes,
            no=vote.no,
            abstain=vote.abstain,
            written_yes=vote.written_yes,
            method=VoteMethod.SHOW_OF_HANDS,
            has_quorum=True,
            passed=True,
        )

    def _training(self, plan: CasePlan) -> Training:
        start, end, days, hours = plan.training
        committee = self.committees[id(plan.branch)]
        return Training(
            case_id=plan.pk,
            title=f"{committee.short_name}{end.year}年发展对象培训班",
            organizer=f"{committee.short_name}党校",
            starts_on=start,
            ends_on=end,
            days=days,
            hours=Decimal(hours),
            certificate_number=f"PX{end:%Y%m}{plan.pk:05d}",
        )
