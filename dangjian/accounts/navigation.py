"""The administration entries of the top menu (section "管理")."""

from dangjian.accounts import permissions as perms
from dangjian.accounts.manage_selectors import may_change_some_rule
from dangjian.core.navigation import Entry, add
from dangjian.orgs import permissions as orgs_perms

add(Entry("admin", "用户管理", "manage:users", perms.VIEW_USER, order=10))
add(
    Entry(
        "admin",
        "角色管理",
        "manage:roles",
        order=20,
        any_of=(perms.MANAGE_ROLE, perms.VIEW_ROLE_ASSIGNMENT),
    )
)
add(
    Entry(
        "admin",
        "授权管理",
        "manage:grants",
        order=30,
        any_of=(perms.VIEW_ROLE_ASSIGNMENT, perms.GRANT_ROLE),
    )
)
add(
    Entry(
        "admin",
        "规则与策略",
        "manage:security_policy",
        order=40,
        any_of=(perms.MANAGE_SECURITY_POLICY, orgs_perms.MANAGE_ORGANIZATION),
        visible=may_change_some_rule,
    )
)
