"""The member's own part (我的评议): the self-assessment and the peer ratings.

Open to every logged-in user; a round the caller does not take part in answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from dangjian.appraisals import selectors, services
from dangjian.appraisals.forms import RatingForm, SelfAssessmentForm
from dangjian.appraisals.models import Phase
from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate


@login_required
@require_GET
def mine(request):
    participations = selectors.my_participations(request.user)
    return render(request, "appraisals/mine.html", paginate(request, participations))


def _page(request, participant, *, self_form=None, rating_form=None, status=200):
    round_ = participant.round
    peers = services.peers_to_rate(participant)
    can_rate = round_.phase == Phase.PEER and not participant.has_rated
    return render(
        request,
        "appraisals/mine_detail.html",
        {
            "round": round_,
            "participant": participant,
            "can_write_self": round_.phase in (Phase.SELF, Phase.PEER),
            "can_rate": can_rate,
            "self_form": self_form
            or SelfAssessmentForm(initial={"text": participant.self_assessment}),
            "rating_form": rating_form or (RatingForm(peers=peers) if can_rate else None),
        },
        status=status,
    )


@login_required
@require_GET
def mine_detail(request, pk):
    return _page(request, selectors.my_participation(request.user, pk))


@login_required
@require_POST
def self_assessment(request, pk):
    participant = selectors.my_participation(request.user, pk)
    form = SelfAssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.self_assessment_save(
                actor=request.user, participant=participant, text=form.cleaned_data["text"]
            )
        except ServiceError as exc:
            form.add_error("text", exc.messages[0])
        else:
            messages.success(request, "个人自评已保存。互评开始前都可以修改。")
            return redirect("appraisals:mine_detail", pk)
    return _page(request, participant, self_form=form, status=400)


@login_required
@require_POST
def ratings(request, pk):
    participant = selectors.my_participation(request.user, pk)
    if participant.has_rated:
        messages.info(request, "您已经提交过互评，这次没有重复计票。")
        return redirect("appraisals:mine_detail", pk)
    form = RatingForm(request.POST, peers=services.peers_to_rate(participant))
    if form.is_valid():
        try:
            counted = services.ratings_submit(
                actor=request.user, participant=participant, ratings=form.ratings()
            )
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            if counted:
                messages.success(
                    request, "互评已提交。评价以无记名方式计票，任何人都看不到您的选择。"
                )
            else:
                messages.info(request, "您已经提交过互评，这次没有重复计票。")
            return redirect("appraisals:mine_detail", pk)
    return _page(request, participant, rating_form=form, status=400)


urlpatterns = [
    path("mine/", mine, name="mine"),
    path("mine/<int:pk>/", mine_detail, name="mine_detail"),
    path("mine/<int:pk>/self/", self_assessment, name="mine_self"),
    path("mine/<int:pk>/ratings/", ratings, name="mine_ratings"),
]
