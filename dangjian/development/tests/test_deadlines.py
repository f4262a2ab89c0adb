"""Deadlines of a case, the due/overdue lists, the pipeline and the quota use."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dangjian.development import selectors, services
from dangjian.development.deadlines import COMMITTEE, EARLIEST, case_deadlines
from dangjian.development.models import State, StepCode
from dangjian.development.tests.factories import make_applicant, open_case, walk
from dangjian.members.tests.factories import make_person

C = StepCode


def _at(time_machine, day):
    time_machine.move_to(datetime.combine(day, datetime.min.time(), ZoneInfo("Asia/Shanghai")))


def keyed(deadlines):
    return {d.key.split(":")[0]: d for d in deadlines}


def test_talk_deadline_is_one_month_after_receipt_clamped_to_month_end(world, time_machine):
    _at(time_machine, date(2024, 2, 10))
    case = open_case(world, applied_on=date(2024, 1, 31), received_on=date(2024, 1, 31))
    talk = keyed(case_deadlines(case, date(2024, 2, 10)))["talk"]
    assert talk.due_on == date(2024, 2, 29)
    assert not talk.done and talk.responsible == "branch"


def test_activist_deadlines_review_and_earliest_candidate_date(world, time_machine):
    _at(time_machine, date(2024, 8, 1))
    case = walk(world, open_case(world), until=State.ACTIVIST)
    items = keyed(case_deadlines(case, date(2024, 8, 1)))
    assert items["activist_review"].due_on == date(2025, 1, 14)
    assert items["candidate_earliest"].due_on == date(2025, 7, 15)
    assert items["candidate_earliest"].kind == EARLIEST
    assert items["talk"].done


def test_approval_and_probation_deadlines(world, time_machine):
    _at(time_machine, date(2025, 9, 5))
    case = walk(world, open_case(world), until=State.BRANCH_ACCEPTED)
    approval = keyed(case_deadlines(case, date(2025, 9, 5)))["approval"]
    assert approval.due_on == date(2025, 12, 2)
    assert approval.responsible == COMMITTEE
    _at(time_machine, date(2025, 11, 1))
    walk(world, case, until=State.PROBATIONARY)
    items = keyed(case_deadlines(case, date(2025, 11, 1)))
    assert items["probation_end"].due_on == date(2026, 9, 2)
    assert items["approval"].done
    assert items["probation_review"].due_on == date(2026, 3, 1)


def test_due_and_overdue_lists(world, time_machine):
    _at(time_machine, date(2024, 2, 20))
    late = open_case(world, applied_on=date(2024, 1, 2), received_on=date(2024, 1, 2))
    soon = open_case(world, make_applicant(world.branch1, "王五"),
                     applied_on=date(2024, 2, 1), received_on=date(2024, 2, 1))  # fmt: skip
    today = date(2024, 2, 20)
    overdue = selectors.overdue_deadlines(world.bob, today=today)
    assert [(d.case.pk, d.key) for d in overdue] == [(late.pk, "talk")]
    due = selectors.due_deadlines(world.bob, today=today)
    assert [(d.case.pk, d.due_on) for d in due] == [(soon.pk, date(2024, 3, 1))]
    assert list(selectors.due_deadlines(world.dave, today=today)) == []


def test_deadline_lists_do_not_grow_queries_with_cases(
    world, time_machine, django_assert_max_num_queries
):
    _at(time_machine, date(2024, 2, 20))
    for index in range(6):
        open_case(world, make_applicant(world.branch1, f"申请人{index}"),
                  applied_on=date(2024, 1, 2), received_on=date(2024, 1, 2))  # fmt: skip
    with django_assert_max_num_queries(8):
        assert len(selectors.overdue_deadlines(world.bob, today=date(2024, 2, 20))) == 6


def test_pipeline_counts_every_state_in_one_query(world, time_machine, django_assert_num_queries):
    _at(time_machine, date(2024, 3, 1))
    open_case(world)
    other = open_case(world, make_applicant(world.branch1, "赵六"))
    services.step_record(actor=world.bob, case=other, code=C.TALK, done_on=date(2024, 2, 1))
    make_person(world.branch3, "外矿")
    user = world.alice
    from dangjian.core.scope import scope_of

    scope_of(user)
    with django_assert_num_queries(1):
        counts = selectors.pipeline_counts(user)
    assert counts[State.APPLIED] == 1 and counts[State.TALKED] == 1
    assert counts[State.FULL_MEMBER] == 0
    assert selectors.pipeline_counts(world.dave)[State.APPLIED] == 0
    rows = selectors.pipeline_by_branch(user)
    assert rows[0]["name"] == world.branch1.name and rows[0]["total"] == 2


def test_quota_use_counts_the_acceptances_of_the_year(world, time_machine):
    _at(time_machine, date(2025, 10, 1))
    services.quota_set(actor=world.alice, organization=world.branch1, year=2025, planned=2)
    services.quota_set(actor=world.alice, organization=world.branch2, year=2025, planned=1)
    walk(world, open_case(world), until=State.BRANCH_ACCEPTED)
    rows = {q.organization_id: q for q in selectors.quota_use(world.alice, year=2025)}
    assert rows[world.branch1.pk].accepted == 1
    assert rows[world.branch1.pk].remaining == 1
    assert rows[world.branch2.pk].accepted == 0
    assert selectors.quota_totals(world.alice, year=2025) == {"planned": 3, "accepted": 1}
    assert list(selectors.quota_use(world.dave, year=2025)) == []


@pytest.mark.parametrize("user", ["bob", "alice"])
def test_case_get_answers_404_out_of_scope(world, time_machine, user):
    from django.http import Http404

    _at(time_machine, date(2024, 3, 1))
    case = open_case(world)
    assert selectors.case_get(getattr(world, user), case.pk) == case
    with pytest.raises(Http404):
        selectors.case_get(world.dave, case.pk)
    with pytest.raises(Http404):
        selectors.case_get(world.charlie, case.pk)
