"""Reads of the development workflow. Every selector starts from `visible_to`; none runs a
number of queries that grows with its rows."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core.scope import get_visible_or_404
from dangjian.development.deadlines import case_deadlines
from dangjian.development.models import (
    CaseDeadline,
    DevelopmentCase,
    Quota,
    State,
)
from dangjian.development.permissions import VIEW_DEVELOPMENT


def _within(queryset, organization, lookup: str = "organization__path"):
    if organization is None:
        return queryset
    return queryset.filter(**{f"{lookup}__startswith": organization.path})


def cases_for(user, *, organization=None, permission: str = VIEW_DEVELOPMENT):
    """The cases the user may see (optionally within an organisation's subtree)."""
    queryset = DevelopmentCase.objects.visible_to(user, permission).select_related(
        "person", "organization"
    )
    return _within(queryset, organization).order_by("-updated_at", "-id")


def case_get(user, pk, *, permission: str = VIEW_DEVELOPMENT) -> DevelopmentCase:
    """One case, 404 when missing or outside the user's scope."""
    queryset = DevelopmentCase.objects.select_related("person", "organization", "member")
    return get_visible_or_404(queryset, user, permission, pk=pk)


def case_timeline(case: DevelopmentCase):
    """The steps done, oldest first, with who did them and the approving organisation."""
    return case.steps.select_related("approving_organization").order_by("done_on", "id")


def pipeline_counts(user, *, organization=None) -> dict[str, int]:
    """Cases by state in the user's scope (one aggregate query); every state is present."""
    rows = (
        _within(DevelopmentCase.objects.visible_to(user, VIEW_DEVELOPMENT), organization)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(State.values, 0)
    counts.update(dict(rows))
    return counts


def pipeline_by_branch(user, *, organization=None) -> list[dict]:
    """Per branch, the cases by state (one aggregate query), branches in tree order."""
    rows = (
        _within(DevelopmentCase.objects.visible_to(user, VIEW_DEVELOPMENT), organization)
        .order_by()
        .values_list("organization_id", "organization__name", "organization__path", "state")
        .annotate(n=Count("id"))
    )
    branches: dict[int, dict] = {}
    for org_id, name, path, state, n in rows:
        entry = branches.setdefault(
            org_id,
            {"organization_id": org_id, "name": name, "path": path, "total": 0,
             "counts": dict.fromkeys(State.values, 0)},
        )  # fmt: skip
        entry["counts"][state] = n
        entry["total"] += n
    return sorted(branches.values(), key=lambda entry: entry["path"])


def deadline_rows(user, *, organization=None):
    """The stored pending deadlines (`CaseDeadline`) of the open cases in the user's scope,
    with the case, person and branch the lists show, soonest first. A queryset: the caller
    filters further and paginates in the database."""
    queryset = CaseDeadline.objects.visible_to(user, VIEW_DEVELOPMENT).select_related(
        "case__person", "case__organization"
    )
    return _within(queryset, organization, "case__organization__path").order_by("due_on", "id")


def open_deadlines(user, *, organization=None, today: datetime.date | None = None):
    """Every pending deadline of every open case in scope (rows with `.case`)."""
    return deadline_rows(user, organization=organization)


def due_deadlines(user, *, organization=None, today=None, days: int = 30):
    """What falls due from today to `days` ahead, soonest first (a queryset)."""
    today = today or timezone.localdate()
    last = today + datetime.timedelta(days=days)
    return deadline_rows(user, organization=organization).filter(due_on__range=(today, last))


def overdue_deadlines(user, *, organization=None, today=None):
    """What should already have been done, most overdue first (a queryset)."""
    today = today or timezone.localdate()
    return deadline_rows(user, organization=organization).filter(due_on__lt=today)


def quota_use(user, *, year: int, organization=None):
    """The year's 发展计划 per branch, annotated with `accepted` (cases the 支部大会 accepted
    that year) and `remaining` (planned − accepted, may be negative)."""
    accepted = (
        DevelopmentCase.objects.filter(
            organization=OuterRef("organization"), accepted_on__year=year
        )
        .order_by()
        .values("organization")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = (
        Quota.objects.visible_to(user, VIEW_DEVELOPMENT)
        .filter(year=year)
        .select_related("organization")
        .annotate(accepted=Coalesce(Subquery(accepted, output_field=IntegerField()), Value(0)))
        .annotate(remaining=F("planned") - F("accepted"))
        .order_by("organization__path")
    )
    queryset = _within(queryset, organization)
    return queryset


def quota_totals(user, *, year: int, organization=None) -> dict:
    """Planned and accepted over the scope for the year (two aggregate queries)."""
    from django.db.models import Sum

    planned = _within(
        Quota.objects.visible_to(user, VIEW_DEVELOPMENT).filter(year=year), organization
    ).aggregate(total=Sum("planned"))["total"]
    accepted = _within(
        DevelopmentCase.objects.visible_to(user, VIEW_DEVELOPMENT).filter(accepted_on__year=year),
        organization,
    ).count()
    return {"planned": planned or 0, "accepted": accepted}


__all__ = [
    "case_deadlines",
    "case_get",
    "case_timeline",
    "cases_for",
    "deadline_rows",
    "due_deadlines",
    "open_deadlines",
    "overdue_deadlines",
    "pipeline_by_branch",
    "pipeline_counts",
    "quota_totals",
    "quota_use",
]
