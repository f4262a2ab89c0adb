"""Pages of 三会一课 compliance (`meetings.view_compliance`): the heat-map of one level of the
tree with drill-down, the table of requirements per organisation, the list of what is missing,
and the Excel of the table (audited). Organisation, year and quarter come from the query string;
an organisation outside the caller's scope is refused like a missing one.

    /meetings/compliance/?organization=<id>&year=<yyyy>&quarter=<1-4>&view=<heatmap|table>
    /meetings/compliance/missing/?organization=…&year=…&quarter=…
    POST /meetings/compliance/export/ (organization, year, quarter)
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.forms import BootstrapForm, parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission, scope_of
from dangjian.core.search_select import OPTION_LIMIT, options_response, searchable
from dangjian.meetings import compliance, exporting
from dangjian.meetings.compliance import Status
from dangjian.meetings.permissions import VIEW_COMPLIANCE
from dangjian.members.forms.pickers import search
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

FIRST_YEAR = 2000
HEATMAP_ROWS = 20
TABLE_ROWS = 20
MISSING_ROWS = 50
QUARTERS = [("", "全年"), ("1", "第1季度"), ("2", "第2季度"), ("3", "第3季度"), ("4", "第4季度")]
VIEWS = ("heatmap", "table")


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def visible_organizations(user):
    """The organisations a compliance page may be opened on: active ones in the caller's
    `view_compliance` scope (tree order)."""
    return (
        Organization.objects.visible_to(user, VIEW_COMPLIANCE)
        .filter(is_active=True)
        .only("pk", "path", "depth", "name", "short_name", "org_type", "numchild")
        .order_by("path")
    )


class ComplianceFilterForm(BootstrapForm):
    organization = OrganizationField(
        queryset=Organization.objects.none(),
        label="党组织",
        required=False,
        empty_label="我负责的范围",
        error_messages={
            "invalid_choice": "所选党组织不存在或不在您可以查看组织生活落实情况的范围内，"
            "请输入名称或代码查找后从列表中选择。"
        },
    )
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=FIRST_YEAR,
        error_messages={
            "invalid": "年度须为4位数字，例如 2026。",
            "min_value": f"年度不能早于 {FIRST_YEAR} 年。",
        },
    )
    quarter = forms.ChoiceField(label="季度", required=False, choices=QUARTERS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = visible_organizations(user)
        latest = timezone.localdate().year + 1
        self.fields["year"].validators.append(
            MaxValueValidator(latest, message=f"年度不能晚于 {latest} 年。")
        )
        self.fields["year"].widget.attrs.update(inputmode="numeric", placeholder="今年")
        url = reverse("meetings:compliance_organizations")
        searchable(self, "organization", url, "输入名称或代码查找")


@dataclass
class Choice:
    """What the page shows: the organisation, the year and the months (a quarter or all)."""

    organization: Organization
    year: int
    quarter: int | None
    form: ComplianceFilterForm

    @property
    def months(self) -> tuple[int, ...]:
        if self.quarter:
            return tuple(range(3 * self.quarter - 2, 3 * self.quarter + 1))
        return compliance.ALL_MONTHS

    @property
    def period_label(self) -> str:
        return f"{self.year}年" + (f"第{self.quarter}季度" if self.quarter else "全年")

    def query(self, **extra) -> str:
        params = {"organization": self.organization.pk, "year": self.year}
        if self.quarter:
            params["quarter"] = self.quarter
        params.update(extra)
        return "&".join(
            f"{key}={value}" for key, value in params.items() if value not in ("", None)
        )


def _require(user) -> None:
    if not has_permission(user, VIEW_COMPLIANCE):
        raise Http404


def top_organization(user) -> Organization:
    """The highest organisation of the caller's scope (the page's default)."""
    prefixes = scope_of(user).paths_for(VIEW_COMPLIANCE)
    found = Organization.objects.filter(path__in=prefixes, is_active=True).order_by("path")
    organization = found.first()
    if organization is None:
        raise Http404
    return organization


def choice_of(request, data) -> Choice:
    """The filters from the query (or POST) data. An organisation outside the scope is a 404;
    other invalid values fall back to the defaults and the form shows why."""
    form = ComplianceFilterForm(data, user=request.user)
    valid = form.is_valid()
    if not valid and "organization" in form.errors and parse_id(data.get("organization")):
        raise Http404  # an organisation outside the scope answers like a missing one
    cleaned = getattr(form, "cleaned_data", {})
    organization = cleaned.get("organization") or top_organization(request.user)
    year = cleaned.get("year") or timezone.localdate().year
    quarter = int(cleaned.get("quarter") or 0) or None
    return Choice(organization, year, quarter, form)


def trail_of(user, organization: Organization) -> list[Organization]:
    """The visible ancestors of the organisation, root first (the drill-up links)."""
    step = Organization.steplen
    paths = [organization.path[:end] for end in range(step, len(organization.path), step)]
    ancestors = Organization.objects.filter(path__in=paths).only("pk", "path", "name", "short_name")
    scope = scope_of(user)
    return [org for org in ancestors.order_by("path") if scope.covers(VIEW_COMPLIANCE, org.path)]


# ------------------------------------------------------------------------------ heat-map


def _status_row(result, months, *, url: str, label: str) -> dict:
    cells = []
    for month in months:
        status = result.months.get(month, Status.GREY) if result else Status.GREY
        gaps = compliance.month_gaps(result, month) if result else []
        tip = "；".join(f"{c.rule.label}（{c.period.label} {c.held}/{c.required}）" for c in gaps)
        cells.append(
            {
                "month": month,
                "status": status,
                "label": Status.LABELS[status],
                "text": "",
                "tip": tip or Status.LABELS[status],
            }
        )
    return {"name": label, "url": url, "kind": "status", "cells": cells}


def _share_row(results, months, *, url: str, label: str) -> dict:
    cells = []
    for share in compliance.shares(results, months):
        percent = share.percent
        tip = (
            f"{share.branches} 个党支部中 {share.green} 个已落实，{share.red} 个未落实，"
            f"{share.open} 个待落实"
            if share.branches
            else "没有需要考核的党支部"
        )
        cells.append(
            {
                "month": share.month,
                "status": share.status,
                "label": Status.LABELS[share.status],
                "text": "" if percent is None else f"{percent}%",
                "tip": tip,
            }
        )
    return {"name": label, "url": url, "kind": "share", "cells": cells}


def heatmap_rows(choice: Choice, grid, children) -> list[dict]:
    """The summary row of the chosen organisation, then one row per child on the page."""
    root = choice.organization
    buckets = compliance.bucket_by_child(grid, root)
    months = choice.months
    page = reverse("meetings:compliance")
    if root.org_type in BRANCH_TYPES or root.org_type == OrgType.GROUP:
        rows = [
            _status_row(grid.get(root.pk), months, url="", label=f"{root.display_name}（本支部）")
        ]
    else:
        rows = [_share_row(grid, months, url="", label=f"{root.display_name}（全部党支部）")]
    for child in children:
        url = f"{page}?{choice.query(organization=child.pk)}"
        if child.org_type in BRANCH_TYPES or child.org_type == OrgType.GROUP:
            row = _status_row(grid.get(child.pk), months, url=url, label=child.display_name)
            if child.org_type == OrgType.GROUP:
                row["url"] = ""
        else:
            row = _share_row(buckets.get(child.path, []), months, url=url, label=child.display_name)
        rows.append(row)
    return rows


def _summary(grid) -> dict:
    tally = dict.fromkeys(Status.LABELS, 0)
    for result in grid:
        for status, count in result.counts.items():
            tally[status] += count
    return {
        "organizations": len(grid),
        "green": tally[Status.GREEN],
        "amber": tally[Status.AMBER],
        "red": tally[Status.RED],
        "due": tally[Status.GREEN] + tally[Status.AMBER] + tally[Status.RED],
    }


@login_required
@require_GET
def compliance_page(request):
    _require(request.user)
    choice = choice_of(request, request.GET)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "heatmap"
    context = {
        "choice": choice,
        "filters": choice.form,
        "view": view,
        "trail": trail_of(request.user, choice.organization),
        "statuses": Status.LABELS,
        "legend": ["green", "amber", "red", "future", "grey"],
    }
    if view == "table":
        context.update(_table_context(request, choice))
    else:
        context.update(_heatmap_context(request, choice))
    return render(request, "meetings/compliance/page.html", context)


def _shows_cells(organization) -> bool:
    return organization.org_type in BRANCH_TYPES or organization.org_type == OrgType.GROUP


def _heatmap_context(request, choice: Choice) -> dict:
    """One evaluation of the subtree per request: month statuses and counts for every
    organisation, cells (the tooltips) only for the status rows shown on this page."""
    root = choice.organization
    children = compliance.level_children(root, choice.year)
    paged = paginate(request, children, per_page=HEATMAP_ROWS)
    page_children = list(paged["page_obj"].object_list)
    detail = [org.pk for org in [root, *page_children] if _shows_cells(org)]
    grid = compliance.evaluate_months(root, choice.year, months=choice.months, detail=detail)
    rows = heatmap_rows(choice, grid, page_children)
    summary = _summary(grid)
    data = {
        "months": [f"{m}月" for m in choice.months],
        "rows": rows,
        "colors": {
            "green": "#2e9e5b",
            "amber": "#f0ad2b",
            "red": "#d2322d",
            "future": "#dfe6ee",
            "grey": "#c8c8c8",
        },
    }
    return {
        **paged,
        "rows": rows,
        "heatmap": data,
        "summary": summary,
        "missing_count": summary["red"] + summary["amber"],
        "months": choice.months,
    }


def _table_context(request, choice: Choice) -> dict:
    organizations = compliance.rated_organizations(choice.organization, choice.year)
    paged = paginate(request, organizations, per_page=TABLE_ROWS)
    page_orgs = list(paged["page_obj"].object_list)
    grid = compliance.evaluate(page_orgs, choice.year, months=choice.months, subtree=False)
    tables = [_table_of(grid.get(org.pk), org) for org in page_orgs]
    return {**paged, "tables": tables, "months": choice.months}


def _table_of(result, organization) -> dict:
    if result is None:
        return {"organization": organization, "rules": [], "exempt": True}
    by_rule: dict[int, dict] = {}
    for cell in result.cells:
        entry = by_rule.setdefault(cell.rule.pk, {"rule": cell.rule, "cells": []})
        entry["cells"].append(cell)
    return {"organization": organization, "rules": list(by_rule.values()), "exempt": False}


# ------------------------------------------------------------------------------ missing list


@login_required
@require_GET
def missing_page(request):
    _require(request.user)
    choice = choice_of(request, request.GET)
    only_red = request.GET.get("status") == "red"
    grid = compliance.evaluate(choice.organization, choice.year, months=choice.months)
    missing = grid.missing
    if only_red:
        missing = [item for item in missing if item.status == Status.RED]
    page_obj = Paginator(missing, MISSING_ROWS).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return render(
        request,
        "meetings/compliance/missing.html",
        {
            "choice": choice,
            "filters": choice.form,
            "trail": trail_of(request.user, choice.organization),
            "page_obj": page_obj,
            "query_without_page": f"{encoded}&" if encoded else "",
            "only_red": only_red,
            "statuses": Status.LABELS,
        },
    )


# ------------------------------------------------------------------------------ export, picker


@login_required
@require_POST
def export(request):
    _require(request.user)
    choice = choice_of(request, request.POST)
    return exporting.compliance_response(
        request.user, choice.organization, choice.year, months=choice.months
    )


@login_required
@require_GET
def organization_options(request):
    """The organisation picker's search: name, short name or code contains the text."""
    _require(request.user)
    found = search(
        visible_organizations(request.user), request.GET.get("q", ""), "name", "short_name", "code"
    )
    options = [(org.pk, org.display_name) for org in found[:OPTION_LIMIT]]
    return options_response(request, options, empty_label="我负责的范围")


urlpatterns = [
    path("compliance/", compliance_page, name="compliance"),
    path("compliance/missing/", missing_page, name="compliance_missing"),
    path("compliance/export/", export, name="compliance_export"),
    path("compliance/organizations/", organization_options, name="compliance_organizations"),
]
