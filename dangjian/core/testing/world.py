"""A small, named world for tests (healthchecks style): built in code, no fixtures.

    集团党委 (group)
    └── 一矿党委 (mine)                         ← Alice: 组织部 here (whole mine)
        ├── 综采一队党支部 (branch1)             ← Bob: 党支部书记 here
        │   └── 第一党小组 (group1)
        └── 掘进二队党支部 (branch2)
    └── 二矿党委 (mine2)                        ← Dave: 组织部 here (out of Alice's scope)
        └── 通风区党支部 (branch3)

Charlie has an account and no role. sysadmin / secadmin / auditor hold the three admin roles on
the group.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

PASSWORD = "Dangjian#2026"  # noqa: S105 — test-only password that satisfies the policy


@dataclass
class World:
    group: object
    mine: object
    branch1: object
    group1: object
    branch2: object
    mine2: object
    branch3: object
    alice: object
    bob: object
    charlie: object
    dave: object
    sysadmin: object
    secadmin: object
    auditor: object
    password: str = PASSWORD


def make_user(username: str, display_name: str, **extra):
    from django.utils import timezone

    extra.setdefault("password_changed_at", timezone.now())  # in the INSERT, not a second save
    return get_user_model().objects.create_user(
        username,
        PASSWORD,
        display_name=display_name,
        must_change_password=False,
        **extra,
    )


def member_user(username: str, display_name: str, organization):
    """A user linked to a person who is a party member of `organization`."""
    import datetime as dt

    from dangjian.members.models import Member, Person

    person = Person.objects.create(name=display_name, gender="male")
    Member.objects.create(
        person=person,
        organization=organization,
        category=Member.Category.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_member_on=dt.date(2016, 7, 1),
    )
    return make_user(username, display_name, person=person)


def grant(user, role_code: str, organization):
    from dangjian.accounts.models import Role, RoleAssignment

    role = Role.objects.get(code=role_code)
    return RoleAssignment.objects.create(
        user=user, role=role, organization=organization, admin_kind=role.admin_kind
    )


def build_world() -> World:
    from dangjian.accounts.models import Role
    from dangjian.accounts.roles import BUILTIN_ROLES, ensure_builtin_roles
    from dangjian.meetings.defaults import ensure_defaults
    from dangjian.orgs.models import Organization, OrgType

    # Data made by migrations (roles, meeting types and rules) is restored by post_migrate after
    # a transactional test's flush; the two idempotent calls remain as a safety net. Refreshing
    # the roles is about 40 queries (an update_or_create per role) in nearly every test, so it
    # only runs when a built-in role is missing (a test that edits a role is rolled back or
    # flushed, and the flush's post_migrate rewrites them).
    codes = {spec.code for spec in BUILTIN_ROLES}
    if Role.objects.filter(code__in=codes, is_builtin=True).count() != len(codes):
        ensure_builtin_roles()
    ensure_defaults()
    tree = Organization.objects
    group = tree.add_root(
        {
            "org_type": OrgType.COMMITTEE,
            "name": "中共某煤业集团委员会",
            "short_name": "集团党委",
            "code": "G",
        }
    )
    mine = tree.add_child(
        group,
        {
            "org_type": OrgType.COMMITTEE,
            "name": "中共一矿委员会",
            "short_name": "一矿党委",
            "code": "G-M1",
        },
    )
    branch1 = tree.add_child(
        mine, {"org_type": OrgType.BRANCH, "name": "综采一队党支部", "code": "G-M1-B1"}
    )
    group1 = tree.add_child(
        branch1, {"org_type": OrgType.GROUP, "name": "第一党小组", "code": "G-M1-B1-G1"}
    )
    branch2 = tree.add_child(
        mine, {"org_type": OrgType.BRANCH, "name": "掘进二队党支部", "code": "G-M1-B2"}
    )
    mine2 = tree.add_child(
        group,
        {
            "org_type": OrgType.COMMITTEE,
            "name": "中共二矿委员会",
            "short_name": "二矿党委",
            "code": "G-M2",
        },
    )
    branch3 = tree.add_child(
        mine2, {"org_type": OrgType.BRANCH, "name": "通风区党支部", "code": "G-M2-B3"}
    )
    # The nodes as stored now (add_child changed the parents' numchild): one query, not seven.
    fresh = tree.in_bulk([n.pk for n in (group, mine, branch1, group1, branch2, mine2, branch3)])
    group, mine, branch1, group1, branch2, mine2, branch3 = (
        fresh[n.pk] for n in (group, mine, branch1, group1, branch2, mine2, branch3)
    )

    alice = make_user("alice", "艾丽")
    bob = make_user("bob", "鲍勃")
    charlie = make_user("charlie", "查理")
    dave = make_user("dave", "戴维")
    sysadmin = make_user("sysadmin", "系统管理员")
    secadmin = make_user("secadmin", "安全管理员")
    auditor = make_user("auditor", "审计管理员")
    grant(alice, "org_department", mine)
    grant(bob, "branch_secretary", branch1)
    grant(dave, "org_department", mine2)
    grant(sysadmin, "system_admin", group)
    grant(secadmin, "security_admin", group)
    grant(auditor, "audit_admin", group)
    return World(
        group,
        mine,
        branch1,
        group1,
        branch2,
        mine2,
        branch3,
        alice,
        bob,
        charlie,
        dave,
        sysadmin,
        secadmin,
        auditor,
    )
