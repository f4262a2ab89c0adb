"""`/api/v1/transfers/`: scoped list and retrieve, the request, the registration and the steps."""

from datetime import date

import pytest

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member
from dangjian.transfers.models import State, Transfer
from dangjian.transfers.tests.helpers import DAY, TODAY, issued, request_out

pytestmark = pytest.mark.django_db
BASE = "/api/v1/transfers/"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def _state():
    return list(Transfer.objects.values("pk", "state")) + list(
        Member.objects.values("pk", "organization_id", "status")
    )


def test_list_matrix_and_scope(client, world):
    issued(world, make_member(world.branch1, "张三"))
    result = assert_access_matrix(
        client,
        url=BASE,
        api=True,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"no_role": 200, "out_of_scope": 200},
    )
    assert [row["person_name"] for row in result.responses["in_scope"].json()["results"]] == [
        "张三"
    ]
    assert result.responses["out_of_scope"].json()["results"] == []
    row = result.responses["in_scope"].json()["results"][0]
    assert "*" in row["id_number"] and row["letter_number"].endswith("第0001号")


def test_retrieve_matrix(client, world):
    transfer = issued(world, make_member(world.branch1, "张三"))
    result = assert_access_matrix(
        client,
        url=f"{BASE}{transfer.pk}/",
        api=True,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert len(result.responses["in_scope"].json()["letters"]) == 1


def test_direction_and_overdue_filters(client, world):
    issued(world, make_member(world.branch1, "张三"), destination=world.branch3)
    client.force_login(world.dave)
    assert client.get(BASE, {"direction": "out"}).json()["count"] == 0
    assert client.get(BASE, {"direction": "in"}).json()["count"] == 1
    assert client.get(BASE, {"overdue": "true"}).json()["count"] == 0
    assert client.get(BASE, {"state": "bogus"}).status_code == 400


def test_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.alice)
    issued(world, make_member(world.branch1, "甲"))
    client.get(BASE)
    for index in range(5):
        request_out(world, make_member(world.branch1, f"乙{index}"))
    with django_assert_max_num_queries(8):
        assert client.get(BASE).json()["count"] == 6


def test_request_through_the_api(client, world):
    zhang = make_member(world.branch1, "张三")
    body = {
        "member": zhang.pk,
        "destination_name": "外地党委",
        "reason": "调动",
        "requested_on": "2026-03-05",
    }
    assert_access_matrix(
        client,
        url=BASE,
        method="post",
        data=body,
        api=True,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=_state,
        expect={"in_scope": 201, "no_role": 403, "out_of_scope": 400},
    )
    assert Transfer.objects.get().state == State.REQUESTED


def test_a_step_through_the_api_and_its_refusals(client, world):
    transfer = request_out(world, make_member(world.branch1, "张三"))
    url = f"{BASE}{transfer.pk}/steps/branch_approve/"
    client.force_login(world.bob)
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 400 and "approved_on" in response.json()["error"]["details"]
    response = client.post(url, {"approved_on": "2026-03-05"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == State.BRANCH_APPROVED
    again = client.post(url, {"approved_on": "2026-03-05"}, content_type="application/json")
    assert again.status_code == 400 and "不能由支部同意" in again.json()["error"]["message"]
    skip = client.post(
        f"{BASE}{transfer.pk}/steps/close/",
        {"closed_on": "2026-03-05"},
        content_type="application/json",
    )
    assert skip.status_code == 404  # bob does not hold the committee's permission
    assert (
        client.post(
            f"{BASE}{transfer.pk}/steps/nope/", {}, content_type="application/json"
        ).status_code
        == 404
    )


def test_issue_step_matrix(client, world):
    transfer = request_out(world, make_member(world.branch1, "张三"))
    Transfer.objects.filter(pk=transfer.pk).update(
        state=State.BRANCH_APPROVED, branch_approved_on=DAY
    )
    assert_access_matrix(
        client,
        url=f"{BASE}{transfer.pk}/steps/issue_letter/",
        method="post",
        api=True,
        data={"issued_on": "2026-03-05"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=_state,
    )
    assert Transfer.objects.get().state == State.LETTER_ISSUED


def test_no_illegal_transition_is_reachable_through_the_api(client, world):
    transfer = request_out(world, make_member(world.branch1, "张三"))
    client.force_login(world.alice)
    body = dict.fromkeys(
        (
            "approved_on",
            "issued_on",
            "received_on",
            "receipt_on",
            "closed_on",
            "reported_on",
            "accepted_on",
            "verified_on",
            "assigned_on",
            "sent_on",
        ),
        "2026-03-05",
    )
    body.update(reason="x", verify_method="letter")
    allowed = {"branch_approve", "cancel"}
    for verb in (
        "issue_letter",
        "reissue",
        "received",
        "receipt",
        "close",
        "expire",
        "lost",
        "accept",
        "verify",
        "accept_in",
        "assign",
        "send_receipt",
    ):
        before = _state()
        response = client.post(
            f"{BASE}{transfer.pk}/steps/{verb}/", body, content_type="application/json"
        )
        assert response.status_code in (400, 403, 404), (verb, response.status_code)
        assert _state() == before, verb
    assert allowed


def test_register_through_the_api(client, world):
    client.force_login(world.bob)
    body = {
        "receiver": world.branch1.pk,
        "name": "赵六",
        "id_number": "11010519491231002X",
        "category": "probationary",
        "joined_on": "2025-09-01",
        "origin_name": "外地党委",
        "registered_on": "2026-03-05",
    }
    response = client.post(f"{BASE}incoming/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["id_number"] != "11010519491231002X"
    client.force_login(world.dave)
    other = client.post(f"{BASE}incoming/", body, content_type="application/json")
    assert other.status_code == 400  # branch1 is outside dave's scope


def test_dates_are_dates(world):
    transfer = issued(world, make_member(world.branch1, "张三"))
    assert transfer.requested_on == DAY and isinstance(transfer.letters.get().valid_until, date)


def test_retrieve_query_count_is_bounded(client, world, django_assert_max_num_queries):
    transfer = issued(world, make_member(world.branch1, "张三"))
    client.force_login(world.alice)
    client.get(f"{BASE}{transfer.pk}/")
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}{transfer.pk}/").status_code == 200
