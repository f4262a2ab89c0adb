"""`/api/v1/dues/…`: the permission matrix, filters, the payment POST through the service,
errors in Chinese, and query counts that do not grow with rows."""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.models import LedgerEntry, Payment
from dangjian.dues.tests.conftest import give_base, give_entry
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db
API = "/api/v1/dues"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def month(m):
    return datetime.date(2026, m, 1)


def body(response):
    return json.loads(response.content)


def test_entry_detail_matrix(client, world, zhang):
    entry = give_entry(zhang, month(9))
    assert_access_matrix(
        client,
        url=f"{API}/entries/{entry.pk}/",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )


def test_entry_list_shows_only_the_scope(client, world, zhang, li, wang):
    for member in (zhang, li, wang):
        give_entry(member, month(9))
    result = assert_access_matrix(
        client,
        url=f"{API}/entries/",
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 200, "out_of_scope": 200},
    )
    names = lambda r: sorted(row["member"]["name"] for row in body(r)["results"])  # noqa: E731
    assert names(result.responses["in_scope"]) == ["张三", "李四"]
    assert names(result.responses["out_of_scope"]) == ["王五"]
    assert names(result.responses["no_role"]) == []


def test_a_member_sees_their_own_rows(client, world, zhang, li):
    give_entry(zhang, month(9))
    give_entry(li, month(9))
    world.charlie.person_id = zhang.person_id
    world.charlie.save()
    client.force_login(world.charlie)
    rows = body(client.get(f"{API}/entries/"))["results"]
    assert [row["member"]["name"] for row in rows] == ["张三"]


def test_entry_filters(client, world, zhang, li):
    give_entry(zhang, month(8), status="paid")
    give_entry(zhang, month(9))
    give_entry(li, month(9))
    client.force_login(world.alice)
    get = lambda query: body(client.get(f"{API}/entries/?{query}"))  # noqa: E731
    assert get("month=2026-08")["count"] == 1
    assert get("status=unpaid")["count"] == 2
    assert get(f"organization={world.branch2.pk}")["count"] == 1
    assert get(f"member={zhang.pk}&year=2026")["count"] == 2
    row = get("month=2026-08")["results"][0]
    assert row["amount_due"] == "40.00" and row["status_label"] == "已缴清"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("month=2026-13", "month"),
        ("status=lost", "status"),
        ("year=abc", "year"),
        ("organization=999999", "organization"),
    ],
)
def test_bad_filters_answer_400_in_chinese(client, world, query, field):
    client.force_login(world.alice)
    response = client.get(f"{API}/entries/?{query}")
    assert response.status_code == 400
    assert field in body(response)["error"]["details"]


def test_out_of_scope_organization_filter_is_refused(client, world):
    client.force_login(world.bob)
    response = client.get(f"{API}/entries/?organization={world.branch3.pk}")
    assert response.status_code == 400


def test_entry_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    give_entry(make_member(world.branch1, "甲"), month(9))
    client.get(f"{API}/entries/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/entries/")
    for index in range(15):
        give_entry(make_member(world.branch1, f"乙{index}"), month(9))
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{API}/entries/")
    assert body(response)["count"] == 16
    assert len(many) == len(few)


def test_bases_list_and_matrix(client, world, zhang, wang):
    base = give_base(zhang, 2026, "5000.01")
    give_base(wang, 2026)
    assert_access_matrix(
        client,
        url=f"{API}/bases/{base.pk}/",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    client.force_login(world.alice)
    rows = body(client.get(f"{API}/bases/?year=2026"))["results"]
    assert [(row["member"]["name"], row["monthly_amount"]) for row in rows] == [("张三", "75.00")]
    assert body(client.get(f"{API}/bases/?year=2025"))["count"] == 0


def test_bases_list_queries_do_not_grow(client, world):
    client.force_login(world.alice)
    give_base(make_member(world.branch1, "甲"), 2026)
    client.get(f"{API}/bases/?year=2026")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/bases/?year=2026")
    for index in range(10):
        give_base(make_member(world.branch2, f"乙{index}"), 2026)
    with CaptureQueriesContext(connection) as many:
        client.get(f"{API}/bases/?year=2026")
    assert len(many) == len(few)


def test_payment_post_matrix_and_effect(client, world, zhang):
    entry = give_entry(zhang, month(9))
    data = {"entry": entry.pk, "paid_on": "2026-09-10", "channel": "cash", "payer_name": "张妻"}
    assert_access_matrix(
        client,
        url=f"{API}/payments/",
        method="post",
        data=data,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 400, "out_of_scope": 400, "in_scope": 201},
        state=lambda: list(Payment.objects.values()),
    )
    entry.refresh_from_db()
    assert entry.status == "paid" and entry.payer_name == "张妻"


def test_a_viewer_without_manage_gets_403(client, world, zhang):
    from dangjian.core.testing.world import grant, make_user

    viewer = make_user("viewer", "只读")
    from dangjian.accounts.models import Role

    role = Role.objects.create(code="dues_viewer", name="党费查看", permissions=["dues.view_dues"])
    grant(viewer, role.code, world.branch1)
    entry = give_entry(zhang, month(9))
    client.force_login(viewer)
    response = client.post(
        f"{API}/payments/",
        {"entry": entry.pk, "paid_on": "2026-09-10", "channel": "cash"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_a_catch_up_too_old_answers_the_rule(client, world, zhang):
    entry = give_entry(zhang, month(2))
    client.force_login(world.bob)
    response = client.post(
        f"{API}/payments/",
        {"entry": entry.pk, "paid_on": "2026-09-10", "channel": "cash"},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["code"] == "rule_violation"
    assert "最早只能补交2026年03月" in error["message"]
    assert error["details"]["rule"]["rule_key"] == "dues.catch_up_months"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"paid_on": "yesterday"}, "paid_on"),
        ({"channel": "gold"}, "channel"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"entry": "x"}, "entry"),
        ({"entry": 999999}, "entry"),
    ],
)
def test_bad_payment_input_answers_400_in_chinese(client, world, zhang, data, field):
    entry = give_entry(zhang, month(9))
    client.force_login(world.bob)
    payload = {"entry": entry.pk, "paid_on": "2026-09-10", "channel": "cash"} | data
    response = client.post(f"{API}/payments/", payload, content_type="application/json")
    assert response.status_code == 400
    error = body(response)["error"]
    assert field in error["details"]
    assert any("\u4e00" <= char <= "\u9fff" for char in error["message"])
    assert not Payment.objects.exists()


def test_over_payment_is_refused_by_the_service(client, world, zhang):
    entry = give_entry(zhang, month(9))
    client.force_login(world.bob)
    response = client.post(
        f"{API}/payments/",
        {"entry": entry.pk, "paid_on": "2026-09-10", "channel": "cash", "amount": "99.00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "自愿多交" in body(response)["error"]["message"]


def test_payments_list_is_scoped(client, world, zhang, wang):
    for member in (zhang, wang):
        entry = give_entry(member, month(9))
        Payment.objects.create(entry=entry, amount=40, paid_on=month(9), channel="cash")
    client.force_login(world.bob)
    assert body(client.get(f"{API}/payments/"))["count"] == 1
    client.force_login(world.charlie)
    assert body(client.get(f"{API}/payments/"))["count"] == 0


def test_the_api_refuses_csrf_less_session_posts(world, zhang):
    from django.test import Client

    entry = give_entry(zhang, month(9))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.bob)
    response = strict.post(
        f"{API}/payments/",
        {"entry": entry.pk, "paid_on": "2026-09-10", "channel": "cash"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not LedgerEntry.objects.filter(status="paid").exists()


def test_arrears_list_matrix_and_rows(client, world, zhang, wang):
    for m in range(4, 10):
        give_entry(zhang, month(m))
        give_entry(wang, month(m))
    result = assert_access_matrix(
        client,
        url=f"{API}/arrears/?min_months=3",
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 200, "out_of_scope": 200},
    )
    rows = body(result.responses["in_scope"])["results"]
    assert rows == [
        {
            "member": zhang.pk,
            "name": "张三",
            "work_number": zhang.person.work_number,
            "organization": world.branch1.pk,
            "organization_name": "综采一队党支部",
            "months": 6,
            "owed": "240.00",
            "first_month": "2026-04-01",
            "last_month": "2026-09-01",
        }
    ]
    assert body(result.responses["no_role"])["count"] == 0
    client.force_login(world.alice)
    assert body(client.get(f"{API}/arrears/?min_months=7"))["count"] == 0
    assert client.get(f"{API}/arrears/?min_months=0").status_code == 400


def test_arrears_queries_do_not_grow(client, world):
    client.force_login(world.alice)
    give_entry(make_member(world.branch1, "甲"), month(9))
    client.get(f"{API}/arrears/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/arrears/")
    for index in range(10):
        member = make_member(world.branch1, f"乙{index}")
        for m in (7, 8, 9):
            give_entry(member, month(m))
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{API}/arrears/")
    assert body(response)["count"] == 11
    assert len(many) == len(few)


def test_the_schema_documents_the_dues_endpoints(client):
    response = client.get("/api/v1/schema/?format=json")
    paths = body(response)["paths"]
    assert {"/api/v1/dues/entries/", "/api/v1/dues/payments/", "/api/v1/dues/arrears/"} <= set(
        paths
    )
