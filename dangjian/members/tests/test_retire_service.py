"""Retirement (退休) and the retirees' branch setting of a 党委 or 党总支."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.world import grant, make_user
from dangjian.members.models import (
    Employment,
    Member,
    RecordChange,
    RetireeBranch,
    Status,
    StatusChange,
)
from dangjian.members.services import status as services
from dangjian.members.services.people import refresh_counts
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Organization, OrgType

TODAY = date(2026, 3, 15)
COUNTED = (Status.NORMAL, Status.RESTORED)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def retirees(world):
    """离退休党支部 under the mine, named as the mine's retirees' branch."""
    branch = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.BRANCH, "name": "离退休第一党支部", "code": "G-M1-R1"},
    )
    RetireeBranch.objects.create(organization=world.mine, branch=branch)
    return Organization.objects.get(pk=branch.pk)


@pytest.fixture
def zhang(world):
    member = make_member(world.branch1, "张三", party_group=world.group1)
    make_member(world.branch1, "李四", party_group=world.group1)
    refresh_counts(world.branch1, world.group1)
    return member


def retire(world, member, **extra):
    arguments = {
        "actor": world.alice,
        "member": member,
        "effective_on": date(2026, 3, 1),
        "reason": "到达法定退休年龄",
        **extra,
    }
    return services.member_retire(**arguments)


def refused(call, **arguments) -> str:
    with pytest.raises(ServiceError) as caught:
        call(**arguments)
    return caught.value.messages[0]


def reload(member) -> Member:
    return Member.objects.select_related("person", "organization").get(pk=member.pk)


def assert_counts_match(*orgs):
    """Each organisation's kept count equals a direct count of the member rows."""
    for org in orgs:
        org = Organization.objects.get(pk=org.pk)
        if org.org_type == OrgType.GROUP:
            direct = Member.objects.filter(party_group=org, status__in=COUNTED).count()
        else:
            direct = Member.objects.filter(
                organization__path__startswith=org.path, status__in=COUNTED
            ).count()
        assert org.member_count == direct, org.name


# ---------------------------------------------------------------- retiring


def test_it_retires_a_member_in_place_without_a_setting(world, zhang):
    change = retire(world, zhang)
    member = reload(zhang)
    assert member.person.employment == Employment.RETIRED
    assert member.person.retired_on == date(2026, 3, 1)
    assert member.organization == world.branch1
    assert member.party_group == world.group1
    assert member.status == Status.NORMAL and member.status_changed_on is None
    assert change.kind == StatusChange.Kind.RETIRE
    assert change.from_status == change.to_status == Status.NORMAL
    assert change.to_organization is None


def test_it_refuses_to_move_when_no_retirees_branch_is_set(world, zhang):
    message = refused(retire, world=world, member=zhang, move_to_retiree_branch=True)
    assert message == (
        "“综采一队党支部”的上级党组织没有设置离退休党支部，无法转入；"
        "请先设置，或不勾选“转入离退休党支部”。"
    )
    assert reload(zhang).person.employment == Employment.ACTIVE


def test_retiring_without_asking_to_move_keeps_the_member_in_the_branch(world, zhang, retirees):
    retire(world, zhang)
    member = reload(zhang)
    assert member.organization == world.branch1
    assert member.person.employment == Employment.RETIRED


def test_it_moves_the_member_to_the_retirees_branch_and_refreshes_both_lines(
    world, zhang, retirees
):
    refresh_counts(retirees)
    change = retire(world, zhang, move_to_retiree_branch=True)
    member = reload(zhang)
    assert member.organization == retirees
    assert member.party_group is None
    assert member.person.organization == retirees
    assert (change.from_organization, change.to_organization) == (world.branch1, retirees)
    assert Organization.objects.get(pk=world.branch1.pk).member_count == 1
    assert Organization.objects.get(pk=world.group1.pk).member_count == 1
    assert Organization.objects.get(pk=retirees.pk).member_count == 1
    assert_counts_match(world.branch1, world.group1, retirees, world.mine, world.group)


def test_the_nearest_setting_up_the_tree_wins(world, retirees):
    general = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.GENERAL_BRANCH, "name": "机电党总支", "code": "G-M1-GB"},
    )
    general = Organization.objects.get(pk=general.pk)
    inner = Organization.objects.add_child(
        general, {"org_type": OrgType.BRANCH, "name": "机电一支部", "code": "G-M1-GB-1"}
    )
    own = Organization.objects.add_child(
        Organization.objects.get(pk=general.pk),
        {"org_type": OrgType.BRANCH, "name": "机电离退休支部", "code": "G-M1-GB-R"},
    )
    inner = Organization.objects.get(pk=inner.pk)
    assert services.retiree_branch_for(inner).branch == retirees
    RetireeBranch.objects.create(organization=general, branch=own)
    assert services.retiree_branch_for(inner).branch.pk == own.pk
    assert services.retiree_branch_for(world.branch3) is None


def test_a_member_already_in_the_retirees_branch_stays_there(world, retirees):
    wang = make_member(retirees, "王五")
    change = retire(world, wang, move_to_retiree_branch=True)
    assert reload(wang).organization == retirees
    assert change.to_organization is None


def test_the_move_needs_the_right_over_the_retirees_branch(world, zhang, retirees):
    message = refused(
        retire, world=world, member=zhang, actor=world.bob, move_to_retiree_branch=True
    )
    assert message == (
        "您无权管理“离退休第一党支部”的党员，不能转入；请由上级党组织办理，"
        "或不勾选“转入离退休党支部”。"
    )
    member = reload(zhang)
    assert member.organization == world.branch1
    assert member.person.employment == Employment.ACTIVE
    retire(world, zhang, actor=world.bob)  # without the move the secretary may retire him
    assert reload(zhang).person.employment == Employment.RETIRED


def test_a_dissolved_retirees_branch_is_named(world, zhang, retirees):
    Organization.objects.filter(pk=retirees.pk).update(is_active=False)
    message = refused(retire, world=world, member=zhang, move_to_retiree_branch=True)
    assert message == "设置的离退休党支部“离退休第一党支部”已撤销，请先重新设置。"


def test_it_refuses_to_retire_twice(world, zhang, retirees):
    retire(world, zhang, move_to_retiree_branch=True)
    message = refused(retire, world=world, member=zhang, move_to_retiree_branch=True)
    assert message == "张三已登记为离退休（退休日期 2026-03-01），不能重复办理退休。"
    assert StatusChange.objects.filter(member=zhang).count() == 1


def test_a_stale_double_submit_of_the_retirement_is_refused(world, zhang, retirees):
    stale = Member.objects.get(pk=zhang.pk)
    retire(world, zhang, move_to_retiree_branch=True)
    assert "不能重复办理退休" in refused(
        retire, world=world, member=stale, move_to_retiree_branch=True
    )
    assert StatusChange.objects.filter(member=zhang).count() == 1
    assert_counts_match(world.branch1, world.group1, retirees, world.mine)


def test_a_suspended_member_may_retire_and_stays_out_of_the_counts(world, zhang, retirees):
    Member.objects.filter(pk=zhang.pk).update(
        status=Status.SUSPENDED, status_changed_on=date(2025, 1, 1)
    )
    refresh_counts(world.branch1, world.group1)
    retire(world, zhang, move_to_retiree_branch=True)
    assert reload(zhang).status == Status.SUSPENDED
    assert_counts_match(world.branch1, world.group1, retirees, world.mine)


def test_retirement_dates_are_checked(world, zhang):
    assert refused(retire, world=world, member=zhang, effective_on=date(2026, 3, 16)) == (
        "生效日期不能晚于今天（2026-03-15）。"
    )
    assert refused(retire, world=world, member=zhang, effective_on=date(2009, 1, 1)) == (
        "生效日期不能早于入党日期（2010-07-01）。"
    )
    assert refused(retire, world=world, member=zhang, reason="") == "请填写原因。"


def test_a_retirement_outside_the_scope_is_missing(world, zhang):
    with pytest.raises(Http404):
        retire(world, zhang, actor=world.dave)
    assert reload(zhang).person.employment == Employment.ACTIVE


def test_the_retirement_history_and_audit_name_the_move_without_personal_data(
    world, zhang, retirees
):
    retire(world, zhang, move_to_retiree_branch=True)
    history = RecordChange.objects.get(person=zhang.person)
    fields = {c["field"]: (c["before"], c["after"]) for c in history.changes}
    assert fields == {
        "organization": ("综采一队党支部", "离退休第一党支部"),
        "party_group": ("第一党小组", ""),
        "employment": ("在岗", "离退休"),
        "retired_on": ("", "2026-03-01"),
    }
    entry = AuditEntry.objects.get(action="members.member_retire")
    assert entry.organization_path == world.branch1.path
    assert entry.after["organization"] == "离退休第一党支部"
    person = zhang.person
    for text in (str(history.changes), history.note, str(entry.before), str(entry.after)):
        assert person.id_number not in text and person.mobile not in text


# ---------------------------------------------------------------- the setting


def test_it_sets_changes_and_clears_the_retirees_branch(world, retirees):
    other = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.BRANCH, "name": "离退休第二党支部", "code": "G-M1-R2"},
    )
    saved = services.retiree_branch_set(actor=world.alice, organization=world.mine, branch=other)
    assert saved.branch.pk == other.pk
    assert RetireeBranch.objects.get(organization=world.mine).branch_id == other.pk
    entry = AuditEntry.objects.get(action="members.retiree_branch_set")
    assert (entry.before, entry.after) == (
        {"branch": "离退休第一党支部"},
        {"branch": "离退休第二党支部"},
    )
    services.retiree_branch_clear(actor=world.alice, organization=world.mine)
    assert not RetireeBranch.objects.exists()
    assert AuditEntry.objects.filter(action="members.retiree_branch_clear").count() == 1
    assert refused(services.retiree_branch_clear, actor=world.alice, organization=world.mine) == (
        "“中共一矿委员会”尚未设置离退休党支部。"
    )


def test_setting_the_same_branch_again_is_refused(world, retirees):
    message = refused(
        services.retiree_branch_set, actor=world.alice, organization=world.mine, branch=retirees
    )
    assert message == "“中共一矿委员会”的离退休党支部已是“离退休第一党支部”。"


def test_only_a_committee_or_general_branch_has_the_setting(world):
    message = refused(
        services.retiree_branch_set,
        actor=world.alice,
        organization=world.branch1,
        branch=world.branch2,
    )
    assert message == "只有党委、党总支可以设置离退休党支部。"


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("group1", "“第一党小组”不是党支部；离退休党员只能转入党支部。"),
        ("branch3", "“通风区党支部”不在“中共一矿委员会”的下级组织中。"),
    ],
)
def test_the_branch_must_be_a_branch_inside_the_subtree(world, branch, expected):
    message = refused(
        services.retiree_branch_set,
        actor=world.alice,
        organization=world.mine,
        branch=getattr(world, branch),
    )
    assert message == expected
    assert not RetireeBranch.objects.exists()


def test_the_setting_is_written_in_scope_only(world):
    with pytest.raises(Http404):
        services.retiree_branch_set(actor=world.dave, organization=world.mine, branch=world.branch2)
    with pytest.raises(Http404):
        services.retiree_branch_set(actor=world.bob, organization=world.mine, branch=world.branch1)
    assert not RetireeBranch.objects.exists()


def test_a_general_branch_secretary_may_set_the_branch_of_the_general_branch(world):
    general = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.GENERAL_BRANCH, "name": "机关党总支", "code": "G-M1-JG"},
    )
    general = Organization.objects.get(pk=general.pk)
    inner = Organization.objects.add_child(
        general, {"org_type": OrgType.BRANCH, "name": "机关离退休支部", "code": "G-M1-JG-R"}
    )
    eve = make_user("eve", "伊芙")
    grant(eve, "branch_secretary", general)
    services.retiree_branch_set(actor=eve, organization=general, branch=inner)
    assert RetireeBranch.objects.get(organization=general).branch_id == inner.pk
