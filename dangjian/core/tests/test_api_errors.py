"""The one error body of the API: `{"error": {"code", "message", "details"}}` in Chinese."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from dangjian.core.api import exception_handler
from dangjian.core.exceptions import RuleViolation, ServiceError

ORGS = "/api/v1/organizations/"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert any("\u4e00" <= char <= "\u9fff" for char in error["message"]), error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def test_it_answers_401_with_a_bearer_challenge_to_anonymous_callers(client, world):
    response = client.get(ORGS)
    error = assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error["details"] is None


def test_it_answers_400_with_field_details_for_a_bad_filter(client, world):
    client.force_login(world.alice)
    error = assert_error(client.get(ORGS, {"within": world.branch3.pk}), 400, "invalid")
    assert "within" in error["details"]
    assert error["message"] == error["details"]["within"][0]


def test_it_answers_400_for_a_body_that_is_not_json(client, world):
    client.force_login(world.alice)
    response = client.post(ORGS, "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_it_answers_403_when_the_caller_may_not_act(client, world):
    client.force_login(world.charlie)
    response = client.post(ORGS, {}, content_type="application/json")
    assert_error(response, 403, "permission_denied")


def test_it_answers_404_for_an_object_outside_the_scope(client, world):
    client.force_login(world.alice)
    assert_error(client.get(f"{ORGS}{world.branch3.pk}/"), 404, "not_found")


def test_it_answers_404_for_an_unknown_address_under_the_api(client, world):
    client.force_login(world.alice)
    assert_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_it_says_that_the_trailing_slash_is_missing(client, world):
    client.force_login(world.alice)
    error = assert_error(client.get("/api/v1/organizations"), 404, "not_found")
    assert "/" in error["message"]


def test_it_answers_405_for_a_method_the_endpoint_lacks(client, world):
    client.force_login(world.alice)
    response = client.put(f"{ORGS}{world.mine.pk}/", {}, content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    response = client.delete(f"{ORGS}{world.mine.pk}/")
    assert_error(response, 405, "method_not_allowed")


def test_it_answers_429_with_the_wait_when_a_user_calls_too_often(client, world, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    client.force_login(world.alice)
    assert client.get(ORGS).status_code == 200
    assert client.get(ORGS).status_code == 200
    response = client.get(ORGS)
    error = assert_error(response, 429, "throttled")
    assert error["details"]["retry_after"] >= 1
    assert "Retry-After" in response


def test_anonymous_callers_of_the_public_schema_are_throttled_too(client, db, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/min", "user": "1/min"})
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/schema/").status_code == 429


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ServiceError("该用户已是安全管理员，三员不得兼任。"), 400, "invalid"),
        (ServiceError("日期不对。", code="bad_date"), 400, "bad_date"),
        (ServiceError({"name": ["请填写名称。"]}), 400, "invalid"),
        (Http404(), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (PermissionDenied("只有书记可以签发。"), 403, "permission_denied"),
    ],
)
def test_service_and_django_exceptions_take_the_same_shape(exc, status, code):
    response = exception_handler(exc, {})
    assert response.status_code == status
    error = response.data["error"]
    assert error["code"] == code
    assert any("\u4e00" <= char <= "\u9fff" for char in error["message"])


def test_a_service_error_message_reaches_the_caller_verbatim():
    response = exception_handler(ServiceError("该用户已是安全管理员，三员不得兼任。"), {})
    error = response.data["error"]
    assert error["message"] == "该用户已是安全管理员，三员不得兼任。"
    assert error["details"] == {"non_field_errors": ["该用户已是安全管理员，三员不得兼任。"]}


def test_a_field_error_from_a_service_names_the_field():
    response = exception_handler(ServiceError({"name": ["请填写名称。"]}), {})
    assert response.data["error"]["details"] == {"name": ["请填写名称。"]}


def test_a_rule_violation_carries_its_rule_and_source():
    exc = RuleViolation("党组织树最多 8 级", rule_key="orgs.max_depth", source="DESIGN §4")
    response = exception_handler(exc, {})
    error = response.data["error"]
    assert error["code"] == "rule_violation"
    assert error["message"].startswith("党组织树最多 8 级")
    assert error["details"]["rule"]["rule_key"] == "orgs.max_depth"
    assert error["details"]["rule"]["source"] == "DESIGN §4"


def test_a_chinese_permission_message_is_kept():
    response = exception_handler(PermissionDenied("只有书记可以签发。"), {})
    assert response.data["error"]["message"] == "只有书记可以签发。"


def test_other_exceptions_are_left_to_the_500_handler():
    assert exception_handler(RuntimeError("boom"), {}) is None
