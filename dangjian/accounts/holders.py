"""Who is told: for an organisation, the active users holding a permission through a grant on
the organisation itself or, failing that, on its nearest ancestor where anyone holds it — the
branch secretary for a branch, the 组织部 of the committee above it when the branch has no one;
never every grant-holder up to the group. Reminders and notifications of every app use it.

    lineage(path)                        the path and its ancestors' paths, nearest first
    roles_with(permission)               ids of the roles that include the permission (one query)
    holders_on(paths, roles)             {path: {user ids}} granted one of the roles there
    nearest(holders, paths)              the users of the first path that has any
    nearest_holders(organizations, permission)   {organisation id: [user ids]}, a fixed number
                                         of queries for any number of organisations
    nearest_holders_of(organization, permission) [user ids] for one organisation
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from dangjian.accounts.models import Role, RoleAssignment

STEP = 4  # treebeard path characters per level (orgs.Organization.steplen)
CHUNK = 900  # paths per IN (...) list, under SQLite's variable limit


def lineage(path: str) -> list[str]:
    return [path[:end] for end in range(len(path), 0, -STEP)]


def roles_with(permission: str) -> list[int]:
    rows = Role.objects.values_list("pk", "permissions")
    return [pk for pk, permissions in rows if permission in (permissions or [])]


def holders_on(paths: Iterable[str], roles: list[int]) -> dict[str, set[int]]:
    holders: dict[str, set[int]] = defaultdict(set)
    ordered = sorted(set(paths))
    for start in range(0, len(ordered), CHUNK):
        rows = RoleAssignment.objects.filter(
            role_id__in=roles,
            organization__path__in=ordered[start : start + CHUNK],
            user__is_active=True,
        ).values_list("organization__path", "user_id")
        for path, user_id in rows:
            holders[path].add(user_id)
    return holders


def nearest(holders: dict[str, set[int]], paths: Iterable[str]) -> set[int]:
    for path in paths:
        if holders.get(path):
            return set(holders[path])
    return set()


def nearest_holders(
    organizations, permission: str, *, roles: list[int] | None = None
) -> dict[int, list[int]]:
    organizations = [org for org in organizations if org is not None]
    if not organizations:
        return {}
    roles = roles_with(permission) if roles is None else roles
    holders = holders_on((p for org in organizations for p in lineage(org.path)), roles)
    return {org.pk: sorted(nearest(holders, lineage(org.path))) for org in organizations}


def nearest_holders_of(
    organization, permission: str, *, roles: list[int] | None = None
) -> list[int]:
    if organization is None:
        return []
    return nearest_holders([organization], permission, roles=roles)[organization.pk]
