"""Committee (班子) and unit services, and the member counts; a refusal changes nothing."""

import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.members.models import Member
from dangjian.orgs import services
from dangjian.orgs.models import Committee, CommitteePost, Organization, Unit
from dangjian.orgs.tests.helpers import add_members, set_rule, tree_state

START = datetime.date(2024, 3, 1)


def refused(call, error=ServiceError):
    before = tree_state()
    with pytest.raises(error) as info:
        call()
    assert tree_state() == before
    return info.value


def new_term(actor, organization, **extra):
    return services.committee_create(
        actor=actor, organization=organization, **({"term_start": START} | extra)
    )


# ---------------------------------------------------------------- terms


def test_a_branch_term_lasts_three_years_by_default(world):
    committee = new_term(world.bob, world.branch1)
    assert (committee.term_end, committee.term_number, committee.is_current) == (
        datetime.date(2027, 3, 1),
        1,
        True,
    )
    assert AuditEntry.objects.filter(action="orgs.committee_create").count() == 1


def test_a_party_committee_term_lasts_five_years_by_default(world):
    committee = new_term(world.alice, world.mine)
    assert committee.term_end == datetime.date(2029, 3, 1)


def test_changing_the_term_rule_changes_the_default(world):
    set_rule("orgs.branch_term_years", 5)
    assert new_term(world.alice, world.branch2).term_end == datetime.date(2029, 3, 1)


def test_a_new_term_closes_the_previous_one_and_its_posts(world):
    person = add_members(world.branch1, 1)[0]
    first = new_term(world.bob, world.branch1)
    post = services.committee_post_add(
        actor=world.bob, committee=first, post="secretary", person=person, started_on=START
    )
    second = new_term(world.bob, world.branch1, term_start=datetime.date(2027, 3, 1))
    first.refresh_from_db()
    post.refresh_from_db()
    assert not first.is_current and second.is_current and second.term_number == 2
    assert post.ended_on == datetime.date(2027, 3, 1)


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        ({"term_end": datetime.date(2024, 2, 1)}, "须晚于任期开始日期"),
        ({"term_start": None}, "请填写任期开始日期"),
        ({"elected_on": datetime.date(2999, 1, 1)}, "选举日期不能晚于今天"),
    ],
)
def test_a_term_refuses_bad_dates(world, extra, text):
    error = refused(lambda: new_term(world.bob, world.branch1, **extra))
    assert text in error.messages[0]


def test_a_term_longer_than_the_rule_allows_is_refused(world):
    error = refused(
        lambda: new_term(world.bob, world.branch1, term_end=datetime.date(2030, 3, 1)),
        RuleViolation,
    )
    assert "不能超过 5 年" in error.messages[0] and "党章" in error.messages[0]


def test_a_new_term_must_start_after_the_current_one(world):
    new_term(world.bob, world.branch1)
    error = refused(lambda: new_term(world.bob, world.branch1))
    assert "须晚于上一届" in error.messages[0]


def test_terms_need_the_committee_permission_in_scope(world):
    refused(lambda: new_term(world.dave, world.branch1), Http404)
    refused(lambda: new_term(world.bob, world.branch2), Http404)
    refused(lambda: new_term(world.charlie, world.branch1), Http404)


# ---------------------------------------------------------------- posts


@pytest.fixture
def term(world):
    return new_term(world.bob, world.branch1, term_start=datetime.date.today())


def test_a_member_of_the_branch_takes_a_post(world, term):
    person = add_members(world.branch1, 1, group=world.group1)[0]  # organised in its 党小组
    post = services.committee_post_add(
        actor=world.bob, committee=term, post="organization", person=person
    )
    assert post.started_on == datetime.date.today() and post.get_post_display() == "组织委员"
    assert AuditEntry.objects.filter(action="orgs.committee_post_add").count() == 1


def test_a_post_refuses_people_who_are_not_members_here(world, term):
    outsider = add_members(world.branch2, 1)[0]
    gone = add_members(world.branch1, 1, status=Member.Status.LEFT)[0]
    for person in (outsider, gone):
        error = refused(
            lambda p=person: services.committee_post_add(
                actor=world.bob, committee=term, post="member", person=p
            )
        )
        assert "党籍正常的党员" in error.messages[0]


def test_a_committee_has_one_secretary_and_a_person_one_post(world, term):
    first, second = add_members(world.branch1, 2)
    services.committee_post_add(actor=world.bob, committee=term, post="secretary", person=first)
    error = refused(
        lambda: services.committee_post_add(
            actor=world.bob, committee=term, post="secretary", person=second
        )
    )
    assert "已有书记" in error.messages[0]
    error = refused(
        lambda: services.committee_post_add(
            actor=world.bob, committee=term, post="propaganda", person=first
        )
    )
    assert "已在本届班子担任书记" in error.messages[0]


def test_group_leader_is_only_for_party_groups(world, term):
    person = add_members(world.branch1, 1)[0]
    refused(
        lambda: services.committee_post_add(
            actor=world.bob, committee=term, post="group_leader", person=person
        )
    )
    refused(
        lambda: services.committee_post_add(
            actor=world.bob, committee=term, post="chairman", person=person
        )
    )


def test_a_group_leader_is_a_member_organised_in_the_group(world):
    grouped = add_members(world.branch1, 1, group=world.group1)[0]
    ungrouped = add_members(world.branch1, 1)[0]
    elsewhere = services.organization_create(
        actor=world.alice, parent=world.branch1, org_type="group", name="第二党小组", code="G2"
    )
    other_group = add_members(world.branch1, 1, group=elsewhere)[0]
    group_term = new_term(world.bob, world.group1, term_start=datetime.date.today())
    for person in (ungrouped, other_group):
        error = refused(
            lambda p=person: services.committee_post_add(
                actor=world.bob, committee=group_term, post="group_leader", person=p
            )
        )
        assert "编入“第一党小组”的党员" in error.messages[0]
    leader = services.committee_post_add(
        actor=world.bob, committee=group_term, post="group_leader", person=grouped
    )
    assert leader.person == grouped


def test_a_past_term_takes_no_new_posts(world, term):
    person = add_members(world.branch1, 1)[0]
    Committee.objects.filter(pk=term.pk).update(is_current=False)
    error = refused(
        lambda: services.committee_post_add(
            actor=world.bob, committee=term, post="member", person=person
        )
    )
    assert "现任班子" in error.messages[0]


def test_a_post_starts_within_the_term(world, term):
    person = add_members(world.branch1, 1)[0]
    error = refused(
        lambda: services.committee_post_add(
            actor=world.bob,
            committee=term,
            post="member",
            person=person,
            started_on=datetime.date(2000, 1, 1),
        )
    )
    assert "本届任期内" in error.messages[0]


def test_a_post_ends_once(world, term):
    person = add_members(world.branch1, 1)[0]
    post = services.committee_post_add(
        actor=world.bob, committee=term, post="member", person=person
    )
    ended = services.committee_post_end(actor=world.bob, committee_post=post)
    assert ended.ended_on == datetime.date.today()
    error = refused(lambda: services.committee_post_end(actor=world.bob, committee_post=post))
    assert "已于" in error.messages[0]


def test_posts_need_the_committee_permission_in_scope(world, term):
    person = add_members(world.branch1, 1)[0]
    refused(
        lambda: services.committee_post_add(
            actor=world.dave, committee=term, post="member", person=person
        ),
        Http404,
    )
    post = services.committee_post_add(
        actor=world.bob, committee=term, post="member", person=person
    )
    refused(lambda: services.committee_post_end(actor=world.dave, committee_post=post), Http404)
    assert CommitteePost.objects.get(pk=post.pk).ended_on is None


# ---------------------------------------------------------------- units


def test_units_are_created_updated_and_covered(world):
    unit = services.unit_create(
        actor=world.alice, owner=world.mine, name="综采一队", code="U-ZC1", kind="team"
    )
    services.unit_update(actor=world.alice, unit=unit, name="综采一区", is_active=True)
    assert Unit.objects.get(pk=unit.pk).name == "综采一区"
    services.organization_set_units(actor=world.alice, organization=world.branch1, units=[unit])
    assert list(world.branch1.units.all()) == [unit]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"orgs.unit_create", "orgs.unit_update", "orgs.organization_set_units"} <= actions


def test_units_refuse_bad_input_and_out_of_scope_actors(world):
    services.unit_create(actor=world.alice, owner=world.mine, name="通风区", code="U-TF")
    error = refused(
        lambda: services.unit_create(
            actor=world.alice, owner=world.mine, name="通风区", code="U-TF"
        )
    )
    assert "单位代码“U-TF”已被" in error.messages[0]
    refused(
        lambda: services.unit_create(actor=world.alice, owner=world.group1, name="X", code="U-X")
    )
    refused(
        lambda: services.unit_create(actor=world.dave, owner=world.mine, name="X", code="U-X"),
        Http404,
    )
    refused(
        lambda: services.unit_create(actor=world.bob, owner=world.branch1, name="X", code="U-X"),
        Http404,
    )


def test_an_organisation_covers_only_units_of_its_own_enterprise(world):
    other = services.unit_create(actor=world.dave, owner=world.mine2, name="机电科", code="U-JD")
    error = refused(
        lambda: services.organization_set_units(
            actor=world.alice, organization=world.branch1, units=[other]
        )
    )
    assert "机电科" in error.messages[0]


# ---------------------------------------------------------------- counts


def test_counts_cover_the_subtree_and_members_in_good_standing(world):
    add_members(world.branch1, 2)
    add_members(world.branch1, 3, category=Member.Category.PROBATIONARY, group=world.group1)
    add_members(world.branch1, 1, status=Member.Status.LEFT)
    add_members(world.branch1, 1, status=Member.Status.SUSPENDED)
    Organization.objects.update(member_count=0, full_member_count=0)
    assert services.organization_refresh_counts(None) == 7
    counts = {
        org.code: (org.member_count, org.full_member_count) for org in Organization.objects.all()
    }
    assert counts["G-M1-B1"] == (5, 2)
    assert counts["G-M1-B1-G1"] == (3, 0)
    assert counts["G"] == counts["G-M1"] == (5, 2)
    assert counts["G-M2"] == (0, 0)


def test_a_group_counts_the_members_organised_in_it_not_those_held_by_it(world):
    second = services.organization_create(
        actor=world.alice, parent=world.branch1, org_type="group", name="第二党小组", code="G2"
    )
    add_members(world.branch1, 2, group=world.group1)
    add_members(world.branch1, 1, group=world.group1, status=Member.Status.LEFT)
    add_members(world.branch1, 1, category=Member.Category.PROBATIONARY, group=second)
    add_members(world.branch1, 1)  # in no 党小组
    Organization.objects.update(member_count=0, full_member_count=0)
    services.organization_refresh_counts([world.group1.pk])  # the group alone, not its branch
    assert Organization.objects.get(pk=world.group1.pk).member_count == 2
    services.organization_refresh_counts(None)
    counts = {
        org.code: (org.member_count, org.full_member_count) for org in Organization.objects.all()
    }
    assert counts["G-M1-B1-G1"] == (2, 2)
    assert counts["G2"] == (1, 0)
    assert counts["G-M1-B1"] == counts["G-M1"] == counts["G"] == (4, 3)  # each member once


def test_refreshing_counts_costs_the_same_however_many_members(world):
    def queries(members: int) -> int:
        add_members(world.branch1, members, group=world.group1)
        add_members(world.branch2, members)
        with CaptureQueriesContext(connection) as captured:
            services.organization_refresh_counts(None)
        return len(captured)

    assert queries(3) == queries(9)
