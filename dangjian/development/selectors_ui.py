"""Reads only the development pages need (the engine's reads are in `selectors.py`).

Every one starts from `visible_to(user, permission)`: the people an applicant may be chosen
from, the branches a case may be opened in, the organisations of the list's filter, the case
list with its filters, and what the case page shows beside the timeline.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from dangjian.core.scope import prefix_q, scope_of
from dangjian.development.models import (
    OPEN_STATES,
    CaseStep,
    DevelopmentCase,
    Material,
    Publicity,
    Sponsor,
    Vote,
)
from dangjian.development.permissions import (
    APPROVE_DEVELOPMENT,
    MANAGE_DEVELOPMENT,
    OVERRIDE_RULE,
    VIEW_DEVELOPMENT,
)
from dangjian.members.filters import search_q
from dangjian.members.models import Person
from dangjian.orgs.models import Organization, OrgType, Unit

FILTER_ORG_LIMIT = 300
PEOPLE_LIMIT = 20


def eligible_people(user) -> QuerySet:
    """People an applicant may be chosen from: in the user's manage scope, not a member, and
    without an open development case."""
    open_case = DevelopmentCase.objects.filter(
        person_id=OuterRef("pk"), state__in=[state.value for state in OPEN_STATES]
    )
    return (
        Person.objects.visible_to(user, MANAGE_DEVELOPMENT)
        .filter(membership__isnull=True)
        .exclude(Exists(open_case))
        .select_related("organization", "unit")
    )


def people_matching(user, query: str, limit: int = PEOPLE_LIMIT) -> list[Person]:
    query = (query or "").strip()
    if not query:
        return []
    found = eligible_people(user).filter(search_q(query, prefix=""))
    return list(found.order_by("name", "pk")[:limit])


def applicant_units(user) -> QuerySet:
    """Units a new applicant may belong to: active units owned by an organisation inside the
    user's development scope or above it (a mine's 党委 owns the 区队 its branches cover), as
    the members record form offers them (`members.forms.pickers.record_units`)."""
    prefixes = scope_of(user).paths_for(MANAGE_DEVELOPMENT)
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


def branches_for(user, permission: str = MANAGE_DEVELOPMENT) -> QuerySet:
    """The active 党支部 in the user's scope for the permission (where a case may be opened)."""
    return (
        Organization.objects.visible_to(user, permission)
        .filter(is_active=True, org_type=OrgType.BRANCH)
        .only("pk", "name", "path", "depth", "org_type")
        .order_by("path")
    )


def filter_organizations(user, permission: str = VIEW_DEVELOPMENT) -> list[Organization]:
    """The committees and branches the list may be narrowed to (党小组 hold no cases)."""
    return list(
        Organization.objects.visible_to(user, permission)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .only("pk", "name", "path", "depth")
        .order_by("path")[:FILTER_ORG_LIMIT]
    )


def organization_in_scope(user, pk, permission: str = VIEW_DEVELOPMENT) -> Organization | None:
    if pk is None:
        return None
    return Organization.objects.visible_to(user, permission).filter(pk=pk).first()


def filtered_cases(user, *, q="", state="", organization=None, open_only=False) -> QuerySet:
    from dangjian.development.selectors import cases_for

    cases = cases_for(user)
    if organization is not None:
        inside = Organization.objects.filter(path__startswith=organization.path).values("pk")
        cases = cases.filter(organization_id__in=inside)
    if state:
        cases = cases.filter(state=state)
    if open_only:
        cases = cases.filter(state__in=[s.value for s in OPEN_STATES])
    if q:
        cases = cases.filter(search_q(q, prefix="person__"))
    return cases.order_by("-updated_at", "-pk")


def case_context(case: DevelopmentCase) -> dict:
    """What the case page shows beside the timeline, in a fixed number of queries."""
    steps = list(
        CaseStep.objects.filter(case=case)
        .select_related("approving_organization")
        .order_by("done_on", "pk")
    )
    materials = list(
        Material.objects.filter(case=case).select_related("uploaded_by").order_by("pk")
    )
    return {
        "steps": steps,
        "materials": materials,
        "sponsors": list(
            Sponsor.objects.filter(case=case)
            .select_related("member__person")
            .order_by("kind", "assigned_on", "pk")
        ),
        "publicities": list(Publicity.objects.filter(case=case).order_by("starts_on", "pk")),
        "votes": list(Vote.objects.filter(case=case).order_by("meeting_on", "pk")),
        "trainings": list(case.trainings.order_by("starts_on", "pk")),
        "political_reviews": list(case.political_reviews.order_by("concluded_on", "pk")),
    }


def case_abilities(user, case: DevelopmentCase) -> dict:
    """Which buttons to show (the pages and services check again)."""
    scope = scope_of(user)
    path = case.organization.path
    return {
        "manage": scope.covers(MANAGE_DEVELOPMENT, path),
        # The upper committee's grant covers the branch's path too (its subtree).
        "approve": scope.covers(APPROVE_DEVELOPMENT, path),
        "override": scope.covers(OVERRIDE_RULE, path),
    }


def material_for(user, pk) -> Material:
    from dangjian.core.scope import get_visible_or_404

    queryset = Material.objects.select_related("case__person", "case__organization")
    return get_visible_or_404(queryset, user, VIEW_DEVELOPMENT, pk=pk)


def publicity_for(user, pk, permission: str = VIEW_DEVELOPMENT) -> Publicity:
    from dangjian.core.scope import get_visible_or_404

    queryset = Publicity.objects.select_related("case__person", "case__organization")
    return get_visible_or_404(queryset, user, permission, pk=pk)


def vote_for(user, pk) -> Vote:
    from dangjian.core.scope import get_visible_or_404

    queryset = Vote.objects.select_related("case__person", "case__organization")
    return get_visible_or_404(queryset, user, VIEW_DEVELOPMENT, pk=pk)


def member_case(member) -> DevelopmentCase | None:
    """The case a member came through (for the member page's 发展纪实 tab)."""
    return (
        DevelopmentCase.objects.filter(Q(member=member) | Q(person_id=member.person_id))
        .select_related("organization")
        .order_by("-pk")
        .first()
    )
