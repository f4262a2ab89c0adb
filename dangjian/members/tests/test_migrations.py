"""Data migration 0004: members once recorded in a 党小组 are held by its branch, in that group."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("members", "0003_member_party_group")]
AFTER = [("members", "0004_members_held_by_the_branch")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_members_held_by_a_group_move_to_its_branch_and_stay_in_the_group():
    apps = migrate(BEFORE)
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
    apps = migrate(AFTER)
    Member = apps.get_model("members", "Member")
    moved, stayed = Member.objects.get(pk=in_group.pk), Member.objects.get(pk=in_branch.pk)
    assert (moved.organization_id, moved.party_group_id) == (branch.pk, group.pk)
    assert (stayed.organization_id, stayed.party_group_id) == (branch.pk, None)
