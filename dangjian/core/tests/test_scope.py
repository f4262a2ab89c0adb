from dangjian.core.scope import minimal_prefixes, scope_of
from dangjian.orgs.models import Organization
from dangjian.orgs.permissions import VIEW_ORGANIZATION


def test_minimal_prefixes_drops_covered_paths():
    assert minimal_prefixes(["0001", "00010002", "0002", "00020001"]) == ("0001", "0002")


def test_org_department_sees_its_whole_mine_and_nothing_else(world):
    visible = set(Organization.objects.visible_to(world.alice, VIEW_ORGANIZATION))
    assert visible == {world.mine, world.branch1, world.group1, world.branch2}


def test_branch_secretary_sees_only_the_branch_subtree(world):
    visible = set(Organization.objects.visible_to(world.bob, VIEW_ORGANIZATION))
    assert visible == {world.branch1, world.group1}


def test_user_without_role_sees_nothing(world):
    assert not Organization.objects.visible_to(world.charlie, VIEW_ORGANIZATION).exists()


def test_scope_is_computed_with_one_query_per_request(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        scope_of(world.alice)
        scope_of(world.alice)


def test_a_scoped_member_query_narrows_by_organisation_id_and_joins_no_account(world):
    """Speed at group scale: the subtree test is an IN over organisation ids (indexed foreign
    key) and a member's own record is matched by a constant, not through the accounts table."""
    from dangjian.members.models import Member
    from dangjian.members.tests.factories import make_member

    own = make_member(world.branch3, "戴维本人")
    world.bob.person = own.person
    world.bob.save(update_fields=["person"])
    sql = str(Member.objects.visible_to(world.bob, "members.view_member").query)
    assert '"members_member"."organization_id" IN (SELECT' in sql
    assert "accounts_user" not in sql
    visible = Member.objects.visible_to(world.bob, "members.view_member")
    assert list(visible) == [own]  # branch1 holds nobody; his own record is elsewhere
