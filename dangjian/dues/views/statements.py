"""收支公开: a branch's yearly statement (collected from the ledger, remitted upward, used,
balance), prepared and published by the branch; its members read the published ones."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, has_permission, scope_of
from dangjian.dues import selectors, services
from dangjian.dues.forms import OrganizationField, StatementForm, scope_organizations
from dangjian.dues.models import BranchStatement
from dangjian.dues.permissions import MANAGE_DUES, VIEW_DUES
from dangjian.dues.selectors_ui import own_membership
from dangjian.dues.views.common import (
    FIRST_YEAR,
    LAST_YEAR,
    first_message,
    is_branch,
    organization_or_404,
    year_or_default,
)
from dangjian.orgs.models import BRANCH_TYPES


class PrepareForm(forms.Form):
    """Which branch and year to prepare (the list page's 编制 picker)."""

    org = OrganizationField(label="党支部", empty_label=None)
    year = forms.IntegerField(label="年度", min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_organizations(self, "org", user, MANAGE_DUES)
        field = self.fields["org"]
        field.queryset = field.queryset.filter(org_type__in=BRANCH_TYPES)
        field.widget.attrs["class"] = "form-select"
        self.fields["year"].widget.attrs["class"] = "form-control"


def statement_or_404(user, statement_id) -> BranchStatement:
    """A statement the user may read: in the scope, or published to the user's own branch."""
    queryset = BranchStatement.objects.select_related("organization", "updated_by")
    return get_visible_or_404(queryset, user, VIEW_DUES, pk=parse_id(statement_id))


@login_required
@require_GET
def statement_list(request):
    user = request.user
    if not has_permission(user, VIEW_DUES):
        if own_membership(user) is not None:
            return redirect("dues:mine")
        raise PermissionDenied
    year = year_or_default(request.GET.get("year")) if request.GET.get("year") else None
    rows = selectors.statements_visible(user, year=year)
    manager = has_permission(user, MANAGE_DUES)
    context = {
        "year": year,
        "manager": manager,
        "prepare_form": PrepareForm(initial={"year": year_or_default(None) - 1}, user=user)
        if manager
        else None,
    }
    context |= paginate(request, rows)
    return render(request, "dues/statements.html", context)


@login_required
@require_GET
def statement_go(request):
    """The list's 编制 picker: to the chosen branch-year's form."""
    org = organization_or_404(request.user, request.GET.get("org"), MANAGE_DUES)
    year = year_or_default(request.GET.get("year"))
    return redirect("dues:statement-edit", org.pk, year)


@login_required
@require_http_methods(["GET", "POST"])
def statement_edit(request, org_id, year):
    user = request.user
    organization = organization_or_404(user, org_id, MANAGE_DUES)
    if not is_branch(organization) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    existing = (
        selectors.statements_visible(user, organization=organization, year=year)
        .filter(organization=organization)
        .first()
    )
    initial = (
        {
            "opening_balance": existing.opening_balance,
            "remitted": existing.remitted,
            "used": existing.used,
            "use_note": existing.use_note,
        }
        if existing
        else {"opening_balance": 0, "remitted": 0, "used": 0}
    )
    form = StatementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            statement = services.statement_prepare(
                actor=user,
                organization=organization,
                year=year,
                opening_balance=data["opening_balance"],
                remitted=data["remitted"],
                used=data["used"],
                use_note=data["use_note"].strip(),
            )
        except ServiceError as error:
            form.add_error(None, first_message(error))
        else:
            messages.success(request, f"已保存{year}年党费收支情况，收缴金额已按台账重新统计。")
            return redirect("dues:statement-detail", statement.pk)
    context = {"organization": organization, "year": year, "form": form, "existing": existing}
    return render(request, "dues/statement_form.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def statement_detail(request, statement_id):
    statement = statement_or_404(request.user, statement_id)
    manage = scope_of(request.user).covers(MANAGE_DUES, statement.organization.path)
    return render(
        request, "dues/statement_detail.html", {"statement": statement, "can_manage": manage}
    )


def _publishing(request, statement_id, action, success: str):
    statement = statement_or_404(request.user, statement_id)
    if not scope_of(request.user).covers(MANAGE_DUES, statement.organization.path):
        raise Http404
    try:
        action(actor=request.user, statement=statement)
    except ServiceError as error:
        messages.error(request, first_message(error))
    else:
        messages.success(request, success)
    return redirect("dues:statement-detail", statement.pk)


@login_required
@require_POST
def statement_publish(request, statement_id):
    return _publishing(request, statement_id, services.statement_publish, "已向本支部党员公开。")


@login_required
@require_POST
def statement_unpublish(request, statement_id):
    return _publishing(
        request, statement_id, services.statement_unpublish, "已撤回公开，党员不再能看到。"
    )


urlpatterns = [
    path("statements/", statement_list, name="statements"),
    path("statements/prepare/", statement_go, name="statement-go"),
    path("statements/<int:org_id>/<int:year>/edit/", statement_edit, name="statement-edit"),
    path("statements/<int:statement_id>/", statement_detail, name="statement-detail"),
    path("statements/<int:statement_id>/publish/", statement_publish, name="statement-publish"),
    path(
        "statements/<int:statement_id>/unpublish/",
        statement_unpublish,
        name="statement-unpublish",
    ),
]
