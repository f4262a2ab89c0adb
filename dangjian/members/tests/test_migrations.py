"""Data migrations of the members app, run forwards from the state before each.

Going back in the migration graph and forwards again to the latest state costs more than
anything else in the suite, so one test walks the chain once: back to 0003, then forwards
through 0004 (members held by a party group move to its branch) and 0005 → 0006 (a person record
takes the scope of its membership and a mobile lookup hash), with the data each step needs
created just before it and checked just after it.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture(autouse=True)
def _back_to_latest():
    """Leave the schema at the latest migrations for the tests that run after these."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def check_members_held_by_a_group_move_to_its_branch_and_stay_in_the_group():
    apps = migrate([("members", "0003_member_party_group")])
    Organization = apps.get_model("orgs", "Organization")
    Person = apps.get_model("members", "Person")
    Member = apps.get_model("members", "Member")

    def node(path, org_type, code):
        return Organization.objects.create(
            path=path, depth=len(path) // 4, numchild=0, org_type=org_type, name=code, code=code
        )

    node("0001", "committee", "R")
    branch = node("00010001", "branch", "B")
    group = node("000100010001", "group", "G")

    def member(number, organization):
        person = Person.objects.create(name=number, gender="male", work_number=number)
        return Member.objects.create(person=person, organization=organization, category="full")

    in_group, in_branch = member("1", group), member("2", branch)
    apps = migrate([("members", "0004_members_held_by_the_branch")])
    Member = apps.get_model("members", "Member")
    moved, stayed = Member.objects.get(pk=in_group.pk), Member.objects.get(pk=in_branch.pk)
    assert (moved.organization_id, moved.party_group_id) == (branch.pk, group.pk)
    assert (stayed.organization_id, stayed.party_group_id) == (branch.pk, None)


def check_a_person_record_takes_the_scope_of_its_membership_and_a_mobile_lookup_hash():
    """Runs after the check above: its tree (paths 0001…) is still there, so this one has its
    own root (0002…)."""
    from dangjian.core.crypto import lookup_hash

    apps = migrate([("members", "0005_member_records")])
    Organization = apps.get_model("orgs", "Organization")
    Person = apps.get_model("members", "Person")
    Member = apps.get_model("members", "Member")
    Organization.objects.create(
        path="0002", depth=1, numchild=1, org_type="committee", name="R2", code="R2"
    )
    branch = Organization.objects.create(
        path="00020001", depth=2, numchild=0, org_type="branch", name="B2", code="B2"
    )
    member = Person.objects.create(name="甲", gender="male", mobile="13912345678")
    Member.objects.create(person=member, organization=branch, category="full")
    employee = Person.objects.create(name="乙", gender="male")

    apps = migrate([("members", "0006_person_organization_from_membership")])
    Person = apps.get_model("members", "Person")
    assert Person.objects.get(pk=member.pk).organization_id == branch.pk
    assert Person.objects.get(pk=member.pk).mobile_hash == lookup_hash("13912345678")
    assert Person.objects.get(pk=employee.pk).organization_id is None


@pytest.mark.django_db(transaction=True)
def test_the_members_data_migrations_from_0003_to_0006():
    check_members_held_by_a_group_move_to_its_branch_and_stay_in_the_group()
    check_a_person_record_takes_the_scope_of_its_membership_and_a_mobile_lookup_hash()
