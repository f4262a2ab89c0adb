"""`/api/v1/members/`: scope, masking, reveal, search, filters, writes and query counts."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import Role
from dangjian.audit.models import AuditEntry
from dangjian.core.idnumbers import make_id_number
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant
from dangjian.members.models import Member, Person, RecordChange
from dangjian.members.permissions import VIEW_MEMBER
from dangjian.members.tests.factories import make_member

MEMBERS = "/api/v1/members/"
LIST = {"no_role": 200, "out_of_scope": 200}  # lists show the visible part, possibly empty
ZHANG_ID = make_id_number("410402", date(1980, 3, 9), 11)  # a man born 1980-03-09


def member_url(member, suffix=""):
    return f"{MEMBERS}{member.pk}/{suffix}"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def member_state():
    return (
        list(Person.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
        RecordChange.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def zhang(world):
    return make_member(
        world.branch1,
        "张三",
        birth=date(1980, 3, 9),
        id_number=ZHANG_ID,
        mobile="13812345678",
        address="河南省平顶山市新华区矿工路 8 号",
        work_number="A10086",
    )


@pytest.fixture
def li(world):
    return make_member(world.branch2, "李四", category="probationary", gender="female")


@pytest.fixture
def wang(world):
    return make_member(world.branch3, "王五")


# --- reads ---------------------------------------------------------------------------------------


def test_member_list_matrix(client, world, zhang, li, wang):
    result = assert_access_matrix(
        client,
        url=MEMBERS,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect=LIST,
    )
    assert ids(result.responses["in_scope"]) == {zhang.pk, li.pk}
    assert ids(result.responses["out_of_scope"]) == {wang.pk}
    assert ids(result.responses["no_role"]) == set()


def test_a_branch_secretary_lists_only_the_branch(client, world, zhang, li):
    client.force_login(world.bob)
    assert ids(client.get(MEMBERS)) == {zhang.pk}


def test_member_detail_matrix(client, world, zhang):
    result = assert_access_matrix(
        client,
        url=member_url(zhang),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    body = result.responses["in_scope"].json()
    assert body["person"]["name"] == "张三"
    assert body["person"]["gender_display"] == "男"
    assert body["person"]["work_number"] == "A10086"
    assert body["organization"]["name"] == "综采一队党支部"
    assert body["category_display"] == "正式党员"
    assert body["status"] == "normal"
    assert body["party_age"] >= 14


def test_a_missing_member_is_a_404_with_the_error_body(client, world):
    client.force_login(world.alice)
    response = client.get(f"{MEMBERS}999999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_member_who_left_is_still_found_by_id(client, world):
    gone = make_member(world.branch1, "赵六", status=Member.Status.LEFT)
    client.force_login(world.bob)
    assert client.get(member_url(gone)).json()["status_display"] == "出党"
    assert gone.pk not in ids(client.get(MEMBERS))
    assert gone.pk in ids(client.get(MEMBERS, {"status": "all"}))


def test_a_probationary_member_shows_the_probation_end(client, world, li):
    client.force_login(world.alice)
    body = client.get(member_url(li)).json()
    assert body["party_age"] is None
    assert body["probation_end"] == "2011-07-01"


def test_a_bearer_token_of_a_normal_user_reads_the_branch(client, world, zhang, li):
    token = Token.objects.create(user=world.bob)
    response = client.get(MEMBERS, HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert ids(response) == {zhang.pk}
    detail = client.get(member_url(li), HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert detail.status_code == 404


# --- masking and reveal --------------------------------------------------------------------------


def test_personal_data_is_masked_in_the_list_and_the_detail(client, world, zhang):
    client.force_login(world.alice)  # holds reveal_sensitive, yet nothing is revealed unasked
    for response in (client.get(MEMBERS), client.get(member_url(zhang))):
        text = response.content.decode()
        assert ZHANG_ID not in text
        assert "13812345678" not in text
        assert "矿工路" not in text
    person = client.get(member_url(zhang)).json()["person"]
    assert person["id_number"] == ZHANG_ID[:6] + "********" + ZHANG_ID[-4:]
    assert person["mobile"] == "138****5678"
    assert person["address"] == "河南省平顶山****"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", ZHANG_ID),
        ("mobile", "13812345678"),
        ("address", "河南省平顶山市新华区矿工路 8 号"),
    ],
)
def test_a_holder_of_reveal_sees_the_full_value_and_it_is_audited(
    client, world, zhang, field, value
):
    client.force_login(world.alice)
    response = client.post(member_url(zhang, "reveal/"), {"field": field}, "application/json")
    assert response.status_code == 200
    assert response.json() == {"field": field, "value": value}
    entry = AuditEntry.objects.get(action="members.reveal_sensitive")
    assert entry.actor == world.alice
    assert entry.object_id == str(zhang.person.pk)
    assert entry.after["field"] == field
    assert entry.after["member"] == zhang.pk
    assert value not in str(entry.before) + str(entry.after) + entry.message


def test_each_reveal_is_a_separate_audit_entry(client, world, zhang):
    client.force_login(world.alice)
    for _ in range(2):
        client.post(member_url(zhang, "reveal/"), {"field": "mobile"}, "application/json")
    assert AuditEntry.objects.filter(action="members.reveal_sensitive").count() == 2


def test_reveal_matrix(client, world, zhang):
    result = assert_access_matrix(
        client,
        url=member_url(zhang, "reveal/"),
        method="post",
        data={"field": "id_number"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=lambda: AuditEntry.objects.filter(action="members.reveal_sensitive").count(),
    )
    assert result.responses["in_scope"].json()["value"] == ZHANG_ID


def test_reveal_without_the_permission_is_refused_in_chinese_and_not_audited(client, world, zhang):
    client.force_login(world.bob)  # 党支部书记: sees the member, may not reveal
    response = client.post(member_url(zhang, "reveal/"), {"field": "id_number"}, "application/json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert "members.reveal_sensitive" in error["message"]
    assert "权限" in error["message"]
    assert ZHANG_ID not in response.content.decode()
    assert not AuditEntry.objects.filter(action="members.reveal_sensitive").exists()


def test_reveal_of_an_unknown_field_is_a_400(client, world, zhang):
    client.force_login(world.alice)
    response = client.post(member_url(zhang, "reveal/"), {"field": "name"}, "application/json")
    assert response.status_code == 400
    assert "id_number" in response.json()["error"]["message"]
    assert not AuditEntry.objects.filter(action="members.reveal_sensitive").exists()


def test_reveal_is_a_post_only(client, world, zhang):
    client.force_login(world.alice)
    assert client.get(member_url(zhang, "reveal/")).status_code == 405


# --- search and filters --------------------------------------------------------------------------


@pytest.fixture
def shan(world):
    return make_member(world.branch1, "单晓明")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", {"zhang"}),
        ("zhangsan", {"zhang"}),
        ("ZS", {"zhang"}),
        ("张", {"zhang"}),
        ("shan", {"shan"}),  # 单 as a surname reads shàn …
        ("dan", {"shan"}),  # … and dān; both find 单晓明
        ("sxm", {"shan"}),
        ("dxm", {"shan"}),
        ("A10086", {"zhang"}),
        (ZHANG_ID, {"zhang"}),
        (ZHANG_ID[:6], set()),  # part of an ID number finds nobody
    ],
)
def test_search(client, world, zhang, shan, query, expected):
    client.force_login(world.alice)
    names = {"zhang": zhang.pk, "shan": shan.pk}
    assert ids(client.get(MEMBERS, {"search": query})) == {names[name] for name in expected}


def test_search_by_a_legacy_15_digit_id_number_finds_the_person(client, world, zhang):
    client.force_login(world.alice)
    legacy = ZHANG_ID[:6] + ZHANG_ID[8:17]  # the same person's number before 1999
    assert ids(client.get(MEMBERS, {"search": legacy})) == {zhang.pk}


def test_search_stays_inside_the_scope(client, world, zhang, wang):
    client.force_login(world.bob)
    assert ids(client.get(MEMBERS, {"search": "ww"})) == set()
    assert ids(client.get(MEMBERS, {"search": wang.person.id_number})) == set()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "probationary"}, {"li"}),
        ({"gender": "female"}, {"li"}),
        ({"org": "branch1"}, {"zhang"}),
        ({"org": "mine"}, {"zhang", "li"}),
        ({"joined_year": 2010}, {"zhang", "li"}),
        ({"joined_year": 2011}, set()),
        ({"age": "41-45"}, {"zhang"}),
    ],
)
def test_filters(client, world, zhang, li, params, expected, time_machine):
    time_machine.move_to(date(2026, 1, 1))
    client.force_login(world.alice)
    params = {
        key: getattr(world, value).pk if key == "org" else value for key, value in params.items()
    }
    names = {"zhang": zhang.pk, "li": li.pk}
    assert ids(client.get(MEMBERS, params)) == {names[name] for name in expected}


def test_filtering_by_an_organization_outside_the_scope_is_a_400_in_chinese(client, world, zhang):
    client.force_login(world.alice)
    response = client.get(MEMBERS, {"org": world.branch3.pk})
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["details"]) == {"org"}
    assert "权限范围" in error["message"]


def test_an_invalid_filter_value_names_the_parameter(client, world):
    client.force_login(world.alice)
    response = client.get(MEMBERS, {"category": "nonsense", "joined_year": "abc"})
    assert response.status_code == 400
    assert {"category", "joined_year"} <= set(response.json()["error"]["details"])


def test_the_list_is_paginated(client, world):
    for number in range(5):
        make_member(world.branch1, f"党员{number}")
    client.force_login(world.alice)
    body = client.get(MEMBERS, {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert client.get(MEMBERS, {"page_size": 2, "page": 9}).status_code == 404


def _count_queries(client, url, params=None) -> int:
    client.get(url)  # the first request of a session also touches the session and the user
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200, **(params or {})})
    assert response.status_code == 200
    return len(queries.captured_queries)


def _add_members(world, count, start=0):
    for number in range(start, start + count):
        make_member(world.branch1 if number % 2 else world.branch2, f"党员{number}")


@pytest.mark.parametrize("params", [{}, {"search": "dy"}, {"org": "branch1"}])
def test_member_list_queries_do_not_grow_with_rows(client, world, params):
    client.force_login(world.alice)
    params = {
        key: getattr(world, value).pk if key == "org" else value for key, value in params.items()
    }
    _add_members(world, 4)
    few = _count_queries(client, MEMBERS, params)
    _add_members(world, 8, start=4)
    assert _count_queries(client, MEMBERS, params) == few
    assert few <= 8


# --- writes --------------------------------------------------------------------------------------


def new_member(world, **extra):
    return {
        "name": "孙七",
        "id_number": make_id_number("410402", date(1990, 5, 4), 21),
        "mobile": "13900001111",
        "organization": world.branch1.pk,
        "category": "full",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        **extra,
    }


def test_member_create_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=MEMBERS,
        method="post",
        data=new_member(world),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 403, "out_of_scope": 400, "in_scope": 201},
        state=member_state,
    )
    assert "organization" in result.responses["out_of_scope"].json()["error"]["details"]
    body = result.responses["in_scope"].json()
    assert body["person"]["name"] == "孙七"
    assert body["person"]["gender"] == "male"  # derived from the ID number
    assert body["person"]["birth_date"] == "1990-05-04"
    assert body["person"]["mobile"] == "139****1111"
    member = Member.objects.get(pk=body["id"])
    assert member.person.id_number == new_member(world)["id_number"]
    assert member.person.pinyin_key.strip().startswith("sunqi")
    assert AuditEntry.objects.filter(action="members.record_create").count() == 1
    assert RecordChange.objects.get(person=member.person).source == RecordChange.Source.API


def test_a_created_member_is_found_by_initials(client, world):
    client.force_login(world.alice)
    created = client.post(MEMBERS, new_member(world), "application/json").json()
    assert ids(client.get(MEMBERS, {"search": "sq"})) == {created["id"]}


def test_creating_with_a_bad_id_number_is_a_400_in_chinese_and_writes_nothing(client, world):
    client.force_login(world.alice)
    bad = new_member(world)["id_number"][:-1] + "0"
    if bad == new_member(world)["id_number"]:
        bad = bad[:-1] + "1"
    before = member_state()
    response = client.post(MEMBERS, new_member(world, id_number=bad), "application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["details"]) == ["id_number"]
    assert "校验" in error["message"]
    assert bad not in response.content.decode()
    assert member_state() == before


def test_all_problems_of_a_record_come_back_by_field(client, world):
    client.force_login(world.alice)
    data = new_member(world, gender="female", category="probationary", joined_on="2030-01-01")
    response = client.post(MEMBERS, data, "application/json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert "身份证号" in details["gender"][0]
    assert details["joined_on"] == ["入党日期不能晚于今天。"]
    assert "预备党员" in details["full_member_on"][0]


def test_an_empty_body_lists_the_required_fields(client, world):
    client.force_login(world.alice)
    response = client.post(MEMBERS, {}, "application/json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert {"name", "id_number", "organization", "category", "joined_on"} <= set(details)


def test_a_body_that_does_not_parse_is_a_400_naming_the_fields(client, world):
    client.force_login(world.alice)
    data = new_member(world, joined_on="yesterday", gender="x", unit=999999)
    response = client.post(MEMBERS, data, "application/json")
    assert response.status_code == 400
    assert {"joined_on", "gender", "unit"} <= set(response.json()["error"]["details"])


def test_a_second_create_with_the_same_id_number_is_refused(client, world):
    client.force_login(world.alice)
    assert client.post(MEMBERS, new_member(world), "application/json").status_code == 201
    again = client.post(MEMBERS, new_member(world, work_number="X1"), "application/json")
    assert again.status_code == 400
    assert "已登记" in again.json()["error"]["details"]["id_number"][0]
    assert Person.objects.filter(name="孙七").count() == 1


def test_a_member_cannot_be_put_into_a_party_group(client, world):
    client.force_login(world.alice)
    data = new_member(world, organization=world.group1.pk)
    response = client.post(MEMBERS, data, "application/json")
    assert response.status_code == 400
    assert "党小组" in response.json()["error"]["details"]["organization"][0]


def test_member_update_matrix(client, world, zhang):
    result = assert_access_matrix(
        client,
        url=member_url(zhang),
        method="patch",
        data={"post": "采煤机司机", "mobile": "13700001234"},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=member_state,
    )
    body = result.responses["in_scope"].json()
    assert body["person"]["post"] == "采煤机司机"
    assert body["person"]["mobile"] == "137****1234"
    zhang.person.refresh_from_db()
    assert zhang.person.mobile == "13700001234"
    history = RecordChange.objects.get(person=zhang.person)
    assert history.source == RecordChange.Source.API
    assert "13700001234" not in str(history.changes)
    assert AuditEntry.objects.filter(action="members.record_update").count() == 1


def test_a_visible_member_that_the_caller_may_not_manage_answers_403(client, world, zhang):
    reader = Role.objects.create(name="只读", code="reader", permissions=[VIEW_MEMBER])
    grant(world.charlie, reader.code, world.mine)
    client.force_login(world.charlie)
    assert client.get(member_url(zhang)).status_code == 200
    before = member_state()
    response = client.patch(member_url(zhang), {"post": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert member_state() == before


def test_moving_a_member_out_of_the_scope_is_refused(client, world, zhang):
    client.force_login(world.bob)
    before = member_state()
    response = client.patch(
        member_url(zhang), {"organization": world.branch2.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "organization" in response.json()["error"]["details"]
    assert member_state() == before


def test_an_update_that_breaks_the_record_is_refused_by_field(client, world, zhang):
    client.force_login(world.bob)
    before = member_state()
    response = client.patch(
        member_url(zhang), {"full_member_on": "2009-01-01"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "full_member_on": ["转正日期早于入党日期，请核对。"]
    }
    assert member_state() == before


def test_the_status_is_not_changed_through_an_update(client, world, zhang):
    client.force_login(world.alice)
    before = member_state()
    response = client.patch(member_url(zhang), {"status": "left"}, content_type="application/json")
    assert response.status_code == 400
    assert "党籍变更" in response.json()["error"]["details"]["status"][0]
    assert member_state() == before


def test_members_are_never_deleted_through_the_api(client, world, zhang):
    client.force_login(world.alice)
    assert client.delete(member_url(zhang)).status_code == 405
    assert client.put(member_url(zhang), {}, content_type="application/json").status_code == 405
    assert Member.objects.filter(pk=zhang.pk).exists()


def test_a_session_write_without_the_csrf_token_is_refused(world, zhang):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.alice)
    response = strict.post(member_url(zhang, "reveal/"), {"field": "mobile"}, "application/json")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="members.reveal_sensitive").exists()
