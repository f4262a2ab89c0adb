"""Hand-edited ids in URLs and forms never become a 500."""

import pytest
from django.urls import reverse

from dangjian.core.forms import parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("²", None),
        ("٣", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("1e3", None),
        ("9" * 30, None),
    ],
)
def test_parse_id_accepts_only_ascii_digits(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("secadmin", reverse("manage:grants") + "?role=²"),
        ("secadmin", reverse("manage:grant_create") + "?organization=²&user=²"),
        ("auditor", reverse("audit:list") + "?before=²"),
        ("auditor", reverse("audit:list") + "?after=%C2%B2&organization=²"),
    ],
)
def test_odd_digits_in_the_query_string_do_not_break_pages(client, world, user, url):
    client.force_login(getattr(world, user))
    assert client.get(url).status_code == 200
