"""`dangjian seed` and `dangjian demo_logins`: determinism, shape of the data, demo accounts."""

from contextlib import ExitStack
from datetime import date
from io import StringIO
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.seed import SeedError, seed_database
from dangjian.core.seed.digest import database_digest
from dangjian.core.seed.lifecycle import seeded_lifecycle_models
from dangjian.core.seed.meetings import seeded_meeting_models
from dangjian.core.seed.places import ELSEWHERE, MINORITY_REGIONS, OTHER_HENAN, PINGDINGSHAN
from dangjian.core.seed.plan import GroupShape, MineShape, chinese_number, step
from dangjian.members.models import (
    Member,
    Person,
)
from dangjian.orgs.models import Committee, CommitteePost, Organization, Unit

TODAY = date(2026, 6, 15)
SMALL_MINE = MineShape(members=400)
TINY_GROUP = GroupShape(secondaries=2, mines_per_secondary=2, members=1200, members_per_branch=30)


def skipping(*parts: str) -> ExitStack:
    """Seed without some parts (`write_portal`, `write_meetings`, …), each tested in its own
    module and all together in test_seed_mine: a module about another part saves their time."""
    stack = ExitStack()
    for name in parts:
        stack.enter_context(patch(f"dangjian.core.seed.{name}", lambda *args, **kwargs: None))
    return stack


def without_assessment():
    return skipping("write_assessment")


# Everything after the tree, the people, their records and committees.
LATER_PARTS = (
    "plan_lifecycle", "write_lifecycle", "write_meetings", "write_portal", "write_documents",
    "write_assessment",
)  # fmt: skip


def empty_the_database():
    """Everything the seed wrote except the audit log, which is append-only by design."""
    from dangjian.core.seed.assessment import delete_seeded_assessment
    from dangjian.core.seed.documents import delete_seeded_documents
    from dangjian.core.seed.portal import seeded_portal_models

    delete_seeded_assessment()
    delete_seeded_documents()
    for model in [
        *reversed(seeded_portal_models()),
        *reversed(seeded_meeting_models()),
        *reversed(seeded_lifecycle_models()),
    ]:
        model.objects.all().delete()
    RoleAssignment.objects.all().delete()
    User.objects.all().delete()
    CommitteePost.objects.all().delete()
    Committee.objects.all().delete()
    Member.objects.all().delete()
    Person.objects.all().delete()
    Organization.units.through.objects.all().delete()
    Unit.objects.all().delete()
    Organization.objects.all().delete()
    if connection.vendor == "postgresql":
        # The deletes' deferred foreign-key checks run now, while every index is there: the
        # seed that usually follows drops indexes for its bulk inserts and sets the constraints
        # IMMEDIATE, and those checks then scan unindexed tables (the group-scale test of
        # test_seed_meetings took ~25 min on PostgreSQL for this alone).
        connection.check_constraints()


def encrypted_values():
    """The decrypted personal data in work-number order (not in the digest: random nonces)."""
    return [
        (person.work_number, person.id_number, person.mobile, person.address)
        for person in Person.objects.order_by("work_number")
    ]


def tree_problems():
    return [problem for problem in Organization.objects.find_problems() if problem]


# --- determinism ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_different_seed_gives_different_people_on_the_same_tree():
    with skipping(*LATER_PARTS):
        seed_database(scale="mine", seed=1, today=TODAY, shape=SMALL_MINE)
    first = database_digest()
    empty_the_database()
    with skipping(*LATER_PARTS):
        seed_database(scale="mine", seed=2, today=TODAY, shape=SMALL_MINE)
    second = database_digest()
    assert second["people"] != first["people"]
    assert second["committees"] != first["committees"]


# --- the mine ------------------------------------------------------------------------------


# --- demo accounts -------------------------------------------------------------------------


# --- the group -----------------------------------------------------------------------------


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


# --- personal records ----------------------------------------------------------------------

REGIONS = [
    *PINGDINGSHAN,
    *OTHER_HENAN,
    *ELSEWHERE,
    *(r for rs in MINORITY_REGIONS.values() for r in rs),
]
NATIVE_PLACES = {}
for _region in REGIONS:
    NATIVE_PLACES.setdefault(_region.code, set()).add(_region.native_place)


def people():
    return list(Person.objects.select_related("membership__organization", "organization"))


# --- the commands --------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_seed_command_prints_progress_and_a_digest():
    # The command over the seed; the parts after the lifecycle are seeded in their own modules.
    with skipping("write_meetings", "write_portal", "write_documents", "write_assessment"):
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


@pytest.mark.django_db
def test_demo_logins_says_how_to_seed_when_there_are_no_demo_accounts():
    assert "dangjian seed" in run("demo_logins")


@pytest.mark.django_db
@override_settings(ENVIRONMENT="production")
def test_demo_logins_refuses_production():
    with pytest.raises(CommandError, match="生产环境"):
        run("demo_logins")
