"""The outgoing workflow through its services: each step, its refusals, the member's 转出."""

from datetime import date, timedelta

import pytest
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.members.models import Status, StatusChange
from dangjian.members.tests.factories import make_member
from dangjian.transfers import services as svc
from dangjian.transfers.models import Letter, State, Transfer
from dangjian.transfers.tests.helpers import DAY, TODAY, issued, request_out

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def test_the_branch_requests_and_the_committee_issues_a_numbered_letter(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang)
    assert transfer.state == State.LETTER_ISSUED
    assert transfer.issuing_committee == world.mine
    letter = transfer.letters.get()
    assert letter.number == "一矿党委组转〔2026〕第0001号"
    assert letter.valid_until == DAY + timedelta(days=30)  # out of city by default
    assert [e.state for e in transfer.events.all()] == [
        State.REQUESTED,
        State.BRANCH_APPROVED,
        State.LETTER_ISSUED,
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"transfers.transfer_request", "transfers.transfer_issue_letter"} <= actions


def test_an_in_city_letter_is_valid_ten_days(world):
    zhang = make_member(world.branch1, "张三")
    transfer = svc.transfer_request(
        actor=world.bob,
        member=zhang,
        destination_name="某区街道党工委",
        in_city=True,
        reason="迁居",
        requested_on=DAY,
    )
    svc.transfer_branch_approve(actor=world.bob, transfer=transfer, approved_on=DAY)
    svc.transfer_issue_letter(actor=world.alice, transfer=transfer, issued_on=DAY)
    assert Letter.objects.get().valid_until == DAY + timedelta(days=10)


def test_a_letter_valid_more_than_three_months_is_refused_with_the_rule(world):
    zhang = make_member(world.branch1, "张三")
    transfer = request_out(world, zhang)
    svc.transfer_branch_approve(actor=world.bob, transfer=transfer, approved_on=DAY)
    with pytest.raises(RuleViolation, match="不能超过 90 天") as refused:
        svc.transfer_issue_letter(
            actor=world.alice, transfer=transfer, issued_on=DAY, validity_days=91
        )
    assert "3个月" in refused.value.source
    assert Transfer.objects.get().state == State.BRANCH_APPROVED


def test_the_branch_secretary_cannot_issue_the_letter(world):
    zhang = make_member(world.branch1, "张三")
    transfer = request_out(world, zhang)
    svc.transfer_branch_approve(actor=world.bob, transfer=transfer, approved_on=DAY)
    with pytest.raises(Http404):
        svc.transfer_issue_letter(actor=world.bob, transfer=transfer, issued_on=DAY)


def test_a_letter_needs_the_branch_approval_first(world):
    zhang = make_member(world.branch1, "张三")
    transfer = request_out(world, zhang)
    with pytest.raises(ServiceError, match="须先经支部同意"):
        svc.transfer_issue_letter(actor=world.alice, transfer=transfer, issued_on=DAY)


def test_a_second_open_transfer_of_the_same_member_is_refused(world):
    zhang = make_member(world.branch1, "张三")
    request_out(world, zhang)
    with pytest.raises(ServiceError, match="已有一笔正在办理"):
        request_out(world, zhang)


def test_the_request_refuses_bad_input_in_chinese(world):
    zhang = make_member(world.branch1, "张三")
    with pytest.raises(ServiceError, match="请选择平台内的接收党组织，或填写"):
        request_out(world, zhang, name="")
    with pytest.raises(ServiceError, match="不能是党小组"):
        request_out(world, zhang, destination=world.group1)
    with pytest.raises(ServiceError, match="无须转接"):
        request_out(world, zhang, destination=world.branch1)
    with pytest.raises(ServiceError, match="不能晚于今天"):
        request_out(world, zhang, day=date(2026, 4, 1))


def test_a_member_outside_the_branch_is_not_found(world):
    wang = make_member(world.branch3, "王五")
    with pytest.raises(Http404):
        request_out(world, wang)


def test_receipt_outside_the_platform_makes_the_member_transferred_out(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang)
    svc.transfer_record_received(actor=world.alice, transfer=transfer, received_on=date(2026, 3, 5))
    zhang.refresh_from_db()
    assert zhang.status == Status.TRANSFERRED_OUT
    assert zhang.status_changed_on == date(2026, 3, 5)
    change = StatusChange.objects.get(member=zhang)
    assert change.kind == StatusChange.Kind.TRANSFER_OUT
    assert change.document_number == "一矿党委组转〔2026〕第0001号"
    svc.transfer_record_receipt(actor=world.alice, transfer=transfer, receipt_on=date(2026, 3, 9))
    transfer = svc.transfer_close(actor=world.alice, transfer=transfer, closed_on=date(2026, 3, 9))
    assert transfer.state == State.CLOSED


def test_the_member_stays_until_the_target_receives(world):
    zhang = make_member(world.branch1, "张三")
    issued(world, zhang)
    zhang.refresh_from_db()
    assert zhang.status == Status.NORMAL


def test_receiving_after_the_letter_expired_is_refused(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, day=date(2026, 1, 5), validity_days=10)
    with pytest.raises(RuleViolation, match="已超过有效期"):
        svc.transfer_record_received(
            actor=world.alice, transfer=transfer, received_on=date(2026, 3, 1)
        )


def test_a_lost_letter_is_voided_and_reissued_with_a_new_number(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang)
    svc.transfer_mark_lost(actor=world.alice, transfer=transfer, reported_on=DAY, reason="途中遗失")
    transfer = svc.transfer_reissue(actor=world.alice, transfer=transfer, issued_on=DAY)
    assert transfer.state == State.REISSUED
    old, new = transfer.letters.order_by("id")
    assert old.voided_on == DAY and "遗失" in old.void_reason
    assert (old.serial, new.serial) == (1, 2) and new.voided_on is None


def test_an_expired_letter_can_be_marked_and_reissued(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, day=date(2026, 1, 5), validity_days=10)
    transfer = svc.transfer_mark_expired(actor=world.alice, transfer=transfer)
    assert transfer.state == State.EXPIRED
    transfer = svc.transfer_reissue(actor=world.alice, transfer=transfer, issued_on=DAY)
    assert transfer.state == State.REISSUED


def test_a_letter_still_valid_cannot_be_marked_expired(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang)
    with pytest.raises(ServiceError, match="尚未过期"):
        svc.transfer_mark_expired(actor=world.alice, transfer=transfer)


def test_cancelling_keeps_the_member_and_voids_the_letter(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, day=date(2026, 1, 5), validity_days=10)
    svc.transfer_mark_expired(actor=world.alice, transfer=transfer)
    transfer = svc.transfer_cancel(actor=world.alice, transfer=transfer, reason="不再调动")
    assert transfer.state == State.CANCELLED
    assert transfer.letters.get().voided_on is not None
    zhang.refresh_from_db()
    assert zhang.status == Status.NORMAL
    request_out(world, zhang)  # a new transfer may start


def test_a_letter_in_transit_cannot_be_cancelled(world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang)
    with pytest.raises(ServiceError, match="不能撤销"):
        svc.transfer_cancel(actor=world.alice, transfer=transfer, reason="x")


def test_dues_paid_through_is_stored_as_the_month(world):
    zhang = make_member(world.branch1, "张三")
    transfer = request_out(world, zhang)
    svc.transfer_branch_approve(actor=world.bob, transfer=transfer, approved_on=DAY)
    transfer = svc.transfer_issue_letter(
        actor=world.alice, transfer=transfer, issued_on=DAY, dues_paid_through=date(2026, 2, 14)
    )
    assert transfer.dues_paid_through == date(2026, 2, 1)
    assert transfer.letters.get().dues_paid_through == date(2026, 2, 1)
