"""The heat-map fast path (`evaluate_months`) paints exactly what the full evaluation paints:
same rows, month colours and status counts on a varied subtree (profiles, committees, new and
dissolved branches, party groups, the appraisal rule, partly met, future/open/closed periods),
full cells for the detail rows, and the same six queries."""

import datetime

import pytest

from dangjian.meetings.compliance import Cell, MonthRow, OrgResult, evaluate, evaluate_months
from dangjian.meetings.models import ComplianceRule, Meeting
from dangjian.meetings.tests.compliance_helpers import (
    branches,
    closed_round,
    committee,
    meetings,
    retirees,
)

D = datetime.date


def varied(world):
    made = branches(world.mine2, 8)
    new, dissolved, retired, busy, partial, quiet, appraised, late = made
    new.founded_on = D(2026, 5, 15)
    new.save()
    dissolved.dissolved_on = D(2026, 8, 10)
    dissolved.is_active = False
    dissolved.save()
    late.founded_on = D(2025, 12, 31)
    late.save()
    retirees(retired)
    committee(busy)
    committee(partial)
    closed_round(appraised, 2026)
    ComplianceRule.objects.filter(profile=None, category="lecture").update(min_count=2)
    for month in range(1, 13):
        meetings(busy, "theme_day", D(2026, month, 3))
        meetings(busy, "committee", D(2026, month, 4))
    meetings(busy, "congress", D(2026, 1, 5), D(2026, 4, 5), D(2026, 7, 5), D(2026, 10, 5))
    meetings(busy, "lecture", D(2026, 2, 5), D(2026, 3, 5), D(2026, 12, 1))
    meetings(partial, "lecture", D(2026, 2, 5))
    meetings(partial, "congress", D(2026, 3, 31), D(2026, 11, 2))
    meetings(new, "congress", D(2026, 6, 1), D(2026, 9, 1))
    meetings(dissolved, "congress", D(2026, 2, 1))
    meetings(retired, "congress", D(2026, 2, 1), status=Meeting.Status.RETURNED)
    meetings(quiet, "congress", D(2026, 2, 1), status=Meeting.Status.DRAFT)
    meetings(world.branch1, "org_life", D(2026, 12, 20))
    meetings(world.group1, "group", D(2026, 1, 9), D(2026, 2, 9))
    meetings(world.mine, "democratic_life", D(2026, 1, 20))
    return made


@pytest.mark.parametrize(
    "on", [D(2026, 1, 1), D(2026, 3, 31), D(2026, 6, 30), D(2026, 11, 24), D(2027, 2, 1)]
)
@pytest.mark.parametrize("months", [None, (1, 2, 3), (10, 11, 12), (6,)])
def test_month_statuses_and_counts_match_the_full_evaluation(world, on, months):
    varied(world)
    roots = [world.mine, world.mine2]
    full = evaluate(roots, 2026, months=months, on=on)
    fast = evaluate_months(roots, 2026, months=months, on=on)
    assert list(fast.rows) == list(full.rows)
    assert len(full) > 10
    for org_id, row in fast.rows.items():
        assert isinstance(row, MonthRow)
        assert row.months == full.rows[org_id].months, row.organization.name
        assert row.counts == full.rows[org_id].counts, row.organization.name
    statuses = {s for row in fast for s in row.months.values()}
    if on == D(2026, 11, 24) and months is None:
        assert statuses == {"green", "amber", "red", "grey", "future"}


def test_detail_rows_have_the_full_cells(world):
    made = varied(world)
    on = D(2026, 11, 24)
    detail = [made[1].pk, made[4].pk, world.group1.pk]
    full = evaluate(world.mine2, 2026, on=on)
    fast = evaluate_months(world.mine2, 2026, on=on, detail=detail)
    for org_id in detail[:2]:
        row = fast.get(org_id)
        assert isinstance(row, OrgResult)
        assert all(isinstance(cell, Cell) for cell in row.cells)
        assert row.cells == full.get(org_id).cells
        assert row.months == full.get(org_id).months
    assert isinstance(fast.get(made[0].pk), MonthRow)


def test_the_fast_path_keeps_six_queries(world, django_assert_num_queries):
    made = varied(world)
    with django_assert_num_queries(6):
        few = evaluate_months(world.mine2, 2026, on=D(2026, 11, 24), detail=[made[0].pk])
    more = branches(world.mine2, 10)
    for branch in more:
        meetings(branch, "congress", D(2026, 2, 1))
        committee(branch)
    with django_assert_num_queries(6):
        many = evaluate_months(world.mine2, 2026, on=D(2026, 11, 24), detail=[made[0].pk])
    assert len(many) == len(few) + 10
