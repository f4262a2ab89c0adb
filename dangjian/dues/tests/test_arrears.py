"""Arrears: consecutive unsettled months after the last settled one, one aggregated query."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.dues.selectors import arrears, member_arrears_months, paid_through
from dangjian.dues.tests.conftest import give_entry
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 9, 10)


def month(m, year=2026):
    return datetime.date(year, m, 1)


def months(member, first, last, status="unpaid", **extra):
    for m in range(first, last + 1):
        give_entry(member, month(m), status=status, **extra)


def test_arrears_count_months_after_the_last_settled_month(zhang):
    months(zhang, 1, 2)  # older gap, before a paid month: not consecutive
    months(zhang, 3, 3, status="paid")
    months(zhang, 4, 9)
    give_entry(zhang, month(10))  # a month ahead is not yet owed
    assert member_arrears_months(zhang, TODAY) == 6
    assert paid_through(zhang) == month(3)


def test_a_waived_month_counts_as_settled(zhang):
    months(zhang, 1, 6)
    give_entry(zhang, month(7), amount="0", status="waived")
    months(zhang, 8, 9)
    assert member_arrears_months(zhang, TODAY) == 2
    assert paid_through(zhang) == month(7)


def test_a_partial_payment_is_still_arrears(zhang):
    give_entry(zhang, month(9), status="partial", paid="10")
    assert member_arrears_months(zhang, TODAY) == 1


def test_nothing_settled_means_no_paid_through(zhang):
    assert paid_through(zhang) is None
    assert paid_through(zhang.pk) is None
    assert member_arrears_months(zhang, TODAY) == 0


def test_the_arrears_list_is_scoped_filtered_and_ordered(world, zhang, li, wang):
    months(zhang, 4, 9)
    months(li, 7, 9)
    months(wang, 1, 9)
    rows = list(arrears(world.alice, min_months=3, today=TODAY))
    assert [(row["member__person__name"], row["months"]) for row in rows] == [
        ("张三", 6),
        ("李四", 3),
    ]
    assert rows[0]["owed"] == Decimal("240.00")
    assert rows[0]["first_month"] == month(4)
    assert [row["member_id"] for row in arrears(world.alice, min_months=4, today=TODAY)] == [
        zhang.pk
    ]
    assert [row["member_id"] for row in arrears(world.bob, today=TODAY)] == [zhang.pk]
    assert list(arrears(world.charlie, today=TODAY)) == []
    assert [
        r["member_id"] for r in arrears(world.alice, organization=world.branch2, today=TODAY)
    ] == [li.pk]


def test_the_arrears_list_is_one_query_whatever_the_rows(world):
    for index in range(20):
        member = make_member(world.branch1, f"欠{index}")
        months(member, 1 + index % 5, 9)
    with CaptureQueriesContext(connection) as queries:
        rows = list(arrears(world.bob, min_months=2, today=TODAY))
    assert len(rows) == 20
    scope_queries = 1  # the user's grants, cached on the user afterwards
    assert len(queries) == 1 + scope_queries
