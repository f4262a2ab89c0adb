"""The administration entries of the top menu (section "管理")."""

from dangjian.accounts import permissions as perms
from dangjian.core.navigation import Entry, add

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
add(Entry("admin", "安全策略", "manage:security_policy", perms.MANAGE_SECURITY_POLICY, order=40))
