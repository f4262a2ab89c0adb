"""Selectors of the monthly guide (组织生活指南).

A guide is published by an upper organisation to its whole subtree: a branch sees the guides of
its ancestors even though those organisations lie outside its scope — never the guides of
another subtree. The reach is computed from paths alone: the ancestors of a path are its
prefixes, so "guides that reach me" is `organization.path IN (prefixes of my paths)`.

    guides_for(organization, month)      # published guides reaching an organisation that month
    guides_visible_to(user)              # every guide the user may open (list and detail)
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q, QuerySet

from dangjian.core.scope import scope_condition, scope_of
from dangjian.meetings.models import Guide, GuideTopic
from dangjian.meetings.permissions import MANAGE_GUIDE, VIEW_MEETING
from dangjian.orgs.models import Organization


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def ancestor_or_self_paths(path: str) -> list[str]:
    step = Organization.steplen
    return [path[:length] for length in range(step, len(path) + 1, step)]


def guides_for(organization: Organization, month: datetime.date) -> QuerySet:
    """Published guides of the organisation's ancestors-or-self for that month, topics
    prefetched (the plan form shows them as suggestions)."""
    return (
        Guide.objects.filter(
            status=Guide.Status.PUBLISHED,
            month=first_of_month(month),
            organization__path__in=ancestor_or_self_paths(organization.path),
        )
        .select_related("organization")
        .prefetch_related(Prefetch("topics", queryset=GuideTopic.objects.order_by("sort_order")))
        .order_by("organization__depth", "-published_at", "-pk")
    )


def _own_organization_path(user) -> str:
    """The path of the organisation holding the user's own membership ("" without one)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return ""
    path = (
        Organization.objects.filter(members__person_id=person_id)
        .values_list("path", flat=True)
        .first()
    )
    return path or ""


def reach_paths(user) -> list[str]:
    """The organisations whose published guides reach the user: the ancestors-or-self of every
    organisation in the user's scope and of the organisation of their own membership."""
    scope = scope_of(user)
    roots = set(scope.paths_for(VIEW_MEETING)) | set(scope.paths_for(MANAGE_GUIDE))
    own = _own_organization_path(user)
    if own:
        roots.add(own)
    return sorted({path for root in roots for path in ancestor_or_self_paths(root)})


def guides_visible_to(user) -> QuerySet:
    """Guides the user may open: every guide (drafts too) of an organisation in their
    `manage_guide` scope; published ones in their `view_meeting` scope or reaching them."""
    if user is None or not user.is_authenticated:
        return Guide.objects.none()
    scope = scope_of(user)
    condition = Q(pk__in=[])
    managed = scope_condition("organization__path", scope.paths_for(MANAGE_GUIDE))
    if managed is not None:
        condition |= managed
    published = Q(status=Guide.Status.PUBLISHED)
    viewed = scope_condition("organization__path", scope.paths_for(VIEW_MEETING))
    if viewed is not None:
        condition |= published & viewed
    reach = reach_paths(user)
    if reach:
        condition |= published & Q(organization__path__in=reach)
    return Guide.objects.filter(condition)


def guide_list(user, *, month: datetime.date | None = None, status: str = "") -> QuerySet:
    guides = guides_visible_to(user).select_related("organization", "created_by")
    if month is not None:
        guides = guides.filter(month=first_of_month(month))
    if status:
        guides = guides.filter(status=status)
    return guides.order_by("-month", "organization__path", "-pk")


def may_manage(user, guide: Guide) -> bool:
    return scope_of(user).covers(MANAGE_GUIDE, guide.organization.path)
