"""我的党费: a member's own dues (their months, arrears, this year's amount) and the statements
their branch has published. Any logged-in user linked to a membership; no role needed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.paging import paginate
from dangjian.core.rules import rule_value
from dangjian.dues import rules, selectors
from dangjian.dues.selectors_ui import own_membership, published_statements, voluntary_of

MONTHS_PER_PAGE = 12


def member_dues_context(request, member) -> dict:
    """What the member page's 党费 tab and the member's own page both show."""
    user = request.user
    year = timezone.localdate().year
    entries = selectors.entries_visible(user, member=member)
    context = {
        "dues_member": member,
        "arrears_months": selectors.member_arrears_months(member),
        "paid_through": selectors.paid_through(member),
        "current_base": selectors.bases_visible(user, year=year).filter(member=member).first(),
        "base_year": year,
        "voluntary": voluntary_of(user, member),
        "alert_months": rule_value(rules.ARREARS_ALERT_MONTHS),
        "lapse_months": rule_value(rules.LAPSE_WARNING_MONTHS),
    }
    return context | paginate(request, entries, MONTHS_PER_PAGE)


@login_required
@require_GET
def mine(request):
    member = own_membership(request.user)
    if member is None:
        raise Http404
    context = member_dues_context(request, member)
    context["statements"] = list(published_statements(request.user, member.organization)[:5])
    return render(request, "dues/mine.html", context)


urlpatterns = [path("mine/", mine, name="mine")]
