"""`/api/v1/organizations/` and `/api/v1/committees/`: scope, filters, writes, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import Person
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType, Unit

ORGS = "/api/v1/organizations/"
COMMITTEES = "/api/v1/committees/"
LIST = {"no_role": 200, "out_of_scope": 200}  # lists show the visible part, possibly empty


def org_url(org, suffix=""):
    return f"{ORGS}{org.pk}/{suffix}"


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def org_state():
    return list(Organization.objects.order_by("pk").values())


def committee_state():
    return list(Committee.objects.order_by("pk").values())


@pytest.fixture
def committee(world):
    """Branch 1's current committee, its secretary a person with a mobile number on file."""
    term = Committee.objects.create(
        organization=world.branch1,
        term_start=datetime.date(2024, 1, 1),
        term_end=datetime.date(2027, 1, 1),
    )
    person = Person.objects.create(name="张三", gender="male", mobile="13812345678")
    CommitteePost.objects.create(committee=term, post=CommitteePost.Post.SECRETARY, person=person)
    return term


# --- organisations: reads ------------------------------------------------------------------------


def test_organization_list_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=ORGS,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect=LIST,
    )
    assert ids(result.responses["in_scope"]) == {
        world.mine.pk,
        world.branch1.pk,
        world.group1.pk,
        world.branch2.pk,
    }
    assert ids(result.responses["out_of_scope"]) == {world.mine2.pk, world.branch3.pk}
    assert ids(result.responses["no_role"]) == set()


def test_organization_detail_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=org_url(world.branch1),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    body = result.responses["in_scope"].json()
    assert body["name"] == "综采一队党支部"
    assert body["parent"] == world.mine.pk
    assert body["children_count"] == 1
    assert body["org_type_display"] == "党支部"


def test_organization_children_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=org_url(world.mine, "children/"),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    assert ids(result.responses["in_scope"]) == {world.branch1.pk, world.branch2.pk}


def test_a_root_has_no_parent(client, world):
    client.force_login(world.sysadmin)
    assert client.get(org_url(world.group)).json()["parent"] is None


def test_organization_list_shows_the_units_covered(client, world):
    unit = Unit.objects.create(name="综采一队", code="U1", owner=world.mine)
    world.branch1.units.add(unit)
    client.force_login(world.alice)
    body = client.get(org_url(world.branch1)).json()
    assert body["units"] == [{"id": unit.pk, "name": "综采一队", "code": "U1", "kind": "team"}]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"parent": "mine"}, {"branch1", "branch2"}),
        ({"within": "branch1"}, {"branch1", "group1"}),
        ({"org_type": OrgType.BRANCH}, {"branch1", "branch2"}),
        ({"search": "综采"}, {"branch1"}),
        ({"search": "g-m1-b2"}, {"branch2"}),
        ({"search": "一矿党委"}, {"mine"}),
        ({"is_active": "false"}, {"branch2"}),
    ],
)
def test_organization_filters(client, world, params, expected):
    Organization.objects.filter(pk=world.branch2.pk).update(is_active=False)
    params = {
        key: getattr(world, value).pk if key in ("parent", "within") else value
        for key, value in params.items()
    }
    client.force_login(world.alice)
    response = client.get(ORGS, params)
    assert ids(response) == {getattr(world, name).pk for name in expected}


def test_filtering_by_an_organization_outside_the_scope_is_a_400(client, world):
    client.force_login(world.alice)
    for params in ({"parent": world.mine2.pk}, {"within": world.branch3.pk}, {"within": "x"}):
        response = client.get(ORGS, params)
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "该党组织不存在，或不在您的查看范围内。"


def test_organization_list_is_paginated_in_the_database(client, world):
    client.force_login(world.alice)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(ORGS, {"page_size": 2}).json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert body["next"]
    assert any("LIMIT 2" in query["sql"] for query in queries.captured_queries)


def test_a_page_past_the_end_is_a_404_with_the_error_body(client, world):
    client.force_login(world.alice)
    response = client.get(ORGS, {"page": 99})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def _add_branches(parent, count: int, start: int = 0):
    unit = Unit.objects.create(name=f"区队{start}", code=f"UQ{start}", owner=parent)
    for number in range(start, start + count):
        # add_child re-reads the parent's tree fields itself, so a stale `parent` is fine.
        branch = Organization.objects.add_child(
            parent, {"org_type": OrgType.BRANCH, "name": f"第{number}党支部", "code": f"Q-{number}"}
        )
        branch.units.add(unit)


def _count_queries(client, url) -> int:
    client.get(url)  # the first request of a session also touches the session and the user
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_organization_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    _add_branches(world.mine, 5)
    few = _count_queries(client, ORGS)
    _add_branches(world.mine, 10, start=5)
    assert _count_queries(client, ORGS) == few
    assert few <= 7


def test_children_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    _add_branches(world.mine, 5)
    url = org_url(world.mine, "children/")
    few = _count_queries(client, url)
    _add_branches(world.mine, 10, start=5)
    assert _count_queries(client, url) == few


# --- organisations: writes -----------------------------------------------------------------------


def test_organization_create_matrix(client, world):
    data = {"parent": world.branch1.pk, "org_type": OrgType.GROUP, "name": "第二党小组"}
    data["code"] = "G-M1-B1-G2"
    result = assert_access_matrix(
        client,
        url=ORGS,
        method="post",
        data=data,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 403, "out_of_scope": 400, "in_scope": 201},
        state=org_state,
    )
    error = result.responses["out_of_scope"].json()["error"]
    assert "parent" in error["details"]
    created = result.responses["in_scope"].json()
    assert created["parent"] == world.branch1.pk
    assert created["depth"] == 4
    assert AuditEntry.objects.filter(action="orgs.organization_create").count() == 1


def test_a_secretary_may_see_but_not_create_organizations(client, world):
    client.force_login(world.bob)
    data = {"parent": world.branch1.pk, "org_type": OrgType.GROUP, "name": "x", "code": "X1"}
    response = client.post(ORGS, data, content_type="application/json")
    assert response.status_code == 403


def test_organization_create_refuses_a_rule_breaking_type_with_a_chinese_reason(client, world):
    client.force_login(world.alice)
    data = {"parent": world.group1.pk, "org_type": OrgType.BRANCH, "name": "x", "code": "X1"}
    before = org_state()
    response = client.post(ORGS, data, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "rule_violation"
    assert "党小组下不能设立党支部" in error["message"]
    assert org_state() == before


def test_organization_create_validates_the_body(client, world):
    client.force_login(world.alice)
    response = client.post(
        ORGS,
        {"parent": "abc", "org_type": "nonsense", "founded_on": "yesterday"},
        content_type="application/json",
    )
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert {"parent", "org_type", "name", "code", "founded_on"} <= set(details)


def test_organization_update_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=org_url(world.branch2),
        method="patch",
        data={"name": "掘进二队联合党支部", "short_name": "掘二支部"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=org_state,
    )
    body = result.responses["in_scope"].json()
    assert (body["name"], body["short_name"]) == ("掘进二队联合党支部", "掘二支部")
    assert body["code"] == "G-M1-B2"


def test_a_visible_organization_that_the_caller_may_not_manage_answers_403(client, world):
    client.force_login(world.bob)
    before = org_state()
    response = client.patch(org_url(world.branch1), {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert org_state() == before


def test_organization_update_reports_a_taken_code(client, world):
    client.force_login(world.alice)
    response = client.patch(
        org_url(world.branch2), {"code": "G-M1-B1"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "G-M1-B1" in response.json()["error"]["message"]


def test_organization_move_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=org_url(world.group1, "move/"),
        method="post",
        data={"parent": world.branch2.pk},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=org_state,
    )
    assert result.responses["in_scope"].json()["parent"] == world.branch2.pk


def test_moving_into_an_organization_outside_the_scope_is_a_400(client, world):
    client.force_login(world.alice)
    before = org_state()
    response = client.post(
        org_url(world.group1, "move/"),
        {"parent": world.branch3.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["details"]
    assert org_state() == before


def test_organization_dissolve_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=org_url(world.branch2, "dissolve/"),
        method="post",
        data={"reason": "区队撤并"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=org_state,
    )
    body = result.responses["in_scope"].json()
    assert body["is_active"] is False
    assert body["dissolved_on"]


def test_dissolving_an_organization_with_children_is_refused_in_chinese(client, world):
    client.force_login(world.alice)
    before = org_state()
    response = client.post(org_url(world.branch1, "dissolve/"), {}, content_type="application/json")
    assert response.status_code == 400
    assert "下级党组织" in response.json()["error"]["message"]
    assert org_state() == before


# --- committees ----------------------------------------------------------------------------------


def test_committee_list_matrix(client, world, committee):
    result = assert_access_matrix(
        client,
        url=COMMITTEES,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect=LIST,
    )
    assert ids(result.responses["in_scope"]) == {committee.pk}
    assert ids(result.responses["out_of_scope"]) == set()
    assert ids(result.responses["no_role"]) == set()


def test_committee_detail_matrix(client, world, committee):
    result = assert_access_matrix(
        client,
        url=f"{COMMITTEES}{committee.pk}/",
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    body = result.responses["in_scope"].json()
    assert body["organization"]["id"] == world.branch1.pk
    [post] = body["posts"]
    assert post["post_display"] == "书记"
    assert post["person"]["name"] == "张三"
    assert "13812345678" not in result.responses["in_scope"].content.decode()


def test_committee_filters(client, world, committee):
    other = Committee.objects.create(
        organization=world.branch2,
        term_start=datetime.date(2020, 1, 1),
        term_end=datetime.date(2023, 1, 1),
        is_current=False,
    )
    client.force_login(world.alice)
    assert ids(client.get(COMMITTEES, {"organization": world.branch1.pk})) == {committee.pk}
    assert ids(client.get(COMMITTEES, {"within": world.mine.pk})) == {committee.pk, other.pk}
    assert ids(client.get(COMMITTEES, {"is_current": "false"})) == {other.pk}
    assert client.get(COMMITTEES, {"organization": world.branch3.pk}).status_code == 400


def _add_committees(parent, count: int, start: int):
    person = Person.objects.create(name=f"李{start}", gender="male")
    for number in range(start, start + count):
        org = Organization.objects.add_child(
            parent, {"org_type": OrgType.BRANCH, "name": f"第{number}党支部", "code": f"C-{number}"}
        )
        term = Committee.objects.create(
            organization=org,
            term_start=datetime.date(2024, 1, 1),
            term_end=datetime.date(2027, 1, 1),
        )
        for post in (CommitteePost.Post.SECRETARY, CommitteePost.Post.ORGANIZATION):
            CommitteePost.objects.create(committee=term, post=post, person=person)


def test_committee_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    _add_committees(world.mine, 4, start=0)
    few = _count_queries(client, COMMITTEES)
    _add_committees(world.mine, 8, start=4)
    assert _count_queries(client, COMMITTEES) == few


def test_committee_create_matrix(client, world, committee):
    result = assert_access_matrix(
        client,
        url=COMMITTEES,
        method="post",
        data={"organization": world.branch2.pk, "term_start": "2025-03-01"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 403, "out_of_scope": 400, "in_scope": 201},
        state=committee_state,
    )
    body = result.responses["in_scope"].json()
    assert body["organization"]["id"] == world.branch2.pk
    assert body["is_current"] is True
    assert body["term_end"] == "2028-03-01"  # a branch's term defaults to 3 years


def test_a_new_term_closes_the_current_one(client, world, committee):
    client.force_login(world.bob)
    response = client.post(
        COMMITTEES,
        {"organization": world.branch1.pk, "term_start": "2026-06-01"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["term_number"] == 2
    committee.refresh_from_db()
    assert committee.is_current is False


def test_a_term_starting_before_the_current_one_is_refused(client, world, committee):
    client.force_login(world.bob)
    before = committee_state()
    response = client.post(
        COMMITTEES,
        {"organization": world.branch1.pk, "term_start": "2023-06-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "上一届" in response.json()["error"]["message"]
    assert committee_state() == before


def test_committee_detail_is_read_only(client, world, committee):
    client.force_login(world.alice)
    url = f"{COMMITTEES}{committee.pk}/"
    assert client.patch(url, {}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405


def test_a_role_that_may_manage_but_not_view_gets_the_new_organization_back(client, world):
    from dangjian.accounts.models import Role, RoleAssignment

    role = Role.objects.create(
        name="建组员", code="builder", permissions=["orgs.manage_organization"]
    )
    RoleAssignment.objects.create(user=world.charlie, role=role, organization=world.branch2)
    client.force_login(world.charlie)
    data = {"parent": world.branch2.pk, "org_type": OrgType.GROUP, "name": "第一党小组"}
    response = client.post(ORGS, {**data, "code": "G-M1-B2-G1"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["parent"] == world.branch2.pk
