"""`/api/v1/meetings/class-hours/`: per-member totals of a subtree and year, and `mine`."""

from datetime import date

import pytest
import time_machine

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import make_user
from dangjian.meetings.models import ClassHourCredit
from dangjian.meetings.tests.factories import at
from dangjian.meetings.tests.hours_helpers import committee_of, credit, post
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db
API = "/api/v1/meetings/class-hours/"


@pytest.fixture(autouse=True)
def _today():
    """The credits default to 2026-05-01 (hours_helpers) and the pages count the current year:
    every test runs on 2026-11-24, as the dates were written, not in whatever year CI runs."""
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        yield


def test_the_list_matrix(client, world):
    make_member(world.branch1, "张三")
    assert_access_matrix(
        client,
        url=f"{API}?organization={world.branch1.pk}",
        api=True,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 400},
    )


def test_the_list_gives_totals_requirement_gap_and_sources(client, world):
    leader = make_member(world.branch1, "书记甲")
    post(committee_of(world.branch1), leader)
    credit(leader, 6, source=ClassHourCredit.Source.MEETING)
    credit(leader, 10)
    credit(make_member(world.branch2, "李四"), 40)
    make_member(world.branch3, "二矿")
    client.force_login(world.alice)
    body = client.get(API, {"year": 2026}).json()
    assert body["count"] == 2
    first = {row["name"]: row for row in body["results"]}["书记甲"]
    assert (first["required"], first["hours"], first["gap"], first["is_leader"]) == (
        "56.0",
        "16.0",
        "40.0",
        True,
    )
    by_source = {item["source"]: item["hours"] for item in first["by_source"]}
    assert by_source["meeting"] == "6.0" and by_source["training"] == "10.0"
    below = client.get(API, {"below": "true"}).json()
    assert [row["name"] for row in below["results"]] == ["书记甲"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"year": "abc"}, "year"), ({"year": "1900"}, "year"), ({"ordering": "salary"}, "ordering")],
)
def test_bad_parameters_answer_400_in_chinese(client, world, query, field):
    client.force_login(world.alice)
    response = client.get(API, query)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


@pytest.mark.parametrize("count", [3, 9])
def test_the_list_takes_the_same_queries_for_n_and_3n(
    client, world, django_assert_max_num_queries, count
):
    for index in range(count):
        credit(make_member(world.branch1, f"党员{index}"), 2)
    client.force_login(world.alice)
    with django_assert_max_num_queries(14):
        assert client.get(API).status_code == 200


def test_mine_gives_the_callers_year(client, world):
    zhang = make_member(world.branch1, "张三")
    user = make_user("zhang", "张三", person=zhang.person)
    credit(zhang, 8, note="党校培训")
    credit(zhang, 5, on=date(2025, 3, 1))
    client.force_login(user)
    body = client.get(f"{API}mine/").json()
    assert (body["hours"], body["required"], body["gap"], body["reached"]) == (
        "8.0",
        "32.0",
        "24.0",
        False,
    )
    assert [row["note"] for row in body["credits"]] == ["党校培训"]
    assert client.get(f"{API}mine/", {"year": 2025}).json()["hours"] == "5.0"


def test_mine_without_a_person_says_why(client, world):
    client.force_login(world.charlie)
    response = client.get(f"{API}mine/")
    assert response.status_code == 400
    assert "没有关联党员信息" in response.json()["error"]["message"]
