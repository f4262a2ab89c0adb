"""The member endpoints in the OpenAPI schema: documented, and real answers (with data, which
the schema-wide property run lacks) match what the schema says."""

import json
from datetime import date

import pytest
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from dangjian.core.idnumbers import make_id_number
from dangjian.members.tests.factories import make_member, make_person

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ENDPOINTS = {
    "/api/v1/members/": {"get", "post"},
    "/api/v1/members/{id}/": {"get", "patch"},
    "/api/v1/members/{id}/reveal/": {"post"},
    "/api/v1/people/": {"get"},
    "/api/v1/people/{id}/": {"get"},
}


@pytest.fixture(scope="module")
def document():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


@pytest.fixture
def operations(document):
    import schemathesis

    return schemathesis.openapi.from_dict(document)


@pytest.fixture
def wsgi_app():
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def call(operations, wsgi_app):
    def run(user, path, method, **parts):
        token, _ = Token.objects.get_or_create(user=user)
        if "body" in parts:
            parts["media_type"] = "application/json"
        case = operations[path][method].Case(**parts)
        headers = {"Authorization": f"Bearer {token.key}"}
        return case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)

    return run


def test_the_schema_builds_without_warnings(tmp_path, db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_every_member_endpoint_is_documented_with_its_methods(document):
    for path, methods in ENDPOINTS.items():
        assert set(document["paths"][path]) - {"parameters"} == methods, path


def test_the_member_list_documents_the_list_page_filters(document):
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/members/"]["get"]["parameters"]}
    assert {
        "search",
        "org",
        "category",
        "status",
        "gender",
        "age",
        "education",
        "ethnicity",
    } <= set(parameters)
    assert {"joined_year", "title_level", "unit", "sort", "page", "page_size"} <= set(parameters)
    assert "q" not in parameters
    assert "all" in parameters["status"]["schema"]["enum"]
    assert "首字母" in parameters["search"]["description"]


def test_descriptions_are_chinese(document):
    for path in ENDPOINTS:
        for operation in document["paths"][path].values():
            assert any("\u4e00" <= char <= "\u9fff" for char in operation["summary"]), path


def test_real_answers_match_the_schema(call, world):
    member = make_member(world.branch1, "张三", address="河南省平顶山市新华区")
    person = make_person(world.branch1, "赵一")
    call(world.alice, "/api/v1/members/", "GET", query={"search": "zs"})
    call(world.alice, "/api/v1/members/", "GET", query={"org": world.branch3.pk})  # 400
    call(world.alice, "/api/v1/members/{id}/", "GET", path_parameters={"id": member.pk})
    call(world.dave, "/api/v1/members/{id}/", "GET", path_parameters={"id": member.pk})  # 404
    call(world.alice, "/api/v1/people/", "GET")
    call(world.alice, "/api/v1/people/{id}/", "GET", path_parameters={"id": person.pk})


def test_write_answers_match_the_schema(call, world):
    member = make_member(world.branch1, "张三")
    reveal = "/api/v1/members/{id}/reveal/"
    ok = call(
        world.alice, reveal, "POST", path_parameters={"id": member.pk}, body={"field": "mobile"}
    )
    assert ok.status_code == 200
    refused = call(
        world.bob, reveal, "POST", path_parameters={"id": member.pk}, body={"field": "mobile"}
    )
    assert refused.status_code == 403
    body = {
        "name": "孙七",
        "id_number": make_id_number("410402", date(1990, 5, 4), 21),
        "organization": world.branch1.pk,
        "category": "probationary",
        "joined_on": str(date(2025, 7, 1)),
    }
    created = call(world.bob, "/api/v1/members/", "POST", body=body)
    assert created.status_code == 201
    again = call(world.bob, "/api/v1/members/", "POST", body=body)
    assert again.status_code == 400
    updated = call(
        world.bob,
        "/api/v1/members/{id}/",
        "PATCH",
        path_parameters={"id": member.pk},
        body={"post": "电工"},
    )
    assert updated.status_code == 200
