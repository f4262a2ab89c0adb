"""The state machine of domain §1.4 is the transitions table and nothing else: every step from
every state is either allowed by the table or refused, and the table's edges are exactly §1.4's."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dangjian.development import services
from dangjian.development.models import (
    OPEN_STATES,
    PRE_MEMBER_STATES,
    DevelopmentCase,
    State,
    StepCode,
)
from dangjian.development.steps import STEPS, legal_in
from dangjian.development.tests.factories import make_applicant

S, C = State, StepCode

# domain §1.4, edge by edge (the steps that change state)
EDGES = {
    (S.APPLIED, S.TALKED),
    (S.TALKED, S.ACTIVIST),
    (S.ACTIVIST, S.CANDIDATE),
    (S.CANDIDATE, S.PRE_APPROVED),
    (S.PRE_APPROVED, S.BRANCH_ACCEPTED),
    (S.BRANCH_ACCEPTED, S.PROBATIONARY),
    (S.BRANCH_ACCEPTED, S.REJECTED),
    (S.PROBATIONARY, S.FULL_MEMBER),
    (S.PROBATIONARY, S.PROBATION_EXTENDED),
    (S.PROBATION_EXTENDED, S.FULL_MEMBER),
    (S.PROBATION_EXTENDED, S.PROBATION_CANCELLED),
    (S.PROBATIONARY, S.PROBATION_CANCELLED),
    *{(state, S.TRANSFERRED_OUT) for state in PRE_MEMBER_STATES},
    *{(state, S.CLOSED) for state in PRE_MEMBER_STATES},
}


def test_the_table_has_exactly_the_edges_of_the_domain():
    edges = {
        (from_state, spec.to_state)
        for spec in STEPS.values()
        for from_state in spec.from_states
        if spec.to_state and spec.to_state != from_state
    }
    assert edges == EDGES


def test_the_25_steps_are_numbered_once_each():
    numbers = sorted(spec.number for spec in STEPS.values() if spec.number)
    assert numbers == list(range(1, 26))


def test_final_states_allow_nothing_but_the_archive():
    for state in (S.REJECTED, S.PROBATION_CANCELLED, S.TRANSFERRED_OUT, S.CLOSED):
        assert legal_in(state) == []
    assert [spec.code for spec in legal_in(S.FULL_MEMBER)] == [C.ARCHIVE]


def test_committee_steps_are_the_committee_s():
    committee = {code for code, spec in STEPS.items() if spec.is_committee_step}
    assert {C.ACTIVIST_FILING, C.CANDIDATE_FILING, C.PRE_REVIEW, C.APPROVAL_FILING, C.APPROVAL,
            C.CONVERSION_APPROVAL} <= committee  # fmt: skip
    assert C.TALK not in committee and C.ACCEPTANCE_MEETING not in committee


@pytest.mark.parametrize("state", State.values)
def test_every_step_from_every_state_is_refused_unless_the_table_allows_it(
    world, time_machine, state
):
    time_machine.move_to(datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    case = DevelopmentCase.objects.create(
        person=make_applicant(world.branch1),
        organization=world.branch1,
        state=state,
        applied_on=date(2024, 1, 1),
        received_on=date(2024, 1, 2),
        accepted_on=date(2025, 1, 6),
        probation_ends_on=date(2026, 1, 6),
    )
    for code in C.values:
        if code == C.APPLICATION:
            continue
        spec = STEPS[code]
        if state in spec.from_states:
            continue
        with pytest.raises(services.StepRefused) as caught:
            services.step_record(
                actor=world.alice,
                case=case,
                code=code,
                done_on=date(2026, 5, 1),
                note="测试理由说明",
            )
        assert "不能办理" in caught.value.message, (state, code)
        case.refresh_from_db()
        assert case.state == state
    assert case.steps.count() == 0


def test_open_states_are_the_pre_member_and_probation_states():
    assert set(OPEN_STATES) == set(PRE_MEMBER_STATES) | {S.PROBATIONARY, S.PROBATION_EXTENDED}
