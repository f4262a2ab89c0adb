"""党籍 changes as services: transitions, dates, the lost-contact rule, history and audit."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.core.models import RuleVersion
from dangjian.members.models import LeaveType, Member, RecordChange, Status, StatusChange
from dangjian.members.services import status as services
from dangjian.members.services.status import SuspendGround
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Organization

TODAY = date(2026, 3, 15)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def zhang(world):
    return make_member(world.branch1, "张三", joined_on=date(2010, 7, 1))


def suspend(world, member, **extra):
    arguments = {
        "actor": world.alice,
        "member": member,
        "effective_on": date(2026, 3, 1),
        "reason": "已在澳大利亚定居",
        "ground": SuspendGround.SETTLED_ABROAD,
        **extra,
    }
    return services.member_suspend(**arguments)


def refused(call, **arguments) -> str:
    with pytest.raises(ServiceError) as caught:
        call(**arguments)
    return caught.value.messages[0]


def reload(member) -> Member:
    return Member.objects.select_related("person").get(pk=member.pk)


def counts(org) -> int:
    return Organization.objects.get(pk=org.pk).member_count


def direct_count(org) -> int:
    return Member.objects.filter(
        organization__path__startswith=org.path, status__in=(Status.NORMAL, Status.RESTORED)
    ).count()


# ---------------------------------------------------------------- 停止党籍


def test_it_suspends_a_member_with_the_ground_in_the_reason(world, zhang):
    change = suspend(world, zhang, document_number="一矿党发〔2026〕3号")
    member = reload(zhang)
    assert member.status == Status.SUSPENDED
    assert member.status_changed_on == date(2026, 3, 1)
    assert change.kind == StatusChange.Kind.SUSPEND
    assert (change.from_status, change.to_status) == (Status.NORMAL, Status.SUSPENDED)
    assert change.reason == "出国（境）定居：已在澳大利亚定居"
    assert change.document_number == "一矿党发〔2026〕3号"
    assert change.actor == world.alice
    assert change.from_organization == world.branch1
    assert change.to_organization is None


def test_a_suspended_member_leaves_the_counts_of_the_branch_and_every_ancestor(world, zhang):
    make_member(world.branch1, "李四")
    services.member_set_flags(
        actor=world.alice, member=zhang, effective_on=date(2025, 1, 1), reason="联系不上",
        lost_contact=True,
    )  # fmt: skip
    suspend(world, zhang)
    for org in (world.branch1, world.mine, world.group):
        assert counts(org) == direct_count(org) == 1


def test_it_refuses_to_suspend_twice_and_writes_one_change(world, zhang):
    suspend(world, zhang)
    message = refused(suspend, world=world, member=zhang)
    assert message == "该党员已于 2026-03-01 停止党籍，不能重复办理。"
    assert StatusChange.objects.filter(member=zhang).count() == 1


def test_a_double_submit_with_the_stale_member_object_is_refused(world, zhang):
    stale = Member.objects.get(pk=zhang.pk)
    suspend(world, zhang)
    assert stale.status == Status.NORMAL  # the second request read the row before the first wrote
    message = refused(suspend, world=world, member=stale)
    assert "不能重复办理" in message
    assert StatusChange.objects.filter(member=zhang).count() == 1
    assert RecordChange.objects.filter(person=zhang.person).count() == 1


def test_it_asks_for_a_ground_and_a_reason(world, zhang):
    assert refused(suspend, world=world, member=zhang, ground="") == "请选择停止党籍的原因类别。"
    assert refused(suspend, world=world, member=zhang, reason="  ") == "请填写原因。"
    assert refused(suspend, world=world, member=zhang, reason="长" * 501) == (
        "原因不能超过 500 字。"
    )
    assert reload(zhang).status == Status.NORMAL


# ---------------------------------------------------------------- the lost-contact rule


def test_lost_contact_suspension_needs_the_member_marked_lost(world, zhang):
    message = refused(suspend, world=world, member=zhang, ground=SuspendGround.LOST_CONTACT)
    assert message == (
        "该党员未登记为失去联系。请先登记“失去联系”及失联日期，满 6 个月后再以失联为由"
        "停止党籍，或选择其他原因。"
    )


def test_lost_contact_under_six_months_is_refused_with_the_earliest_date(world, zhang):
    Member.objects.filter(pk=zhang.pk).update(
        is_lost_contact=True, lost_contact_since=date(2025, 10, 31)
    )
    with pytest.raises(RuleViolation) as caught:
        suspend(world, zhang, ground=SuspendGround.LOST_CONTACT, effective_on=date(2026, 3, 1))
    message = caught.value.messages[0]
    assert message.startswith(
        "与党组织失去联系满 6 个月才能停止党籍：该党员自 2025-10-31 失联，最早可在 2026-04-30 办理"
    )
    assert "《中国共产党党员教育管理工作条例》" in message
    assert caught.value.rule_key == "members.lost_contact_suspend_months"
    assert reload(zhang).status == Status.NORMAL


def test_lost_contact_of_exactly_six_months_may_be_suspended(world, zhang):
    Member.objects.filter(pk=zhang.pk).update(
        is_lost_contact=True, lost_contact_since=date(2025, 9, 15)
    )
    assert services.lost_contact_earliest(reload(zhang)) == date(2026, 3, 15)
    change = suspend(world, zhang, ground=SuspendGround.LOST_CONTACT, effective_on=TODAY)
    assert change.reason.startswith("与党组织失去联系，经多方查找仍无音讯：")
    assert reload(zhang).is_lost_contact  # still lost: the mark ends with the restoration


def test_the_lost_contact_rule_is_read_from_the_rule_table(world, zhang):
    RuleVersion.objects.create(
        key="members.lost_contact_suspend_months", value=3, valid_from=date(2020, 1, 1)
    )
    Member.objects.filter(pk=zhang.pk).update(
        is_lost_contact=True, lost_contact_since=date(2025, 12, 1)
    )
    suspend(world, zhang, ground=SuspendGround.LOST_CONTACT, effective_on=date(2026, 3, 1))
    assert reload(zhang).status == Status.SUSPENDED


# ---------------------------------------------------------------- 恢复党籍


def test_it_restores_a_suspended_member_and_ends_the_lost_contact_mark(world, zhang):
    Member.objects.filter(pk=zhang.pk).update(
        is_lost_contact=True, lost_contact_since=date(2025, 1, 1)
    )
    suspend(world, zhang, ground=SuspendGround.LOST_CONTACT)
    change = services.member_restore(
        actor=world.alice, member=zhang, effective_on=TODAY, reason="已取得联系并向支部报告"
    )
    member = reload(zhang)
    assert (change.from_status, change.to_status) == (Status.SUSPENDED, Status.RESTORED)
    assert member.status == Status.RESTORED
    assert not member.is_lost_contact and member.lost_contact_since is None
    assert counts(world.branch1) == direct_count(world.branch1) == 1


def test_it_refuses_to_restore_a_member_who_is_not_suspended(world, zhang):
    message = refused(
        services.member_restore, actor=world.alice, member=zhang, effective_on=TODAY, reason="x"
    )
    assert message == "只有停止党籍的党员才能恢复党籍；该党员当前党籍状态为“正常”。"


def test_a_second_restoration_is_refused(world, zhang):
    suspend(world, zhang)
    arguments = {"actor": world.alice, "member": zhang, "effective_on": TODAY, "reason": "回国"}
    services.member_restore(**arguments)
    assert refused(services.member_restore, **arguments) == (
        "该党员已于 2026-03-15 恢复党籍，不能重复办理。"
    )
    assert StatusChange.objects.filter(member=zhang).count() == 2


def test_a_restored_member_may_be_suspended_again(world, zhang):
    suspend(world, zhang, effective_on=date(2025, 1, 1))
    services.member_restore(
        actor=world.alice, member=zhang, effective_on=date(2025, 6, 1), reason="回国"
    )
    suspend(world, zhang, effective_on=date(2026, 1, 1))
    assert reload(zhang).status == Status.SUSPENDED


# ---------------------------------------------------------------- 出党 and 死亡


@pytest.mark.parametrize("leave_type", [LeaveType.LAPSED, LeaveType.WITHDREW])
def test_it_records_leaving_without_a_document_for_lapsing_or_withdrawing(world, zhang, leave_type):
    change = services.member_leave(
        actor=world.bob,
        member=zhang,
        effective_on=TODAY,
        reason="支部大会决定",
        leave_type=leave_type,
    )
    assert change.leave_type == leave_type
    assert reload(zhang).status == Status.LEFT
    assert counts(world.branch1) == direct_count(world.branch1) == 0


@pytest.mark.parametrize(
    ("leave_type", "label"), [(LeaveType.REMOVED, "除名"), (LeaveType.EXPELLED, "开除党籍")]
)
def test_removal_and_expulsion_need_the_document_number(world, zhang, leave_type, label):
    arguments = {
        "actor": world.alice,
        "member": zhang,
        "effective_on": TODAY,
        "reason": "党委决定",
        "leave_type": leave_type,
    }
    assert refused(services.member_leave, **arguments) == (
        f"{label}须填写党组织决定的文件字号（如“党发〔2025〕12号”）。"
    )
    assert reload(zhang).status == Status.NORMAL
    services.member_leave(**arguments, document_number="一矿党发〔2026〕9号")
    assert reload(zhang).status == Status.LEFT


def test_it_asks_for_the_leave_type(world, zhang):
    message = refused(
        services.member_leave,
        actor=world.alice, member=zhang, effective_on=TODAY, reason="x", leave_type="gone",
    )  # fmt: skip
    assert message == "请选择出党方式。"


def test_a_suspended_member_may_leave_or_die(world, zhang):
    suspend(world, zhang)
    services.member_die(actor=world.alice, member=zhang, effective_on=TODAY, reason="因病去世")
    change = StatusChange.objects.get(member=zhang, kind=StatusChange.Kind.DEATH)
    assert (change.from_status, change.to_status) == (Status.SUSPENDED, Status.DECEASED)


def test_nothing_changes_a_deceased_member(world, zhang):
    services.member_die(actor=world.alice, member=zhang, effective_on=TODAY, reason="因病去世")
    expected = "该党员已于 2026-03-15 去世，不能再办理党籍变更或修改标记。"
    common = {"actor": world.alice, "member": zhang, "effective_on": TODAY, "reason": "x"}
    assert refused(suspend, world=world, member=zhang, effective_on=TODAY) == expected
    assert refused(services.member_restore, **common) == expected
    assert refused(services.member_die, **common) == expected
    assert refused(services.member_leave, **common, leave_type=LeaveType.LAPSED) == expected
    assert refused(services.member_retire, **common) == expected
    assert refused(services.member_set_flags, **common, floating=True) == expected
    assert StatusChange.objects.filter(member=zhang).count() == 1


def test_nothing_changes_a_member_who_left(world, zhang):
    services.member_leave(
        actor=world.alice, member=zhang, effective_on=TODAY, reason="x",
        leave_type=LeaveType.WITHDREW,
    )  # fmt: skip
    assert refused(suspend, world=world, member=zhang, effective_on=TODAY) == (
        "该人员已于 2026-03-15 出党，不能再办理党籍变更；重新入党须按发展党员程序办理。"
    )


def test_a_transferred_out_member_is_changed_by_the_receiving_organisation(world, zhang):
    Member.objects.filter(pk=zhang.pk).update(
        status=Status.TRANSFERRED_OUT, status_changed_on=date(2025, 5, 1)
    )
    assert refused(suspend, world=world, member=zhang) == (
        "该党员的组织关系已于 2025-05-01 转出，党籍变更由接收党组织办理。"
    )


# ---------------------------------------------------------------- dates


def test_the_effective_date_may_not_be_in_the_future(world, zhang):
    message = refused(suspend, world=world, member=zhang, effective_on=date(2026, 3, 16))
    assert message == "生效日期不能晚于今天（2026-03-15）。"


def test_the_effective_date_may_not_precede_joining(world, zhang):
    message = refused(suspend, world=world, member=zhang, effective_on=date(2010, 6, 30))
    assert message == "生效日期不能早于入党日期（2010-07-01）。"


def test_the_effective_date_may_not_precede_the_last_change(world, zhang):
    suspend(world, zhang, effective_on=date(2026, 3, 1))
    message = refused(
        services.member_restore,
        actor=world.alice, member=zhang, effective_on=date(2026, 2, 1), reason="回国",
    )  # fmt: skip
    assert message == "生效日期不能早于上一次党籍变更的生效日期（2026-03-01）。"


def test_a_missing_date_is_asked_for(world, zhang):
    assert refused(suspend, world=world, member=zhang, effective_on=None) == "请填写生效日期。"


def test_the_refusal_names_the_form_field(world, zhang):
    with pytest.raises(services.StatusRefused) as caught:
        suspend(world, zhang, effective_on=date(2030, 1, 1))
    assert caught.value.field == "effective_on"


# ---------------------------------------------------------------- scope


def test_a_member_outside_the_actors_scope_is_missing(world, zhang):
    with pytest.raises(Http404):
        suspend(world, zhang, actor=world.dave)
    with pytest.raises(Http404):
        suspend(world, zhang, actor=world.charlie)
    assert reload(zhang).status == Status.NORMAL
    assert not StatusChange.objects.exists()


def test_the_branch_secretary_changes_members_of_his_branch_only(world, zhang):
    suspend(world, zhang, actor=world.bob)
    other = make_member(world.branch2, "王五")
    with pytest.raises(Http404):
        suspend(world, other, actor=world.bob)


# ---------------------------------------------------------------- history and audit


def test_history_and_audit_hold_the_status_fields_and_no_personal_data(world, zhang):
    suspend(world, zhang)
    history = RecordChange.objects.get(person=zhang.person)
    assert history.source == RecordChange.Source.STATUS
    assert history.note == "停止党籍（2026-03-01）：出国（境）定居：已在澳大利亚定居"
    assert {c["field"] for c in history.changes} == {"status", "status_changed_on"}
    status_row = next(c for c in history.changes if c["field"] == "status")
    assert (status_row["before"], status_row["after"]) == ("正常", "停止党籍")
    entry = AuditEntry.objects.get(action="members.member_suspend")
    assert entry.actor == world.alice
    assert entry.before == {"status": "正常", "status_changed_on": ""}
    assert entry.after == {"status": "停止党籍", "status_changed_on": "2026-03-01"}
    person = zhang.person
    for text in (str(history.changes), history.note, str(entry.before), str(entry.after),
                 entry.message, entry.object_repr):  # fmt: skip
        for secret in (person.id_number, person.mobile, person.id_number[6:14]):
            assert secret not in text


def test_a_refused_change_writes_nothing(world, zhang):
    refused(suspend, world=world, member=zhang, effective_on=date(2030, 1, 1))
    assert not RecordChange.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="members.").exists()


# ---------------------------------------------------------------- 流动党员 and 失联


def test_it_marks_a_floating_member_and_ends_the_mark(world, zhang):
    services.member_set_flags(
        actor=world.bob, member=zhang, effective_on=date(2026, 1, 5), reason="外出务工",
        floating=True, floating_destination="广东省深圳市",
    )  # fmt: skip
    member = reload(zhang)
    assert member.is_floating
    assert member.floating_since == date(2026, 1, 5)
    assert member.floating_destination == "广东省深圳市"
    assert member.status == Status.NORMAL
    history = RecordChange.objects.get(person=zhang.person)
    assert history.note == "登记流动党员（2026-01-05）：外出务工"
    services.member_set_flags(
        actor=world.bob, member=zhang, effective_on=TODAY, reason="返回本矿", floating=False
    )
    member = reload(zhang)
    assert not member.is_floating and member.floating_since is None
    assert member.floating_destination == ""
    assert AuditEntry.objects.filter(action="members.member_set_flags").count() == 2
    assert not StatusChange.objects.exists()


def test_floating_needs_a_destination_and_is_not_marked_twice(world, zhang):
    arguments = {
        "actor": world.alice, "member": zhang, "effective_on": date(2026, 1, 5),
        "reason": "外出务工", "floating": True,
    }  # fmt: skip
    assert refused(services.member_set_flags, **arguments) == (
        "请填写流动去向（外出务工、经商或学习的地点、单位）。"
    )
    services.member_set_flags(**arguments, floating_destination="深圳")
    assert refused(services.member_set_flags, **arguments, floating_destination="深圳") == (
        "该党员已登记为流动党员（自 2026-01-05 起），不能重复登记。"
    )
    assert RecordChange.objects.filter(person=zhang.person).count() == 1


def test_ending_a_mark_that_is_not_set_is_refused(world, zhang):
    common = {"actor": world.alice, "member": zhang, "effective_on": TODAY, "reason": "x"}
    assert refused(services.member_set_flags, **common, floating=False) == (
        "该党员不是流动党员，无需取消。"
    )
    assert refused(services.member_set_flags, **common, lost_contact=False) == (
        "该党员未登记为失去联系，无需取消。"
    )
    assert refused(services.member_set_flags, **common) == (
        "请选择要登记或取消的标记（流动党员或失去联系）。"
    )


def test_it_marks_lost_contact_and_refuses_an_end_before_the_start(world, zhang):
    services.member_set_flags(
        actor=world.alice, member=zhang, effective_on=date(2025, 8, 1), reason="电话停机",
        lost_contact=True,
    )  # fmt: skip
    member = reload(zhang)
    assert member.is_lost_contact and member.lost_contact_since == date(2025, 8, 1)
    assert services.lost_contact_earliest(member) == date(2026, 2, 1)
    message = refused(
        services.member_set_flags,
        actor=world.alice, member=zhang, effective_on=date(2025, 7, 1), reason="找到",
        lost_contact=False,
    )  # fmt: skip
    assert message == "恢复联系日期不能早于失联日期（2025-08-01）。"
    assert refused(
        services.member_set_flags,
        actor=world.alice, member=zhang, effective_on=TODAY, reason="再次", lost_contact=True,
    ) == "该党员已登记为失去联系（自 2025-08-01 起），不能重复登记。"  # fmt: skip


def test_flags_may_not_be_dated_in_the_future_or_before_joining(world, zhang):
    common = {"actor": world.alice, "member": zhang, "reason": "x", "lost_contact": True}
    assert refused(services.member_set_flags, **common, effective_on=date(2026, 4, 1)) == (
        "生效日期不能晚于今天（2026-03-15）。"
    )
    assert refused(services.member_set_flags, **common, effective_on=date(2001, 1, 1)) == (
        "生效日期不能早于入党日期（2010-07-01）。"
    )


def test_allowed_kinds_explains_each_refusal(world, zhang):
    assert services.allowed_kinds(reload(zhang)) == {
        "suspend": "",
        "restore": "只有停止党籍的党员才能恢复党籍；该党员当前党籍状态为“正常”。",
        "leave": "",
        "death": "",
        "retire": "",
    }
