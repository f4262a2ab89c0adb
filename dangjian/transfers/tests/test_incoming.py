"""The in-tree one-click accept and the registration of members from outside."""

from datetime import date

import pytest
from django.http import Http404

from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.members.models import (
    Member,
    MemberDocument,
    Person,
    RecordChange,
    Status,
    StatusChange,
)
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Organization
from dangjian.transfers import services as svc
from dangjian.transfers.models import Direction, State, Transfer, VerifyMethod
from dangjian.transfers.tests.helpers import DAY, TODAY, issued

pytestmark = pytest.mark.django_db
ACCEPTED = date(2026, 3, 6)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def _counts(*orgs):
    return [Organization.objects.get(pk=org.pk).member_count for org in orgs]


def test_accepting_inside_the_tree_moves_the_member_with_the_whole_history(world):
    zhang = make_member(world.branch1, "张三", party_group=world.group1)
    StatusChange.objects.create(
        member=zhang,
        kind="suspend",
        from_status="normal",
        to_status="normal",
        effective_on=date(2020, 1, 1),
        reason="旧记录",
    )
    RecordChange.objects.create(person=zhang.person, source="form", note="旧编辑")
    MemberDocument.objects.create(person=zhang.person, kind="other", title="旧材料", file="x.pdf")
    svc_refresh = _counts(world.branch1, world.branch3)
    transfer = issued(world, zhang, destination=world.mine2)

    transfer = svc.transfer_accept(
        actor=world.dave, transfer=transfer, accepted_on=ACCEPTED, branch=world.branch3
    )

    zhang.refresh_from_db()
    assert zhang.organization == world.branch3 and zhang.person.organization == world.branch3
    assert zhang.party_group is None and zhang.status == Status.NORMAL
    assert zhang.status_changes.count() == 2  # the old one and the move
    move = zhang.status_changes.get(kind="transfer_out")
    assert (move.from_organization, move.to_organization) == (world.branch1, world.branch3)
    assert RecordChange.objects.filter(person=zhang.person).count() == 2
    assert MemberDocument.objects.filter(person=zhang.person).count() == 1
    assert transfer.state == State.CLOSED
    assert transfer.received_on == transfer.receipt_on == transfer.closed_on == ACCEPTED
    assert transfer.assigned_branch == world.branch3
    assert [e.state for e in transfer.events.all()][-3:] == [
        State.RECEIVED_BY_TARGET,
        State.RECEIPT_BACK,
        State.CLOSED,
    ]
    assert svc_refresh == [0, 0]  # factories write no counts; the move refreshes them
    assert _counts(world.branch1, world.branch3, world.mine, world.mine2) == [0, 1, 0, 1]


def test_a_branch_destination_needs_no_choice(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, destination=world.branch3)
    svc.transfer_accept(actor=world.dave, transfer=transfer, accepted_on=ACCEPTED)
    zhang.refresh_from_db()
    assert zhang.organization == world.branch3


def test_a_committee_destination_must_choose_one_of_its_branches(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, destination=world.mine2)
    with pytest.raises(ServiceError, match="请选择编入的党支部"):
        svc.transfer_accept(actor=world.dave, transfer=transfer, accepted_on=ACCEPTED)
    with pytest.raises(ServiceError, match="下属的有效党支部"):
        svc.transfer_accept(
            actor=world.dave, transfer=transfer, accepted_on=ACCEPTED, branch=world.branch2
        )


def test_only_the_receiving_side_may_accept(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, destination=world.branch3)
    with pytest.raises(Http404):
        svc.transfer_accept(actor=world.alice, transfer=transfer, accepted_on=ACCEPTED)
    with pytest.raises(Http404):
        svc.transfer_accept(actor=world.bob, transfer=transfer, accepted_on=ACCEPTED)


def test_an_expired_letter_cannot_be_accepted(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(
        world, zhang, destination=world.branch3, day=date(2026, 1, 5), validity_days=10
    )
    with pytest.raises(RuleViolation, match="已超过有效期"):
        svc.transfer_accept(actor=world.dave, transfer=transfer, accepted_on=ACCEPTED)


def test_accepting_before_the_letter_is_issued_is_refused(world):
    zhang = make_member(world.branch1, "张三")
    transfer = svc.transfer_request(
        actor=world.bob, member=zhang, destination=world.branch3, reason="调动", requested_on=DAY
    )
    with pytest.raises(ServiceError, match="不能接收"):
        svc.transfer_accept(actor=world.dave, transfer=transfer, accepted_on=ACCEPTED)


def test_the_receiving_side_sees_only_what_is_addressed_to_it(world):
    zhang = make_member(world.branch1, "张三")
    li = make_member(world.branch2, "李四")
    issued(world, zhang, destination=world.branch3)
    svc.transfer_request(
        actor=world.alice, member=li, destination_name="外地", reason="x", requested_on=DAY
    )
    seen = Transfer.objects.visible_to(world.dave, "transfers.view_transfer")
    assert [t.person.name for t in seen] == ["张三"]
    assert not Member.objects.visible_to(world.dave, "members.view_member").filter(pk=zhang.pk)


# ---------------------------------------------------------------- from outside


def _register(world, **extra):
    values = {
        "actor": world.bob,
        "receiver": world.branch1,
        "name": "赵六",
        "id_number": "11010519491231002X",
        "category": "full",
        "joined_on": date(2001, 7, 1),
        "full_member_on": date(2002, 7, 1),
        "origin_name": "中共某县某镇委员会",
        "registered_on": DAY,
        **extra,
    }
    return svc.transfer_register_incoming(**values)


def test_an_incoming_member_from_outside_goes_through_every_step(world):
    transfer = _register(world)
    assert transfer.direction == Direction.IN and transfer.state == State.REGISTERED
    person = Person.objects.get(name="赵六")
    assert person.birth_date == date(1949, 12, 31) and person.gender == "female"
    svc.transfer_verify(
        actor=world.alice,
        transfer=transfer,
        verified_on=DAY,
        method=VerifyMethod.ONLINE,
        archive_note="档案齐全",
    )
    svc.transfer_accept_incoming(actor=world.alice, transfer=transfer, accepted_on=DAY)
    transfer = svc.transfer_assign(actor=world.alice, transfer=transfer, assigned_on=DAY)
    member = Member.objects.get(person=person)
    assert member.organization == world.branch1 and member.category == "full"
    assert member.joined_on == date(2001, 7, 1)
    assert transfer.received_on == DAY
    transfer = svc.transfer_send_receipt(actor=world.alice, transfer=transfer, sent_on=ACCEPTED)
    assert transfer.state == State.RECEIPT_SENT


def test_registering_someone_already_a_member_here_is_refused(world):
    zhang = make_member(world.branch2, "张三")
    with pytest.raises(ServiceError, match="已有党员记录"):
        _register(world, id_number=zhang.person.id_number)


def test_a_member_who_left_and_comes_back_keeps_the_old_record(world):
    zhang = make_member(world.branch2, "张三", status=Status.TRANSFERRED_OUT)
    transfer = _register(world, id_number=zhang.person.id_number, name="张三")
    assert transfer.person == zhang.person
    svc.transfer_verify(actor=world.alice, transfer=transfer, verified_on=DAY, method="letter")
    svc.transfer_accept_incoming(actor=world.alice, transfer=transfer, accepted_on=DAY)
    svc.transfer_assign(actor=world.alice, transfer=transfer, assigned_on=DAY)
    zhang.refresh_from_db()
    assert zhang.status == Status.NORMAL and zhang.organization == world.branch1


def test_registration_refuses_bad_input_in_chinese(world):
    with pytest.raises(ServiceError, match="身份证号有误"):
        _register(world, id_number="123")
    with pytest.raises(ServiceError, match="转正日期"):
        _register(world, full_member_on=None)
    with pytest.raises(ServiceError, match="请填写转出党组织名称"):
        _register(world, origin_name=" ")


def test_the_incoming_steps_keep_their_order(world):
    transfer = _register(world)
    with pytest.raises(ServiceError, match="须先核验"):
        svc.transfer_accept_incoming(actor=world.alice, transfer=transfer, accepted_on=DAY)
    with pytest.raises(ServiceError, match="须先同意接收"):
        svc.transfer_assign(actor=world.alice, transfer=transfer, assigned_on=DAY)
    with pytest.raises(ServiceError, match="须先编入支部"):
        svc.transfer_send_receipt(actor=world.alice, transfer=transfer, sent_on=DAY)


def test_the_branch_secretary_registers_but_the_committee_verifies(world):
    transfer = _register(world)
    with pytest.raises(Http404):
        svc.transfer_verify(actor=world.bob, transfer=transfer, verified_on=DAY, method="letter")
