"""学时 totals: the 32/56 requirement, who counts as a leader, sources summed, year boundaries,
the per-branch table and the query counts."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from dangjian.core.models import RuleVersion
from dangjian.core.rules import invalidate
from dangjian.meetings import hours, rules
from dangjian.meetings.models import ClassHourCredit
from dangjian.meetings.tests.hours_helpers import committee_of, credit, post
from dangjian.members.models import Status
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import CommitteePost

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-24 10:00 +0800", tick=False):
        yield


Source = ClassHourCredit.Source


def _rows(world, year=2026, **options):
    requirement = hours.requirement_for(year)
    return {row.person.name: row for row in hours.member_rows(world.mine, requirement, **options)}


def test_it_requires_32_of_a_member_and_56_of_a_secretary(world):
    zhang = make_member(world.branch1, "张三")
    li = make_member(world.branch1, "李四")
    post(committee_of(world.branch1), li)
    rows = _rows(world)
    assert rows["张三"].required == Decimal("32")
    assert rows["李四"].required == Decimal("56")
    assert rows["李四"].is_leader and not rows["张三"].is_leader
    assert zhang.person.pk == rows["张三"].person_id


def test_every_committee_post_but_group_leader_counts_as_leader(world):
    committee = committee_of(world.mine)
    for kind in (CommitteePost.Post.DEPUTY_SECRETARY, CommitteePost.Post.MEMBER):
        post(committee, make_member(world.branch1, kind.label), kind)
    post(committee_of(world.group1), make_member(world.branch1, "组长"), "group_leader")
    rows = _rows(world)
    assert rows["副书记"].required == rows["委员"].required == Decimal("56")
    assert rows["组长"].required == Decimal("32")


def test_a_post_ended_before_the_reference_day_or_an_old_term_does_not_count(world):
    old = committee_of(world.branch1, start=date(2020, 1, 1), end=date(2023, 1, 1), current=False)
    post(old, make_member(world.branch1, "前任"))
    current = committee_of(world.branch1)
    post(current, make_member(world.branch1, "离任"), ended_on=date(2026, 3, 1))
    post(current, make_member(world.branch1, "新任"), started_on=date(2026, 11, 1))
    rows = _rows(world)
    assert rows["前任"].required == rows["离任"].required == Decimal("32")
    assert rows["新任"].required == Decimal("56")
    # For 2025 the one who left in March 2026 was still in office on 31 December.
    assert _rows(world, 2025)["离任"].required == Decimal("56")
    assert _rows(world, 2025)["新任"].required == Decimal("32")


def test_it_sums_every_source_and_only_the_year(world):
    zhang = make_member(world.branch1, "张三")
    credit(zhang, 2, source=Source.MEETING)
    credit(zhang, "1.5", source=Source.LEARNING)
    credit(zhang, 8, source=Source.TRAINING)
    credit(zhang, 4, on=date(2026, 1, 1), source=Source.MANUAL)
    credit(zhang, 100, on=date(2025, 12, 31))
    credit(zhang, 100, on=date(2027, 1, 1))
    row = _rows(world)["张三"]
    assert row.hours == Decimal("15.5")
    assert row.gap == Decimal("16.5")
    by_source = dict(hours.attach_sources([row], 2026)[0].by_source)
    assert by_source == {
        "组织生活": Decimal("2"),
        "在线学习": Decimal("1.5"),
        "集中培训": Decimal("8"),
        "手工登记": Decimal("4"),
    }
    assert _rows(world, 2025)["张三"].hours == Decimal("100")


def test_credits_follow_the_person_across_a_transfer(world):
    zhang = make_member(world.branch1, "张三")
    credit(zhang, 10, organization=world.branch3)  # earned in 二矿 before moving
    credit(zhang, 30)
    assert _rows(world)["张三"].hours == Decimal("40")
    assert _rows(world)["张三"].gap == Decimal("0")


def test_members_not_in_good_standing_and_outside_the_subtree_are_left_out(world):
    make_member(world.branch1, "停止党籍", status=Status.SUSPENDED)
    make_member(world.branch3, "二矿党员")
    make_member(world.branch2, "掘进党员")
    assert set(_rows(world)) == {"掘进党员"}


def test_below_only_and_orderings(world):
    for name, amount in (("甲", 40), ("乙", 10), ("丙", 20)):
        credit(make_member(world.branch1, name), amount)
    assert set(_rows(world, below_only=True)) == {"乙", "丙"}
    requirement = hours.requirement_for(2026)
    by_hours = hours.member_rows(world.mine, requirement, ordering="-hours")
    assert [row.person.name for row in by_hours] == ["甲", "丙", "乙"]
    by_gap = hours.member_rows(world.mine, requirement, ordering="-gap")
    assert [row.person.name for row in by_gap] == ["乙", "丙", "甲"]


def test_a_changed_rule_moves_the_requirement_of_its_year(world):
    RuleVersion.objects.create(
        key=rules.YEARLY_HOURS, value=40, valid_from=date(2026, 1, 1), source="新规划"
    )
    invalidate(rules.YEARLY_HOURS)
    make_member(world.branch1, "张三")
    assert _rows(world)["张三"].required == Decimal("40")
    assert _rows(world, 2025)["张三"].required == Decimal("32")
    assert hours.requirement_for(2026).source == "新规划"


def test_the_branch_table_counts_average_below_and_reached(world):
    credit(make_member(world.branch1, "甲"), 40)
    credit(make_member(world.branch1, "乙"), 20)
    leader = make_member(world.branch2, "丙")
    post(committee_of(world.branch2), leader)
    credit(leader, 40)  # short of 56
    make_member(world.branch3, "二矿")
    requirement = hours.requirement_for(2026)
    table = hours.BranchRows(world.mine, requirement)
    assert table.count() == 2
    first, second = table[0:20]
    assert (first.name, first.members, first.below, first.average) == ("综采一队党支部", 2, 1, 30)
    assert first.reached_percent == 50
    assert (second.name, second.members, second.below, second.reached_percent) == (
        "掘进二队党支部",
        1,
        1,
        0,
    )
    total = hours.subtree_total(world.mine, requirement)
    assert (total.members, total.below, total.total) == (3, 2, Decimal("100"))
    assert [
        row.name for row in hours.BranchRows(world.mine, requirement, ordering="-average")[0:5]
    ] == [
        "掘进二队党支部",
        "综采一队党支部",
    ]
    assert hours.BranchRows(world.mine, requirement, below_only=True).count() == 2


def test_person_year_reads_total_and_requirement(world):
    zhang = make_member(world.branch1, "张三")
    post(committee_of(world.branch1), zhang)
    credit(zhang, 60)
    year = hours.person_year(zhang.person, 2026)
    assert (year.hours, year.required, year.is_leader, year.reached, year.percent) == (
        Decimal("60"),
        Decimal("56"),
        True,
        True,
        100,
    )


def _build(world, count):
    for index in range(count):
        member = make_member(world.branch1 if index % 2 else world.branch2, f"党员{index}")
        credit(member, 3, source=Source.MEETING)
        credit(member, 5)


@pytest.mark.parametrize("count", [3, 9])
def test_the_aggregates_take_a_fixed_number_of_queries(world, django_assert_num_queries, count):
    _build(world, count)
    requirement = hours.requirement_for(2026)
    with django_assert_num_queries(5):
        table = hours.BranchRows(world.mine, requirement)
        table.count()
        table[0:20]
        hours.subtree_total(world.mine, requirement)
        hours.attach_sources(hours.member_rows(world.mine, requirement)[:20], 2026)
    assert hours.subtree_total(world.mine, requirement).members == count
