"""`dangjian seed` at mine scale: the shape of the demo mine's data and its demo accounts
(seeded once for the module; split from test_seed.py)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Q

from dangjian.accounts.models import PasswordHistory, RoleAssignment, User
from dangjian.core.idnumbers import IdNumberError, parse_id_number
from dangjian.core.pinyin import name_matches_q
from dangjian.core.scope import scope_of
from dangjian.core.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_database
from dangjian.core.seed.digest import database_digest
from dangjian.core.seed.plan import step
from dangjian.core.seed.showcase import IN_SECRETARYS_BRANCH, POLYPHONIC_SURNAMES
from dangjian.members.display import probation_end
from dangjian.members.models import (
    Category,
    Degree,
    Education,
    Employment,
    Gender,
    Member,
    Occupation,
    Person,
    SkillLevel,
    TitleLevel,
)
from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType, Unit
from dangjian.orgs.rules import may_contain

from .test_seed import TODAY, empty_the_database, encrypted_values, people, run, tree_problems


@pytest.fixture(scope="module")
def mine(django_db_setup, django_db_blocker):
    """The demo mine, seeded once for the module inside a transaction that is rolled back at
    the end; each test runs in a savepoint of it (what a test writes is undone after it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_database(scale="mine", seed=1, today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def mine_data(mine, db):
    return mine


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
    # Two are past their probation on purpose (showcase.py); nobody else.
    assert probationary.filter(joined_on__lt=TODAY - timedelta(days=365)).count() == 2
    for member in Member.objects.filter(category=Member.Category.FULL).select_related("person")[
        :200
    ]:
        assert member.person.birth_date < member.joined_on < member.full_member_on <= TODAY


def test_work_numbers_are_unique_and_names_look_chinese(mine_data):
    numbers = list(Person.objects.values_list("work_number", flat=True))
    assert len(set(numbers)) == len(numbers)  # members and the applicants of development cases
    assert Person.objects.filter(membership__isnull=False).count() == 1500
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


def test_education_titles_and_skills_fit_age_and_post(mine_data):
    everyone = people()
    workers = [p for p in everyone if p.occupation == Occupation.WORKER]
    assert all(p.skill_level not in ("", SkillLevel.NONE) for p in workers)
    assert all(p.title_level == TitleLevel.NONE for p in workers)
    engineers = [p for p in everyone if p.post == "工程师"]
    assert engineers and all(p.title.endswith("工程师") for p in engineers)
    technicians = [p for p in everyone if p.occupation == Occupation.TECHNICIAN]
    degreed = [p for p in technicians if p.education in (Education.BACHELOR, Education.MASTER)]
    assert len(degreed) > 0.6 * len(technicians)
    old_workers = [p for p in workers if p.birth_date.year < 1970]
    schooled = [p for p in old_workers if p.education in (Education.JUNIOR_OR_BELOW,
                                                          Education.HIGH_SCHOOL)]  # fmt: skip
    assert len(schooled) > 0.8 * len(old_workers)
    for person in everyone:
        graduate = person.education not in (Education.JUNIOR_OR_BELOW, Education.HIGH_SCHOOL)
        assert bool(person.school and person.major) == graduate, person.work_number
        if person.degree == Degree.BACHELOR:
            assert person.education == Education.BACHELOR
        if person.education == Education.MASTER:
            assert person.degree == Degree.MASTER
        assert person.education_mode and person.degree and person.title_level
        assert person.address.startswith("河南省")


def test_retirees_have_a_retirement_day_and_no_occupation(mine_data):
    for person in Person.objects.filter(employment=Employment.RETIRED):
        assert person.occupation == ""
        years = person.retired_on.year - person.birth_date.year
        assert years in ((55, 60) if person.gender == Gender.MALE else (50, 55))
        assert person.retired_on <= TODAY
    assert not Person.objects.exclude(employment=Employment.RETIRED).filter(
        retired_on__isnull=False
    )


def test_nearly_everyone_is_han_and_floating_or_lost_members_are_few(mine_data):
    ethnicities = Counter(Person.objects.values_list("ethnicity", flat=True))
    assert 0.97 <= ethnicities["01"] / Person.objects.count() < 1
    assert set(ethnicities) <= {"01", "02", "03", "10", "11"}
    assert all(p.ethnicity == "10" for p in Person.objects.filter(name__startswith="朴"))
    floating = Member.objects.filter(is_floating=True)
    assert 5 <= floating.count() <= 30
    assert not floating.filter(Q(floating_since__isnull=True) | Q(floating_destination=""))
    lost = Member.objects.filter(is_lost_contact=True)
    assert 1 <= lost.count() <= 10
    assert not lost.filter(Q(lost_contact_since__isnull=True) | Q(lost_contact_since__gt=TODAY))


def test_every_polyphonic_surname_is_in_the_mine_and_found_by_each_reading(mine_data):
    surnames = {name[0] for name in Person.objects.values_list("name", flat=True)}
    assert set(POLYPHONIC_SURNAMES) <= surnames
    branch = RoleAssignment.objects.get(user__username="shuji").organization
    in_branch = Person.objects.filter(organization=branch)
    assert {name[0] for name in in_branch.values_list("name", flat=True)} >= set(
        IN_SECRETARYS_BRANCH
    )
    for query, surname in (("shan", "单"), ("dan", "单"), ("xie", "解"), ("ceng", "曾"),
                           ("zs", "张")):  # fmt: skip
        found = in_branch.filter(name_matches_q(query)).values_list("name", flat=True)
        assert any(name.startswith(surname) for name in found), query


def test_the_demo_mine_has_each_data_quality_finding_on_purpose(mine_data):
    probationary = Member.objects.filter(category=Category.PROBATIONARY)
    assert sum(probation_end(member) < TODAY for member in probationary) == 2
    at_work_without_mobile = Person.objects.filter(employment=Employment.ACTIVE, mobile_hash="")
    assert at_work_without_mobile.count() == 3
    everyone = people()
    assert len([p for p in everyone if not p.id_number]) == 1
    invalid, misdated = [], []
    for person in (p for p in everyone if p.id_number):
        try:
            parsed = parse_id_number(person.id_number, today=TODAY)
        except IdNumberError:
            invalid.append(person)
            continue
        if (parsed.birth_date, parsed.gender) != (person.birth_date, person.gender):
            misdated.append(person)
    assert len(invalid) == 1 and len(misdated) == 1
    hashes = Counter(p.id_number_hash for p in everyone if p.id_number)
    (twice,) = [value for value, count in hashes.items() if count > 1]
    first, second = (p for p in everyone if p.id_number_hash == twice)
    assert first.name == second.name and first.birth_date == second.birth_date
    assert first.membership.organization != second.membership.organization


def test_demo_logins_prints_every_role_and_the_password(mine_data):
    output = run("demo_logins")
    for spec in DEMO_LOGINS:
        assert spec.username in output and spec.label in output
    assert DEMO_PASSWORD in output
    assert "动态口令" in output


def test_the_demo_mine_has_id_photos_except_for_a_few(mine_data):
    from django.core.files.storage import default_storage

    from dangjian.core.uploads import PNG, sniff

    people = Person.objects.all()
    with_photo = people.exclude(photo="")
    assert 0.9 < with_photo.count() / people.count() < 0.99
    sample = with_photo.order_by("pk").first()
    with default_storage.open(sample.photo.name, "rb") as photo:
        assert sniff(photo) == PNG


def test_the_same_seed_gives_the_same_database(mine_data):
    """The module's mine (seed 1) against the same seed run again on the emptied database."""
    first, first_values = database_digest(), encrypted_values()
    empty_the_database()
    seed_database(scale="mine", seed=1, today=TODAY)
    assert database_digest() == first
    assert encrypted_values() == first_values
