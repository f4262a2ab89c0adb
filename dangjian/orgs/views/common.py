"""What the organisation views share: running a service from a form, and who may do what."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.core.scope import has_permission, scope_of
from dangjian.core.services import holds_globally
from dangjian.orgs import rules
from dangjian.orgs.models import BRANCH_TYPES, Organization
from dangjian.orgs.permissions import MANAGE_COMMITTEE, MANAGE_ORGANIZATION


def submit(request, form, action, *, success, next_url):
    """Run `action(cleaned_data)` for a valid POST; a service refusal becomes a form error.

    Answers the redirect after success (post/redirect/get, so a reload does not submit again),
    or None to render the form again with its errors.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, exc)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(next_url(result) if callable(next_url) else next_url)


def require_somewhere(user, permission: str) -> None:
    """List pages: a user who holds the permission nowhere is refused (403)."""
    if not has_permission(user, permission):
        raise PermissionDenied


def holds_on_a_root(user, permission: str) -> bool:
    return holds_globally(user, permission)


@dataclass(frozen=True)
class Abilities:
    """Which action buttons the detail page shows for this user and organisation."""

    manage: bool
    manage_committee: bool
    add_child: bool
    merge: bool

    @classmethod
    def of(cls, user, organization: Organization) -> "Abilities":
        scope = scope_of(user)
        active = organization.is_active
        manage = active and scope.covers(MANAGE_ORGANIZATION, organization.path)
        return cls(
            manage=manage,
            manage_committee=active and scope.covers(MANAGE_COMMITTEE, organization.path),
            add_child=manage
            and bool(rules.ALLOWED_CHILD_TYPES[organization.org_type])
            and organization.depth < rule_value(rules.MAX_DEPTH),
            merge=manage and organization.org_type in BRANCH_TYPES,
        )
