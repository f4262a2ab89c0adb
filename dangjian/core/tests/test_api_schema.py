"""The OpenAPI 3 schema and the local docs UI."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

ENDPOINTS = {
    "/api/v1/organizations/",
    "/api/v1/organizations/{id}/",
    "/api/v1/organizations/{id}/children/",
    "/api/v1/organizations/{id}/move/",
    "/api/v1/organizations/{id}/dissolve/",
    "/api/v1/committees/",
    "/api/v1/committees/{id}/",
    "/api/v1/users/",
    "/api/v1/users/{id}/",
    "/api/v1/users/me/",
    "/api/v1/role-assignments/",
    "/api/v1/role-assignments/{id}/",
}
EXTERNAL_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """Generated the way `python -m dangjian spectacular --validate --fail-on-warn` does it."""
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text(encoding="utf-8"))


def test_the_schema_generates_without_warnings_and_validates(schema):
    assert schema["openapi"].startswith("3.")


def test_the_schema_lists_every_endpoint(schema):
    assert set(schema["paths"]) >= ENDPOINTS


def test_every_operation_documents_the_shared_error_body(schema):
    error_ref = "#/components/schemas/Error"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "429"):
                body = operation["responses"][status]["content"]["application/json"]["schema"]
                assert body == {"$ref": error_ref}, (method, path, status)


def test_the_error_component_has_code_message_and_details(schema):
    error = schema["components"]["schemas"]["Error"]
    detail_name = error["properties"]["error"]["$ref"].rsplit("/", 1)[-1]
    detail = schema["components"]["schemas"][detail_name]
    assert set(detail["properties"]) == {"code", "message", "details"}


def test_detail_operations_document_404(schema):
    for path, operations in schema["paths"].items():
        if "{id}" in path:
            for operation in operations.values():
                assert "404" in operation["responses"], path


def test_both_authentication_schemes_are_documented(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionAuth"]["in"] == "cookie"


def test_the_schema_states_the_scope_rules(schema):
    description = schema["info"]["description"]
    assert "404" in description
    assert "空列表" in description


def test_the_schema_is_served_without_login(client, db):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/organizations/" in response.json()["paths"]


def test_the_docs_page_loads_nothing_from_outside(client, db):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.search(html)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    script_url = re.search(r'<script src="(/api/v1/docs/\?[^"]*)"', html).group(1)
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_the_docs_page_uses_no_inline_script_or_style(client, db):
    html = client.get("/api/v1/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
