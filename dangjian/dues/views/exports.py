"""Exports for finance and the archive: the monthly payroll-deduction list and a branch's
yearly ledger (Excel). The services write the audit entries; these views check the scope
(`dues.export_dues`, 404 outside it) and send the file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dangjian.core.exceptions import ServiceError
from dangjian.dues.permissions import EXPORT_DUES
from dangjian.dues.services import exports
from dangjian.dues.views.common import (
    attachment,
    first_message,
    month_or_404,
    organization_or_404,
    this_month,
)


@never_cache
@login_required
@require_GET
def payroll_list(request, org_id, year, month):
    organization = organization_or_404(request.user, org_id, EXPORT_DUES)
    month = month_or_404(year, month)
    try:
        filename, content = exports.payroll_export(
            actor=request.user, organization=organization, month=month
        )
    except ServiceError as error:
        messages.error(request, first_message(error))
        return redirect("dues:branch-month", organization.pk, year, month.month)
    return attachment(content, filename)


@never_cache
@login_required
@require_GET
def ledger(request, org_id, year):
    organization = organization_or_404(request.user, org_id, EXPORT_DUES)
    month_or_404(year, 1)
    try:
        filename, content = exports.ledger_export(
            actor=request.user, organization=organization, year=year
        )
    except ServiceError as error:
        messages.error(request, first_message(error))
        current = this_month()
        back = reverse("dues:branch-month", args=[organization.pk, current.year, current.month])
        return redirect(back)
    return attachment(content, filename)


urlpatterns = [
    path(
        "orgs/<int:org_id>/<int:year>/<int:month>/payroll.xlsx", payroll_list, name="export-payroll"
    ),
    path("orgs/<int:org_id>/<int:year>/ledger.xlsx", ledger, name="export-ledger"),
]
