"""The compliance engine: each default rule, each exemption, period boundaries, amber/red by
date, the appraisal rule, and the constant number of queries."""

import datetime

import pytest
import time_machine

from dangjian.meetings.compliance import (
    Status,
    compliance_score,
    evaluate,
    periods_of,
    rules_for,
)
from dangjian.meetings.models import Meeting
from dangjian.meetings.tests.compliance_helpers import (
    branches,
    closed_round,
    committee,
    meetings,
    retirees,
)
from dangjian.orgs.models import Organization, OrgType

D = datetime.date
NOV_24 = D(2026, 11, 24)


def cells_of(grid, org, category):
    row = grid.get(org.pk)
    return {c.period.label: c for c in row.cells if c.rule.category == category}


def labels(rules):
    return sorted(rule.category for rule in rules)


# ---------------------------------------------------------------------------- rules_for


def test_a_branch_without_committee_has_no_committee_rule(world):
    assert labels(rules_for(world.branch1)) == [
        "congress",
        "lecture",
        "org_life",
        "other",
        "talk",
        "theme_day",
    ]


def test_a_branch_with_a_current_committee_has_the_committee_rule(world):
    committee(world.branch1)
    assert "committee" in labels(rules_for(world.branch1))


def test_a_past_committee_does_not_count(world):
    committee(world.branch1, current=False)
    assert "committee" not in labels(rules_for(world.branch1))


def test_the_group_rule_applies_to_party_groups_only(world):
    assert labels(rules_for(world.group1)) == ["group"]
    assert "group" not in labels(rules_for(world.branch1))


def test_a_party_committee_has_only_the_democratic_life_meeting(world):
    assert labels(rules_for(world.mine)) == ["democratic_life"]


def test_the_retirees_profile_replaces_the_defaults(world):
    retirees(world.branch2)
    committee(world.branch2)
    rules = rules_for(world.branch2)
    assert labels(rules) == ["committee", "congress", "lecture", "org_life", "other", "theme_day"]
    assert {r.category: r.period for r in rules}["theme_day"] == "quarter"
    assert {r.category: r.period for r in rules}["lecture"] == "half_year"


def test_a_general_branch_has_no_rules(world):
    general = Organization.objects.add_child(
        world.mine, {"org_type": OrgType.GENERAL_BRANCH, "name": "机关党总支", "code": "GB"}
    )
    assert rules_for(general) == []


# ---------------------------------------------------------------------------- periods


def test_periods_have_chinese_labels_and_exact_bounds():
    quarters = periods_of("quarter", 2026)
    assert [q.label for q in quarters][2] == "2026年第3季度"
    assert (quarters[2].start, quarters[2].end) == (D(2026, 7, 1), D(2026, 9, 30))
    assert periods_of("month", 2028)[1].end == D(2028, 2, 29)
    assert [p.label for p in periods_of("half_year", 2026)] == ["2026年上半年", "2026年下半年"]
    assert periods_of("year", 2026)[0].label == "2026年度"
    assert periods_of("year", 2026)[0].short_label == "全年"
    assert quarters[3].short_label == "第4季度"


# ---------------------------------------------------------------------------- each rule


def test_congress_met_in_a_quarter_is_green_and_an_empty_closed_quarter_red(world):
    meetings(world.branch1, "congress", D(2026, 2, 10))
    cells = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "congress")
    assert cells["2026年第1季度"].status == Status.GREEN
    assert cells["2026年第1季度"].held == 1
    assert cells["2026年第2季度"].status == Status.RED
    assert cells["2026年第4季度"].status == Status.AMBER


def test_quarter_boundaries_count_the_last_and_not_the_next_day(world):
    meetings(world.branch1, "congress", D(2026, 3, 31), D(2026, 7, 1))
    cells = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "congress")
    assert cells["2026年第1季度"].status == Status.GREEN
    assert cells["2026年第2季度"].status == Status.RED
    assert cells["2026年第3季度"].status == Status.GREEN


def test_month_boundaries_for_the_theme_day(world):
    meetings(world.branch1, "theme_day", D(2026, 1, 31), D(2026, 3, 1))
    cells = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "theme_day")
    assert cells["2026年1月"].status == Status.GREEN
    assert cells["2026年2月"].status == Status.RED
    assert cells["2026年3月"].status == Status.GREEN
    assert cells["2026年12月"].status == Status.FUTURE


def test_committee_meetings_monthly_for_a_branch_with_a_committee(world):
    committee(world.branch1)
    meetings(world.branch1, "committee", D(2026, 10, 9))
    cells = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "committee")
    assert cells["2026年10月"].status == Status.GREEN
    assert cells["2026年9月"].status == Status.RED
    assert cells["2026年11月"].status == Status.AMBER


def test_party_group_meetings_monthly(world):
    meetings(world.group1, "group", D(2026, 5, 5))
    grid = evaluate(world.branch1, 2026, on=NOV_24)
    cells = cells_of(grid, world.group1, "group")
    assert cells["2026年5月"].status == Status.GREEN
    assert cells["2026年6月"].status == Status.RED


def test_lecture_per_quarter(world):
    meetings(world.branch1, "lecture", D(2026, 8, 20))
    cells = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "lecture")
    assert cells["2026年第3季度"].status == Status.GREEN
    assert cells["2026年第2季度"].status == Status.RED


def test_org_life_and_talk_yearly_open_until_december(world):
    meetings(world.branch1, "talk", D(2026, 4, 1))
    cells = evaluate(world.branch1, 2026, on=NOV_24).get(world.branch1.pk).cells
    by_category = {c.rule.category: c for c in cells if c.period.kind == "year"}
    assert by_category["talk"].status == Status.GREEN
    assert by_category["org_life"].status == Status.AMBER


def test_yearly_rule_red_once_the_year_closed(world):
    grid = evaluate(world.branch1, 2025, on=NOV_24)
    by_category = {c.rule.category: c for c in grid.get(world.branch1.pk).cells}
    assert by_category["org_life"].status == Status.RED


def test_democratic_life_for_the_party_committee(world):
    meetings(world.mine, "democratic_life", D(2025, 12, 20))
    grid = evaluate(world.mine, 2025, on=NOV_24)
    assert grid.get(world.mine.pk).cells[0].status == Status.GREEN
    assert evaluate(world.mine2, 2025, on=NOV_24).get(world.mine2.pk).cells[0].status == "red"


def test_appraisal_rule_counts_closed_rounds_of_the_year(world):
    closed_round(world.branch1, 2025)
    grid = evaluate(world.mine, 2025, on=NOV_24)
    mine = {c.rule.category: c for c in grid.get(world.branch1.pk).cells}
    other = {c.rule.category: c for c in grid.get(world.branch2.pk).cells}
    assert mine["other"].status == Status.GREEN
    assert other["other"].status == Status.RED


def test_an_open_appraisal_round_does_not_count(world):
    from dangjian.appraisals.models import Phase

    round_ = closed_round(world.branch1, 2025)
    round_.phase = Phase.PEER
    round_.save()
    grid = evaluate(world.branch1, 2025, on=NOV_24)
    assert {c.rule.category: c for c in grid.get(world.branch1.pk).cells}["other"].held == 0


def test_partly_met_closed_period_is_amber(world):
    from dangjian.meetings.models import ComplianceRule

    ComplianceRule.objects.filter(profile=None, category="congress").update(min_count=2)
    meetings(world.branch1, "congress", D(2026, 1, 10))
    cell = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "congress")[
        "2026年第1季度"
    ]
    assert (cell.required, cell.held, cell.status) == (2, 1, Status.AMBER)
    assert cell.status_label == "部分落实"


@pytest.mark.parametrize(
    ("status", "counted"),
    [
        (Meeting.Status.HELD, True),
        (Meeting.Status.RETURNED, True),
        (Meeting.Status.REVIEWED, True),
        (Meeting.Status.DRAFT, False),
        (Meeting.Status.NOTIFIED, False),
        (Meeting.Status.CANCELLED, False),
    ],
)
def test_which_statuses_count(world, status, counted):
    meetings(world.branch1, "congress", D(2026, 2, 10), status=status)
    cell = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "congress")[
        "2026年第1季度"
    ]
    assert (cell.held == 1) is counted


def test_meetings_of_another_organisation_do_not_count(world):
    meetings(world.branch2, "congress", D(2026, 2, 10))
    meetings(world.group1, "congress", D(2026, 2, 10))
    cell = cells_of(evaluate(world.branch1, 2026, on=NOV_24), world.branch1, "congress")[
        "2026年第1季度"
    ]
    assert cell.held == 0


# ---------------------------------------------------------------------------- dates


def test_amber_turns_red_when_the_quarter_closes(world):
    with time_machine.travel(datetime.datetime(2026, 9, 30, 20, 0, tzinfo=datetime.UTC)):
        # 2026-10-01 04:00 in Beijing: Q3 has closed.
        cells = cells_of(evaluate(world.branch1, 2026), world.branch1, "congress")
        assert cells["2026年第3季度"].status == Status.RED
        assert cells["2026年第4季度"].status == Status.AMBER
    with time_machine.travel(datetime.datetime(2026, 9, 30, 12, 0, tzinfo=datetime.UTC)):
        cells = cells_of(evaluate(world.branch1, 2026), world.branch1, "congress")
        assert cells["2026年第3季度"].status == Status.AMBER
        assert cells["2026年第4季度"].status == Status.FUTURE


# ---------------------------------------------------------------------------- existence


def test_a_branch_founded_during_the_year_is_grey_before(world):
    world.branch2.founded_on = D(2026, 5, 15)
    world.branch2.save()
    cells = cells_of(evaluate(world.branch2, 2026, on=NOV_24), world.branch2, "congress")
    assert cells["2026年第1季度"].status == Status.GREY
    assert cells["2026年第2季度"].status == Status.GREY  # founded after the quarter began
    assert cells["2026年第3季度"].status == Status.RED


def test_a_dissolved_branch_is_grey_after(world):
    world.branch2.dissolved_on = D(2026, 5, 15)
    world.branch2.is_active = False
    world.branch2.save()
    grid = evaluate(world.mine, 2026, on=NOV_24)
    cells = cells_of(grid, world.branch2, "congress")
    assert cells["2026年第1季度"].status == Status.RED
    assert cells["2026年第2季度"].status == Status.GREY
    assert grid.get(world.branch2.pk).months[12] == Status.GREY
    assert evaluate(world.mine, 2027, on=NOV_24).get(world.branch2.pk) is None


def test_a_branch_founded_after_the_year_is_not_listed(world):
    world.branch2.founded_on = D(2027, 2, 1)
    world.branch2.save()
    assert evaluate(world.mine, 2026, on=NOV_24).get(world.branch2.pk) is None


# ---------------------------------------------------------------------------- heat-map and list


def test_month_cells_summarise_the_rules_of_the_month(world):
    for month in range(1, 13):
        meetings(world.branch1, "theme_day", D(2026, month, 5))
    meetings(world.branch1, "congress", D(2026, 1, 5), D(2026, 4, 5), D(2026, 7, 5))
    meetings(world.branch1, "lecture", D(2026, 1, 5), D(2026, 4, 5))
    months = evaluate(world.branch1, 2026, on=NOV_24).get(world.branch1.pk).months
    assert months[1] == months[4] == Status.GREEN
    assert months[7] == Status.RED  # no 党课 in Q3
    assert months[10] == months[11] == Status.AMBER  # Q4 open, no 党员大会 yet
    # December also closes the year: 组织生活会 and 谈心谈话 still open.
    assert months[12] == Status.AMBER


def test_the_missing_list_names_org_rule_period_and_source(world):
    grid = evaluate(world.branch1, 2026, on=NOV_24, months=(7, 8, 9))
    missing = grid.missing
    # The yearly periods overlap the quarter, so their still-open requirements are listed too.
    assert {m.period_label for m in missing} == {
        "2026年第3季度",
        "2026年7月",
        "2026年8月",
        "2026年9月",
        "2026年度",
    }
    first = missing[0]
    assert first.status == Status.RED
    assert first.organization == world.branch1
    assert "支部工作条例" in first.source
    assert set(grid.get(world.branch1.pk).months) == {7, 8, 9}


def test_the_subtree_includes_groups_and_excludes_other_mines(world):
    grid = evaluate(world.mine, 2026, on=NOV_24)
    assert set(grid.rows) == {world.mine.pk, world.branch1.pk, world.group1.pk, world.branch2.pk}
    assert [row.organization.pk for row in grid.within(world.branch1.path)] == [
        world.branch1.pk,
        world.group1.pk,
    ]


def test_the_number_of_queries_does_not_grow_with_the_subtree(world, django_assert_num_queries):
    few = branches(world.mine2, 3)
    for branch in few:
        meetings(branch, "congress", D(2026, 2, 1))
    with django_assert_num_queries(6):
        assert len(evaluate(world.mine2, 2026, on=NOV_24)) == 5
    more = branches(world.mine2, 9)
    for branch in more:
        meetings(branch, "congress", D(2026, 2, 1))
        committee(branch)
    retirees(more[0])
    closed_round(more[1], 2026)
    with django_assert_num_queries(6):
        assert len(evaluate(world.mine2, 2026, on=NOV_24)) == 14


# ---------------------------------------------------------------------------- score


def test_compliance_score_counts_closed_periods_inside_the_dates(world):
    meetings(world.branch1, "congress", D(2026, 2, 1), D(2026, 5, 1))
    ratio, lines = compliance_score(world.branch1, D(2026, 1, 1), D(2026, 6, 30), on=NOV_24)
    # 2 quarters × (党员大会, 党课) + 6 months × 主题党日 = 10 periods, 2 met.
    assert ratio == 0.2
    assert lines[0] == "已落实 2/10 项（按期间计）。"
    assert any("2026年第1季度：应1次，已开1次，已落实" in line for line in lines)


def test_compliance_score_without_closed_periods(world):
    ratio, lines = compliance_score(world.branch1, D(2026, 12, 1), D(2026, 12, 31), on=NOV_24)
    assert ratio == 1.0
    assert lines == ["所选期间内没有已到期的组织生活要求。"]
