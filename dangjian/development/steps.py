"""The transitions table (domain §1.1, §1.4): the ONE place that says which step may be recorded
in which state, what state it leads to and who may record it. Services, pages and the API all
ask this table; nothing else moves a case."""

from __future__ import annotations

from dataclasses import dataclass

from dangjian.development.models import PRE_MEMBER_STATES, PROBATION_STATES, Stage, State
from dangjian.development.models import StepCode as C
from dangjian.development.permissions import APPROVE_DEVELOPMENT, MANAGE_DEVELOPMENT

MANAGE = "manage"
APPROVE = "approve"
PERMISSIONS = {MANAGE: MANAGE_DEVELOPMENT, APPROVE: APPROVE_DEVELOPMENT}


@dataclass(frozen=True)
class StepSpec:
    code: str
    number: int | None
    stage: int | None
    from_states: tuple[str, ...]
    to_state: str | None  # None: the state does not change
    authority: str  # MANAGE (the branch) or APPROVE (the upper committee)
    repeatable: bool = False
    needs_reason: bool = False

    @property
    def label(self) -> str:
        return str(C(self.code).label)

    @property
    def permission(self) -> str:
        return PERMISSIONS[self.authority]

    @property
    def is_committee_step(self) -> bool:
        return self.authority == APPROVE


S = State
_PROBATION = tuple(PROBATION_STATES)
_STAGE = Stage

STEPS: dict[str, StepSpec] = {
    spec.code: spec
    for spec in (
        StepSpec(C.APPLICATION, 1, _STAGE.APPLICATION, (), S.APPLIED, MANAGE),
        StepSpec(C.TALK, 2, _STAGE.APPLICATION, (S.APPLIED,), S.TALKED, MANAGE),
        StepSpec(C.ACTIVIST, 3, _STAGE.ACTIVIST, (S.TALKED,), S.ACTIVIST, MANAGE),
        StepSpec(C.ACTIVIST_FILING, 4, _STAGE.ACTIVIST, (S.ACTIVIST,), None, APPROVE),
        StepSpec(C.CONTACTS, 5, _STAGE.ACTIVIST, (S.ACTIVIST,), None, MANAGE),
        StepSpec(
            C.ACTIVIST_REVIEW, 6, _STAGE.ACTIVIST, (S.ACTIVIST, S.CANDIDATE), None, MANAGE,
            repeatable=True,
        ),
        StepSpec(C.CANDIDATE, 7, _STAGE.CANDIDATE, (S.ACTIVIST,), S.CANDIDATE, MANAGE),
        StepSpec(C.CANDIDATE_FILING, 8, _STAGE.CANDIDATE, (S.CANDIDATE,), None, APPROVE),
        StepSpec(C.INTRODUCERS, 9, _STAGE.CANDIDATE, (S.CANDIDATE,), None, MANAGE),
        StepSpec(C.POLITICAL_REVIEW, 10, _STAGE.CANDIDATE, (S.CANDIDATE,), None, MANAGE),
        StepSpec(C.TRAINING, 11, _STAGE.CANDIDATE, (S.CANDIDATE,), None, MANAGE),
        StepSpec(C.BRANCH_REVIEW, 12, _STAGE.ACCEPTANCE, (S.CANDIDATE,), None, MANAGE),
        StepSpec(C.PRE_REVIEW, 13, _STAGE.ACCEPTANCE, (S.CANDIDATE,), S.PRE_APPROVED, APPROVE),
        StepSpec(C.VOLUNTEER_FORM, 14, _STAGE.ACCEPTANCE, (S.PRE_APPROVED,), None, MANAGE),
        StepSpec(
            C.ACCEPTANCE_MEETING, 15, _STAGE.ACCEPTANCE, (S.PRE_APPROVED,), S.BRANCH_ACCEPTED,
            MANAGE,
        ),
        StepSpec(C.COMMITTEE_TALK, 16, _STAGE.ACCEPTANCE, (S.BRANCH_ACCEPTED,), None, APPROVE),
        StepSpec(
            C.APPROVAL, 17, _STAGE.ACCEPTANCE, (S.BRANCH_ACCEPTED,), S.PROBATIONARY, APPROVE
        ),
        StepSpec(C.APPROVAL_FILING, 18, _STAGE.ACCEPTANCE, _PROBATION, None, APPROVE),
        StepSpec(C.ASSIGNMENT, 19, _STAGE.PROBATION, _PROBATION, None, MANAGE),
        StepSpec(C.OATH, 20, _STAGE.PROBATION, _PROBATION, None, MANAGE),
        StepSpec(
            C.PROBATION_REVIEW, 21, _STAGE.PROBATION, _PROBATION, None, MANAGE, repeatable=True
        ),
        StepSpec(C.CONVERSION_APPLICATION, 22, _STAGE.PROBATION, _PROBATION, None, MANAGE),
        StepSpec(C.CONVERSION_MEETING, 23, _STAGE.PROBATION, _PROBATION, None, MANAGE),
        StepSpec(
            C.CONVERSION_APPROVAL, 24, _STAGE.PROBATION, _PROBATION, S.FULL_MEMBER, APPROVE
        ),
        StepSpec(C.ARCHIVE, 25, _STAGE.PROBATION, (S.FULL_MEMBER,), None, MANAGE),
        StepSpec(
            C.EXTENSION, None, None, (S.PROBATIONARY,), S.PROBATION_EXTENDED, APPROVE,
            needs_reason=True,
        ),
        StepSpec(
            C.CANCELLATION, None, None, _PROBATION, S.PROBATION_CANCELLED, APPROVE,
            needs_reason=True,
        ),
        StepSpec(
            C.REJECTION, None, None, (S.BRANCH_ACCEPTED,), S.REJECTED, APPROVE, needs_reason=True
        ),
        StepSpec(
            C.TRANSFER_OUT, None, None, tuple(PRE_MEMBER_STATES), S.TRANSFERRED_OUT, MANAGE,
            needs_reason=True,
        ),
        StepSpec(
            C.CLOSE, None, None, tuple(PRE_MEMBER_STATES), S.CLOSED, MANAGE, needs_reason=True
        ),
    )
}  # fmt: skip

# What must have been recorded before a step (domain §1.4 "支委会定+备案", §1.1 order).
PREREQUISITES: dict[str, tuple[str, ...]] = {
    C.CANDIDATE: (C.ACTIVIST_FILING,),
    C.PRE_REVIEW: (
        C.CANDIDATE_FILING,
        C.INTRODUCERS,
        C.POLITICAL_REVIEW,
        C.TRAINING,
        C.BRANCH_REVIEW,
    ),
    C.ACCEPTANCE_MEETING: (C.VOLUNTEER_FORM,),
    C.APPROVAL: (C.COMMITTEE_TALK,),
    C.CONVERSION_MEETING: (C.CONVERSION_APPLICATION,),
    C.CONVERSION_APPROVAL: (C.CONVERSION_MEETING,),
}


def spec_for(code: str) -> StepSpec | None:
    return STEPS.get(code)


def legal_in(state: str) -> list[StepSpec]:
    """The steps the table allows from a state (before rules and permissions)."""
    return [spec for spec in STEPS.values() if state in spec.from_states]
