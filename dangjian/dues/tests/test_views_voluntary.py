"""自愿多交: recorded by the branch from the member's page, shown on the member's dues; scope,
bad input, and the one-off that goes wholly to 中央."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.models import VoluntaryPayment


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


DATA = {"amount": "1000.00", "paid_on": "2026-09-10", "channel": "transfer", "note": "七一"}


def voluntary_state():
    return lambda: sorted(VoluntaryPayment.objects.values_list("member_id", "amount"))


def test_a_thousand_yuan_one_off_goes_to_the_centre_and_shows_on_the_tab(client, world, zhang):
    client.force_login(world.bob)
    response = client.post(reverse("dues:voluntary-new", args=[zhang.pk]), DATA, follow=True)
    page = response.content.decode()
    assert "全额上缴中央" in page and 'data-testid="member-voluntary"' in page
    payment = VoluntaryPayment.objects.get()
    assert (payment.amount, payment.to_central) == (Decimal("1000.00"), True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "0"}, "金额必须大于 0"),
        ({"amount": "一千"}, "金额格式不正确"),
        ({"paid_on": "2027-01-01"}, "缴纳日期"),
        ({"channel": "gold"}, "请选择缴纳方式"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client, world, zhang, change, message):
    client.force_login(world.bob)
    response = client.post(reverse("dues:voluntary-new", args=[zhang.pk]), DATA | change)
    assert response.status_code == 400 and message in response.content.decode()
    assert not VoluntaryPayment.objects.exists()


def test_recording_answers_by_scope(client, world, zhang):
    assert_access_matrix(
        client,
        url=reverse("dues:voluntary-new", args=[zhang.pk]),
        method="post",
        data=DATA,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=voluntary_state(),
    )


def test_the_other_read_pages_answer_by_scope(client, world, zhang):
    from dangjian.dues.models import BranchStatement

    statement = BranchStatement.objects.create(organization=world.branch1, year=2025)
    for url in (
        reverse("dues:totals", args=[world.branch1.pk, 2026, 9]),
        reverse("dues:statement-detail", args=[statement.pk]),
    ):
        assert_access_matrix(
            client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
        )
    assert_access_matrix(
        client,
        url=reverse("dues:home"),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 302, "no_role": 403, "in_scope": 302},
    )
