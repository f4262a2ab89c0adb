"""`/api/v1/development/…`: the permission matrix of every endpoint, the rule error body, the
state machine through the API, bad input (never a 500) and query-count guards."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.development import services
from dangjian.development.models import CaseStep, DevelopmentCase, Quota, State, StepCode
from dangjian.development.tests.factories import (
    TODAY_AFTER_PATH,
    make_applicant,
    make_full_members,
    open_case,
    walk,
)

C = StepCode
BASE = "/api/v1/development"
LIST = {"anonymous": 401, "no_role": 200, "out_of_scope": 200, "in_scope": 200}
WRITE = {"anonymous": 401, "no_role": (403, 404), "out_of_scope": 404, "in_scope": 201}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(
        datetime.combine(TODAY_AFTER_PATH, datetime.min.time(), ZoneInfo("Asia/Shanghai"))
    )


@pytest.fixture
def case(world):
    return open_case(world)


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def steps_of(case):
    return lambda: list(CaseStep.objects.filter(case=case).values_list("code", flat=True))


# ---------------------------------------------------------------- reads


def test_case_list_matrix(client, world, case):
    result = assert_access_matrix(
        client, url=f"{BASE}/cases/", in_scope=world.alice, out_of_scope=world.dave,
        no_role=world.charlie, api=True, expect=LIST,
    )  # fmt: skip
    assert ids(result.responses["in_scope"]) == {case.pk}
    assert ids(result.responses["out_of_scope"]) == set()
    assert ids(result.responses["no_role"]) == set()


def test_case_detail_matrix(client, world, case):
    result = assert_access_matrix(
        client, url=f"{BASE}/cases/{case.pk}/", in_scope=world.bob, out_of_scope=world.dave,
        no_role=world.charlie, api=True,
    )  # fmt: skip
    body = result.responses["in_scope"].json()
    assert body["state"] == "applied" and body["state_display"] == "已递交申请"
    assert body["steps"][0]["code"] == "application"
    assert "id_number" not in str(body)


@pytest.mark.parametrize("suffix", ["deadlines/", "available-steps/"])
def test_case_sub_reads_matrix(client, world, case, suffix):
    assert_access_matrix(
        client, url=f"{BASE}/cases/{case.pk}/{suffix}", in_scope=world.bob,
        out_of_scope=world.dave, no_role=world.charlie, api=True,
    )  # fmt: skip


def test_the_applicant_sees_their_own_case(client, world, case):
    world.charlie.person_id = case.person_id
    world.charlie.save(update_fields=["person"])
    client.force_login(world.charlie)
    assert client.get(f"{BASE}/cases/{case.pk}/").status_code == 200
    response = client.post(f"{BASE}/cases/{case.pk}/steps/", {"code": "talk",
                           "done_on": "2024-02-01"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 403


def test_list_filters(client, world, case):
    other = services.case_open(
        actor=world.alice, person=make_applicant(world.branch2, "孙七"),
        organization=world.branch2, applied_on=date(2024, 1, 10), received_on=date(2024, 1, 12),
    )  # fmt: skip
    services.step_record(actor=world.bob, case=case, code=C.TALK, done_on=date(2024, 2, 1))
    client.force_login(world.alice)
    assert ids(client.get(f"{BASE}/cases/?state=talked")) == {case.pk}
    assert ids(client.get(f"{BASE}/cases/?organization={world.branch2.pk}")) == {other.pk}
    for bad in ("state=nonsense", "organization=abc", f"organization={world.branch3.pk}",
                "organization=99999999999"):  # fmt: skip
        response = client.get(f"{BASE}/cases/?{bad}")
        assert response.status_code == 400, bad
        assert response.json()["error"]["message"]


def test_the_case_list_does_not_grow_queries_with_rows(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.alice)
    open_case(world)
    client.get(f"{BASE}/cases/")
    for index in range(8):
        open_case(world, make_applicant(world.branch1, f"申请人{index}"))
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/cases/")
    assert response.json()["count"] == 9


def test_the_case_detail_does_not_grow_queries_with_history(
    client, world, django_assert_max_num_queries
):
    case = walk(world, open_case(world))
    client.force_login(world.alice)
    with django_assert_max_num_queries(14):
        response = client.get(f"{BASE}/cases/{case.pk}/")
    assert len(response.json()["steps"]) == CaseStep.objects.filter(case=case).count()


def test_pipeline_and_deadlines(client, world, case, django_assert_max_num_queries):
    assert_access_matrix(client, url=f"{BASE}/pipeline/", in_scope=world.alice,
                         out_of_scope=world.dave, no_role=world.charlie, api=True,
                         expect=LIST)  # fmt: skip
    client.force_login(world.alice)
    with django_assert_max_num_queries(8):
        body = client.get(f"{BASE}/pipeline/").json()
    assert body["counts"]["applied"] == 1 and body["total"] == 1
    assert body["branches"][0]["organization_id"] == world.branch1.pk
    with django_assert_max_num_queries(8):
        overdue = client.get(f"{BASE}/deadlines/?overdue=true").json()
    assert overdue["count"] == 1
    assert [(row["case"], row["key"]) for row in overdue["results"]] == [(case.pk, "talk")]
    assert client.get(f"{BASE}/deadlines/?days=0").status_code == 400
    client.force_login(world.dave)
    assert client.get(f"{BASE}/deadlines/?overdue=1").json()["results"] == []
    assert client.get(f"{BASE}/pipeline/").json()["total"] == 0


def test_quota_matrix_and_upsert(client, world):
    quota = Quota.objects.create(organization=world.branch1, year=2026, planned=3)
    result = assert_access_matrix(client, url=f"{BASE}/quotas/?year=2026", in_scope=world.alice,
                                  out_of_scope=world.dave, no_role=world.charlie, api=True,
                                  expect=LIST)  # fmt: skip
    assert ids(result.responses["in_scope"]) == {quota.pk}
    assert_access_matrix(client, url=f"{BASE}/quotas/{quota.pk}/", in_scope=world.bob,
                         out_of_scope=world.dave, no_role=world.charlie, api=True)  # fmt: skip
    data = {"organization": world.branch1.pk, "year": 2026, "planned": 5}
    assert_access_matrix(
        client, url=f"{BASE}/quotas/", method="post", data=data, in_scope=world.alice,
        out_of_scope=world.dave, no_role=world.charlie, api=True,
        expect={"no_role": 400, "out_of_scope": 400, "in_scope": 200},
        state=lambda: list(Quota.objects.values_list("planned", flat=True)),
    )  # fmt: skip
    quota.refresh_from_db()
    assert quota.planned == 5
    client.force_login(world.bob)
    assert client.post(f"{BASE}/quotas/", data, content_type="application/json").status_code == 400


def test_the_quota_list_does_not_grow_queries_with_rows(
    client, world, django_assert_max_num_queries
):
    from dangjian.orgs.models import Organization, OrgType

    client.force_login(world.alice)
    Quota.objects.create(organization=world.branch1, year=2026, planned=3)
    client.get(f"{BASE}/quotas/?year=2026")
    for index in range(6):
        branch = Organization.objects.add_child(
            world.mine, {"org_type": OrgType.BRANCH, "name": f"支部{index}", "code": f"Q{index}"}
        )
        Quota.objects.create(organization=branch, year=2026, planned=index)
    with django_assert_max_num_queries(7):
        response = client.get(f"{BASE}/quotas/?year=2026")
    assert response.json()["count"] == 7


def test_check_matrix(client, world, case):
    assert_access_matrix(
        client, url=f"{BASE}/cases/{case.pk}/check/", method="post",
        data={"code": "talk", "done_on": "2024-02-01"}, in_scope=world.bob,
        out_of_scope=world.dave, no_role=world.charlie, api=True,
        expect={"anonymous": 401, "no_role": 404, "out_of_scope": 404, "in_scope": 200},
        state=steps_of(case),
    )  # fmt: skip


# ---------------------------------------------------------------- writes


def test_open_case_matrix(client, world):
    person = make_applicant(world.branch1)
    data = {"person": person.pk, "organization": world.branch1.pk,
            "applied_on": "2024-01-10", "received_on": "2024-01-12"}  # fmt: skip
    result = assert_access_matrix(
        client, url=f"{BASE}/cases/", method="post", data=data, in_scope=world.bob,
        out_of_scope=world.dave, no_role=world.charlie, api=True,
        expect={"no_role": 403, "out_of_scope": 400, "in_scope": 201},
        state=lambda: DevelopmentCase.objects.count(),
    )  # fmt: skip
    assert result.responses["in_scope"].json()["state"] == "applied"


def test_step_matrix(client, world, case):
    data = {"code": "talk", "done_on": "2024-02-01"}
    result = assert_access_matrix(
        client, url=f"{BASE}/cases/{case.pk}/steps/", method="post", data=data,
        in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie, api=True,
        expect=WRITE, state=steps_of(case),
    )  # fmt: skip
    assert result.responses["in_scope"].json()["to_state"] == "talked"


def test_a_committee_step_by_the_branch_is_403_and_changes_nothing(client, world, case):
    walk(world, case, until=State.ACTIVIST)
    client.force_login(world.bob)
    before = steps_of(case)()
    response = client.post(f"{BASE}/cases/{case.pk}/steps/", {"code": "activist_filing",
                           "done_on": "2024-07-20"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert "上级党委" in response.json()["error"]["message"]
    assert steps_of(case)() == before


def test_a_blocked_rule_answers_the_rule_with_its_dates_and_earliest_date(client, world, case):
    walk(world, case, stop_before=C.CANDIDATE)
    client.force_login(world.bob)
    response = client.post(f"{BASE}/cases/{case.pk}/steps/", {"code": "candidate",
                           "done_on": "2025-06-15"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "rule_violation"
    assert error["message"].startswith("确定为发展对象须在列为入党积极分子满1年后")
    block = error["details"]["blocks"][0]
    assert block["rule_key"] == "development.cultivation_min_months"
    assert block["earliest"] == "2025-07-15"
    assert block["dates"]["列为积极分子"] == "2024-07-15"
    assert block["overridable"] is True
    assert "第十二条" in block["source"]
    check = client.post(f"{BASE}/cases/{case.pk}/check/", {"code": "candidate",
                        "done_on": "2025-07-15"}, content_type="application/json")  # fmt: skip
    assert check.status_code == 200 and check.json() == []


def test_an_illegal_transition_through_the_api_is_400(client, world, case):
    client.force_login(world.alice)
    for code in ("approval", "conversion_approval", "archive", "candidate", "extension"):
        response = client.post(f"{BASE}/cases/{case.pk}/steps/", {"code": code,
                               "done_on": "2024-02-01", "note": "理由"},
                               content_type="application/json")  # fmt: skip
        assert response.status_code == 400, code
        assert "不能办理" in response.json()["error"]["message"]
    case.refresh_from_db()
    assert case.state == State.APPLIED


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "application", "done_on": "2024-02-01"},
        {"code": "talk"},
        {"code": "talk", "done_on": "yesterday"},
        {"code": "talk", "done_on": "2099-01-01"},
        {"code": "talk", "done_on": "2024-02-01", "override_rules": "x"},
        {"code": "talk", "done_on": "2024-02-01", "party_group": 999999},
        {"code": "talk", "done_on": "2024-02-01", "months": "many"},
        [1, 2],
    ],
)
def test_bad_step_input_is_a_400_in_chinese(client, world, case, body):
    client.force_login(world.bob)
    response = client.post(f"{BASE}/cases/{case.pk}/steps/", body, content_type="application/json")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert any("\u4e00" <= char <= "\u9fff" for char in message), message


def test_records_through_the_api(client, world, case):
    member = make_full_members(world.branch1, 1)[0]
    client.force_login(world.bob)
    post = lambda suffix, data: client.post(  # noqa: E731
        f"{BASE}/cases/{case.pk}/{suffix}/", data, content_type="application/json"
    )
    assert post("sponsors", {"kind": "contact", "member": member.pk,
                             "assigned_on": "2024-07-20"}).status_code == 201  # fmt: skip
    assert post("publicity", {"purpose": "candidate", "starts_on": "2025-08-11",
                              "ends_on": "2025-08-15"}).json()["working_days"] == 5  # fmt: skip
    vote = post("votes", {"purpose": "acceptance", "meeting_on": "2025-09-02", "entitled": 20,
                          "present": 11, "yes": 10})  # fmt: skip
    assert vote.status_code == 201 and vote.json()["has_quorum"] and not vote.json()["passed"]
    training = {"title": "培训班", "starts_on": "2025-08-04", "ends_on": "2025-08-06",
                "days": 3, "hours": "24"}  # fmt: skip
    assert post("trainings", training).status_code == 201
    assert post("political-reviews", {"concluded_on": "2025-08-01",
                                      "passed": True}).status_code == 201  # fmt: skip
    bad = post("votes", {"purpose": "acceptance", "meeting_on": "2025-09-02", "entitled": 5,
                         "present": 6, "yes": 1})  # fmt: skip
    assert bad.status_code == 400 and "实到会人数" in bad.json()["error"]["message"]
    client.force_login(world.dave)
    assert post("votes", {"purpose": "acceptance", "meeting_on": "2025-09-02",
                          "present": 1, "yes": 1}).status_code == 404  # fmt: skip


def test_writes_need_the_csrf_token_with_a_session(world, case):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bob)
    response = client.post(f"{BASE}/cases/{case.pk}/steps/", {"code": "talk",
                           "done_on": "2024-02-01"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert not CaseStep.objects.filter(case=case, code="talk").exists()
