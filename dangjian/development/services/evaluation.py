"""Which rules a step must pass, with the case's facts gathered in a few queries (the number
of queries does not depend on the length of the case's history)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from dangjian.development import checks
from dangjian.development.checks import Blocked
from dangjian.development.models import (
    CaseStep,
    DevelopmentCase,
    PoliticalReview,
    Publicity,
    PublicityPurpose,
    Sponsor,
    SponsorKind,
    StepCode,
    Vote,
    VotePurpose,
)
from dangjian.development.steps import PREREQUISITES, STEPS, StepSpec
from dangjian.members.models import Category, Discipline, RewardPunishment
from dangjian.members.models.choices import IN_GOOD_STANDING

C = StepCode


@dataclass
class Facts:
    """What a case has on record (read once per check run)."""

    done: dict[str, list[datetime.date]]

    def has(self, code: str) -> bool:
        return bool(self.done.get(code))

    def dates(self, code: str) -> list[datetime.date]:
        return self.done.get(code, [])


def facts_of(case: DevelopmentCase) -> Facts:
    done: dict[str, list[datetime.date]] = {}
    for code, day in CaseStep.objects.filter(case=case).values_list("code", "done_on"):
        done.setdefault(code, []).append(day)
    return Facts(done=done)


def sponsor_standing(sponsor_member, on: datetime.date) -> Blocked | None:
    """A sponsor (介绍人/联系人) is a full member in good standing, not under 留党察看."""
    probation = (
        RewardPunishment.objects.filter(
            member=sponsor_member, discipline=Discipline.PROBATION, decided_on__lte=on
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .order_by("-decided_on")
        .first()
    )
    return checks.check_introducer_standing(
        sponsor_member.person.name,
        is_full_member=sponsor_member.category == Category.FULL,
        in_good_standing=sponsor_member.status in IN_GOOD_STANDING,
        probation_until=(probation.ends_on or on) if probation else None,
        on=on,
    )


def _introducer_blocks(case, on) -> list[Blocked]:
    introducers = list(
        Sponsor.objects.filter(case=case, kind=SponsorKind.INTRODUCER).select_related(
            "member__person"
        )
    )
    blocks = [checks.check_introducer_count(len(introducers), on)]
    blocks += [sponsor_standing(sponsor.member, on) for sponsor in introducers]
    return [block for block in blocks if block]


def _training_block(case, on) -> Blocked | None:
    totals = case.trainings.filter(starts_on__lte=on).aggregate(
        days=Sum("days"), hours=Sum("hours")
    )
    return checks.check_training(totals["days"] or 0, totals["hours"] or Decimal(0), on)


def _political_review_block(case, on) -> Blocked | None:
    review = (
        PoliticalReview.objects.filter(case=case, concluded_on__lte=on)
        .order_by("-concluded_on", "-id")
        .first()
    )
    return checks.check_political_review(
        review.concluded_on if review else None, review.passed if review else None, on
    )


def _publicity_block(case, purpose: str, on) -> Blocked | None:
    publicity = (
        Publicity.objects.filter(case=case, purpose=purpose).order_by("-starts_on", "-id").first()
    )
    return checks.check_publicity(str(PublicityPurpose(purpose).label), publicity, on)


def _vote_block(case, purpose: str, on) -> Blocked | None:
    vote = (
        Vote.objects.filter(case=case, purpose=purpose, meeting_on=on)
        .order_by("-passed", "-id")
        .first()
    )
    return checks.check_vote(str(VotePurpose(purpose).label), vote, on)


def _prerequisite_block(spec: StepSpec, facts: Facts, on) -> Blocked | None:
    missing = [
        STEPS[code].label for code in PREREQUISITES.get(spec.code, ()) if not facts.has(code)
    ]
    return checks.check_prerequisites(spec.label, missing, on)


def blocks_for(
    case: DevelopmentCase, spec: StepSpec, done_on: datetime.date, *, months: int | None = None
) -> list[Blocked]:
    """Every rule that blocks recording this step on this date (empty: it may be recorded)."""
    facts = facts_of(case)
    blocks: list[Blocked | None] = [_prerequisite_block(spec, facts, done_on)]
    code = spec.code
    if code == C.TALK:
        blocks.append(checks.check_talk(case.received_on, done_on))
    elif code == C.ACTIVIST:
        blocks.append(checks.check_activist_wait(case.applied_on, done_on))
    elif code == C.CANDIDATE:
        blocks.append(checks.check_cultivation(case.activist_on, done_on))
        blocks.append(
            checks.check_reviews(case.activist_on, done_on, facts.dates(C.ACTIVIST_REVIEW))
        )
    elif code == C.PRE_REVIEW:
        blocks += _introducer_blocks(case, done_on)
        blocks.append(_political_review_block(case, done_on))
        blocks.append(_training_block(case, done_on))
        blocks.append(_publicity_block(case, PublicityPurpose.CANDIDATE, done_on))
    elif code == C.ACCEPTANCE_MEETING:
        blocks.append(checks.check_leaving_soon(case.planned_leave_on, done_on))
        blocks += _introducer_blocks(case, done_on)
        blocks.append(_political_review_block(case, done_on))
        blocks.append(_publicity_block(case, PublicityPurpose.ACCEPTANCE, done_on))
        blocks.append(_vote_block(case, VotePurpose.ACCEPTANCE, done_on))
    elif code == C.APPROVAL:
        blocks.append(checks.check_approval_hard_max(case.accepted_on, done_on))
        blocks.append(checks.check_approval_deadline(case.accepted_on, done_on))
    elif code == C.CONVERSION_MEETING:
        blocks.append(checks.check_probation_over(case.probation_end, done_on))
        blocks.append(
            checks.check_reviews(
                case.accepted_on,
                done_on,
                facts.dates(C.PROBATION_REVIEW),
                what="预备党员",
            )
        )
        blocks.append(_publicity_block(case, PublicityPurpose.CONVERSION, done_on))
        blocks.append(_vote_block(case, VotePurpose.CONVERSION, done_on))
    elif code == C.CONVERSION_APPROVAL:
        blocks.append(
            checks.check_approval_deadline(
                case.conversion_meeting_on,
                done_on,
                rule_key=checks.R.CONVERSION_APPROVAL_MONTHS,
                what="支部大会讨论转正",
            )
        )
    elif code == C.EXTENSION:
        blocks.append(checks.check_extension(months, bool(case.extension_months), done_on))
        blocks.append(_vote_block(case, VotePurpose.EXTENSION, done_on))
    elif code == C.CANCELLATION:
        blocks.append(_vote_block(case, VotePurpose.CANCELLATION, done_on))
    return [block for block in blocks if block is not None]
