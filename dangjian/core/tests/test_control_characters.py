"""A query string with control characters (NUL breaks PostgreSQL) is refused before any view."""

import pytest


@pytest.mark.parametrize("url", ["/search/?q=%E5%85%9A%00%E5%BB%BA", "/s/x/c/y/?page=1%01"])
def test_a_page_answers_400_in_chinese(client, db, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "不可见的控制字符" in response.content.decode()


def test_the_api_answers_its_json_error(client, db):
    response = client.get("/api/v1/columns/?site=g%00m1")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "地址里含有不可见的控制字符，请检查后重试。"
    assert list(error["details"]) == ["site"]


def test_ordinary_text_passes(client, db):
    assert client.get("/search/?q=%E5%85%9A%E5%BB%BA").status_code == 200
