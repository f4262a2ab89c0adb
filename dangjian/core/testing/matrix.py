"""The permission matrix every endpoint is tested against (netbox / saleor style).

    from dangjian.core.testing.matrix import assert_access_matrix

    def test_org_detail_matrix(client, world):
        assert_access_matrix(
            client,
            url=reverse("orgs:detail", args=[world.branch1.pk]),
            in_scope=world.alice,          # may see it → expect["in_scope"]
            out_of_scope=world.dave,       # holds the role elsewhere → 404
            no_role=world.charlie,         # holds no role → 404 (or 403 for list pages)
            state=lambda: list(Organization.objects.values()),  # must not change when refused
        )

Anonymous callers of a page are sent to the login page (302); of the API they get 401/403.
For writes (method="post"), `state` is compared before and after each refused request and the
test fails if anything changed; the allowed request runs last.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_PAGE = {"anonymous": 302, "no_role": 404, "out_of_scope": 404, "in_scope": 200}
DEFAULT_API = {"anonymous": 401, "no_role": 404, "out_of_scope": 404, "in_scope": 200}


@dataclass
class MatrixResult:
    responses: dict = field(default_factory=dict)


def _request(client, method: str, url: str, data, api: bool):
    call = getattr(client, method.lower())
    if data is None:
        return call(url)
    if api:
        return call(url, data, content_type="application/json")
    return call(url, data)


def assert_access_matrix(
    client,
    *,
    url: str,
    in_scope,
    out_of_scope=None,
    no_role=None,
    method: str = "get",
    data=None,
    api: bool = False,
    expect: dict | None = None,
    state: Callable[[], object] | None = None,
) -> MatrixResult:
    expected = {**(DEFAULT_API if api else DEFAULT_PAGE), **(expect or {})}
    cases = [("anonymous", None), ("no_role", no_role), ("out_of_scope", out_of_scope)]
    result = MatrixResult()
    for case, user in cases:
        if case != "anonymous" and user is None:
            continue
        client.logout()
        if user is not None:
            client.force_login(user)
        before = state() if state else None
        response = _request(client, method, url, data, api)
        result.responses[case] = response
        codes = expected[case]
        codes = codes if isinstance(codes, tuple | list | set) else (codes,)
        assert response.status_code in codes, (
            f"{case}: {method.upper()} {url} answered {response.status_code}, expected {codes}"
        )
        if case == "anonymous" and not api and response.status_code == 302:
            assert "/accounts/login/" in response["Location"], response["Location"]
        if state:
            assert state() == before, f"{case}: a refused {method.upper()} changed data"
    client.logout()
    client.force_login(in_scope)
    response = _request(client, method, url, data, api)
    result.responses["in_scope"] = response
    codes = expected["in_scope"]
    codes = codes if isinstance(codes, tuple | list | set) else (codes,)
    assert response.status_code in codes, (
        f"in_scope: {method.upper()} {url} answered {response.status_code}, expected {codes}"
    )
    client.logout()
    return result
