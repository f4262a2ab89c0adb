"""缴费基数: the members' bases of a year (category, base, monthly amount, hardship), the
members still without one, and the page that fixes one member's base. Bases are salaries, so
the pages need `dues.manage_dues` (403 to a user who manages dues nowhere, 404 out of scope)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, has_permission
from dangjian.dues import selectors, services
from dangjian.dues.forms import BaseForm, OrganizationField, scope_organizations
from dangjian.dues.permissions import MANAGE_DUES
from dangjian.dues.selectors_ui import approved_hardships
from dangjian.dues.views.common import (
    FIRST_YEAR,
    LAST_YEAR,
    first_message,
    organization_or_404,
    top_organization,
    year_or_default,
)
from dangjian.members.models import Member

PER_PAGE = 30


def require_manager(user) -> None:
    if not has_permission(user, MANAGE_DUES):
        raise PermissionDenied


class BasesPicker(forms.Form):
    org = OrganizationField(label="党组织（含下级）", empty_label=None)
    year = forms.IntegerField(label="年度", min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_organizations(self, "org", user, MANAGE_DUES)
        self.fields["org"].widget.attrs["class"] = "form-select"
        self.fields["year"].widget.attrs["class"] = "form-control"


@login_required
@require_GET
def base_list(request):
    user = request.user
    require_manager(user)
    if request.GET.get("org"):
        organization = organization_or_404(user, request.GET["org"], MANAGE_DUES)
    else:
        organization = top_organization(user, MANAGE_DUES)
    year = year_or_default(request.GET.get("year"))
    missing = request.GET.get("missing") == "1"
    without = selectors.members_without_base(user, organization=organization, year=year)
    context = {
        "organization": organization,
        "year": year,
        "missing": missing,
        "missing_count": without.count(),
        "picker": BasesPicker(initial={"org": organization.pk, "year": year}, user=user),
        "query": f"org={organization.pk}&year={year}",
    }
    if missing:
        context |= paginate(request, without, PER_PAGE)
        context["rows"] = [{"member": m} for m in context["page_obj"].object_list]
    else:
        bases = selectors.bases_visible(user, year=year, organization=organization)
        context |= paginate(request, bases, PER_PAGE)
        page = context["page_obj"].object_list
        hardships = approved_hardships((base.member_id for base in page), year)
        context["rows"] = [
            {"base": base, "member": base.member, "hardship": hardships.get(base.member_id)}
            for base in page
        ]
    return render(request, "dues/bases.html", context)


def rate_table_for(year: int):
    """The rate table in force on 1 January of the year (shown beside the forms), or None."""
    try:
        return selectors.rate_table_in_force(datetime.date(year, 1, 1))
    except ServiceError:
        return None


def _year_or_404(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


@login_required
@require_http_methods(["GET", "POST"])
def base_edit(request, member_id, year):
    user = request.user
    member = get_visible_or_404(
        Member.objects.select_related("person", "organization"),
        user,
        MANAGE_DUES,
        pk=parse_id(member_id),
    )
    year = _year_or_404(year)
    existing = selectors.bases_visible(user, year=year).filter(member=member).first()
    initial = (
        {"category": existing.category, "base": existing.base, "note": existing.note}
        if existing
        else {"category": services.default_category(member.person)}
    )
    form = BaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.base_set(
                actor=user,
                member=member,
                year=year,
                category=data["category"],
                base=data["base"],
                fixed_amount=data["fixed_amount"],
                note=data["note"].strip(),
            )
        except ServiceError as error:
            form.add_error(None, first_message(error))
        else:
            messages.success(
                request,
                f"已核定{member.person.name} {year} 年党费：每月 {row.monthly_amount} 元。",
            )
            back = reverse("dues:bases")
            return redirect(f"{back}?org={member.organization_id}&year={year}")
    context = {
        "member": member,
        "year": year,
        "form": form,
        "existing": existing,
        "rate_table": rate_table_for(year),
    }
    return render(request, "dues/base_form.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("bases/", base_list, name="bases"),
    path("bases/<int:member_id>/<int:year>/", base_edit, name="base-edit"),
]
