"""The choices a member record offers in the actor's `members.manage_member` scope: the
organisations that may hold a membership, their 党小组 and the units, plus the search that the
search-backed selects and the options view share.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q

from dangjian.core.scope import prefix_q, scope_of
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.orgs.models import Organization, OrgType, Unit


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name}（{obj.code}）"


def record_organizations(actor) -> forms.models.QuerySet:
    """Where a membership may be held: active organisations in the actor's manage scope that
    are not a 党小组 (a membership is held by the branch, decisions §31)."""
    return (
        Organization.objects.visible_to(actor, MANAGE_MEMBER)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .only("pk", "name", "code", "path", "depth", "org_type", "is_active")
        .order_by("path")
    )


def record_party_groups(actor, organization: Organization | None = None):
    """Active 党小组 in the actor's scope; with an organisation, only those directly under it."""
    groups = Organization.objects.visible_to(actor, MANAGE_MEMBER).filter(
        org_type=OrgType.GROUP, is_active=True
    )
    if organization is not None:
        groups = groups.filter(path__startswith=organization.path, depth=organization.depth + 1)
    return groups.only("pk", "name", "code", "path", "depth", "org_type").order_by("path")


def record_units(actor):
    """Active units a person in the actor's scope may belong to: units owned by an organisation
    inside the scope, or by one above it (a mine's 党委 owns the 区队 its branches cover)."""
    prefixes = scope_of(actor).paths_for(MANAGE_MEMBER)
    inside = prefix_q("owner__path", prefixes)
    if inside is None:
        return Unit.objects.none()
    step = Organization.steplen
    above = {prefix[:end] for prefix in prefixes for end in range(step, len(prefix), step)}
    return (
        Unit.objects.filter(is_active=True)
        .filter(inside | Q(owner__path__in=above))
        .order_by("sort_order", "name", "pk")
    )


def search(queryset, query: str, *fields: str):
    query = (query or "").strip()
    if not query:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query})
    return queryset.filter(condition)
