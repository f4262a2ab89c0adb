"""减免申请 pages: the branch requests, the committee above decides from its queue; scope and
bad input."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.models import EntryStatus, Hardship, HardshipStatus
from dangjian.dues.tests.conftest import give_entry
from dangjian.members.tests.factories import make_member


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


REQUEST = {
    "kind": "waive",
    "first_month": "2026-09",
    "last_month": "2026-12",
    "reason": "因病长期休养，家庭收入大幅减少",
}


def hardship_state():
    return lambda: sorted(Hardship.objects.values_list("pk", "status"))


@pytest.fixture
def request_of_zhang(world, zhang):
    return Hardship.objects.create(
        member=zhang,
        organization=world.branch1,
        kind="waive",
        first_month=datetime.date(2026, 9, 1),
        last_month=datetime.date(2026, 12, 1),
        reason="因病",
        requested_by=world.bob,
    )


def test_the_branch_requests_a_waiver(client, world, zhang):
    client.force_login(world.bob)
    url = reverse("dues:hardship-new", args=[zhang.pk])
    assert "为 张三 申请减免党费" in client.get(url).content.decode()
    response = client.post(url, REQUEST, follow=True)
    assert "待上级党委审批" in response.content.decode()
    hardship = Hardship.objects.get()
    assert (hardship.kind, hardship.first_month) == ("waive", datetime.date(2026, 9, 1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "reduce", "monthly_amount": ""}, "减交请填写减交后每月金额"),
        ({"last_month": "2026-01"}, "截止月份不能早于起始月份"),
        ({"first_month": "九月"}, "月份格式不正确"),
        ({"reason": ""}, "请填写申请理由"),
        ({"kind": ""}, "请选择减交或免交"),
        ({"last_month": "2028-12"}, "最多"),
    ],
)
def test_a_bad_request_is_explained_and_nothing_is_saved(client, world, zhang, change, message):
    client.force_login(world.bob)
    response = client.post(reverse("dues:hardship-new", args=[zhang.pk]), REQUEST | change)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Hardship.objects.exists()


def test_requesting_answers_by_scope(client, world, zhang):
    assert_access_matrix(
        client,
        url=reverse("dues:hardship-new", args=[zhang.pk]),
        method="post",
        data=REQUEST,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=hardship_state(),
    )


def test_the_committee_approves_from_its_queue_and_the_months_are_waived(
    client, world, zhang, request_of_zhang
):
    entry = give_entry(zhang, datetime.date(2026, 10, 1))
    client.force_login(world.alice)
    queue = client.get(reverse("dues:hardships"))
    assert queue.context["tab"] == "decide"
    assert "张三" in queue.content.decode()
    url = reverse("dues:hardship-decide", args=[request_of_zhang.pk])
    response = client.post(url, {"decision": "approve", "note": ""}, follow=True)
    assert "已批准张三的党费减免申请" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAIVED
    again = client.post(url, {"decision": "approve"})
    assert again.status_code == 400 and "不能再审批" in again.content.decode()


def test_rejecting_needs_a_reason(client, world, request_of_zhang):
    client.force_login(world.alice)
    url = reverse("dues:hardship-decide", args=[request_of_zhang.pk])
    response = client.post(url, {"decision": "reject", "note": ""})
    assert response.status_code == 400
    assert "不批准时请写明理由" in response.content.decode()
    request_of_zhang.refresh_from_db()
    assert request_of_zhang.status == HardshipStatus.REQUESTED


def test_a_branch_cannot_decide_its_own_request(client, world, request_of_zhang):
    assert_access_matrix(
        client,
        url=reverse("dues:hardship-decide", args=[request_of_zhang.pk]),
        method="post",
        data={"decision": "approve"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.bob,  # the branch's own secretary holds no approve permission
        expect={"in_scope": 302},
        state=hardship_state(),
    )


def test_the_branch_withdraws_a_pending_request(client, world, request_of_zhang):
    assert_access_matrix(
        client,
        url=reverse("dues:hardship-withdraw", args=[request_of_zhang.pk]),
        method="post",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=hardship_state(),
    )
    request_of_zhang.refresh_from_db()
    assert request_of_zhang.status == HardshipStatus.WITHDRAWN


def test_the_list_answers_by_role_and_scope(client, world, request_of_zhang, wang):
    Hardship.objects.create(
        member=wang,
        organization=world.branch3,
        kind="waive",
        first_month=datetime.date(2026, 9, 1),
        last_month=datetime.date(2026, 9, 1),
        reason="困难",
    )
    result = assert_access_matrix(
        client,
        url=reverse("dues:hardships") + "?tab=all",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200, "no_role": 403},
    )
    assert "张三" in result.responses["in_scope"].content.decode()
    assert "王五" not in result.responses["in_scope"].content.decode()
    assert "张三" not in result.responses["out_of_scope"].content.decode()


def test_the_list_runs_the_same_queries_for_more_requests(
    client, world, django_assert_max_num_queries
):
    def add(count, start):
        for index in range(count):
            Hardship.objects.create(
                member=make_member(world.branch1, f"党员{start + index}"),
                organization=world.branch1,
                kind="waive",
                first_month=datetime.date(2026, 9, 1),
                last_month=datetime.date(2026, 9, 1),
                reason="困难",
                requested_by=world.bob,
            )

    client.force_login(world.alice)
    add(2, 0)
    with django_assert_max_num_queries(30) as first:
        client.get(reverse("dues:hardships"))
    add(8, 2)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("dues:hardships"))
    assert response.content.decode().count('data-testid="hardship-card"') == 10
