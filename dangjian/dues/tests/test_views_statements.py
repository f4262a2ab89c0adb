"""收支公开 pages: the branch prepares and publishes its yearly statement; its members read the
published ones; another branch's or an unpublished statement answers 404."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.models import BranchStatement
from dangjian.dues.services import payment_record
from dangjian.dues.tests.conftest import give_entry
from dangjian.members.tests.factories import make_member

D = Decimal
FORM = {"opening_balance": "100.00", "remitted": "30.00", "used": "20.00", "use_note": "慰问"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def statement_state():
    return lambda: sorted(
        BranchStatement.objects.values_list("organization_id", "year", "remitted", "published")
    )


@pytest.fixture
def statement(world):
    return BranchStatement.objects.create(
        organization=world.branch1, year=2025, collected=D("480"), remitted=D("48")
    )


def link(user, member):
    user.person = member.person
    user.save()
    return user


def test_the_branch_prepares_from_the_ledger_and_publishes(client, world, zhang):
    entry = give_entry(zhang, datetime.date(2025, 5, 1), amount="40.00")
    payment_record(actor=world.bob, entry=entry, paid_on=datetime.date(2025, 5, 20), channel="cash")
    client.force_login(world.bob)
    url = reverse("dues:statement-edit", args=[world.branch1.pk, 2025])
    response = client.post(url, FORM, follow=True)
    page = response.content.decode()
    assert "收缴金额已按台账重新统计" in page
    statement = BranchStatement.objects.get()
    assert (statement.collected, statement.balance) == (D("40.00"), D("90.00"))
    publish = reverse("dues:statement-publish", args=[statement.pk])
    page = client.post(publish, follow=True).content.decode()
    assert "已向本支部党员公开" in page
    statement.refresh_from_db()
    assert statement.published and statement.published_on == datetime.date(2026, 9, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"remitted": "三十"}, "金额格式不正确"),
        ({"used": "-1"}, "金额不能为负数"),
        ({"opening_balance": ""}, "请填写上年结余"),
    ],
)
def test_a_bad_amount_is_explained_and_nothing_is_saved(client, world, change, message):
    client.force_login(world.bob)
    url = reverse("dues:statement-edit", args=[world.branch1.pk, 2025])
    response = client.post(url, FORM | change)
    assert response.status_code == 400 and message in response.content.decode()
    assert not BranchStatement.objects.exists()


def test_preparing_answers_by_scope(client, world):
    assert_access_matrix(
        client,
        url=reverse("dues:statement-edit", args=[world.branch1.pk, 2025]),
        method="post",
        data=FORM,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=statement_state(),
    )


def test_only_a_branch_has_a_statement(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("dues:statement-edit", args=[world.mine.pk, 2025])).status_code == 404
    assert (
        client.get(reverse("dues:statement-edit", args=[world.branch1.pk, 3000])).status_code == 404
    )


def test_the_picker_goes_to_the_form(client, world):
    client.force_login(world.bob)
    response = client.get(reverse("dues:statement-go"), {"org": world.branch1.pk, "year": 2025})
    assert response["Location"] == reverse("dues:statement-edit", args=[world.branch1.pk, 2025])
    assert client.get(reverse("dues:statement-go"), {"org": world.branch3.pk}).status_code == 404


def test_publishing_answers_by_scope(client, world, statement):
    for name in ("dues:statement-publish", "dues:statement-unpublish"):
        assert_access_matrix(
            client,
            url=reverse(name, args=[statement.pk]),
            method="post",
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            expect={"in_scope": 302},
            state=statement_state(),
        )


def test_a_member_reads_only_their_branchs_published_statement(client, world, statement):
    member = make_member(world.branch1, "赵六")
    other = make_member(world.branch2, "孙八")
    url = reverse("dues:statement-detail", args=[statement.pk])
    reader = link(world.charlie, member)
    client.force_login(reader)
    assert client.get(url).status_code == 404  # not published yet
    statement.published = True
    statement.published_on = datetime.date(2026, 3, 1)
    statement.save()
    page = client.get(url).content.decode()
    assert "480.00" in page and "已向党员公开" in page
    assert 'data-testid="publish"' not in page and 'data-testid="unpublish"' not in page
    stranger = link(world.dave, other)  # dave: another mine's 组织部, and a member of branch 2
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_the_list_answers_by_scope(client, world, statement):
    result = assert_access_matrix(
        client,
        url=reverse("dues:statements"),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200, "no_role": 403},
    )
    assert "综采一队党支部" in result.responses["in_scope"].content.decode()
    assert "综采一队党支部" not in result.responses["out_of_scope"].content.decode()
