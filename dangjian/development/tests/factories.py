"""Test helpers of the development workflow: an applicant, full members to act as introducers
and voters, and `walk`, which takes a case through the real services step by step along a
calendar that satisfies every rule (so a test can start from any state)."""

from __future__ import annotations

from datetime import date

from dangjian.development import services
from dangjian.development.models import (
    DevelopmentCase,
    PublicityPurpose,
    PublicityResult,
    SponsorKind,
    State,
    StepCode,
    VotePurpose,
)
from dangjian.members.tests.factories import make_member, make_person

C = StepCode

# The dates of a rule-abiding path (weekdays; no holidays in the test calendar).
APPLIED, RECEIVED = date(2024, 1, 10), date(2024, 1, 12)
PATH: list[tuple] = [
    # (kind, code or purpose, date, extra)
    ("step", C.TALK, date(2024, 2, 1), {}),
    ("step", C.ACTIVIST, date(2024, 7, 15), {}),
    ("step", C.ACTIVIST_FILING, date(2024, 7, 20), {"committee": True}),
    ("contacts", None, date(2024, 7, 20), {}),
    ("step", C.CONTACTS, date(2024, 7, 20), {}),
    ("step", C.ACTIVIST_REVIEW, date(2025, 1, 10), {}),
    ("step", C.ACTIVIST_REVIEW, date(2025, 7, 10), {}),
    ("step", C.CANDIDATE, date(2025, 7, 15), {}),
    ("step", C.CANDIDATE_FILING, date(2025, 7, 20), {"committee": True}),
    ("introducers", None, date(2025, 7, 21), {}),
    ("step", C.INTRODUCERS, date(2025, 7, 21), {}),
    ("political_review", None, date(2025, 8, 1), {}),
    ("step", C.POLITICAL_REVIEW, date(2025, 8, 1), {}),
    ("training", None, date(2025, 8, 4), {}),
    ("step", C.TRAINING, date(2025, 8, 6), {}),
    ("publicity", PublicityPurpose.CANDIDATE, date(2025, 8, 11), {}),
    ("step", C.BRANCH_REVIEW, date(2025, 8, 18), {}),
    ("step", C.PRE_REVIEW, date(2025, 8, 20), {"committee": True}),
    ("step", C.VOLUNTEER_FORM, date(2025, 8, 22), {}),
    ("publicity", PublicityPurpose.ACCEPTANCE, date(2025, 8, 25), {}),
    ("vote", VotePurpose.ACCEPTANCE, date(2025, 9, 2), {}),
    ("step", C.ACCEPTANCE_MEETING, date(2025, 9, 2), {}),
    ("step", C.COMMITTEE_TALK, date(2025, 9, 10), {"committee": True}),
    ("step", C.APPROVAL, date(2025, 10, 15), {"committee": True}),
    ("step", C.APPROVAL_FILING, date(2025, 10, 20), {"committee": True}),
    ("step", C.ASSIGNMENT, date(2025, 10, 20), {}),
    ("step", C.OATH, date(2025, 10, 25), {}),
    ("step", C.PROBATION_REVIEW, date(2026, 2, 10), {}),
    ("step", C.PROBATION_REVIEW, date(2026, 8, 10), {}),
    ("step", C.CONVERSION_APPLICATION, date(2026, 8, 5), {}),
    ("publicity", PublicityPurpose.CONVERSION, date(2026, 8, 17), {}),
    ("vote", VotePurpose.CONVERSION, date(2026, 9, 2), {}),
    ("step", C.CONVERSION_MEETING, date(2026, 9, 2), {}),
    ("step", C.CONVERSION_APPROVAL, date(2026, 10, 10), {"committee": True}),
    ("step", C.ARCHIVE, date(2026, 10, 15), {}),
]
TODAY_AFTER_PATH = date(2026, 11, 2)


def make_applicant(organization, name="李明", *, birth=date(1998, 5, 20)):
    return make_person(organization, name, birth=birth)


def make_full_members(branch, count: int, prefix: str = "党员"):
    return [
        make_member(branch, f"{prefix}{index}", joined_on=date(2005, 7, 1))
        for index in range(1, count + 1)
    ]


def open_case(world, person=None, *, actor=None, applied_on=APPLIED, received_on=RECEIVED):
    person = person or make_applicant(world.branch1)
    return services.case_open(
        actor=actor or world.bob,
        person=person,
        organization=world.branch1,
        applied_on=applied_on,
        received_on=received_on,
    )


def _do(world, case, kind, what, day, extra, sponsors):
    branch_actor, committee_actor = world.bob, world.alice
    if kind == "step":
        actor = committee_actor if extra.get("committee") else branch_actor
        services.step_record(actor=actor, case=case, code=what, done_on=day)
    elif kind in ("contacts", "introducers"):
        sponsor_kind = SponsorKind.CONTACT if kind == "contacts" else SponsorKind.INTRODUCER
        for member in sponsors[:2]:
            services.sponsor_add(
                actor=branch_actor, case=case, kind=sponsor_kind, member=member, assigned_on=day
            )
    elif kind == "political_review":
        services.political_review_record(
            actor=branch_actor, case=case, concluded_on=day, passed=True, conclusion="合格"
        )
    elif kind == "training":
        services.training_record(
            actor=branch_actor, case=case, title="发展对象培训班", starts_on=day,
            ends_on=date(day.year, day.month, day.day + 2), days=3, hours=24,
        )  # fmt: skip
    elif kind == "publicity":
        services.publicity_record(
            actor=branch_actor, case=case, purpose=what, starts_on=day,
            ends_on=date(day.year, day.month, day.day + 4), result=PublicityResult.NO_OBJECTION,
        )  # fmt: skip
    elif kind == "vote":
        services.vote_record(
            actor=branch_actor, case=case, purpose=what, meeting_on=day, entitled=20,
            present=15, yes=14, abstain=1,
        )  # fmt: skip


def walk(world, case, *, until: str | None = None, sponsors=None, stop_before=None):
    """Record the path's steps in order until the case reaches state `until` (or the step
    `stop_before` is next). Needs time moved past the dates (see TODAY_AFTER_PATH)."""
    sponsors = sponsors or make_full_members(world.branch1, 2, prefix="介绍人")
    for kind, what, day, extra in PATH:
        case.refresh_from_db()
        if until is not None and case.state == until:
            break
        if stop_before is not None and kind == "step" and what == stop_before:
            break
        if _already(case, kind, what, day):
            continue
        _do(world, case, kind, what, day, extra, sponsors)
    case.refresh_from_db()
    return case


def _already(case: DevelopmentCase, kind, what, day) -> bool:
    if kind == "step":
        return case.steps.filter(code=what, done_on=day).exists()
    if kind in ("contacts", "introducers"):
        sponsor_kind = SponsorKind.CONTACT if kind == "contacts" else SponsorKind.INTRODUCER
        return case.sponsors.filter(kind=sponsor_kind).exists()
    if kind == "political_review":
        return case.political_reviews.exists()
    if kind == "training":
        return case.trainings.exists()
    if kind == "publicity":
        return case.publicities.filter(purpose=what).exists()
    return case.votes.filter(purpose=what, meeting_on=day).exists()


__all__ = ["State", "make_applicant", "make_full_members", "open_case", "walk"]
