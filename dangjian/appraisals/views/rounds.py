"""The rounds list, opening a round, the round page, moving it on, and its results.

Every page needs `appraisals.view_appraisal` (managing ones `manage_appraisal`) over the round's
branch; outside that scope a round answers 404, exactly like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.appraisals import exporting, selectors, services
from dangjian.appraisals.forms import RescheduleForm, RoundFilterForm, RoundOpenForm
from dangjian.appraisals.models import PHASE_ORDER, Phase
from dangjian.appraisals.permissions import MANAGE_APPRAISAL, VIEW_APPRAISAL
from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.core.search_select import options_response


def _require(user, permission: str) -> None:
    if not has_permission(user, permission):
        raise Http404


@login_required
@require_GET
def round_list(request):
    _require(request.user, VIEW_APPRAISAL)
    year = parse_id(request.GET.get("year"))
    phase = request.GET.get("phase", "")
    filters = RoundFilterForm({"within": request.GET.get("within", "")}, user=request.user)
    within = filters.cleaned_data["within"] if filters.is_valid() else None
    rounds = selectors.rounds_visible_to(request.user, year=year, phase=phase, within=within)
    return render(
        request,
        "appraisals/list.html",
        {
            **paginate(request, rounds),
            "phases": Phase.choices,
            "year": year or "",
            "phase": phase,
            "filters": filters,
            "can_open": has_permission(request.user, MANAGE_APPRAISAL),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    _require(request.user, MANAGE_APPRAISAL)
    form = RoundOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_open(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, f"已开启{round_}，共 {round_.participant_count} 名党员参加。")
            return redirect("appraisals:detail", round_.pk)
    return render(request, "appraisals/new.html", {"form": form})


@login_required
@require_GET
def branch_options(request):
    """The open form's branch search: active 党支部 in the user's `manage_appraisal` scope."""
    _require(request.user, MANAGE_APPRAISAL)
    found = selectors.branch_options(request.user, request.GET.get("q", ""))
    options = [(org.pk, org.display_name) for org in found]
    return options_response(request, options, empty_label="请选择党支部")


@login_required
@require_GET
def organization_options(request):
    """The rounds list filter's search: organisations in the user's `view_appraisal` scope."""
    _require(request.user, VIEW_APPRAISAL)
    found = selectors.organization_options(request.user, request.GET.get("q", ""))
    options = [(org.pk, org.display_name) for org in found]
    return options_response(request, options, empty_label="全部")


@login_required
@require_GET
def round_detail(request, pk):
    round_ = selectors.round_for(request.user, pk)
    return render(
        request,
        "appraisals/detail.html",
        {
            "round": round_,
            **paginate(request, selectors.round_participants(round_)),
            "steps": _steps(round_),
            "can_manage": selectors.may_manage(request.user, round_, MANAGE_APPRAISAL),
            "next_phase": _next_phase_label(round_),
        },
    )


def _steps(round_) -> list[dict]:
    dates = {
        Phase.SELF: round_.self_ends_on,
        Phase.PEER: round_.peer_ends_on,
        Phase.PROPOSE: round_.propose_ends_on,
        Phase.CONFIRM: round_.final_ends_on,
    }
    current = round_.phase_index
    return [
        {
            "label": phase.label,
            "ends_on": dates.get(phase),
            "state": "done" if index < current else ("current" if index == current else "todo"),
        }
        for index, phase in enumerate(PHASE_ORDER[:-1])
    ]


def _next_phase_label(round_) -> str:
    if round_.phase in (Phase.CONFIRM, Phase.CLOSED):
        return ""
    return PHASE_ORDER[round_.phase_index + 1].label


@login_required
@require_POST
def round_advance(request, pk):
    round_ = selectors.round_for(request.user, pk, MANAGE_APPRAISAL)
    try:
        services.round_advance(actor=request.user, round_=round_)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"评议已进入“{round_.get_phase_display()}”阶段。")
    return redirect("appraisals:detail", round_.pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_reschedule(request, pk):
    round_ = selectors.round_for(request.user, pk, MANAGE_APPRAISAL)
    fields = ("self_ends_on", "peer_ends_on", "propose_ends_on", "final_ends_on")
    initial = {name: getattr(round_, name) for name in fields}
    form = RescheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_reschedule(actor=request.user, round_=round_, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "评议日期已调整。")
            return redirect("appraisals:detail", round_.pk)
    status = 400 if request.method == "POST" else 200
    context = {"round": round_, "form": form}
    return render(request, "appraisals/reschedule.html", context, status=status)


@login_required
@require_GET
def round_results(request, pk):
    round_ = selectors.round_for(request.user, pk)
    results = selectors.round_results(round_)
    return render(
        request,
        "appraisals/results.html",
        {"round": round_, **paginate(request, results, per_page=50)},
    )


@login_required
@require_POST
def results_export(request, pk):
    round_ = selectors.round_for(request.user, pk)
    if round_.phase != Phase.CLOSED:
        messages.error(request, "评议结束（确定等次）后才能导出结果。")
        return redirect("appraisals:results", round_.pk)
    return exporting.results_response(request.user, round_)


urlpatterns = [
    path("", round_list, name="list"),
    path("new/", round_new, name="new"),
    path("new/branches/", branch_options, name="branch_options"),
    path("organizations/", organization_options, name="organization_options"),
    path("<int:pk>/", round_detail, name="detail"),
    path("<int:pk>/advance/", round_advance, name="advance"),
    path("<int:pk>/dates/", round_reschedule, name="reschedule"),
    path("<int:pk>/results/", round_results, name="results"),
    path("<int:pk>/results/export/", results_export, name="results_export"),
]
