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
from dangjian.core.jobs import job_create
from dangjian.members.models import ImportBatch
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
    "/api/v1/member-imports/": {"get", "post"},
    "/api/v1/member-imports/{id}/": {"get"},
    "/api/v1/member-imports/{id}/confirm/": {"post"},
    "/api/v1/member-imports/{id}/undo/": {"post"},
    "/api/v1/member-imports/{id}/discard/": {"post"},
    "/api/v1/member-imports/{id}/rejected/": {"get"},
    "/api/v1/member-imports/template/": {"get"},
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


def test_import_answers_match_the_schema(call, world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    batch = ImportBatch.objects.create(
        organization=world.branch1,
        file_name="名册.xlsx",
        status=ImportBatch.Status.PREVIEWED,
        total_rows=3,
        valid_rows=2,
        rejected_rows=1,
        errors=[{"row": 3, "column": "身份证号", "message": "身份证号校验位错误。"}],
        job=job_create(owner=world.bob, kind="members.import_validate", title="校验"),
        created_by=world.bob,
    )
    call(world.bob, "/api/v1/member-imports/", "GET")
    call(world.bob, "/api/v1/member-imports/{id}/", "GET", path_parameters={"id": str(batch.pk)})
    call(world.bob, "/api/v1/member-imports/template/", "GET")
    call(world.charlie, "/api/v1/member-imports/template/", "GET")  # 403
    undo = "/api/v1/member-imports/{id}/undo/"
    assert call(world.bob, undo, "POST", path_parameters={"id": str(batch.pk)}).status_code == 400
    discard = "/api/v1/member-imports/{id}/discard/"
    assert (
        call(world.bob, discard, "POST", path_parameters={"id": str(batch.pk)}).status_code == 200
    )
