"""`/api/v1/users/` and `/api/v1/role-assignments/`: who sees whom, masking, grants."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.accounts.models import Role, RoleAssignment
from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant, make_user

USERS = "/api/v1/users/"
ME = "/api/v1/users/me/"
GRANTS = "/api/v1/role-assignments/"
LIST = {"no_role": 200, "out_of_scope": 200}  # lists show the visible part, possibly empty


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def grant_state():
    return list(RoleAssignment.objects.order_by("pk").values())


def assignment_of(user) -> RoleAssignment:
    return RoleAssignment.objects.get(user=user)


# --- users ---------------------------------------------------------------------------------------


def test_user_list_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=USERS,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect=LIST,
    )
    assert ids(result.responses["in_scope"]) == {world.alice.pk, world.bob.pk}
    assert ids(result.responses["out_of_scope"]) == {world.dave.pk}
    assert ids(result.responses["no_role"]) == {world.charlie.pk}  # only themselves


def test_user_detail_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=f"{USERS}{world.bob.pk}/",
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    assert result.responses["in_scope"].json()["display_name"] == "鲍勃"


def test_a_user_holding_the_permission_on_the_root_sees_every_account(client, world):
    client.force_login(world.sysadmin)
    assert world.charlie.pk in ids(client.get(USERS))


def test_everyone_sees_their_own_account(client, world):
    client.force_login(world.charlie)
    assert client.get(f"{USERS}{world.charlie.pk}/").status_code == 200


def test_me_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=ME,
        in_scope=world.bob,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 200},
    )
    assert result.responses["no_role"].json()["roles"] == []
    body = result.responses["in_scope"].json()
    assert body["id"] == world.bob.pk
    [role] = body["roles"]
    assert role["role"]["name"] == "党支部书记"
    assert role["organization"]["id"] == world.branch1.pk


def test_mobile_numbers_and_secrets_never_leave(client, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world.bob.mobile = "13812345678"
    world.bob.save(update_fields=["mobile"])
    device = TOTPDevice.objects.create(user=world.bob, name="手机", confirmed=True)
    phone_login = make_user("13987654321", "手机登录")
    grant(phone_login, "party_clerk", world.branch2)
    secrets = ("13812345678", "13987654321", device.key, world.bob.password, '"password"')
    urls = (USERS, f"{USERS}{world.bob.pk}/", f"{USERS}{phone_login.pk}/", GRANTS, ME)
    for viewer in (world.alice, world.bob):
        client.force_login(viewer)
        for url in urls:
            text = client.get(url).content.decode()
            assert not [secret for secret in secrets if secret in text], url
    client.force_login(world.alice)
    assert client.get(f"{USERS}{world.bob.pk}/").json()["mobile"] == "138****5678"
    assert client.get(f"{USERS}{phone_login.pk}/").json()["username"] == "139****4321"
    client.force_login(world.bob)
    assert client.get(ME).json()["mobile"] == "138****5678"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "鲍"}, {"bob"}),
        ({"search": "bob"}, {"bob"}),
        ({"search": "bo"}, set()),  # login names match only whole
        ({"is_active": "false"}, {"bob"}),
    ],
)
def test_user_filters(client, world, params, expected):
    world.bob.is_active = False
    world.bob.save(update_fields=["is_active"])
    client.force_login(world.alice)
    assert ids(client.get(USERS, params)) == {getattr(world, name).pk for name in expected}


def _add_users(organization, count: int, start: int):
    for number in range(start, start + count):
        grant(make_user(f"u{number:04d}", f"用户{number}"), "party_clerk", organization)


def _count_queries(client, url) -> int:
    client.get(url)  # the first request of a session also touches the session and the user
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_user_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    _add_users(world.branch1, 4, start=0)
    few = _count_queries(client, USERS)
    _add_users(world.branch2, 8, start=4)
    assert _count_queries(client, USERS) == few


def test_users_are_read_only_over_the_api(client, world):
    client.force_login(world.sysadmin)
    assert client.post(USERS, {}, content_type="application/json").status_code == 405
    assert client.delete(f"{USERS}{world.bob.pk}/").status_code == 405


# --- role assignments: reads ---------------------------------------------------------------------


def test_role_assignment_list_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=GRANTS,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect=LIST,
    )
    assert ids(result.responses["in_scope"]) == {
        assignment_of(world.alice).pk,
        assignment_of(world.bob).pk,
    }
    assert ids(result.responses["out_of_scope"]) == {assignment_of(world.dave).pk}
    assert ids(result.responses["no_role"]) == set()


def test_a_user_without_the_permission_sees_only_their_own_grants(client, world):
    client.force_login(world.bob)
    assert ids(client.get(GRANTS)) == {assignment_of(world.bob).pk}


def test_the_security_administrator_sees_every_grant(client, world):
    client.force_login(world.secadmin)
    assert ids(client.get(GRANTS)) == set(RoleAssignment.objects.values_list("pk", flat=True))


def test_role_assignment_detail_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=f"{GRANTS}{assignment_of(world.bob).pk}/",
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    body = result.responses["in_scope"].json()
    assert body["user"]["id"] == world.bob.pk
    assert body["role"]["code"] == "branch_secretary"
    assert body["organization"]["id"] == world.branch1.pk


def test_role_assignment_filters(client, world):
    client.force_login(world.secadmin)
    bob, alice = assignment_of(world.bob).pk, assignment_of(world.alice).pk
    role = Role.objects.get(code="branch_secretary")
    assert ids(client.get(GRANTS, {"user": world.bob.pk})) == {bob}
    assert ids(client.get(GRANTS, {"role": role.pk})) == {bob}
    assert ids(client.get(GRANTS, {"organization": world.mine.pk})) == {alice}
    assert ids(client.get(GRANTS, {"within": world.mine.pk})) == {alice, bob}
    client.force_login(world.alice)
    assert client.get(GRANTS, {"within": world.mine2.pk}).status_code == 400


def test_role_assignment_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    _add_users(world.branch1, 4, start=0)
    few = _count_queries(client, GRANTS)
    _add_users(world.branch2, 8, start=4)
    assert _count_queries(client, GRANTS) == few


# --- role assignments: grant and revoke ----------------------------------------------------------


@pytest.fixture
def mine2_security(world):
    """Dave may also grant roles, but only inside the second mine (out of Alice's scope)."""
    role = Role.objects.create(
        name="二矿授权员", code="mine2_grants", permissions=["accounts.grant_role"]
    )
    RoleAssignment.objects.create(user=world.dave, role=role, organization=world.mine2)
    return world.dave


def test_role_grant_matrix(client, world, mine2_security):
    role = Role.objects.get(code="branch_secretary")
    data = {"user": world.charlie.pk, "role": role.pk, "organization": world.branch2.pk}
    result = assert_access_matrix(
        client,
        url=GRANTS,
        method="post",
        data={**data, "note": "支部换届"},
        in_scope=world.secadmin,
        out_of_scope=mine2_security,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 403, "out_of_scope": 400, "in_scope": 201},
        state=grant_state,
    )
    assert "organization" in result.responses["out_of_scope"].json()["error"]["details"]
    body = result.responses["in_scope"].json()
    assert body["user"]["id"] == world.charlie.pk
    assert body["granted_by"]["id"] == world.secadmin.pk
    assert body["note"] == "支部换届"
    assert AuditEntry.objects.filter(action="accounts.role_grant").count() == 1


def test_the_organisation_department_may_not_grant_roles(client, world):
    client.force_login(world.alice)
    role = Role.objects.get(code="party_clerk")
    data = {"user": world.charlie.pk, "role": role.pk, "organization": world.branch2.pk}
    assert client.post(GRANTS, data, content_type="application/json").status_code == 403


def test_three_administrators_refusal_comes_back_as_a_chinese_400(client, world):
    client.force_login(world.secadmin)
    role = Role.objects.get(code="system_admin")
    before = grant_state()
    response = client.post(
        GRANTS,
        {"user": world.auditor.pk, "role": role.pk, "organization": world.group.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "三员不得兼任" in response.json()["error"]["message"]
    assert grant_state() == before


def test_role_grant_validates_the_body(client, world):
    client.force_login(world.secadmin)
    response = client.post(GRANTS, {"user": 999999, "role": "x"}, content_type="application/json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert {"user", "role", "organization"} <= set(details)


def test_role_revoke_matrix(client, world, mine2_security):
    target = assignment_of(world.bob)
    result = assert_access_matrix(
        client,
        url=f"{GRANTS}{target.pk}/?reason=调离",
        method="delete",
        in_scope=world.secadmin,
        out_of_scope=mine2_security,
        no_role=world.charlie,
        api=True,
        expect={"in_scope": 204},
        state=grant_state,
    )
    assert not RoleAssignment.objects.filter(pk=target.pk).exists()
    assert result.responses["in_scope"].content == b""
    entry = AuditEntry.objects.get(action="accounts.role_revoke")
    assert entry.message == "调离"


def test_a_visible_grant_that_the_caller_may_not_revoke_answers_403(client, world):
    client.force_login(world.alice)
    before = grant_state()
    response = client.delete(f"{GRANTS}{assignment_of(world.bob).pk}/")
    assert response.status_code == 403
    assert grant_state() == before


def test_the_last_administrator_role_cannot_be_revoked(client, world):
    client.force_login(world.secadmin)
    before = grant_state()
    response = client.delete(f"{GRANTS}{assignment_of(world.auditor).pk}/")
    assert response.status_code == 400
    assert "最后一位" in response.json()["error"]["message"]
    assert grant_state() == before


def test_a_grant_holder_without_the_view_permission_gets_the_new_grant_back(
    client, world, mine2_security
):
    client.force_login(mine2_security)
    role = Role.objects.get(code="party_clerk")
    data = {"user": world.charlie.pk, "role": role.pk, "organization": world.branch3.pk}
    response = client.post(GRANTS, data, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["organization"]["id"] == world.branch3.pk
