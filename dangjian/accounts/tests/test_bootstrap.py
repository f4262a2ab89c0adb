"""`dangjian bootstrap` creates the root organisation and the three administrators."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dangjian.accounts.models import RoleAssignment, User
from dangjian.orgs.models import Organization

ADMINS = ["--system", "xtgl", "--security", "aqgl", "--audit", "sjgl"]


def bootstrap(*args):
    out = StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def passwords(output):
    return dict(re.findall(r"登录名 (\S+)  初始密码 (\S+)", output))


@pytest.fixture
def empty(db):
    from dangjian.accounts.roles import ensure_builtin_roles

    ensure_builtin_roles()


def test_it_creates_the_root_and_the_three_administrators(empty):
    output = bootstrap("--org-name", "中共某煤业集团委员会", "--org-code", "G", *ADMINS)
    root = Organization.objects.get_root_nodes().get()
    assert (root.name, root.code) == ("中共某煤业集团委员会", "G")
    printed = passwords(output)
    assert set(printed) == {"xtgl", "aqgl", "sjgl"}
    for username, kind in (("xtgl", "system"), ("aqgl", "security"), ("sjgl", "audit")):
        user = User.objects.get(username=username)
        assert user.check_password(printed[username])
        assert user.must_change_password and user.is_active
        assert not user.is_superuser
        assignment = user.role_assignments.get()
        assert (assignment.admin_kind, assignment.organization) == (kind, root)
    assert User.objects.get(username="aqgl").display_name == "安全管理员"


def test_it_uses_an_existing_tree_and_given_display_names(world):
    RoleAssignment.objects.exclude(admin_kind="").delete()
    bootstrap(*ADMINS, "--system-name", "王工")
    user = User.objects.get(username="xtgl")
    assert user.display_name == "王工"
    assert user.role_assignments.get().organization == world.group


def test_it_needs_a_root_when_the_tree_is_empty(empty):
    with pytest.raises(CommandError, match="组织树为空"):
        bootstrap(*ADMINS)
    assert not User.objects.exists()


def test_it_refuses_when_administrators_exist(world):
    before = list(User.objects.values("username", "password"))
    with pytest.raises(CommandError, match="已有三员管理员"):
        bootstrap(*ADMINS)
    assert list(User.objects.values("username", "password")) == before


def test_it_refuses_the_same_person_twice(empty):
    with pytest.raises(CommandError, match="三个不同的账号"):
        bootstrap(
            "--org-name",
            "集团党委",
            "--org-code",
            "G",
            "--system",
            "a1",
            "--security",
            "A1",
            "--audit",
            "a3",
        )
    assert not Organization.objects.exists()


def test_force_resets_existing_administrators_without_doubling_roles(world):
    output = bootstrap(
        "--system", "sysadmin", "--security", "secadmin", "--audit", "auditor", "--force"
    )
    printed = passwords(output)
    secadmin = User.objects.get(username="secadmin")
    assert secadmin.check_password(printed["secadmin"]) and secadmin.must_change_password
    assert RoleAssignment.objects.exclude(admin_kind="").count() == 3


def test_force_does_not_let_one_person_hold_two_administrator_roles(world):
    with pytest.raises(CommandError, match="三员不得兼任"):
        bootstrap("--system", "secadmin", "--security", "sec2", "--audit", "aud2", "--force")
    assert not User.objects.filter(username__in=["sec2", "aud2"]).exists()


def test_an_existing_login_name_is_not_taken_over_without_force(world):
    RoleAssignment.objects.exclude(admin_kind="").delete()
    with pytest.raises(CommandError, match="“charlie”已被使用"):
        bootstrap("--system", "charlie", "--security", "aqgl", "--audit", "sjgl")
    assert not User.objects.filter(username="aqgl").exists()
