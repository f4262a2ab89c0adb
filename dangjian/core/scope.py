"""The organisation scope engine (DESIGN §4, "Organisation tree and data scope").

A user acts through role assignments: `RoleAssignment(user, role, organization)` grants the role's
permission codes over that organisation's whole subtree. The tree is a treebeard materialised path,
so "inside the subtree of X" is "path starts with X.path" — one anchored prefix test per grant that
both SQLite and PostgreSQL answer from an index.

Every model that belongs to an organisation uses `ScopedQuerySet` and names, as class attributes:

    scope_path = "organization__path"      # lookup to the owning organisation's path
    scope_owner = "user"                   # optional: a user who always sees their own rows
    scope_owner_permissions = {...}        # the permissions for which the owner clause applies

and every view, API view, form choice field and export starts from
`Model.objects.visible_to(user, permission)`. An object outside the scope is treated exactly as a
missing one (404).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.http import Http404

_CACHE_ATTR = "_dangjian_scope"


def minimal_prefixes(paths) -> tuple[str, ...]:
    """Drop every path already covered by a shorter prefix in the set."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return tuple(result)


@dataclass
class Grant:
    role_name: str
    organization_id: int
    organization_name: str
    path: str
    permissions: frozenset[str]
    admin_kind: str = ""
    role_id: int | None = None


@dataclass
class UserScope:
    """Everything the user may do, by permission: the subtrees (as path prefixes) it covers."""

    grants: list[Grant] = field(default_factory=list)
    _by_permission: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, grants: list[Grant]) -> UserScope:
        collected: dict[str, list[str]] = defaultdict(list)
        for grant in grants:
            for code in grant.permissions:
                collected[code].append(grant.path)
        by_permission = {code: minimal_prefixes(paths) for code, paths in collected.items()}
        return cls(grants=grants, _by_permission=by_permission)

    def paths_for(self, permission: str) -> tuple[str, ...]:
        return self._by_permission.get(permission, ())

    def has(self, permission: str) -> bool:
        return bool(self._by_permission.get(permission))

    def covers(self, permission: str, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.paths_for(permission))

    @property
    def permissions(self) -> set[str]:
        return set(self._by_permission)

    @property
    def is_admin(self) -> bool:
        """Does the user hold one of the three administrator roles (三员)?"""
        return any(grant.admin_kind for grant in self.grants)


def scope_of(user) -> UserScope:
    """The user's scope, computed with one query and cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return UserScope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    assignment_model = apps.get_model("accounts", "RoleAssignment")
    rows = (
        assignment_model.objects.filter(user_id=user.pk, organization__is_active=True)
        .select_related("role", "organization")
        .order_by("organization__path", "role__name")
    )
    grants = [
        Grant(
            role_name=row.role.name,
            organization_id=row.organization_id,
            organization_name=row.organization.name,
            path=row.organization.path,
            permissions=frozenset(row.role.permissions),
            admin_kind=row.admin_kind,
            role_id=row.role_id,
        )
        for row in rows
    ]
    scope = UserScope.build(grants)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Call after changing a user's grants within the same request."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_permission(user, permission: str) -> bool:
    """Does the user hold the permission anywhere (for menus and buttons)?"""
    return scope_of(user).has(permission)


def prefix_q(lookup: str, prefixes) -> Q | None:
    """OR of `lookup__startswith=prefix` over the prefixes, or None when there are none."""
    conditions = [Q(**{f"{lookup}__startswith": prefix}) for prefix in prefixes]
    return reduce(or_, conditions) if conditions else None


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, permission: str):
        model = self.model
        lookup = getattr(model, "scope_path", None)
        if lookup is None:
            raise TypeError(f"{model.__name__} must declare scope_path to use visible_to()")
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition = scope_condition(lookup, scope_of(user).paths_for(permission))
        if permission in getattr(model, "scope_owner_permissions", ()):
            own = owner_condition(model, user)
            if own is not None:
                condition = own if condition is None else condition | own
        if condition is None:
            return self.none()
        return self.filter(condition)


def scope_condition(lookup: str, prefixes) -> Q | None:
    """The subtree test. Through a foreign key (`organization__path`) it is written as
    `organization_id IN (SELECT id FROM organizations WHERE path LIKE 'prefix%')`: the
    database then narrows the rows by the indexed foreign key instead of joining every row to
    its organisation first (SQLite's case-insensitive LIKE cannot use the path index, so the
    join would read the whole table)."""
    prefixes = tuple(prefixes)
    if not prefixes:
        return None
    if not lookup.endswith("__path"):
        return prefix_q(lookup, prefixes)
    organizations = apps.get_model("orgs", "Organization")._default_manager
    inside = organizations.filter(prefix_q("path", prefixes)).order_by().values("pk")
    return Q(**{f"{lookup.removesuffix('__path')}__in": inside})


def owner_condition(model, user) -> Q | None:
    """The rows a user sees as their own. `scope_owner` is a lookup to the user (`"user"`) or
    a callable `(user) -> Q | None` for owners reached through other rows, which can then be
    matched by a constant instead of a join (a member's own record: `person_id = <id>`)."""
    owner = getattr(model, "scope_owner", None)
    if owner is None:
        return None
    if callable(owner):
        return owner(user)
    return Q(**{owner: user})


def get_visible_or_404(queryset_or_model, user, permission: str, **lookup):
    """The one object check: out of scope answers exactly like missing (404)."""
    queryset = (
        queryset_or_model._default_manager.all()
        if isinstance(queryset_or_model, type)
        else queryset_or_model
    )
    try:
        return queryset.visible_to(user, permission).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def require_in_scope(user, permission: str, path: str) -> None:
    """Raise 404 unless the organisation with this path lies in the user's scope."""
    if not scope_of(user).covers(permission, path):
        raise Http404
