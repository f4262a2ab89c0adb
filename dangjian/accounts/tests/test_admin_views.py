"""The /manage/ pages: access matrix for every endpoint, the flows, and query-count guards.

Convention: a list or "new" page without the permission answers 403; an object page answers 404
unless the object lies in the caller's scope.
"""

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.audit.models import AuditEntry
from dangjian.core.models import RuleVersion
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant, make_user

LIST = {"no_role": 403, "out_of_scope": 403}
ORG_VIEW = "orgs.view_organization"


def everything():
    return (
        list(User.objects.order_by("pk").values()),
        list(Role.objects.order_by("pk").values()),
        list(RoleAssignment.objects.order_by("pk").values()),
        list(RuleVersion.objects.values()),
        AuditEntry.objects.count(),
    )


def lock(username):
    AccessAttempt.objects.create(
        username=username,
        ip_address="10.0.0.9",
        user_agent="ua",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


@pytest.fixture
def custom_role(world):
    return Role.objects.create(
        name="通讯报道员", code="propaganda", permissions=["orgs.view_organization"]
    )


# ---------------------------------------------------------------- access matrix: users


def test_user_list_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:users"),
        in_scope=world.sysadmin,
        out_of_scope=world.auditor,
        no_role=world.charlie,
        expect=LIST,
    )


def test_user_create_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:user_create"),
        in_scope=world.sysadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect=LIST,
    )
    assert_access_matrix(
        client,
        url=reverse("manage:user_create"),
        method="post",
        data={"username": "zs01", "display_name": "张三"},
        in_scope=world.sysadmin,
        out_of_scope=world.secadmin,
        no_role=world.charlie,
        expect=LIST,
        state=everything,
    )
    assert User.objects.filter(username="zs01").exists()


def test_user_detail_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:user_detail", args=[world.bob.pk]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_user_edit_matrix(client, world):
    url = reverse("manage:user_edit", args=[world.bob.pk])
    assert_access_matrix(
        client, url=url, in_scope=world.sysadmin, out_of_scope=world.alice, no_role=world.charlie
    )
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data={"display_name": "鲍勃二"},
        in_scope=world.sysadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=everything,
    )
    assert User.objects.get(pk=world.bob.pk).display_name == "鲍勃二"


@pytest.mark.parametrize(
    ("name", "target", "done"),
    [
        ("manage:user_deactivate", "bob", 302),
        ("manage:user_reset_password", "bob", 200),
    ],
)
def test_user_action_matrix(client, world, name, target, done):
    assert_access_matrix(
        client,
        url=reverse(name, args=[getattr(world, target).pk]),
        method="post",
        in_scope=world.sysadmin,
        out_of_scope=world.secadmin,
        no_role=world.charlie,
        expect={"in_scope": done},
        state=everything,
    )


def test_user_activate_matrix(client, world):
    User.objects.filter(pk=world.bob.pk).update(is_active=False)
    assert_access_matrix(
        client,
        url=reverse("manage:user_activate", args=[world.bob.pk]),
        method="post",
        in_scope=world.sysadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=everything,
    )
    assert User.objects.get(pk=world.bob.pk).is_active


def test_user_unlock_matrix(client, world):
    lock("bob")
    assert_access_matrix(
        client,
        url=reverse("manage:user_unlock", args=[world.bob.pk]),
        method="post",
        in_scope=world.secadmin,
        out_of_scope=world.sysadmin,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=lambda: (everything(), AccessAttempt.objects.count()),
    )
    assert not AccessAttempt.objects.exists()


# ---------------------------------------------------------------- access matrix: roles


def test_role_list_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:roles"),
        in_scope=world.secadmin,
        out_of_scope=world.sysadmin,
        no_role=world.charlie,
        expect=LIST,
    )


def test_role_create_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:role_create"),
        method="post",
        data={"name": "通讯报道员", "permissions": ["orgs.view_organization"]},
        in_scope=world.secadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect={**LIST, "in_scope": 302},
        state=everything,
    )
    assert Role.objects.filter(name="通讯报道员", is_builtin=False).exists()


def test_role_detail_matrix(client, world, custom_role):
    assert_access_matrix(
        client,
        url=reverse("manage:role_detail", args=[custom_role.pk]),
        in_scope=world.alice,
        out_of_scope=world.sysadmin,
        no_role=world.charlie,
    )


def test_role_edit_matrix(client, world, custom_role):
    url = reverse("manage:role_edit", args=[custom_role.pk])
    assert_access_matrix(
        client, url=url, in_scope=world.secadmin, out_of_scope=world.alice, no_role=world.charlie
    )
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data={"name": "宣传委员", "permissions": ["orgs.view_committee"]},
        in_scope=world.secadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=everything,
    )
    assert Role.objects.get(pk=custom_role.pk).name == "宣传委员"


def test_role_delete_matrix(client, world, custom_role):
    assert_access_matrix(
        client,
        url=reverse("manage:role_delete", args=[custom_role.pk]),
        method="post",
        in_scope=world.secadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=everything,
    )
    assert not Role.objects.filter(pk=custom_role.pk).exists()


# ---------------------------------------------------------------- access matrix: grants


def test_grant_list_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:grants"),
        in_scope=world.alice,
        out_of_scope=world.sysadmin,
        no_role=world.charlie,
        expect=LIST,
    )


@pytest.mark.parametrize(
    "name", ["manage:grant_create", "manage:grant_user_options", "manage:grant_org_options"]
)
def test_grant_form_pages_matrix(client, world, name):
    assert_access_matrix(
        client,
        url=reverse(name),
        in_scope=world.secadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect=LIST,
    )


def test_grant_create_post_matrix(client, world):
    data = {
        "user": world.charlie.pk,
        "role": Role.objects.get(code="party_clerk").pk,
        "organization": world.branch2.pk,
    }
    assert_access_matrix(
        client,
        url=reverse("manage:grant_create"),
        method="post",
        data=data,
        in_scope=world.secadmin,
        out_of_scope=world.alice,
        no_role=world.bob,
        expect={**LIST, "in_scope": 302},
        state=everything,
    )
    assert RoleAssignment.objects.filter(user=world.charlie, organization=world.branch2).exists()


def test_grant_revoke_matrix(client, world):
    url = reverse("manage:grant_revoke", args=[RoleAssignment.objects.get(user=world.bob).pk])
    assert_access_matrix(
        client, url=url, in_scope=world.secadmin, out_of_scope=world.alice, no_role=world.charlie
    )
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data={"reason": "调离"},
        in_scope=world.secadmin,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=everything,
    )
    assert not RoleAssignment.objects.filter(user=world.bob).exists()


# ---------------------------------------------------------------- access matrix: policy


def test_policy_list_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:security_policy"),
        in_scope=world.secadmin,
        out_of_scope=world.auditor,
        no_role=world.charlie,
        expect=LIST,
    )


def test_each_administrator_sees_only_the_rules_they_may_change(client, world):
    client.force_login(world.secadmin)
    page = client.get(reverse("manage:security_policy")).content.decode()
    assert "accounts.lockout_minutes" in page and "audit.retention_days" in page
    assert "orgs.branch_max_members" not in page
    client.force_login(world.sysadmin)
    page = client.get(reverse("manage:security_policy")).content.decode()
    assert "orgs.branch_max_members" in page
    assert "accounts.lockout_minutes" not in page
    url = reverse("manage:security_rule", args=["accounts.lockout_minutes"])
    assert client.get(url).status_code == 404


def test_policy_rule_matrix(client, world):
    url = reverse("manage:security_rule", args=["accounts.lockout_minutes"])
    assert_access_matrix(
        client, url=url, in_scope=world.secadmin, out_of_scope=world.sysadmin, no_role=world.charlie
    )
    data = {"value": "20", "valid_from": timezone.localdate().isoformat(), "note": "制度修订"}
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data=data,
        in_scope=world.secadmin,
        out_of_scope=world.auditor,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=everything,
    )
    assert RuleVersion.objects.get().value == 20


def test_unknown_or_foreign_rules_answer_404(client, world):
    client.force_login(world.secadmin)
    for key in ("accounts.nothing", "orgs.branch_max_members"):
        assert client.get(reverse("manage:security_rule", args=[key])).status_code == 404


# ---------------------------------------------------------------- flows


def test_creating_a_user_shows_the_password_once(client, world):
    client.force_login(world.sysadmin)
    response = client.post(
        reverse("manage:user_create"), {"username": "13800138000", "display_name": "王五"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    assert User.objects.get(username="13800138000").check_password(password)


def test_a_refused_create_shows_the_reason_and_keeps_the_input(client, world):
    client.force_login(world.sysadmin)
    response = client.post(reverse("manage:user_create"), {"username": "bob", "display_name": "X"})
    assert response.status_code == 200
    assert "登录名“bob”已被使用" in response.content.decode()


def test_the_user_list_searches_and_filters(client, world):
    lock("bob")
    User.objects.filter(pk=world.charlie.pk).update(is_active=False)
    client.force_login(world.sysadmin)
    url = reverse("manage:users")
    names = lambda response: [u.username for u in response.context["users"]]  # noqa: E731
    assert names(client.get(url, {"q": "鲍"})) == ["bob"]
    assert names(client.get(url, {"status": "locked"})) == ["bob"]
    assert names(client.get(url, {"status": "inactive"})) == ["charlie"]
    page = client.get(url).content.decode()
    assert "锁定至" in page and "已停用" in page


def test_a_department_sees_only_users_holding_roles_in_its_subtree(client, world):
    client.force_login(world.alice)
    response = client.get(reverse("manage:users"))
    assert {u.username for u in response.context["users"]} == {"alice", "bob"}
    assert "新建用户" not in response.content.decode()


def test_the_grant_form_offers_only_organisations_in_scope(client, world):
    granter = make_user("granter", "授权员")
    role = Role.objects.create(name="二级授权", code="sub_granter", permissions=[])
    Role.objects.filter(pk=role.pk).update(permissions=["accounts.grant_role"])
    grant(granter, "sub_granter", world.mine)
    client.force_login(granter)
    form = client.get(reverse("manage:grant_create")).context["form"]
    offered = set(form.fields["organization"].queryset)
    assert offered == {world.mine, world.branch1, world.group1, world.branch2}
    options = client.get(reverse("manage:grant_org_options"), {"org_q": "党支部"})
    text = options.content.decode()
    assert "综采一队党支部" in text and "通风区党支部" not in text
    response = client.post(
        reverse("manage:grant_create"),
        {"user": world.charlie.pk, "role": role.pk, "organization": world.branch3.pk},
    )
    assert response.status_code == 200 and response.context["form"].errors["organization"]


def test_the_grant_form_shows_the_three_admin_message(client, world):
    client.force_login(world.secadmin)
    response = client.post(
        reverse("manage:grant_create"),
        {
            "user": world.sysadmin.pk,
            "role": Role.objects.get(code="audit_admin").pk,
            "organization": world.group.pk,
        },
    )
    assert "该用户已是系统管理员，三员不得兼任" in response.content.decode()


def test_revoking_the_last_admin_shows_why(client, world):
    client.force_login(world.secadmin)
    assignment = RoleAssignment.objects.get(user=world.auditor)
    response = client.post(reverse("manage:grant_revoke", args=[assignment.pk]))
    assert response.status_code == 200
    assert "最后一位审计管理员" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_built_in_roles_open_read_only(client, world):
    client.force_login(world.secadmin)
    role = Role.objects.get(code="org_department")
    response = client.get(reverse("manage:role_edit", args=[role.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("manage:role_detail", args=[role.pk])


def test_the_role_form_disables_reserved_permissions(client, world):
    client.force_login(world.secadmin)
    page = client.get(reverse("manage:role_create")).content.decode()
    assert 'value="audit.view_log" id="perm-auditview_log" disabled' in page
    assert "党组织" in page and "账号与权限" in page


def test_a_policy_change_in_the_future_is_listed_as_pending(client, world):
    client.force_login(world.secadmin)
    later = timezone.localdate() + datetime.timedelta(days=7)
    client.post(
        reverse("manage:security_rule", args=["accounts.password_max_age_days"]),
        {"value": "60", "valid_from": later.isoformat(), "note": "集团新规"},
    )
    page = client.get(reverse("manage:security_policy")).content.decode()
    assert f"{later:%Y-%m-%d} 起取 60天" in page


def test_a_bad_policy_value_is_refused_with_the_bounds(client, world):
    client.force_login(world.secadmin)
    response = client.post(
        reverse("manage:security_rule", args=["accounts.password_min_length"]),
        {"value": "4", "valid_from": timezone.localdate().isoformat(), "note": "x"},
    )
    assert "不能小于 8位" in response.content.decode()
    assert not RuleVersion.objects.exists()


def test_the_admin_menu_lists_each_page_for_its_holder(client, world):
    client.force_login(world.secadmin)
    page = client.get(reverse("manage:roles")).content.decode()
    for label in ("用户管理", "角色管理", "授权管理", "规则与策略"):
        assert label in page
    client.force_login(world.sysadmin)
    page = client.get(reverse("manage:users")).content.decode()
    assert "授权管理" not in page
    assert "规则与策略" in page  # the organisation rules, not the security policy


# ---------------------------------------------------------------- query-count guards


def _rows(count, world):
    """`count` more users, each holding a role (a grant row) and locked, and `count` roles."""
    role = Role.objects.get(code="party_clerk")
    for _ in range(count):
        index = User.objects.count()
        user = make_user(f"u{index:04d}", f"用户{index}")
        RoleAssignment.objects.create(user=user, role=role, organization=world.branch1)
        lock(user.username)
        Role.objects.create(name=f"角色{index}", code=f"r{index}", permissions=[ORG_VIEW])


def _queries(client, django_assert_max_num_queries, url, budget):
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("sysadmin", "manage:users"),
        ("alice", "manage:users"),
        ("secadmin", "manage:grants"),
        ("secadmin", "manage:roles"),
        ("secadmin", "manage:security_policy"),
    ],
)
def test_list_pages_do_not_grow_with_rows(client, world, django_assert_max_num_queries, who, name):
    client.force_login(getattr(world, who))
    url = reverse(name)
    client.get(url)  # the first request of a session also writes the session
    _rows(3, world)  # N rows …
    few = _queries(client, django_assert_max_num_queries, url, 15)
    _rows(6, world)  # … then 3N, all still on the first page
    assert _queries(client, django_assert_max_num_queries, url, few) == few


def test_the_grant_list_filters_by_role_user_organisation_and_text(client, world):
    client.force_login(world.secadmin)
    url = reverse("manage:grants")
    users = lambda params: sorted(  # noqa: E731
        a.user.username for a in client.get(url, params).context["page_obj"]
    )
    assert users({"role": Role.objects.get(code="org_department").pk}) == ["alice", "dave"]
    assert users({"org": world.mine.pk}) == ["alice", "bob"]
    assert users({"user": world.bob.pk}) == ["bob"]
    assert users({"q": "二矿"}) == ["dave"]
    assert len(users({"org": "junk", "role": "x"})) == 6


def test_a_department_sees_only_grants_inside_its_subtree(client, world):
    client.force_login(world.alice)
    response = client.get(reverse("manage:grants"))
    assert sorted(a.user.username for a in response.context["page_obj"]) == ["alice", "bob"]
    assert "收回" not in response.content.decode()


def test_the_rules_entry_is_hidden_from_an_organisation_department_below_the_root(client, world):
    client.force_login(world.alice)
    page = client.get(reverse("orgs:tree")).content.decode()
    assert "组织机构" in page
    assert "规则与策略" not in page
