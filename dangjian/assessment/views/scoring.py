"""The assessor's pages (评分任务, issue 8 items 3, 5 and 6).

    queue            the work list: the open periods the user scores in → their leaves with
                     待评分 / 已退回 / 已评分 / 待自查 counts and a 去评分 button (filters: period,
                     类别, status, target name); periods paginate in the database
    score_indicator  one leaf across all targets of a period: a paginated table of the targets'
                     self-check (score, note, evidence), the computed score and its explanation,
                     and the score input of the rule type; rows save one by one with htmx;
                     全部采用系统计算分 and 按实时数据重新计算 for the whole period
    score_card       all of the user's leaves of one card (a focused review)
    score_leaf       POST of one row (action score | accept | return); answers the row (htmx) or
                     goes back to the page

Whoever does not score the leaf gets a 404 exactly like a missing page. A locked period shows
the scores read-only.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.assessment import engine, selectors_queue, sources
from dangjian.assessment.access import can_score, is_assessor
from dangjian.assessment.forms_scoring import ReturnForm, ScoreForm
from dangjian.assessment.models import Indicator, LeafScore, Period, Scorecard
from dangjian.assessment.services import scoring
from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.submit_once import SubmitOnce

ONCE = "assessment"
PERIODS_PER_PAGE = 10
CARDS_PER_PAGE = 20


def _require_assessor(user) -> None:
    if not is_assessor(user):
        raise Http404


def _period_leaf_or_404(user, period_pk, indicator_pk) -> tuple[Period, Indicator]:
    try:
        period = Period.objects.select_related("template", "owner").get(pk=period_pk)
        indicator = Indicator.objects.select_related("scorer_role", "parent__parent").get(
            pk=indicator_pk, template_id=period.template_id, level=Indicator.Level.RULE
        )
    except (Period.DoesNotExist, Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not selectors_queue.queue_cards(user, period, indicator).exists():
        raise Http404
    return period, indicator


def _card_leaf_or_404(user, card_pk, indicator_pk) -> tuple[Scorecard, Indicator]:
    try:
        card = Scorecard.objects.select_related(
            "period__template", "period__owner", "organization", "category"
        ).get(pk=card_pk)
        indicator = Indicator.objects.select_related("scorer_role").get(
            pk=indicator_pk, template_id=card.period.template_id, level=Indicator.Level.RULE
        )
    except (Scorecard.DoesNotExist, Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not can_score(user, card, indicator):
        raise Http404
    return card, indicator


def _filters(request) -> dict:
    status = request.GET.get("status", "")
    return {
        "status": status if status in selectors_queue.STATUSES else "",
        "category": request.GET.get("category", "").strip()[:50],
        "q": request.GET.get("q", "").strip()[:50],
    }


# ------------------------------------------------------------------ the queue


@login_required
@require_GET
def queue(request):
    user = request.user
    _require_assessor(user)
    filters = _filters(request)
    period_id = parse_id(request.GET.get("period"))
    now = timezone.now()
    all_periods = list(selectors_queue.queue_periods(user))
    totals = selectors_queue.queue_totals(selectors_queue.queue_summary(user, all_periods, now=now))
    periods = selectors_queue.queue_periods(user, period_id=period_id) if period_id else None
    paging = paginate(
        request,
        periods if periods is not None else selectors_queue.queue_periods(user),
        PERIODS_PER_PAGE,
    )
    rows = selectors_queue.queue_summary(
        user,
        list(paging["page_obj"].object_list),
        category=filters["category"],
        status=filters["status"],
        q=filters["q"],
        now=now,
    )
    by_period: dict[int, list] = {}
    for row in rows:
        by_period.setdefault(row.period.pk, []).append(row)
    sections = [
        (
            period,
            by_period.get(period.pk, []),
            selectors_queue.queue_totals(by_period.get(period.pk, [])),
        )
        for period in paging["page_obj"].object_list
    ]
    context = {
        **paging,
        "sections": sections,
        "totals": totals,
        "filters": filters,
        "statuses": list(selectors_queue.STATUSES.items()),
        "period_choices": all_periods,
        "period_id": period_id,
        "now": now,
    }
    return render(request, "assessment/scr_queue.html", context)


# ------------------------------------------------------------------ rows


def _row_context(
    request,
    card,
    indicator,
    leaf,
    *,
    mode: str,
    next_url: str,
    now=None,
    form=None,
    return_form=None,
    error: str = "",
    saved: str = "",
) -> dict:
    now = now or timezone.now()
    editable = card.period.status == Period.Status.OPEN and scoring.card_ready(card, now)
    prefix = f"r{card.pk}-{indicator.pk}"
    return {
        "card": card,
        "indicator": indicator,
        "leaf": leaf,
        "mode": mode,
        "editable": editable,
        "ready": scoring.card_ready(card, now),
        "form": form or ScoreForm(indicator=indicator, leaf=leaf, prefix=prefix),
        "return_form": return_form or ReturnForm(prefix=prefix),
        "form_token": uuid.uuid4().hex,  # a fresh one per rendering of the row (SubmitOnce)
        "error": error,
        "saved": saved,
        "full": engine.fmt(engine.full_points(indicator)),
        "computed_reason": scoring.computed_reason(leaf),
        "has_source": bool(indicator.source),
        "row_id": f"scr-row-{card.pk}-{indicator.pk}",
        "self_points": engine.fmt(leaf.self_points) if leaf else "",
        "computed": engine.fmt(leaf.computed_points) if leaf else "",
        "points": engine.fmt(leaf.points) if leaf else "",
        "next_url": next_url,
    }


def _leaf_of(card, indicator) -> LeafScore | None:
    return (
        LeafScore.objects.filter(scorecard=card, indicator=indicator)
        .select_related("scored_by", "returned_by")
        .prefetch_related("evidence")
        .first()
    )


def _back(request, card, indicator) -> str:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return reverse("assessment:score_indicator", args=[card.period_id, indicator.pk])


@login_required
@require_POST
def score_leaf(request, card_pk, indicator_pk):
    card, indicator = _card_leaf_or_404(request.user, card_pk, indicator_pk)
    mode = "indicator" if request.POST.get("mode") == "indicator" else "target"
    action = request.POST.get("action", "score")
    prefix = f"r{card.pk}-{indicator.pk}"
    leaf = _leaf_of(card, indicator)
    back = _back(request, card, indicator)
    once = SubmitOnce(request, f"leaf:{card.pk}:{indicator.pk}", namespace=ONCE)
    form = ScoreForm(
        request.POST if action != "return" else None, indicator=indicator, leaf=leaf, prefix=prefix
    )
    return_form = ReturnForm(request.POST if action == "return" else None, prefix=prefix)
    error = saved = ""
    if not once.claim():
        if not request.htmx:
            return once.repeated(request, back)
        error = "这一行已经保存过（可能是重复点击），没有重复保存。"
    else:
        valid = return_form.is_valid() if action == "return" else form.is_valid()
        try:
            if not valid:
                bad = return_form if action == "return" else form
                raise ServiceError(next(iter(bad.errors.values()))[0])
            if action == "return":
                scoring.leaf_return(
                    actor=request.user,
                    card=card,
                    indicator=indicator,
                    message=return_form.cleaned_data["message"],
                )
                saved = "已退回，已通知对方补充佐证材料。"
            else:
                if action == "accept" and (leaf is None or leaf.computed_points is None):
                    raise ServiceError("这项细则还没有系统计算分，请按评分标准评分。")
                scoring.leaf_score(
                    actor=request.user,
                    card=card,
                    indicator=indicator,
                    **form.score_kwargs(action),
                )
                saved = "评分已保存。"
        except ServiceError as exc:
            once.release()
            error = exc.messages[0]
        else:
            once.done(back)
    if not request.htmx:
        if error:
            messages.error(request, f"{card.target_name} · {indicator.code}：{error}")
        else:
            messages.success(request, f"{card.target_name} · {indicator.code}：{saved}")
        return redirect(back)
    card.refresh_from_db()
    leaf = _leaf_of(card, indicator)
    if error:
        row = _row_context(
            request,
            card,
            indicator,
            leaf,
            mode=mode,
            next_url=back,
            form=form,
            return_form=return_form,
            error=error,
        )
    else:
        row = _row_context(request, card, indicator, leaf, mode=mode, next_url=back, saved=saved)
    response = render(request, "assessment/scr_row.html", {"row": row})
    if not error:
        response["HX-Trigger"] = "scr-changed"
    return response


# ------------------------------------------------------------------ one leaf, all targets


@login_required
@require_http_methods(["GET", "POST"])
def score_indicator(request, period_pk, indicator_pk):
    user = request.user
    period, indicator = _period_leaf_or_404(user, period_pk, indicator_pk)
    here = reverse("assessment:score_indicator", args=[period.pk, indicator.pk])
    if request.method == "POST":
        return _indicator_action(request, period, indicator, here)
    filters = _filters(request)
    now = timezone.now()
    cards = selectors_queue.queue_cards(
        user,
        period,
        indicator,
        filters["status"],
        category=filters["category"],
        q=filters["q"],
        now=now,
    )
    paging = paginate(request, cards, CARDS_PER_PAGE)
    page_cards = list(paging["page_obj"].object_list)
    leaves = selectors_queue.leaves_of_cards(page_cards, indicator)
    rows = [
        _row_context(
            request,
            card,
            indicator,
            leaves.get(card.pk),
            mode="target",
            next_url=request.get_full_path(),
            now=now,
        )
        for card in page_cards
    ]
    summary = selectors_queue.queue_summary(
        user, [period], category=filters["category"], q=filters["q"], now=now
    )
    counts = next((row for row in summary if row.indicator.pk == indicator.pk), None)
    source = sources.get(indicator.source) if indicator.source else None
    context = {
        **paging,
        "period": period,
        "indicator": indicator,
        "rows": rows,
        "counts": counts,
        "filters": filters,
        "statuses": list(selectors_queue.STATUSES.items()),
        "categories": list(period.categories.values_list("name", flat=True)),
        "is_open": period.status == Period.Status.OPEN,
        "source": source,
        "allowed": engine.allowed_range(indicator).describe(),
        "full": engine.fmt(engine.full_points(indicator)),
        "form_token": SubmitOnce(request, f"bulk:{period.pk}:{indicator.pk}", namespace=ONCE).token,
        "here": request.get_full_path(),
    }
    return render(request, "assessment/scr_indicator.html", context)


def _indicator_action(request, period, indicator, here):
    action = request.POST.get("action", "")
    once = SubmitOnce(request, f"bulk:{period.pk}:{indicator.pk}", namespace=ONCE)
    if not once.claim():
        return once.repeated(request, here)
    try:
        if action == "compute":
            count = scoring.sources_compute(actor=request.user, period=period, indicator=indicator)
            messages.success(request, f"已按实时数据计算 {count} 个考核对象的得分。")
        elif action == "accept_computed":
            cards = list(selectors_queue.queue_cards(request.user, period, indicator, "pending"))
            leaves = selectors_queue.leaves_of_cards(cards, indicator)
            entries = [
                scoring.Entry(card=card, points=leaves[card.pk].computed_points)
                for card in cards
                if card.pk in leaves and leaves[card.pk].computed_points is not None
            ]
            if not entries:
                raise ServiceError("没有可以采用系统计算分的待评分对象（先按实时数据计算）。")
            count = scoring.leaf_scores_bulk(
                actor=request.user, period=period, indicator=indicator, entries=entries
            )
            messages.success(request, f"已采用系统计算分，评分 {count} 个考核对象。")
        else:
            raise Http404
    except ServiceError as exc:
        once.release()
        for message in exc.messages[:10]:
            messages.error(request, message)
    else:
        once.done(here)
    return redirect(here)


# ------------------------------------------------------------------ one card


@login_required
@require_GET
def score_card(request, card_pk):
    user = request.user
    try:
        card = Scorecard.objects.select_related(
            "period__template", "period__owner", "organization", "category"
        ).get(pk=card_pk)
    except (Scorecard.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    pairs = selectors_queue.my_leaves_of_card(user, card)
    if not pairs:
        raise Http404
    now = timezone.now()
    rows = [
        _row_context(
            request,
            card,
            indicator,
            leaf,
            mode="indicator",
            next_url=request.get_full_path(),
            now=now,
        )
        for indicator, leaf in pairs
    ]
    context = {
        "card": card,
        "period": card.period,
        "rows": rows,
        "is_open": card.period.status == Period.Status.OPEN,
        "ready": scoring.card_ready(card, now),
        "mine_scored": sum(1 for _, leaf in pairs if leaf is not None and leaf.points is not None),
        "here": request.get_full_path(),
    }
    return render(request, "assessment/scr_card.html", context)


urlpatterns = [
    path("scoring/", queue, name="queue"),
    path("scoring/cards/<int:card_pk>/", score_card, name="score_card"),
    path(
        "scoring/periods/<int:period_pk>/leaves/<int:indicator_pk>/",
        score_indicator,
        name="score_indicator",
    ),
    path(
        "scoring/cards/<int:card_pk>/leaves/<int:indicator_pk>/",
        score_leaf,
        name="score_leaf",
    ),
]
