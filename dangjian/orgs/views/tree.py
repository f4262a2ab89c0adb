"""The tree page (grant roots, children on demand, search), the detail page and the warnings."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, scope_of
from dangjian.orgs import selectors as select
from dangjian.orgs.models import Organization
from dangjian.orgs.permissions import MANAGE_ORGANIZATION, VIEW_ORGANIZATION
from dangjian.orgs.views.common import Abilities, holds_on_a_root, require_somewhere
from dangjian.orgs.warnings import (
    organization_warnings,
    organizations_with_warnings,
    warnings_for_rows,
)

OPEN_ROOTS = 3  # up to this many grant roots are shown opened on the first view


@login_required
@require_GET
def tree(request):
    require_somewhere(request.user, VIEW_ORGANIZATION)
    query = request.GET.get("q", "").strip()
    context = {"query": query}
    context |= _search_context(request, query) if query else _tree_context(request.user)
    if request.htmx and request.htmx.target == "org-results":
        return render(request, "orgs/_results.html", context)
    context["can_create_root"] = holds_on_a_root(request.user, MANAGE_ORGANIZATION)
    return render(request, "orgs/tree.html", context)


def _tree_context(user) -> dict:
    roots = select.tree_roots(user)
    opened = select.children_of_many(user, roots if len(roots) <= OPEN_ROOTS else [])
    nodes = []
    for root in roots:
        children = opened.get(root.pk)
        if children is not None:
            children = [{"node": child, "children": None} for child in children]
        nodes.append({"node": root, "children": children})
    return {"roots": nodes}


def _search_context(request, query: str) -> dict:
    context = paginate(request, select.organization_search(request.user, query))
    found = list(context["page_obj"].object_list)
    ancestors = select.visible_ancestors_of_many(request.user, found)
    context["results"] = [{"node": org, "ancestors": ancestors[org.pk]} for org in found]
    return context


@login_required
@require_GET
def children(request, pk):
    queryset = Organization.objects.only(*select.NODE_FIELDS)
    parent = get_visible_or_404(queryset, request.user, VIEW_ORGANIZATION, pk=pk)
    nodes = [
        {"node": child, "children": None} for child in select.children_of(request.user, parent)
    ]
    return render(request, "orgs/_children.html", {"nodes": nodes, "parent": parent})


@login_required
@require_GET
def detail(request, pk):
    org = get_visible_or_404(Organization, request.user, VIEW_ORGANIZATION, pk=pk)
    committees = select.committees_of(org)
    current = committees[0] if committees and committees[0].is_current else None
    context = {
        "org": org,
        "ancestors": select.visible_ancestors(request.user, org),
        "children": list(select.children_of(request.user, org)),
        "units": list(org.units.order_by("sort_order", "name")),
        "current": current,
        "past_terms": [c for c in committees if c is not current],
        "warnings": organization_warnings(org),
        "history": select.history_of(org),
        "can": Abilities.of(request.user, org),
    }
    return render(request, "orgs/detail.html", context)


@login_required
@require_GET
def warning_list(request):
    require_somewhere(request.user, VIEW_ORGANIZATION)
    paths = scope_of(request.user).paths_for(VIEW_ORGANIZATION)
    context = paginate(request, organizations_with_warnings(paths))
    rows = list(context["page_obj"].object_list)
    by_org = {}
    for warning in warnings_for_rows(rows):
        by_org.setdefault(warning.organization.pk, []).append(warning)
    ancestors = select.visible_ancestors_of_many(request.user, rows)
    context["rows"] = [
        {"org": org, "warnings": by_org.get(org.pk, []), "ancestors": ancestors[org.pk]}
        for org in rows
    ]
    return render(request, "orgs/warnings.html", context)
