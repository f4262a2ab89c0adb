"""党内统计 page: pick an organisation of the scope and a date; figures, tables, charts, Excel.

The organisation comes from `?org=` (default: the user's highest grant); one outside the
`members.view_statistics` scope answers 404, exactly as a missing one. The charts are drawn by
`static/members/statistics.js` from a JSON data block (`json_script`): a data block is not a
script, so the CSP's `script-src 'self'` allows it.
"""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from dangjian.core.forms import BootstrapForm, DateInput, parse_id
from dangjian.core.scope import has_permission, scope_of
from dangjian.members import exporting
from dangjian.members.permissions import VIEW_STATISTICS
from dangjian.members.statistics import party_statistics
from dangjian.orgs.models import Organization, OrgType

PICKER_DEPTH = 2  # levels below the user's grants offered in the select (deeper: drill down)
PICKER_LIMIT = 300
FIRST_DAY = date(1921, 7, 1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatisticsDateForm(BootstrapForm):
    on = forms.DateField(
        label="统计日期",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "统计日期格式不正确，请按“2025-12-31”的格式填写。"},
    )

    def clean_on(self):
        value = self.cleaned_data.get("on") or timezone.localdate()
        if value > timezone.localdate():
            raise forms.ValidationError("统计日期不能晚于今天，请选择今天或以前的日期。")
        if value < FIRST_DAY:
            raise forms.ValidationError("统计日期不能早于 1921 年 7 月 1 日。")
        return value


def chosen_organization(user, value) -> Organization:
    """The organisation of `?org=` in the user's statistics scope (404 otherwise), or the
    user's highest grant when none is given."""
    visible = Organization.objects.visible_to(user, VIEW_STATISTICS)
    if value not in (None, ""):
        organization = visible.filter(pk=parse_id(value)).first()
    else:
        roots = scope_of(user).paths_for(VIEW_STATISTICS)
        organization = visible.filter(path=roots[0]).first() if roots else None
    if organization is None:
        raise Http404
    return organization


def picker_choices(user, chosen: Organization) -> list[tuple[int, str]]:
    """The grant roots and up to two levels below them (no 党小组), plus the chosen one."""
    roots = scope_of(user).paths_for(VIEW_STATISTICS)
    depth = min(len(root) for root in roots) // Organization.steplen + PICKER_DEPTH
    options = list(
        Organization.objects.visible_to(user, VIEW_STATISTICS)
        .filter(is_active=True, depth__lte=depth)
        .exclude(org_type=OrgType.GROUP)
        .only("pk", "name", "depth", "path")
        .order_by("path")[:PICKER_LIMIT]
    )
    if all(option.pk != chosen.pk for option in options):
        options.append(chosen)
    top = min(option.depth for option in options)
    return [(option.pk, "　" * (option.depth - top) + option.name) for option in options]


def trail(user, organization: Organization) -> list[Organization]:
    """The organisation's ancestors that the user may also count, top first (to go up)."""
    step = Organization.steplen
    paths = [organization.path[:end] for end in range(step, len(organization.path), step)]
    covered = [path for path in paths if scope_of(user).covers(VIEW_STATISTICS, path)]
    return list(Organization.objects.filter(path__in=covered).order_by("path"))


def _statistics_request(request):
    if not has_permission(request.user, VIEW_STATISTICS):
        raise PermissionDenied
    organization = chosen_organization(request.user, request.GET.get("org"))
    form = StatisticsDateForm(request.GET)
    on_date = form.cleaned_data["on"] if form.is_valid() else None
    return organization, form, on_date


@login_required
@require_GET
def statistics_page(request):
    organization, form, on_date = _statistics_request(request)
    stats = party_statistics(request.user, organization, on_date) if on_date else None
    context = {
        "organization": organization,
        "form": form,
        "stats": stats,
        "on_date": stats.on_date if stats else None,
        "choices": picker_choices(request.user, organization),
        "trail": trail(request.user, organization),
        "charts": stats.chart_data() if stats else {},
        "is_group": organization.org_type == OrgType.GROUP,
    }
    return render(request, "members/statistics.html", context, status=200 if stats else 400)


@login_required
@require_GET
def statistics_export_view(request):
    organization, _form, on_date = _statistics_request(request)
    if on_date is None:  # a bad date: the page says what to fix
        return statistics_page(request)
    stats = party_statistics(request.user, organization, on_date)
    content = exporting.statistics_export(actor=request.user, stats=stats)
    response = HttpResponse(content, content_type=XLSX)
    name = exporting.dated_file_name(f"党内统计-{organization.name}", timezone.now())
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


urlpatterns = [
    path("statistics/", statistics_page, name="statistics"),
    path("statistics/export/", statistics_export_view, name="statistics_export"),
]
