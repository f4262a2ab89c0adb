"""Chinese 403/404/500 pages, rendered without leaking details."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import include, path


def explode(request):
    raise RuntimeError("secret internals")


def forbid(request):
    raise PermissionDenied


urlpatterns = [
    path("explode/", explode),
    path("forbid/", forbid),
    path("", include("dangjian.urls")),
]
handler403 = "dangjian.core.views.permission_denied"
handler404 = "dangjian.core.views.page_not_found"
handler500 = "dangjian.core.views.server_error"


@pytest.fixture
def error_urls():
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        yield


def test_missing_pages_answer_a_chinese_404(client, db):
    with override_settings(DEBUG=False):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_forbidden_pages_answer_a_chinese_403(client, db, error_urls):
    response = client.get("/forbid/")
    assert response.status_code == 403
    assert "没有访问权限" in response.content.decode()


def test_server_errors_answer_a_chinese_500_without_details(client, db, error_urls):
    client.raise_request_exception = False
    response = client.get("/explode/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错了" in body
    assert "secret internals" not in body
