"""Review findings on the tree services: retyping an organisation that holds members, tree
locks taken by the shape-changing services, and code clashes found only by the database."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.members.models import Member
from dangjian.orgs import selectors, services
from dangjian.orgs.models import OrgType, Unit
from dangjian.orgs.services import common, organizations, units
from dangjian.orgs.tests.helpers import add_members, tree_state


def refused(call, error=ServiceError):
    before = tree_state()
    with pytest.raises(error) as info:
        call()
    assert tree_state() == before
    return info.value


def retype(world, organization, org_type):
    return services.organization_update(
        actor=world.alice, organization=organization, org_type=org_type
    )


# ---------------------------------------------------------------- retyping


@pytest.mark.parametrize("org_type", [OrgType.COMMITTEE, OrgType.GENERAL_BRANCH])
def test_a_branch_that_holds_a_member_cannot_stop_being_a_branch(world, org_type):
    add_members(world.branch2, 1)
    error = refused(lambda: retype(world, world.branch2, org_type), RuleViolation)
    assert "还有 1 名党员" in error.messages[0]


def test_a_suspended_member_is_held_too(world):
    add_members(world.branch2, 1, status=Member.Status.SUSPENDED)
    refused(lambda: retype(world, world.branch2, OrgType.COMMITTEE), RuleViolation)


def test_a_branch_without_members_may_change_type(world):
    add_members(world.branch2, 1, status=Member.Status.LEFT)
    assert retype(world, world.branch2, OrgType.GENERAL_BRANCH).org_type == OrgType.GENERAL_BRANCH


def test_a_branch_with_members_may_become_another_kind_of_branch(world):
    add_members(world.branch2, 2)
    assert retype(world, world.branch2, OrgType.JOINT_BRANCH).org_type == OrgType.JOINT_BRANCH


def test_a_group_that_organises_members_cannot_change_type(world):
    add_members(world.branch1, 1, group=world.group1)
    error = refused(lambda: retype(world, world.group1, OrgType.BRANCH), RuleViolation)
    assert "编有 1 名党员" in error.messages[0]


# ---------------------------------------------------------------- tree locks


@pytest.fixture
def second_tree(world):
    return services.organization_create(
        actor=world.sysadmin,
        parent=None,
        org_type=OrgType.COMMITTEE,
        name="中共某能源公司委员会",
        code="R2",
    )


def root_locks(captured, roots):
    """The root paths the captured queries looked up one by one, in order."""
    paths = [root.path for root in roots]
    return [p for q in captured for p in paths if f"\"path\" = '{p}'" in q["sql"]]


def test_lock_trees_takes_each_root_once_in_path_order(world, second_tree):
    with CaptureQueriesContext(connection) as captured:
        common.lock_trees(second_tree, world.branch1, world.group1, world.mine2)
    assert root_locks(captured, [world.group, second_tree]) == [world.group.path, second_tree.path]


@pytest.fixture
def recorded(monkeypatch):
    calls = []
    real = organizations.lock_trees

    def spy(*orgs):
        calls.append(sorted({org.pk for org in orgs}))
        real(*orgs)

    monkeypatch.setattr(organizations, "lock_trees", spy)
    return calls


def test_every_tree_shape_change_locks_its_trees(world, recorded):
    branch = services.organization_create(
        actor=world.alice, parent=world.mine, org_type=OrgType.BRANCH, name="新支部", code="B9"
    )
    services.organization_move(actor=world.sysadmin, organization=branch, new_parent=world.mine2)
    services.organization_merge(actor=world.alice, source=world.branch2, target=world.branch1)
    services.organization_dissolve(actor=world.sysadmin, organization=branch)
    assert recorded == [
        [world.mine.pk],
        sorted([branch.pk, world.mine2.pk]),
        sorted([world.branch1.pk, world.branch2.pk]),
        [branch.pk],
    ]


def test_a_root_is_created_without_a_tree_to_lock(world, recorded):
    services.organization_create(
        actor=world.sysadmin, parent=None, org_type=OrgType.COMMITTEE, name="某委员会", code="R3"
    )
    assert recorded == []


# ---------------------------------------------------------------- code races


def racing_clean_code(value, model, **kwargs):
    """The code check of a request that ran just before a concurrent one took the same code."""
    return str(value).strip()


def test_an_organisation_code_taken_meanwhile_is_a_message(world, monkeypatch):
    monkeypatch.setattr(organizations, "clean_code", racing_clean_code)
    error = refused(
        lambda: services.organization_update(
            actor=world.alice, organization=world.branch1, code=world.branch2.code, name="新名"
        )
    )
    assert error.messages == ["组织代码已被占用，请换一个。"]
    assert not isinstance(error, IntegrityError)


def test_a_unit_code_taken_meanwhile_is_a_message(world, monkeypatch):
    Unit.objects.create(name="综采一队", code="U1", owner=world.mine)
    unit = Unit.objects.create(name="机电科", code="U2", owner=world.mine)
    monkeypatch.setattr(units, "clean_code", racing_clean_code)
    error = refused(
        lambda: services.unit_update(actor=world.alice, unit=unit, code="U1", name="机电队")
    )
    assert error.messages == ["单位代码已被占用，请换一个。"]


# ---------------------------------------------------------------- unit owners


def test_unit_owners_offered_are_those_the_service_accepts(world):
    offered = set(selectors.unit_owner_choices(world.alice))
    assert {world.mine, world.branch1, world.branch2} <= offered
    assert world.group1 not in offered
    for owner in offered:
        assert owner.org_type != OrgType.GROUP
    unit = services.unit_create(actor=world.alice, owner=world.branch1, name="综采一队", code="U9")
    assert unit.owner == world.branch1
