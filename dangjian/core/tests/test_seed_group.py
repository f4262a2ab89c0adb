"""`dangjian seed` at group scale: the records of a tiny group (seeded once for the module;
split from test_seed.py)."""

import pytest
from django.db import transaction
from django.db.models import F

from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import parse_id_number
from dangjian.core.pinyin import search_key
from dangjian.core.seed import seed_database
from dangjian.core.seed.digest import database_digest
from dangjian.members.display import probation_end
from dangjian.members.models import (
    Category,
    Employment,
    Gender,
    Member,
    Person,
)
from dangjian.members.validation import check_record
from dangjian.orgs.models import Organization, OrgType

from .test_seed import (
    NATIVE_PLACES,
    TINY_GROUP,
    TODAY,
    empty_the_database,
    encrypted_values,
    people,
    tree_problems,
)


@pytest.fixture(scope="module")
def group(django_db_setup, django_db_blocker):
    """A tiny group, seeded once for the module inside a transaction that is rolled back at the
    end; each test runs in a savepoint of it (what a test writes is undone after it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_database(scale="group", seed=2, today=TODAY, shape=TINY_GROUP)
        transaction.set_rollback(True)


@pytest.fixture
def group_data(group, db):
    return group


def test_every_id_number_of_the_group_is_valid_unique_and_agrees_with_the_record(group_data):
    everyone = people()
    for person in everyone:
        parsed = parse_id_number(person.id_number, today=TODAY)
        assert parsed.number == person.id_number
        assert (parsed.birth_date, parsed.gender) == (person.birth_date, person.gender)
        assert person.native_place in NATIVE_PLACES[person.id_number[:6]], person.id_number[:6]
    assert len({person.id_number for person in everyone}) == len(everyone)
    local = sum(person.id_number.startswith("4104") for person in everyone)
    assert 0.6 < local / len(everyone) < 0.9  # most were born in 平顶山, not all


def test_every_member_of_the_group_passes_the_shared_record_checks(group_data):
    for member in Member.objects.select_related("person", "organization", "party_group"):
        person = member.person
        values = {
            "name": person.name,
            "gender": person.gender,
            "birth_date": person.birth_date,
            "id_number": person.id_number,
            "mobile": person.mobile,
            "organization": member.organization,
            "party_group": member.party_group,
            "category": member.category,
            "joined_on": member.joined_on,
            "full_member_on": member.full_member_on,
        }
        assert check_record(values, today=TODAY).problems == [], person.work_number


def test_the_derived_columns_are_what_the_record_services_would_write(group_data):
    for person in people():
        assert person.pinyin_key == search_key(person.name)
        assert person.id_number_hash == lookup_hash(person.id_number)
        assert person.mobile_hash == (lookup_hash(person.mobile) if person.mobile else "")
        membership = getattr(person, "membership", None)  # applicants have none yet
        if membership is not None:
            assert person.organization == membership.organization


def test_people_added_after_the_seed_continue_the_numbering(group_data):
    largest = Person.objects.order_by("-pk").values_list("pk", flat=True)[0]
    branch = Organization.objects.filter(org_type=OrgType.BRANCH).first()
    person = Person.objects.create(name="新来的", gender=Gender.MALE, organization=branch)
    member = Member.objects.create(person=person, organization=branch, category=Category.FULL)
    assert person.pk == largest + 1
    assert member.pk == Member.objects.count()


def test_the_record_scope_is_the_branch_holding_the_membership(group_data):
    assert not Person.objects.filter(organization__isnull=True).exists()
    assert not Person.objects.exclude(organization=F("membership__organization")).exists()


def test_the_group_scale_has_no_deliberate_findings(group_data):
    probationary = Member.objects.filter(category=Category.PROBATIONARY)
    assert not any(probation_end(member) < TODAY for member in probationary)
    assert not Person.objects.filter(employment=Employment.ACTIVE, mobile_hash="").exists()


def test_a_small_group_has_the_full_layering_and_a_sound_tree(group_data):
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


def test_the_group_scale_is_deterministic_too(group_data):
    """The module's group (seed 2) against the same seed run again on the emptied database."""
    first = database_digest()
    empty_the_database()
    seed_database(scale="group", seed=2, today=TODAY, shape=TINY_GROUP)
    assert database_digest() == first
    assert len({values[1] for values in encrypted_values()}) == Person.objects.count()
