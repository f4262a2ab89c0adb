"""Property-based run over every GET endpoint of the OpenAPI schema (schemathesis).

Generated ids, filters and page numbers — valid and invalid — must never produce a 5xx, and every
answer must match the schema: a documented status code, the documented body (the shared `Error`
component for refusals) and a JSON content type. The calls go through the real WSGI application
with a Bearer token of the organisation department of the first mine.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import UserRateThrottle
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    """The real application; it must not close the test's connection between requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _openapi_document() -> dict:
    """The schema as `/api/v1/schema/` serves it, generated in-process at collection time."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(_openapi_document())


@schema.include(method="GET").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_get_endpoints_answer_within_the_schema_and_never_fail(case, world, wsgi_app, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": None, "anon": None})
    token, _ = Token.objects.get_or_create(user=world.alice)
    headers = {"Authorization": f"Bearer {token.key}"}
    case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
