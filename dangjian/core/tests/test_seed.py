"""`dangjian seed` and `dangjian demo_logins`: determinism, shape of the data, demo accounts."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from dangjian.accounts.models import PasswordHistory, RoleAssignment, User
from dangjian.core.scope import scope_of
from dangjian.core.seed import DEMO_LOGINS, DEMO_PASSWORD, SeedError, seed_database
from dangjian.core.seed.digest import database_digest
from dangjian.core.seed.plan import GroupShape, MineShape, chinese_number, step
from dangjian.members.models import Member, Person
from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType, Unit
from dangjian.orgs.rules import may_contain

TODAY = date(2026, 6, 15)
SMALL_MINE = MineShape(members=400)
TINY_GROUP = GroupShape(secondaries=2, mines_per_secondary=2, members=1200, members_per_branch=30)


def empty_the_database():
    """Everything the seed wrote except the audit log, which is append-only by design."""
    RoleAssignment.objects.all().delete()
    User.objects.all().delete()
    CommitteePost.objects.all().delete()
    Committee.objects.all().delete()
    Member.objects.all().delete()
    Person.objects.all().delete()
    Organization.units.through.objects.all().delete()
    Unit.objects.all().delete()
    Organization.objects.all().delete()


def tree_problems():
    return [problem for problem in Organization.objects.find_problems() if problem]


# --- determinism ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_database():
    seed_database(scale="mine", seed=7, today=TODAY)
    first = database_digest()
    empty_the_database()
    seed_database(scale="mine", seed=7, today=TODAY)
    assert database_digest() == first


@pytest.mark.django_db
def test_a_different_seed_gives_different_people_on_the_same_tree():
    seed_database(scale="mine", seed=1, today=TODAY, shape=SMALL_MINE)
    first = database_digest()
    empty_the_database()
    seed_database(scale="mine", seed=2, today=TODAY, shape=SMALL_MINE)
    second = database_digest()
    assert second["people"] != first["people"]
    assert second["committees"] != first["committees"]


@pytest.mark.django_db
def test_the_group_scale_is_deterministic_too():
    seed_database(scale="group", seed=3, today=TODAY, shape=TINY_GROUP)
    first = database_digest()
    empty_the_database()
    seed_database(scale="group", seed=3, today=TODAY, shape=TINY_GROUP)
    assert database_digest() == first


# --- the mine ------------------------------------------------------------------------------


@pytest.fixture
def mine_data(db):
    return seed_database(scale="mine", seed=1, today=TODAY)


def test_the_mine_has_about_forty_branches_and_1500_members(mine_data):
    branches = Organization.objects.filter(org_type=OrgType.BRANCH)
    assert 35 <= branches.count() <= 45
    assert mine_data.members == Member.objects.count() == 1500
    root = Organization.objects.get(depth=1)
    assert root.short_name == "集团党委"
    assert [child.short_name for child in Organization.objects.get_children(root)] == ["一矿党委"]
    assert Organization.objects.filter(org_type=OrgType.GENERAL_BRANCH).count() >= 2


def test_every_organisation_sits_under_a_type_that_may_contain_it(mine_data):
    parents = {org.path: org for org in Organization.objects.all()}
    for org in parents.values():
        if org.depth > 1:
            parent = parents[org.path[: -Organization.steplen]]
            assert may_contain(parent.org_type, org.org_type), org.name


def test_every_branch_has_two_to_four_party_groups_organising_its_members(mine_data):
    for branch in Organization.objects.filter(org_type=OrgType.BRANCH):
        groups = Organization.objects.get_children(branch)
        assert 2 <= len(groups) <= 4, branch.name
        assert {group.org_type for group in groups} == {OrgType.GROUP}
        assert sum(group.member_count for group in groups) == branch.member_count
        for group in groups:
            organised = Member.objects.filter(party_group=group)
            assert group.member_count == organised.count() > 0
            assert not organised.exclude(organization=branch).exists()


def test_members_are_held_by_their_branch_never_by_a_party_group(mine_data):
    assert not Member.objects.filter(organization__org_type=OrgType.GROUP).exists()
    assert not Member.objects.filter(party_group__isnull=True).exists()
    assert not Member.objects.exclude(party_group__org_type=OrgType.GROUP).exists()
    held = Member.objects.values_list("organization__org_type", flat=True).distinct()
    assert set(held) == {OrgType.BRANCH}


def test_the_tree_paths_are_what_treebeard_would_write(mine_data):
    assert tree_problems() == []
    mine = Organization.objects.get(short_name="一矿党委")
    expected = mine.path + step(mine.numchild + 1)
    child = Organization.objects.add_child(
        mine, {"org_type": OrgType.BRANCH, "name": "新建党支部", "code": "NEW-1"}
    )
    assert child.path == expected
    assert tree_problems() == []


def test_the_member_counts_cover_each_subtree(mine_data):
    stored = dict(Organization.objects.values_list("pk", "member_count"))
    full = dict(Organization.objects.values_list("pk", "full_member_count"))
    organization_refresh_counts()
    assert dict(Organization.objects.values_list("pk", "member_count")) == stored
    assert dict(Organization.objects.values_list("pk", "full_member_count")) == full
    assert Organization.objects.get(depth=1).member_count == 1500


def test_about_thirty_percent_are_retired(mine_data):
    retired = Person.objects.filter(employment=Person.Employment.RETIRED).count()
    assert 0.25 <= retired / 1500 <= 0.35
    retirees = Organization.objects.get(short_name="离退休党总支")
    in_retiree_branches = Member.objects.filter(organization__path__startswith=retirees.path)
    assert in_retiree_branches.count() == retired
    assert not in_retiree_branches.filter(person__employment=Person.Employment.ACTIVE).exists()


def test_members_are_full_or_probationary_with_sensible_dates(mine_data):
    probationary = Member.objects.filter(category=Member.Category.PROBATIONARY)
    assert probationary.exists()
    assert not probationary.filter(full_member_on__isnull=False).exists()
    assert not probationary.filter(joined_on__lt=TODAY - timedelta(days=365)).exists()
    for member in Member.objects.filter(category=Member.Category.FULL).select_related("person")[
        :200
    ]:
        assert member.person.birth_date < member.joined_on < member.full_member_on <= TODAY


def test_work_numbers_are_unique_and_names_look_chinese(mine_data):
    numbers = list(Person.objects.values_list("work_number", flat=True))
    assert len(set(numbers)) == len(numbers) == 1500
    names = list(Person.objects.values_list("name", flat=True))
    assert all(2 <= len(name) <= 4 for name in names)
    surnames = [name[0] for name in names]
    assert surnames.count("王") > surnames.count("翟")  # frequencies, not a flat draw


def test_post_holders_are_members_of_the_organisation(mine_data):
    posts = CommitteePost.objects.select_related(
        "committee__organization", "person__membership__organization"
    )
    for post in posts:
        member_path = post.person.membership.organization.path
        assert member_path.startswith(post.committee.organization.path), post


def test_branch_committees_follow_the_size_rules_with_deliberate_exceptions(mine_data):
    committees = Committee.objects.filter(organization__org_type=OrgType.BRANCH)
    sizes = {
        c.organization.name: c.posts.count() for c in committees.select_related("organization")
    }
    small = Organization.objects.filter(org_type=OrgType.BRANCH, full_member_count__lt=7)
    for branch in small:
        assert sizes.get(branch.name, 0) <= 1
    assert any(size == 2 for size in sizes.values())  # a committee below three members
    without = Organization.objects.filter(
        org_type=OrgType.BRANCH, full_member_count__gte=7, committees__isnull=True
    )
    assert without.count() == 1


def test_the_warnings_have_something_to_show(mine_data):
    assert Organization.objects.filter(org_type=OrgType.BRANCH, member_count__gt=50).count() >= 2
    current = Committee.objects.filter(is_current=True)
    within_three = current.filter(term_end__lte=TODAY + timedelta(days=90)).count()
    within_six = current.filter(term_end__lte=TODAY + timedelta(days=182)).count()
    assert within_three >= 2
    assert within_six >= within_three + 2


def test_units_are_covered_by_branches(mine_data):
    mine = Organization.objects.get(short_name="一矿党委")
    units = Unit.objects.filter(owner=mine)
    names = set(units.values_list("name", flat=True))
    assert {"综采一队", "掘进五队", "通风区", "机电科", "安监处", "洗煤厂", "退休职工"} <= names
    assert not units.filter(organizations__isnull=True).exists()


def test_the_seed_is_recorded_in_the_audit_log(mine_data):
    from dangjian.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="core.seed_load")
    assert entry.after["members"] == 1500


# --- demo accounts -------------------------------------------------------------------------


def test_each_demo_login_works_with_the_printed_password(mine_data):
    for spec in DEMO_LOGINS:
        user = User.objects.get(username=spec.username)
        assert user.check_password(DEMO_PASSWORD), spec.username
        assert user.is_active
        assert not user.must_change_password
        assert PasswordHistory.objects.filter(user=user).exists()


def test_the_demo_roles_sit_where_the_table_says(mine_data):
    grants = dict(RoleAssignment.objects.values_list("user__username", "role__code"))
    assert grants == {spec.username: spec.role_code for spec in DEMO_LOGINS if spec.role_code}
    root = Organization.objects.get(depth=1)
    for username in ("sysadmin", "secadmin", "auditor"):
        assert RoleAssignment.objects.get(user__username=username).organization == root
    assert not RoleAssignment.objects.filter(user__username="dangyuan").exists()


def test_the_secretary_is_the_person_who_is_secretary_of_that_branch(mine_data):
    shuji = User.objects.get(username="shuji")
    branch = RoleAssignment.objects.get(user=shuji).organization
    assert branch.short_name == "综采一队党支部"
    secretary = CommitteePost.objects.get(
        committee__organization=branch, committee__is_current=True, post="secretary"
    )
    assert shuji.person == secretary.person
    assert shuji.display_name == secretary.person.name
    assert scope_of(shuji).paths_for("orgs.view_organization") == (branch.path,)


def test_the_ordinary_member_is_a_member_of_the_secretarys_branch(mine_data):
    dangyuan = User.objects.get(username="dangyuan")
    shuji = User.objects.get(username="shuji")
    branch = RoleAssignment.objects.get(user=shuji).organization
    assert dangyuan.person.membership.organization.path.startswith(branch.path)
    assert shuji.person.membership.organization.path.startswith(branch.path)
    assert not dangyuan.person.committee_posts.exists()


# --- the group -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_small_group_has_the_full_layering_and_a_sound_tree():
    seed_database(scale="group", seed=1, today=TODAY, shape=TINY_GROUP)
    assert tree_problems() == []
    root = Organization.objects.get(depth=1)
    secondaries = Organization.objects.get_children(root)
    assert len(secondaries) == 2
    assert {org.org_type for org in secondaries} == {OrgType.COMMITTEE}
    mines = Organization.objects.filter(depth=3, org_type=OrgType.COMMITTEE)
    assert mines.count() == 4
    assert Organization.objects.filter(depth=6, org_type=OrgType.GROUP).exists()
    assert not Member.objects.filter(organization__org_type=OrgType.GROUP).exists()
    assert Member.objects.count() == root.member_count
    assert abs(root.member_count - 1200) < 100
    for org in Organization.objects.all():
        assert org.numchild == Organization.objects.get_children(org).count()


@pytest.mark.django_db
def test_seeding_refuses_a_database_that_already_has_organisations(world):
    with pytest.raises(SeedError):
        seed_database(scale="mine", seed=1, today=TODAY)
    assert Member.objects.count() == 0


def test_chinese_numbers_read_naturally():
    assert [chinese_number(n) for n in (1, 10, 12, 20, 40, 58)] == [
        "一",
        "十",
        "十二",
        "二十",
        "四十",
        "五十八",
    ]


def test_path_steps_are_base36_like_treebeard():
    assert [step(n) for n in (1, 10, 35, 36, 37)] == ["0001", "000A", "000Z", "0010", "0011"]


# --- the commands --------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_seed_command_prints_progress_and_a_digest():
    output = run("seed", "--scale", "mine", "--seed", "1")
    assert "党组织" in output and "数据指纹" in output
    assert Member.objects.count() == 1500


@pytest.mark.django_db
def test_if_empty_skips_a_database_that_has_organisations(world):
    output = run("seed", "--scale", "mine", "--if-empty")
    assert "跳过" in output
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_the_seed_command_explains_why_it_refuses_a_full_database(world):
    with pytest.raises(CommandError, match="已经有党组织"):
        run("seed", "--scale", "mine")


@pytest.mark.django_db
@override_settings(ENVIRONMENT="production")
def test_the_seed_command_refuses_production():
    with pytest.raises(CommandError, match="生产环境"):
        run("seed", "--scale", "mine")
    assert not Organization.objects.exists()


def test_demo_logins_prints_every_role_and_the_password(mine_data):
    output = run("demo_logins")
    for spec in DEMO_LOGINS:
        assert spec.username in output and spec.label in output
    assert DEMO_PASSWORD in output
    assert "动态口令" in output


@pytest.mark.django_db
def test_demo_logins_says_how_to_seed_when_there_are_no_demo_accounts():
    assert "dangjian seed" in run("demo_logins")


@pytest.mark.django_db
@override_settings(ENVIRONMENT="production")
def test_demo_logins_refuses_production():
    with pytest.raises(CommandError, match="生产环境"):
        run("demo_logins")
