"""欠缴 page: members with N consecutive unpaid months in the subtree, 3- and 6-month badges,
filters, scope, and the same number of queries for more rows."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.tests.conftest import give_entry
from dangjian.members.tests.factories import make_member


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def owe(member, months, paid_before=True):
    """`months` unpaid months up to September 2026, after a paid month."""
    last = 9
    if paid_before:
        give_entry(member, datetime.date(2026, last - months, 1), status="paid")
    for month in range(last - months + 1, last + 1):
        give_entry(member, datetime.date(2026, month, 1))


def test_the_list_answers_by_scope(client, world, zhang, wang):
    owe(zhang, 2)
    owe(wang, 2)
    result = assert_access_matrix(
        client,
        url=reverse("dues:arrears"),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200, "no_role": 403},
    )
    assert "张三" in result.responses["in_scope"].content.decode()
    assert "王五" not in result.responses["in_scope"].content.decode()
    assert "张三" not in result.responses["out_of_scope"].content.decode()


def test_three_and_six_months_get_their_badges(client, world, zhang, li):
    owe(zhang, 3)
    owe(li, 6)
    client.force_login(world.alice)
    page = client.get(reverse("dues:arrears")).content.decode()
    assert page.count('data-testid="alert-badge"') == 1
    assert page.count('data-testid="lapse-badge"') == 1
    assert page.index("李四") < page.index("张三")  # longest arrears first
    assert "党章" in page or "第九条" in page


def test_the_filters_narrow_by_organisation_and_months(client, world, zhang, li):
    owe(zhang, 3)
    owe(li, 6)
    client.force_login(world.alice)
    rows = client.get(reverse("dues:arrears"), {"months": 4}).context["page_obj"].object_list
    assert [row["member__person__name"] for row in rows] == ["李四"]
    rows = client.get(reverse("dues:arrears"), {"org": world.branch1.pk}).context["page_obj"]
    assert [row["member__person__name"] for row in rows.object_list] == ["张三"]


@pytest.mark.parametrize("query", [{"months": "三"}, {"months": "0"}, {"org": "99999"}])
def test_a_bad_filter_is_explained_not_a_500(client, world, zhang, query):
    owe(zhang, 3)
    client.force_login(world.alice)
    response = client.get(reverse("dues:arrears"), query)
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in response.content.decode()
    assert response.context["page_obj"].paginator.count == 0


def test_an_organisation_outside_the_scope_is_not_accepted(client, world, wang):
    owe(wang, 3)
    client.force_login(world.alice)
    response = client.get(reverse("dues:arrears"), {"org": world.branch3.pk})
    assert "不在您的权限范围内" in response.content.decode()
    assert "王五" not in response.content.decode()


def test_the_list_runs_the_same_queries_for_more_members(
    client, world, django_assert_max_num_queries
):
    def add(count, start):
        for index in range(count):
            owe(make_member(world.branch1, f"党员{start + index}"), 3)

    client.force_login(world.alice)
    add(2, 0)
    with django_assert_max_num_queries(30) as first:
        client.get(reverse("dues:arrears"))
    add(10, 2)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("dues:arrears"))
    assert response.content.decode().count('data-testid="arrears-row"') == 12
