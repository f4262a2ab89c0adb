"""Reads for the administration pages (/manage/): users, roles, grants and the security policy.

A user account belongs to no organisation. Who may see it follows the grants it holds: an
administrator whose permission covers a root organisation sees every account; anyone else sees the
accounts holding a role inside the subtrees where they have the permission.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from dangjian.accounts import permissions as perms
from dangjian.accounts.lockout import cooloff_time
from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.accounts.selectors import lockout_statuses
from dangjian.core import rules
from dangjian.core.scope import prefix_q, scope_of
from dangjian.core.services import holds_globally

USER_STATUSES = {"active": "启用", "inactive": "已停用", "locked": "已锁定"}


def _assignments_in(actor, permission: str) -> QuerySet[RoleAssignment]:
    """The assignments lying inside the actor's subtrees for a permission (all if global)."""
    assignments = RoleAssignment.objects.select_related("role", "organization")
    if holds_globally(actor, permission):
        return assignments.all()
    condition = prefix_q("organization__path", scope_of(actor).paths_for(permission))
    return assignments.filter(condition) if condition is not None else assignments.none()


def users_visible_to(actor, permission: str) -> QuerySet[User]:
    users = User.objects.all()
    if holds_globally(actor, permission):
        return users
    condition = prefix_q("organization__path", scope_of(actor).paths_for(permission))
    if condition is None:
        return users.none()
    holding = RoleAssignment.objects.filter(condition, user=OuterRef("pk"))
    return users.filter(Exists(holding))


def locked_until(usernames) -> dict[str, datetime.datetime]:
    """When each locked account of the list unlocks by itself (one query for the whole page)."""
    return lockout_statuses(usernames)


def locked_usernames() -> list[str]:
    """Every login name locked right now: those with failures inside the window, then checked."""
    from axes.models import AccessAttempt

    since = timezone.now() - cooloff_time()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since).values_list("username")
    return list(lockout_statuses(name for (name,) in recent.distinct()))


def _with_otp(users: QuerySet[User]) -> QuerySet[User]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return users.annotate(has_otp=Exists(confirmed))


def user_list(actor, *, query: str = "", status: str = "") -> QuerySet[User]:
    users = _with_otp(users_visible_to(actor, perms.VIEW_USER)).prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=_assignments_in(actor, perms.VIEW_USER),
            to_attr="visible_assignments",
        )
    )
    if query.strip():
        text = query.strip()
        users = users.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    elif status == "locked":
        users = users.filter(username__in=locked_usernames())
    return users.order_by("username")


def user_detail(actor, pk) -> User:
    """One user the actor may see, with their visible assignments; 404 otherwise."""
    from django.http import Http404

    try:
        return user_list(actor).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def recent_logins(user, limit: int = 10):
    return user.login_events.all()[:limit]


def role_list(actor) -> QuerySet[Role]:
    """Roles with the number of people holding each inside the actor's view of the grants."""
    paths = scope_of(actor).paths_for(perms.VIEW_ROLE_ASSIGNMENT)
    if holds_globally(actor, perms.VIEW_ROLE_ASSIGNMENT):
        in_view = Q()
    else:
        in_view = prefix_q("assignments__organization__path", paths) or Q(pk__in=[])
    holders = Count("assignments__user", filter=in_view, distinct=True)
    return Role.objects.annotate(holder_count=holders).order_by("-is_builtin", "name")


def assignment_list(actor, *, role=None, user=None, organization=None, query: str = "") -> QuerySet:
    assignments = (
        RoleAssignment.objects.visible_to(actor, perms.VIEW_ROLE_ASSIGNMENT)
        .select_related("user", "role", "organization", "granted_by")
        .order_by("-granted_at", "-id")
    )
    if role is not None:
        assignments = assignments.filter(role=role)
    if user is not None:
        assignments = assignments.filter(user=user)
    if organization is not None:
        assignments = assignments.filter(organization__path__startswith=organization.path)
    if query.strip():
        text = query.strip()
        assignments = assignments.filter(
            Q(user__username__icontains=text)
            | Q(user__display_name__icontains=text)
            | Q(organization__name__icontains=text)
        )
    return assignments


def grantable_organizations(actor, query: str = ""):
    from dangjian.orgs.models import Organization

    organizations = Organization.objects.visible_to(actor, perms.GRANT_ROLE).filter(is_active=True)
    if query.strip():
        text = query.strip()
        organizations = organizations.filter(
            Q(name__icontains=text) | Q(short_name__icontains=text) | Q(code__icontains=text)
        )
    return organizations.order_by("path")


def grantable_users(actor, query: str = "") -> QuerySet[User]:
    """Active accounts other than the actor's own (nobody grants a role to themselves)."""
    users = User.objects.filter(is_active=True).exclude(pk=actor.pk)
    if query.strip():
        text = query.strip()
        users = users.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    return users.order_by("username")


@dataclass(frozen=True)
class PolicyRow:
    definition: rules.RuleDefinition
    value: Any
    source: str
    pending: list  # versions that take effect after today


def editable_rule(user, key: str) -> bool:
    """May the user change this rule (its guarding permission held over a whole tree)?"""
    from dangjian.core.services import holds_globally, rule_permission

    permission = rule_permission(key)
    return permission is not None and holds_globally(user, permission)


def may_change_some_rule(user) -> bool:
    """Without a database query (it decides a menu entry on every page)."""
    return any(editable_rule(user, definition.key) for definition in rules.all_definitions())


def security_policy(user) -> list[PolicyRow]:
    """The rules the user may change, with their value in force today, source and scheduled
    changes: the security policy for the security administrator, the organisation rules for the
    group's organisation department, and so on as each domain registers its rules."""
    from dangjian.core.models import RuleVersion

    definitions = [d for d in rules.all_definitions() if editable_rule(user, d.key)]
    today = timezone.localdate()
    versions = RuleVersion.objects.filter(key__in=[d.key for d in definitions]).order_by(
        "-valid_from", "-id"
    )
    by_key: dict[str, list] = {}
    for version in versions:
        by_key.setdefault(version.key, []).append(version)
    return [_policy_row(d, by_key.get(d.key, []), today) for d in definitions]


def _policy_row(definition, versions, today) -> PolicyRow:
    current = next((v for v in versions if v.valid_from <= today), None)
    pending = [v for v in versions if v.valid_from > today]
    if current is None:
        return PolicyRow(definition, definition.default, definition.source, pending)
    return PolicyRow(definition, current.value, current.source or definition.source, pending)


def rule_history(key: str):
    from dangjian.core.models import RuleVersion

    return (
        RuleVersion.objects.filter(key=key)
        .select_related("created_by")
        .order_by("-valid_from", "-id")
    )


def person_for_account(query: str):
    """The person whose 工号 or full ID number is exactly `query` (account linking), or None.

    Only exact matches: the ID number through its keyed hash, never a partial search, so the
    administrator learns nothing about people they cannot already name.
    """
    from dangjian.core.crypto import lookup_hash
    from dangjian.core.idnumbers import IdNumberError, normalise, parse_id_number
    from dangjian.members.models import Person

    text = (query or "").strip()
    if not text:
        return None
    people = Person.objects.select_related("user")
    try:
        number = parse_id_number(text).number
    except IdNumberError:
        number = ""
    if number:
        found = people.filter(id_number_hash=lookup_hash(number)).order_by("pk").first()
        if found is not None:
            return found
    return people.filter(work_number__in={text, normalise(text)}).first()
