"""Organisation warnings (domain.md §3.1, §3.4): each rule, its rule value, and the query cost."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.members.models import Member
from dangjian.orgs.dates import add_months
from dangjian.orgs.models import Organization, OrgType
from dangjian.orgs.tests.helpers import add_members, make_committee, set_rule
from dangjian.orgs.warnings import (
    DANGER,
    INFO,
    WARNING,
    organization_warnings,
    organizations_with_warnings,
    subtree_warnings,
)

TODAY = datetime.date.today()


def found(organization):
    return [(w.level, w.rule_key) for w in organization_warnings(organization)]


def far_term(organization, size=3):
    """A current committee of `size` members whose term ends in two years."""
    return make_committee(organization, start=TODAY, end=add_months(TODAY, 24), size=size)


def test_a_quiet_branch_has_no_warning(world):
    add_members(world.branch2, 5)
    assert found(world.branch2) == []


def test_a_branch_over_fifty_members_is_warned(world):
    add_members(world.branch2, 51, category=Member.Category.PROBATIONARY)
    assert found(world.branch2) == [(WARNING, "orgs.branch_max_members")]
    [warning] = organization_warnings(world.branch2)
    assert "51 人" in warning.message and "第四条" in warning.source


def test_the_member_limit_follows_its_rule(world):
    add_members(world.branch2, 51, category=Member.Category.PROBATIONARY)
    set_rule("orgs.branch_max_members", 60)
    assert found(world.branch2) == []


def test_seven_full_members_without_a_committee_is_an_alarm(world):
    add_members(world.branch2, 6)
    assert found(world.branch2) == []
    add_members(world.branch2, 1)
    assert found(world.branch2) == [(DANGER, "orgs.committee_required_full_members")]
    set_rule("orgs.committee_required_full_members", 8)
    assert found(world.branch2) == []


def test_probationary_members_do_not_require_a_committee(world):
    add_members(world.branch2, 9, category=Member.Category.PROBATIONARY)
    assert found(world.branch2) == []


def test_a_committee_smaller_than_three_is_warned_where_one_is_required(world):
    add_members(world.branch2, 7)
    far_term(world.branch2, size=2)
    assert found(world.branch2) == [(WARNING, "orgs.committee_min_size")]
    set_rule("orgs.committee_min_size", 2)
    assert found(world.branch2) == []


def test_a_secretary_alone_is_fine_below_seven_full_members(world):
    add_members(world.branch2, 3)
    far_term(world.branch2, size=1)
    assert found(world.branch2) == []


def test_a_committee_larger_than_seven_is_warned(world):
    far_term(world.branch2, size=8)
    assert found(world.branch2) == [(WARNING, "orgs.committee_max_size")]
    set_rule("orgs.committee_max_size", 9)
    assert found(world.branch2) == []


def test_ended_posts_do_not_count_in_the_committee(world):
    committee = far_term(world.branch2, size=8)
    committee.posts.filter(pk=committee.posts.first().pk).update(ended_on=TODAY)
    assert found(world.branch2) == []


@pytest.mark.parametrize(
    ("months_left", "expected"),
    [
        (7, []),
        (5, [(INFO, "orgs.term_notice_months")]),
        (2, [(WARNING, "orgs.term_urgent_months")]),
        (-1, [(DANGER, "orgs.term_overdue_days")]),
    ],
)
def test_terms_are_watched_six_and_three_months_ahead_and_when_expired(
    world, months_left, expected
):
    make_committee(world.mine, start=datetime.date(2020, 1, 1), end=add_months(TODAY, months_left))
    assert found(world.mine) == expected


def test_the_term_reminders_follow_their_rules(world):
    make_committee(world.mine, start=datetime.date(2020, 1, 1), end=add_months(TODAY, 5))
    set_rule("orgs.term_notice_months", 4)
    assert found(world.mine) == []
    set_rule("orgs.term_urgent_months", 6)
    assert found(world.mine) == [(WARNING, "orgs.term_urgent_months")]


def test_an_approved_grace_softens_an_expired_term(world):
    make_committee(world.mine, start=datetime.date(2020, 1, 1), end=TODAY - datetime.timedelta(10))
    set_rule("orgs.term_overdue_days", 30)
    assert found(world.mine) == [(WARNING, "orgs.term_overdue_days")]


def test_a_joint_branch_over_five_units_is_noted(world):
    from dangjian.orgs.models import Unit

    world.branch2.org_type = OrgType.JOINT_BRANCH
    world.branch2.save()
    units = [Unit.objects.create(name=f"单位{n}", code=f"U{n}", owner=world.mine) for n in range(6)]
    world.branch2.units.set(units)
    assert found(world.branch2) == [(INFO, "orgs.joint_branch_max_units")]


def test_a_dissolved_organisation_has_no_warning(world):
    world.group1.is_active = False
    world.group1.save()
    make_committee(world.group1, start=datetime.date(2020, 1, 1), end=datetime.date(2021, 1, 1))
    assert found(world.group1) == []


def test_subtree_warnings_stay_inside_the_subtree(world):
    add_members(world.branch1, 7)
    add_members(world.branch3, 7)
    rows = subtree_warnings(world.mine)
    assert [(w.organization, w.level) for w in rows] == [(world.branch1, DANGER)]


def _branches_with_warnings(world, count):
    for number in range(count):
        branch = Organization.objects.add_child(
            world.mine,
            {"org_type": OrgType.BRANCH, "name": f"支部{number}", "code": f"N{count}-{number}"},
        )
        make_committee(branch, start=datetime.date(2020, 1, 1), end=TODAY, size=8)
        world.mine.refresh_from_db()


def _queries_for_subtree(world):
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        rows = subtree_warnings(world.mine)
    return len(captured), len(rows)


def test_subtree_warnings_cost_a_fixed_number_of_queries(world):
    _branches_with_warnings(world, 4)
    few, rows_few = _queries_for_subtree(world)
    _branches_with_warnings(world, 8)
    many, rows_many = _queries_for_subtree(world)
    assert rows_many == 3 * rows_few
    assert few == many


def test_the_warning_list_paginates_in_the_database(world):
    add_members(world.branch1, 7)
    queryset = organizations_with_warnings([world.mine.path])
    assert list(queryset[:1]) == [world.branch1]
    assert queryset.count() == 1
