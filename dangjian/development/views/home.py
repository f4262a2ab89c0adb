"""发展党员 home (the pipeline by state and by branch, what is due and overdue) and the full
deadline list. `?org=` narrows both to a subtree of the user's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.development import selectors
from dangjian.development import selectors_ui as select
from dangjian.development.models import OPEN_STATES, DevelopmentCase, State
from dangjian.development.permissions import (
    MANAGE_DEVELOPMENT,
    MANAGE_QUOTA,
    VIEW_DEVELOPMENT,
)

HOME_DEADLINES = 8
DUE_DAYS = 30
BRANCHES_PER_PAGE = 20
DEADLINES_PER_PAGE = 30
PIPELINE_STATES = (*OPEN_STATES, State.FULL_MEMBER)


def _viewer_or_own_case(request):
    """A user without the view permission anywhere: their own case if they have one, else 403."""
    if has_permission(request.user, VIEW_DEVELOPMENT):
        return None
    own = DevelopmentCase.objects.visible_to(request.user, VIEW_DEVELOPMENT).first()
    if own is not None:
        return redirect("development:case_detail", own.pk)
    raise PermissionDenied


def branch_row(row: dict) -> dict:
    """One branch of the pipeline table: the main stages, open cases and those converted."""
    counts = row["counts"]
    return {
        "organization_id": row["organization_id"],
        "name": row["name"],
        "activist": counts.get(State.ACTIVIST, 0),
        "candidate": counts.get(State.CANDIDATE, 0),
        "probation": counts.get(State.PROBATIONARY, 0) + counts.get(State.PROBATION_EXTENDED, 0),
        "open": sum(counts.get(state, 0) for state in OPEN_STATES),
        "full_member": counts.get(State.FULL_MEMBER, 0),
    }


def deadline_lists(user, organization, today):
    """What falls due in the next 30 days (soonest first) and what is overdue (oldest first):
    querysets over the stored deadlines, sliced and counted in the database."""
    due = selectors.due_deadlines(user, organization=organization, today=today, days=DUE_DAYS)
    overdue = selectors.overdue_deadlines(user, organization=organization, today=today)
    return due, overdue


def with_days(rows, today) -> list[dict]:
    """Deadlines as the lists show them, with the days left (negative: overdue)."""
    return [
        {
            "case": row.case,
            "label": row.label,
            "due_on": row.due_on,
            "responsible": row.responsible,
            "source": row.source,
            "overdue": row.is_overdue(today),
            "days": (row.due_on - today).days,
            "days_late": (today - row.due_on).days,
        }
        for row in rows
    ]


def chosen_organization(request):
    value = request.GET.get("org", "")
    if not value:
        return None
    organization = select.organization_in_scope(request.user, parse_id(value))
    if organization is None:
        raise Http404
    return organization


@login_required
@require_GET
def home(request):
    own = _viewer_or_own_case(request)
    if own is not None:
        return own
    user, today = request.user, timezone.localdate()
    organization = chosen_organization(request)
    counts = selectors.pipeline_counts(user, organization=organization)
    branches = selectors.pipeline_by_branch(user, organization=organization)
    page_obj = Paginator(branches, BRANCHES_PER_PAGE).get_page(request.GET.get("page"))
    branch_rows = [branch_row(row) for row in page_obj.object_list]
    due, overdue = deadline_lists(user, organization, today)
    org_query = f"org={organization.pk}&" if organization else ""
    stages = [
        {"state": state, "label": state.label, "count": counts.get(state.value, 0)}
        for state in PIPELINE_STATES
    ]
    context = {
        "organization": organization,
        "organizations": select.filter_organizations(user),
        "stages": stages,
        "open_total": sum(row["count"] for row in stages if row["state"] in OPEN_STATES),
        "chart": {
            "labels": [str(row["label"]) for row in stages],
            "values": [row["count"] for row in stages],
            "states": [row["state"].value for row in stages],
            "list_url": reverse("development:case_list") + "?" + org_query + "state=",
        },
        "page_obj": page_obj,
        "query_without_page": org_query,
        "branch_rows": branch_rows,
        "due": with_days(due[:HOME_DEADLINES], today),
        "due_count": due.count(),
        "overdue": with_days(overdue[:HOME_DEADLINES], today),
        "overdue_count": overdue.count(),
        "today": today,
        "org_query": org_query,
        "can_create": has_permission(user, MANAGE_DEVELOPMENT),
        "can_quota": has_permission(user, MANAGE_QUOTA),
    }
    return render(request, "development/home.html", context)


@login_required
@require_GET
def deadlines(request):
    own = _viewer_or_own_case(request)
    if own is not None:
        return own
    user, today = request.user, timezone.localdate()
    organization = chosen_organization(request)
    which = "overdue" if request.GET.get("which") == "overdue" else "due"
    due, overdue = deadline_lists(user, organization, today)
    paging = paginate(request, overdue if which == "overdue" else due, DEADLINES_PER_PAGE)
    context = {
        "rows": with_days(paging["page_obj"].object_list, today),
        "which": which,
        "organization": organization,
        "organizations": select.filter_organizations(user),
        **paging,
        "today": today,
        "org_query": f"org={organization.pk}&" if organization else "",
    }
    return render(request, "development/deadlines.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("deadlines/", deadlines, name="deadlines"),
]
