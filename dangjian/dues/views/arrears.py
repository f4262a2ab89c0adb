"""欠缴: members of the subtree with at least N consecutive unpaid months, longest first, one
aggregated query paginated in the database; badges at the rule's 3 months (批评教育) and at
the 6 months of 党章第九条 (自行脱党 warning)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dangjian.core.paging import paginate
from dangjian.core.rules import rule_source, rule_value
from dangjian.core.scope import has_permission
from dangjian.dues import rules, selectors
from dangjian.dues.forms import ArrearsFilterForm
from dangjian.dues.permissions import VIEW_DUES

PER_PAGE = 30


@login_required
@require_GET
def arrears(request):
    user = request.user
    if not has_permission(user, VIEW_DUES):
        raise PermissionDenied
    alert = rule_value(rules.ARREARS_ALERT_MONTHS)
    lapse = rule_value(rules.LAPSE_WARNING_MONTHS)
    form = ArrearsFilterForm(request.GET or None, user=user, permission=VIEW_DUES)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    minimum = data.get("months") or 1
    rows = selectors.arrears(user, organization=data.get("org"), min_months=minimum)
    if not valid:
        rows = rows.none()
    context = {
        "form": form,
        "alert_months": alert,
        "lapse_months": lapse,
        "lapse_source": rule_source(rules.LAPSE_WARNING_MONTHS),
        "minimum": minimum,
    }
    context |= paginate(request, rows, PER_PAGE)
    return render(request, "dues/arrears.html", context)


urlpatterns = [path("arrears/", arrears, name="arrears")]
