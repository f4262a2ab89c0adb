"""Organisation services: create, rename, move, merge, dissolve; a refusal changes nothing."""

import datetime

import pytest
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.members.models import Member
from dangjian.orgs import services
from dangjian.orgs.models import Committee, Organization, OrgHistory, OrgType
from dangjian.orgs.permissions import VIEW_ORGANIZATION
from dangjian.orgs.tests.helpers import add_members, make_committee, set_rule, tree_state


def refused(call, error=ServiceError):
    """Run a service call that must be refused, and prove nothing changed."""
    before = tree_state()
    with pytest.raises(error) as info:
        call()
    assert tree_state() == before
    return info.value


def create(actor, parent, **extra):
    fields = {"org_type": OrgType.BRANCH, "name": "机电队党支部", "code": "G-M1-B9"} | extra
    return services.organization_create(actor=actor, parent=parent, **fields)


# ---------------------------------------------------------------- create


def test_it_creates_a_branch_under_the_mine(world):
    branch = create(
        world.alice, world.mine, short_name="机电队", founded_on=datetime.date(2020, 5, 4)
    )
    world.mine.refresh_from_db()
    assert Organization.objects.get_parent(branch) == world.mine
    assert branch.path.startswith(world.mine.path) and branch.depth == 3
    assert world.mine.numchild == 3
    assert branch.history.get().event == OrgHistory.Event.CREATED
    entry = AuditEntry.objects.get(action="orgs.organization_create")
    assert entry.actor == world.alice and entry.after["code"] == "G-M1-B9"


def test_it_creates_a_party_group_under_a_branch(world):
    group = create(
        world.alice, world.branch2, org_type=OrgType.GROUP, name="第二党小组", code="G-M1-B2-G1"
    )
    assert Organization.objects.get_parent(group) == world.branch2


def test_only_a_root_scope_actor_creates_a_root(world):
    refused(lambda: create(world.alice, None, org_type=OrgType.COMMITTEE, code="R2"), Http404)
    root = create(
        world.sysadmin, None, org_type=OrgType.COMMITTEE, name="中共某能源公司委员会", code="R2"
    )
    assert root.is_root()


def test_it_refuses_a_root_that_is_not_a_committee(world):
    error = refused(lambda: create(world.sysadmin, None, code="R3"), RuleViolation)
    assert "顶级党组织只能是党委" in error.messages[0]


@pytest.mark.parametrize(
    ("parent", "org_type", "text"),
    [
        ("mine", OrgType.GROUP, "党委下不能设立党小组"),
        ("group1", OrgType.GROUP, "党小组下不能设立党小组"),
        ("branch1", OrgType.BRANCH, "党支部下不能设立党支部"),
    ],
)
def test_it_refuses_a_child_type_that_makes_no_sense(world, parent, org_type, text):
    error = refused(
        lambda: create(world.alice, getattr(world, parent), org_type=org_type), RuleViolation
    )
    assert text in error.messages[0]


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"code": "G-M1-B1"}, "已被“综采一队党支部”使用"),
        ({"code": "一矿"}, "组织代码须为"),
        ({"name": "  "}, "请填写党组织全称"),
        ({"name": "长" * 101}, "不能超过 100 个字"),
        ({"founded_on": datetime.date(2999, 1, 1)}, "成立日期不能晚于今天"),
        ({"org_type": "bogus"}, "请选择正确的组织类型"),
        ({"sort_order": -1}, "排序须为"),
    ],
)
def test_it_refuses_bad_input(world, fields, text):
    error = refused(lambda: create(world.alice, world.mine, **fields))
    assert text in error.messages[0]


def test_it_refuses_a_parent_outside_the_scope(world):
    refused(lambda: create(world.dave, world.mine), Http404)
    refused(lambda: create(world.bob, world.branch1, org_type=OrgType.GROUP), Http404)
    refused(lambda: create(world.charlie, world.mine), Http404)


def test_it_refuses_to_go_deeper_than_the_depth_rule(world):
    set_rule("orgs.max_depth", 3)
    create(world.alice, world.mine)  # depth 3 is allowed
    error = refused(
        lambda: create(world.alice, world.branch1, org_type=OrgType.GROUP, code="X"), RuleViolation
    )
    assert "最多 3 级" in error.messages[0]


def test_it_refuses_a_dissolved_parent(world):
    services.organization_dissolve(actor=world.alice, organization=world.branch2)
    error = refused(lambda: create(world.alice, world.branch2, org_type=OrgType.GROUP))
    assert "已撤销" in error.messages[0]


# ---------------------------------------------------------------- update


def test_a_rename_is_recorded_with_the_old_and_new_names(world):
    org = services.organization_update(
        actor=world.alice, organization=world.branch1, name="综采一区党支部", short_name="综采一区"
    )
    assert org.name == "综采一区党支部"
    history = org.history.get(event=OrgHistory.Event.RENAMED)
    assert "综采一队党支部" in history.detail and "综采一区党支部" in history.detail
    entry = AuditEntry.objects.get(action="orgs.organization_update")
    assert entry.before["name"] == "综采一队党支部" and entry.after["name"] == "综采一区党支部"


def test_an_update_without_changes_writes_nothing(world):
    before = tree_state()
    services.organization_update(
        actor=world.alice, organization=world.branch1, name="综采一队党支部"
    )
    assert tree_state() == before


def test_an_update_checks_type_against_parent_and_children(world):
    refused(
        lambda: services.organization_update(
            actor=world.alice, organization=world.branch1, org_type=OrgType.GENERAL_BRANCH
        ),
        RuleViolation,
    )
    org = services.organization_update(
        actor=world.alice, organization=world.branch2, org_type=OrgType.JOINT_BRANCH
    )
    assert org.org_type == OrgType.JOINT_BRANCH


def test_an_update_refuses_a_taken_code_and_out_of_scope_actors(world):
    refused(
        lambda: services.organization_update(
            actor=world.alice, organization=world.branch1, code="G-M1-B2"
        )
    )
    refused(
        lambda: services.organization_update(
            actor=world.dave, organization=world.branch1, name="X"
        ),
        Http404,
    )
    refused(
        lambda: services.organization_update(actor=world.bob, organization=world.branch1, name="X"),
        Http404,
    )


# ---------------------------------------------------------------- move


def general_branch(world):
    return create(
        world.alice, world.mine, org_type=OrgType.GENERAL_BRANCH, name="机电党总支", code="G-M1-Z1"
    )


def test_a_move_carries_the_whole_subtree(world):
    add_members(world.branch1, 4, group=world.group1)
    target = general_branch(world)
    moved = services.organization_move(
        actor=world.alice, organization=world.branch1, new_parent=target
    )
    target.refresh_from_db()
    world.group1.refresh_from_db()
    assert Organization.objects.get_parent(moved) == target and moved.depth == 4
    assert world.group1.path.startswith(moved.path) and world.group1.depth == 5
    assert target.member_count == 4 and world.group1.member_count == 4
    assert Organization.objects.get(pk=world.mine.pk).member_count == 4
    assert Member.objects.filter(organization=moved, party_group=world.group1).count() == 4
    assert moved.history.get(event=OrgHistory.Event.MOVED).other == target
    assert all(not problems for problems in Organization.objects.find_problems())


def test_a_group_moved_to_another_branch_takes_its_members_along(world):
    grouped = add_members(world.branch1, 2, group=world.group1)
    former = add_members(world.branch1, 1, group=world.group1, status=Member.Status.LEFT)
    stays = add_members(world.branch1, 1)
    group = services.organization_move(
        actor=world.alice, organization=world.group1, new_parent=world.branch2
    )
    members = {m.person_id: m for m in Member.objects.all()}
    for person in grouped:
        assert members[person.pk].organization_id == world.branch2.pk
        assert members[person.pk].party_group_id == group.pk
    assert members[former[0].pk].organization_id == world.branch1.pk  # history stays put
    assert members[former[0].pk].party_group_id is None  # …outside the group that left
    assert members[stays[0].pk].organization_id == world.branch1.pk
    counts = dict(Organization.objects.values_list("code", "member_count"))
    assert (counts["G-M1-B1"], counts["G-M1-B2"], counts["G-M1-B1-G1"]) == (1, 2, 2)
    assert "2 名党员随之转入" in group.history.get(event=OrgHistory.Event.MOVED).detail
    entry = AuditEntry.objects.get(action="orgs.organization_move")
    assert entry.after["members_moved"] == 2


def test_scope_follows_a_moved_subtree(world):
    services.organization_move(
        actor=world.sysadmin, organization=world.branch1, new_parent=world.mine2
    )
    dave_sees = set(Organization.objects.visible_to(world.dave, VIEW_ORGANIZATION))
    alice_sees = set(Organization.objects.visible_to(world.alice, VIEW_ORGANIZATION))
    assert {world.branch1, world.group1} <= dave_sees
    assert world.branch1 not in alice_sees and world.group1 not in alice_sees


def test_a_move_updates_the_counts_of_both_lines(world):
    add_members(world.branch1, 3)
    services.organization_move(
        actor=world.sysadmin, organization=world.branch1, new_parent=world.mine2
    )
    counts = dict(Organization.objects.values_list("code", "member_count"))
    assert counts["G-M1"] == 0 and counts["G-M2"] == 3 and counts["G"] == 3


@pytest.mark.parametrize(
    ("target", "text"),
    [
        ("branch1", "它自己或它的下级"),
        ("group1", "它自己或它的下级"),
        ("mine", "已经隶属于"),
        ("branch2", "党支部下不能设立党支部"),
    ],
)
def test_a_move_refuses_impossible_targets(world, target, text):
    error = refused(
        lambda: services.organization_move(
            actor=world.alice, organization=world.branch1, new_parent=getattr(world, target)
        )
    )
    assert text in error.messages[0]


def test_a_move_refuses_to_exceed_the_depth_rule(world):
    target = general_branch(world)
    set_rule("orgs.max_depth", 4)
    error = refused(
        lambda: services.organization_move(
            actor=world.alice, organization=world.branch1, new_parent=target
        ),
        RuleViolation,
    )
    assert "第 5 级" in error.messages[0]


def test_a_move_needs_both_ends_in_scope(world):
    refused(
        lambda: services.organization_move(
            actor=world.alice, organization=world.branch1, new_parent=world.mine2
        ),
        Http404,
    )
    refused(
        lambda: services.organization_move(
            actor=world.dave, organization=world.branch1, new_parent=world.mine2
        ),
        Http404,
    )


# ---------------------------------------------------------------- merge


def test_a_merge_moves_members_and_groups_and_dissolves_the_source(world):
    add_members(world.branch1, 3)
    in_first = add_members(world.branch1, 2, group=world.group1)
    add_members(world.branch2, 1)
    left = add_members(world.branch1, 1, status=Member.Status.LEFT, group=world.group1)
    make_committee(world.branch1, size=0)
    second = create(
        world.alice, world.branch1, org_type=OrgType.GROUP, name="第二党小组", code="X2"
    )
    create(world.alice, world.branch2, org_type=OrgType.GROUP, name="掘进第一党小组", code="X3")
    in_second = add_members(world.branch1, 1, group=second)
    target = services.organization_merge(
        actor=world.alice, source=world.branch1, target=world.branch2
    )
    source = Organization.objects.get(pk=world.branch1.pk)
    world.group1.refresh_from_db()
    assert not source.is_active and source.dissolved_on == datetime.date.today()
    assert Organization.objects.get_parent(world.group1) == target
    assert Organization.objects.get_parent(Organization.objects.get(pk=second.pk)) == target
    assert target.numchild == 3 and source.numchild == 0
    assert Member.objects.filter(organization=target).count() == 7
    assert Member.objects.get(person=left[0]).organization == source  # history stays put
    assert Member.objects.get(person=left[0]).party_group is None  # the group left the source
    groups = dict(Member.objects.values_list("person_id", "party_group_id"))
    assert [groups[p.pk] for p in in_first] == [world.group1.pk] * 2  # each keeps its 党小组
    assert groups[in_second[0].pk] == second.pk
    world.group1.refresh_from_db()
    assert world.group1.member_count == 2
    assert (target.member_count, source.member_count) == (7, 0)
    assert Organization.objects.get(pk=world.mine.pk).member_count == 7
    assert all(not problems for problems in Organization.objects.find_problems())
    assert not Committee.objects.filter(organization=source, is_current=True).exists()
    assert source.history.filter(event=OrgHistory.Event.MERGED_INTO, other=target).exists()
    assert target.history.filter(event=OrgHistory.Event.ABSORBED, other=source).exists()


@pytest.mark.parametrize(
    ("source", "target", "text"),
    [
        ("branch1", "branch1", "并入它自己"),
        ("branch1", "mine", "只能合并党支部"),
        ("group1", "branch2", "只能合并党支部"),
    ],
)
def test_a_merge_refuses_what_is_not_two_branches(world, source, target, text):
    error = refused(
        lambda: services.organization_merge(
            actor=world.alice, source=getattr(world, source), target=getattr(world, target)
        )
    )
    assert text in error.messages[0]


def test_a_merge_refuses_across_scopes(world):
    refused(
        lambda: services.organization_merge(
            actor=world.alice, source=world.branch2, target=world.branch3
        ),
        Http404,
    )
    refused(
        lambda: services.organization_merge(
            actor=world.bob, source=world.branch1, target=world.branch2
        ),
        Http404,
    )


def test_a_merge_refuses_a_dissolved_branch(world):
    services.organization_dissolve(actor=world.alice, organization=world.branch2)
    error = refused(
        lambda: services.organization_merge(
            actor=world.alice, source=world.branch1, target=world.branch2
        )
    )
    assert "已撤销" in error.messages[0]


# ---------------------------------------------------------------- dissolve


def test_an_empty_organisation_is_dissolved(world):
    make_committee(world.branch2)
    org = services.organization_dissolve(
        actor=world.alice, organization=world.branch2, reason="区队撤并"
    )
    assert not org.is_active and org.dissolved_on == datetime.date.today()
    assert org.history.get(event=OrgHistory.Event.DISSOLVED).detail == "区队撤并"
    assert not Committee.objects.filter(organization=org, is_current=True).exists()
    assert AuditEntry.objects.filter(action="orgs.organization_dissolve").count() == 1


def test_dissolving_refuses_an_organisation_with_active_children(world):
    error = refused(
        lambda: services.organization_dissolve(actor=world.alice, organization=world.branch1)
    )
    assert "1 个下级党组织" in error.messages[0]
    services.organization_dissolve(actor=world.alice, organization=world.group1)
    services.organization_dissolve(actor=world.alice, organization=world.branch1)


def test_dissolving_a_group_leaves_its_members_in_the_branch_in_no_group(world):
    grouped = add_members(world.branch1, 2, group=world.group1)
    suspended = add_members(world.branch1, 1, group=world.group1, status=Member.Status.SUSPENDED)
    make_committee(world.group1)
    group = services.organization_dissolve(
        actor=world.alice, organization=world.group1, reason="班组撤并"
    )
    assert not group.is_active and group.member_count == 0
    for person in [*grouped, *suspended]:
        member = Member.objects.get(person=person)
        assert member.organization_id == world.branch1.pk and member.party_group_id is None
    world.branch1.refresh_from_db()
    assert world.branch1.member_count == 2  # the suspended member is not counted
    history = group.history.get(event=OrgHistory.Event.DISSOLVED).detail
    assert history == "班组撤并；3 名党员改为不编入党小组"
    entry = AuditEntry.objects.get(action="orgs.organization_dissolve")
    assert entry.after["members_ungrouped"] == 3 and "3 名党员改为不编入党小组" in entry.message
    assert not Committee.objects.filter(organization=group, is_current=True).exists()


def test_dissolving_an_empty_group_says_nothing_about_members(world):
    group = services.organization_dissolve(actor=world.alice, organization=world.group1)
    detail = group.history.get(event=OrgHistory.Event.DISSOLVED).detail
    assert detail == f"{datetime.date.today():%Y-%m-%d} 撤销"


@pytest.mark.parametrize("status", [Member.Status.NORMAL, Member.Status.SUSPENDED])
def test_dissolving_refuses_an_organisation_that_holds_members(world, status):
    add_members(world.branch2, 2, status=status)
    error = refused(
        lambda: services.organization_dissolve(actor=world.alice, organization=world.branch2)
    )
    assert "2 名党员" in error.messages[0]


def test_dissolving_refuses_out_of_scope_actors_and_bad_dates(world):
    refused(
        lambda: services.organization_dissolve(actor=world.dave, organization=world.branch2),
        Http404,
    )
    refused(
        lambda: services.organization_dissolve(actor=world.bob, organization=world.group1), Http404
    )
    refused(
        lambda: services.organization_dissolve(
            actor=world.alice, organization=world.branch2, dissolved_on=datetime.date(2999, 1, 1)
        )
    )
