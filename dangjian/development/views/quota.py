"""发展计划: per branch per year the planned quota (edited inline) against its use."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404, has_permission
from dangjian.development import selectors, services
from dangjian.development.forms import QuotaForm, year_from
from dangjian.development.permissions import MANAGE_QUOTA
from dangjian.orgs.models import Organization, OrgType

PER_PAGE = 30


def _require(user) -> None:
    if not has_permission(user, MANAGE_QUOTA):
        raise PermissionDenied


def _branches(user):
    """Every active branch in the user's quota scope, in tree order (paginated by the page)."""
    return (
        Organization.objects.visible_to(user, MANAGE_QUOTA)
        .filter(org_type=OrgType.BRANCH, is_active=True)
        .only("pk", "name", "path")
        .order_by("path")
    )


@login_required
@require_GET
def quota(request):
    _require(request.user)
    year = year_from(request.GET.get("year"), timezone.localdate().year)
    page_obj = Paginator(_branches(request.user), PER_PAGE).get_page(request.GET.get("page"))
    shown = [branch.pk for branch in page_obj.object_list]
    quotas = {
        quota.organization_id: quota
        for quota in selectors.quota_use(request.user, year=year).filter(organization_id__in=shown)
    }
    rows = []
    for branch in page_obj.object_list:
        found = quotas.get(branch.pk)
        planned = found.planned if found else None
        used = getattr(found, "accepted", 0) if found else 0
        rows.append(
            {
                "branch": branch,
                "planned": planned,
                "used": used,
                "over": planned is not None and used > planned,
                "remaining": (planned - used) if planned is not None else None,
            }
        )
    found = selectors.quota_totals(request.user, year=year)
    totals = {"planned": found["planned"], "used": found["accepted"]}
    totals["remaining"] = totals["planned"] - totals["used"]
    context = {
        "year": year,
        "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
        "rows": rows,
        "totals": totals,
        "page_obj": page_obj,
        "query_without_page": f"year={year}&",
    }
    return render(request, "development/quota.html", context)


@login_required
@require_POST
def quota_set(request, pk):
    _require(request.user)
    branch = get_visible_or_404(
        Organization.objects.filter(org_type=OrgType.BRANCH),
        request.user,
        MANAGE_QUOTA,
        pk=parse_id(pk),
    )
    year = year_from(request.POST.get("year"), timezone.localdate().year)
    form = QuotaForm(request.POST)
    back = reverse("development:quota") + f"?year={year}"
    if not form.is_valid():
        messages.error(request, f"{branch.name}：{form.errors['planned'][0]}")
        return redirect(back)
    try:
        services.quota_set(
            actor=request.user, organization=branch, year=year, planned=form.cleaned_data["planned"]
        )
    except (ValidationError, PermissionDenied) as refused:
        text = "；".join(getattr(refused, "messages", [])) or "您没有制定该支部发展计划的权限。"
        messages.error(request, f"{branch.name}：{text}")
    else:
        messages.success(
            request, f"已将{branch.name} {year} 年发展计划设为 {form.cleaned_data['planned']} 名。"
        )
    return redirect(back)


urlpatterns = [
    path("quota/", quota, name="quota"),
    path("quota/<int:pk>/", quota_set, name="quota_set"),
]
