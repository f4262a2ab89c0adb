"""`/api/v1/people/`: everyone in scope (members or not), masked, searchable, read-only."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from dangjian.core.idnumbers import make_id_number
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import Person
from dangjian.members.tests.factories import make_member, make_person

PEOPLE = "/api/v1/people/"
LIST = {"no_role": 200, "out_of_scope": 200}
ZHAO_ID = make_id_number("410402", date(1975, 11, 2), 31)


def person_url(person):
    return f"{PEOPLE}{person.pk}/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def zhao(world):
    """An employee of branch 1's unit who is not a party member."""
    return make_person(
        world.branch1,
        "赵一",
        birth=date(1975, 11, 2),
        id_number=ZHAO_ID,
        mobile="13655556666",
        address="河南省平顶山市卫东区建设路 1 号",
    )


@pytest.fixture
def zhang(world):
    return make_member(world.branch1, "张三").person


@pytest.fixture
def wang(world):
    return make_member(world.branch3, "王五").person


def test_people_list_matrix(client, world, zhao, zhang, wang):
    result = assert_access_matrix(
        client,
        url=PEOPLE,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect=LIST,
    )
    assert ids(result.responses["in_scope"]) == {zhao.pk, zhang.pk}
    assert ids(result.responses["out_of_scope"]) == {wang.pk}
    assert ids(result.responses["no_role"]) == set()


def test_person_detail_matrix(client, world, zhao):
    result = assert_access_matrix(
        client,
        url=person_url(zhao),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    body = result.responses["in_scope"].json()
    assert body["name"] == "赵一"
    assert body["membership"] is None
    assert body["organization"]["id"] == world.branch1.pk
    assert body["age"] >= 50


def test_a_member_shows_the_membership(client, world, zhang):
    client.force_login(world.alice)
    membership = client.get(person_url(zhang)).json()["membership"]
    assert membership["id"] == zhang.membership.pk
    assert membership["category_display"] == "正式党员"
    assert membership["status_display"] == "正常"


def test_a_bearer_token_reads_people(client, world, zhao, wang):
    token = Token.objects.create(user=world.bob)
    response = client.get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert ids(response) == {zhao.pk}


def test_personal_data_is_masked(client, world, zhao):
    client.force_login(world.alice)
    for response in (client.get(PEOPLE), client.get(person_url(zhao))):
        text = response.content.decode()
        assert ZHAO_ID not in text
        assert "13655556666" not in text
        assert "建设路" not in text
    body = client.get(person_url(zhao)).json()
    assert body["id_number"] == ZHAO_ID[:6] + "********" + ZHAO_ID[-4:]
    assert body["mobile"] == "136****6666"
    assert body["address"] == "河南省平顶山****"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zy", {"zhao"}),
        ("zhaoyi", {"zhao"}),
        ("赵", {"zhao"}),
        ("zs", {"zhang"}),
        ("shan", {"shan"}),
        ("dan", {"shan"}),
        (ZHAO_ID, {"zhao"}),
        (ZHAO_ID[:10], set()),
        ("W777", {"zhao"}),
    ],
)
def test_search(client, world, zhao, zhang, query, expected):
    shan = make_member(world.branch2, "单丽").person
    Person.objects.filter(pk=zhao.pk).update(work_number="W7771")
    client.force_login(world.alice)
    names = {"zhao": zhao.pk, "zhang": zhang.pk, "shan": shan.pk}
    assert ids(client.get(PEOPLE, {"search": query})) == {names[name] for name in expected}


def test_filters(client, world, zhao, zhang):
    client.force_login(world.alice)
    assert ids(client.get(PEOPLE, {"is_member": "true"})) == {zhang.pk}
    assert ids(client.get(PEOPLE, {"is_member": "false"})) == {zhao.pk}
    assert ids(client.get(PEOPLE, {"within": world.branch2.pk})) == set()
    Person.objects.filter(pk=zhao.pk).update(employment="retired")
    assert ids(client.get(PEOPLE, {"employment": "retired"})) == {zhao.pk}


def test_filtering_outside_the_scope_is_a_400_in_chinese(client, world):
    client.force_login(world.bob)
    response = client.get(PEOPLE, {"within": world.branch3.pk})
    assert response.status_code == 400
    error = response.json()["error"]
    assert "within" in error["details"]
    assert "范围" in error["message"]


def test_people_are_read_only(client, world, zhao):
    client.force_login(world.alice)
    assert client.post(PEOPLE, {"name": "x"}, content_type="application/json").status_code == 405
    url = person_url(zhao)
    assert client.patch(url, {"name": "x"}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    zhao.refresh_from_db()
    assert zhao.name == "赵一"


def _count_queries(client, params=None) -> int:
    client.get(PEOPLE)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PEOPLE, {"page_size": 200, **(params or {})})
    assert response.status_code == 200
    return len(queries.captured_queries)


def _add_people(world, count, start=0):
    for number in range(start, start + count):
        if number % 2:
            make_member(world.branch1, f"党员{number}")
        else:
            make_person(world.branch2, f"职工{number}")


@pytest.mark.parametrize("params", [{}, {"search": "dy"}, {"is_member": "true"}])
def test_people_list_queries_do_not_grow_with_rows(client, world, params):
    client.force_login(world.alice)
    _add_people(world, 4)
    few = _count_queries(client, params)
    _add_people(world, 8, start=4)
    assert _count_queries(client, params) == few
    assert few <= 6
