"""The nearest holders of a permission: the organisation's own grant-holders, else those of the
nearest ancestor where anyone holds it — never every grant up to the group."""

from dangjian.accounts.holders import lineage, nearest_holders, nearest_holders_of
from dangjian.core.testing.world import grant, make_user
from dangjian.documents.permissions import SIGN_RECEIPT
from dangjian.members.permissions import MANAGE_MEMBER


def test_lineage_is_the_path_and_its_ancestors_nearest_first():
    assert lineage("000100020003") == ["000100020003", "00010002", "0001"]


def test_the_branch_secretary_is_told_not_the_departments_above(world):
    assert nearest_holders_of(world.branch1, MANAGE_MEMBER) == [world.bob.pk]


def test_a_branch_without_anyone_falls_back_to_the_nearest_level_above(world):
    # branch2 has no secretary: 组织部 of the mine (alice) is the nearest holder.
    assert nearest_holders_of(world.branch2, MANAGE_MEMBER) == [world.alice.pk]
    assert nearest_holders_of(world.group1, MANAGE_MEMBER) == [world.bob.pk]


def test_many_organisations_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    extra = make_user("erin", "艾琳")
    grant(extra, "branch_secretary", world.branch3)
    orgs = [world.branch1, world.branch2, world.branch3, world.group1, world.mine2]
    with django_assert_num_queries(2):  # the roles, then the grants on every lineage path
        found = nearest_holders(orgs, MANAGE_MEMBER)
    assert found[world.branch3.pk] == [extra.pk]
    assert found[world.mine2.pk] == [world.dave.pk]
    assert found[world.branch1.pk] == [world.bob.pk]


def test_inactive_users_are_not_told(world):
    world.bob.is_active = False
    world.bob.save(update_fields=["is_active"])
    assert nearest_holders_of(world.branch1, SIGN_RECEIPT) == [world.alice.pk]
