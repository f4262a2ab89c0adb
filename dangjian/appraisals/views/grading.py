"""Grading: the branch proposes grades (拟定等次) and records the final ones (确定等次), with the
peer counts beside each member and a live 优秀 ≤ 1/3 counter (HTMX)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.appraisals import selectors, services
from dangjian.appraisals.forms import GradingForm, MeetingForm
from dangjian.appraisals.models import Phase
from dangjian.appraisals.permissions import MANAGE_APPRAISAL
from dangjian.core.exceptions import ServiceError

GRADING_PHASES = (Phase.PROPOSE, Phase.CONFIRM)


def _field(round_) -> str:
    return "final_grade" if round_.phase == Phase.CONFIRM else "proposed_grade"


def _counter(round_, form) -> dict:
    graded = len(form.graded)
    excellent = form.excellent_count()
    limit = services.excellent_limit(graded)
    return {
        "excellent": excellent,
        "limit": limit,
        "graded": graded,
        "over": excellent > limit,
        "over_by": max(excellent - limit, 0),
        "cap_text": services.cap_description(graded),
    }


@login_required
@require_http_methods(["GET", "POST"])
def grading(request, pk):
    round_ = selectors.round_for(request.user, pk, MANAGE_APPRAISAL)
    rows = selectors.grading_rows(round_)
    data = request.POST if request.method == "POST" else None
    form = GradingForm(data, rows=rows, field=_field(round_))
    meeting = MeetingForm(data) if round_.phase == Phase.CONFIRM else None
    if request.method == "POST":
        done = _save(request, round_, form, meeting)
        if done:
            return done
    return render(
        request,
        "appraisals/grading.html",
        {
            "round": round_,
            "form": form,
            "meeting": meeting,
            "ungraded": [row for row in rows if not row.is_graded],
            "open": round_.phase in GRADING_PHASES,
            "counter": _counter(round_, form),
        },
        status=400 if request.method == "POST" else 200,
    )


def _save(request, round_, form, meeting):
    if round_.phase not in GRADING_PHASES:
        form.add_error(None, "现在不是拟定或确定等次的阶段。")
        return None
    if not form.is_valid() or (meeting is not None and not meeting.is_valid()):
        return None
    try:
        if meeting is None:
            services.grades_propose(actor=request.user, round_=round_, grades=form.grades())
        else:
            services.round_finalise(
                actor=request.user, round_=round_, grades=form.grades(), **meeting.cleaned_data
            )
    except ServiceError as exc:
        form.add_error(None, exc.messages[0])
        return None
    if meeting is None:
        messages.success(request, "拟定等次已保存。全部拟定后可在评议页面进入“确定等次”阶段。")
        return redirect("appraisals:grading", round_.pk)
    messages.success(request, "等次已确定，结果已记入每名党员的档案。")
    return redirect("appraisals:results", round_.pk)


@login_required
@require_POST
def grading_counter(request, pk):
    """The live counter: how many 优秀 the form currently has against the cap."""
    round_ = selectors.round_for(request.user, pk, MANAGE_APPRAISAL)
    form = GradingForm(
        request.POST, rows=selectors.round_participants(round_), field=_field(round_)
    )
    return render(request, "appraisals/_cap_counter.html", {"counter": _counter(round_, form)})


urlpatterns = [
    path("<int:pk>/grading/", grading, name="grading"),
    path("<int:pk>/grading/counter/", grading_counter, name="grading_counter"),
]
