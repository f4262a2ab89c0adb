"""Every data-quality check finds exactly the bad records and nothing else.

Bad data is written straight through the ORM (as an old import or a hand edit in the database
would leave it), bypassing the record checks.
"""

from datetime import date

import pytest

from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import make_id_number
from dangjian.members.models import Category, Gender, Member, Person, Status
from dangjian.members.quality import CHECKS, Subtree, run_check
from dangjian.members.tests.factories import make_member, make_person
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType

TODAY = date(2026, 11, 24)
PHOTO = "members/photos/ok.jpg"


def good(organization, name, **fields):
    """A member with nothing to find: valid ID, matching gender and birth, photo and mobile."""
    fields.setdefault("photo", PHOTO)
    return make_member(organization, name, **fields)


def found(code, path="", today=TODAY):
    return {finding.person_id for finding in run_check(code, Subtree(path=path, today=today))}


def details(code):
    return [finding.detail for finding in run_check(code, Subtree(today=TODAY))]


def set_id(person, number):
    Person.objects.filter(pk=person.pk).update(
        id_number=number, id_number_hash=lookup_hash(number) if number else ""
    )


@pytest.fixture
def clean(world):
    """Members with nothing wrong, in every kind of place the checks look at."""
    office = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.GENERAL_BRANCH, "name": "一矿机关党总支", "code": "G-M1-JG"},
    )
    return [
        good(world.branch1, "王一"),
        good(world.branch2, "李二", gender=Gender.FEMALE, birth=date(1992, 2, 29)),
        good(world.branch3, "赵三", category=Category.PROBATIONARY, joined_on=date(2026, 1, 10)),
        good(world.branch1, "钱四", party_group=world.group1),
        good(office, "孙五"),
        good(world.branch2, "周六", status=Status.TRANSFERRED_OUT),
        good(world.branch2, "吴七", status=Status.LEFT, photo="", mobile=""),
    ]


def test_clean_records_give_no_finding_at_all(clean):
    for code in CHECKS:
        assert found(code) == set(), code


def test_it_finds_people_sharing_an_id_number_and_masks_it(world, clean):
    first = good(world.branch1, "张三")
    twin = make_person(world.branch3, "张三三", photo=PHOTO)  # an employee, not a member
    set_id(twin, first.person.id_number)
    assert found("duplicate_id") == {first.person_id, twin.pk}
    texts = " ".join(details("duplicate_id"))
    assert first.person.id_number not in texts
    assert first.person.id_number[:6] + "********" + first.person.id_number[-4:] in texts
    assert "通风区党支部" in texts


def test_it_finds_a_member_whose_record_and_membership_disagree(world, clean):
    moved = good(world.branch1, "郑八")
    Person.objects.filter(pk=moved.person_id).update(organization=world.branch2)
    assert found("two_branches") == {moved.person_id}
    assert "组织关系在综采一队党支部" in details("two_branches")[0]


def test_it_finds_one_id_number_held_by_members_of_two_branches(world, clean):
    here = good(world.branch1, "冯九")
    there = good(world.branch3, "冯九")
    set_id(there.person, here.person.id_number)
    assert found("two_branches") == {here.person_id, there.person_id}
    assert found("two_branches", path=world.mine.path) == {here.person_id}


@pytest.mark.parametrize(
    "number",
    [
        "41040219850615001",  # 17 digits
        "4104021985061500AX",  # a letter inside
        "410402198513150019",  # month 13
        "410402203001010013",  # born in the future
        make_id_number("410402", date(1985, 6, 15), 13)[:-1] + "0",  # wrong check character
    ],
)
def test_it_finds_an_invalid_id_number_without_repeating_its_digits(world, clean, number):
    bad = good(world.branch1, "陈十")
    set_id(bad.person, number)
    assert found("invalid_id") == {bad.person_id}
    (text,) = details("invalid_id")
    assert not any(part in text for part in (number[6:14], number[:6], number[-4:]))


def test_a_legacy_15_digit_number_is_valid(world, clean):
    old = good(world.branch1, "褚一", birth=date(1965, 3, 1))
    legacy = make_id_number("410402", date(1965, 3, 1), 13)
    set_id(old.person, legacy[:6] + legacy[8:17])
    assert found("invalid_id") == set()


def test_it_finds_held_members_without_an_id_number_only(world, clean):
    missing = good(world.branch1, "卫二")
    suspended = good(world.branch2, "蒋三", status=Status.SUSPENDED)
    left = good(world.branch2, "沈四", status=Status.LEFT)
    employee = make_person(world.branch1, "韩五", photo=PHOTO)
    for person in (missing.person, suspended.person, left.person, employee):
        set_id(person, "")
    assert found("missing_id") == {missing.person_id, suspended.person_id}


def test_it_finds_a_gender_that_contradicts_the_id_number(world, clean):
    wrong = good(world.branch1, "杨六")  # male ID number
    Person.objects.filter(pk=wrong.person_id).update(gender=Gender.FEMALE)
    assert found("id_gender") == {wrong.person_id}
    assert details("id_gender") == ["性别登记为女，身份证号显示为男"]
    assert found("id_birth") == set()


def test_it_finds_a_birth_date_that_contradicts_the_id_number(world, clean):
    wrong = good(world.branch1, "朱七", birth=date(1985, 6, 15))
    Person.objects.filter(pk=wrong.person_id).update(birth_date=date(1985, 6, 16))
    unknown = good(world.branch2, "秦八")
    Person.objects.filter(pk=unknown.person_id).update(birth_date=None)
    assert found("id_birth") == {wrong.person_id}
    (text,) = details("id_birth")
    assert "1985-06-16" in text and "19850615" not in text and "1985-06-15" not in text


def test_it_finds_members_held_by_a_party_group_or_a_dissolved_organisation(world, clean):
    in_group = good(world.branch1, "尤九")
    Member.objects.filter(pk=in_group.pk).update(organization=world.group1)
    closed = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.BRANCH, "name": "已撤销党支部", "code": "G-M1-X", "is_active": False},
    )
    stranded = good(closed, "许十")
    gone = good(closed, "何一", status=Status.DECEASED)
    assert found("org_invalid") == {in_group.person_id, stranded.person_id}
    assert gone.person_id not in found("org_invalid")
    assert found("org_not_branch") == set()


def test_it_warns_of_members_held_by_a_committee_except_the_offices(world, clean):
    held_by_mine = good(world.mine, "吕二")
    assert found("org_not_branch") == {held_by_mine.person_id}
    assert CHECKS["org_not_branch"].severity == "warning"


def test_it_finds_transferred_members_still_in_a_group_or_on_a_committee(world, clean):
    in_group = good(world.branch1, "施三", status=Status.TRANSFERRED_OUT, party_group=world.group1)
    on_committee = good(world.branch1, "张四", status=Status.TRANSFERRED_OUT)
    committee = Committee.objects.create(
        organization=world.branch1, term_start=date(2024, 1, 1), term_end=date(2027, 1, 1)
    )
    CommitteePost.objects.create(committee=committee, post="secretary", person=on_committee.person)
    former = good(world.branch2, "孔五", status=Status.TRANSFERRED_OUT)
    CommitteePost.objects.create(
        committee=committee, post="member", person=former.person, ended_on=date(2025, 1, 1)
    )
    assert found("transferred_active") == {in_group.person_id, on_committee.person_id}
    assert "仍在现任班子中任职" in " ".join(details("transferred_active"))


def test_it_finds_held_members_without_photo_or_mobile(world, clean):
    no_photo = good(world.branch1, "曹六", photo="")
    no_mobile = good(world.branch2, "严七", mobile="")
    assert found("missing_photo") == {no_photo.person_id}
    assert found("missing_mobile") == {no_mobile.person_id}


def test_it_finds_probationary_members_past_their_probation(world, clean):
    overdue = good(
        world.branch1, "华八", category=Category.PROBATIONARY, joined_on=date(2025, 11, 23)
    )
    good(world.branch1, "金九", category=Category.PROBATIONARY, joined_on=date(2025, 11, 24))
    good(world.branch1, "魏十", category=Category.FULL, joined_on=date(2020, 1, 1))
    assert found("probation_overdue") == {overdue.person_id}
    assert details("probation_overdue") == [
        "预备期已于 2026-11-23 届满（入党 2025-11-23），尚未转正"
    ]


def test_it_finds_lost_members_past_the_suspension_threshold_still_in_good_standing(world, clean):
    lost = good(world.branch1, "陶一")
    recent = good(world.branch1, "姜二")
    suspended = good(world.branch1, "戚三", status=Status.SUSPENDED)
    for member, since in ((lost, date(2026, 5, 24)), (recent, date(2026, 5, 25))):
        Member.objects.filter(pk=member.pk).update(is_lost_contact=True, lost_contact_since=since)
    Member.objects.filter(pk=suspended.pk).update(
        is_lost_contact=True, lost_contact_since=date(2020, 1, 1)
    )
    assert found("lost_contact_overdue") == {lost.person_id}


def test_a_subtree_run_finds_only_records_inside_it(world, clean):
    inside = good(world.branch1, "谢四", photo="")
    good(world.branch3, "邹五", photo="")
    assert found("missing_photo", path=world.mine.path) == {inside.person_id}


def test_every_check_explains_itself(world):
    for check in CHECKS.values():
        assert check.title and len(check.why) > 20 and len(check.fix) > 8
        assert check.severity in ("danger", "warning", "info")
