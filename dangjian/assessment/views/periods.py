"""Pages of 考核周期 for the managers (MANAGE_PERIOD over the period's owner):

    periods          the list, tabs by status, counters from the summary columns
    period_new       a new period (draft): template, month/quarter/year, targets, categories
    period_edit      a draft's settings
    period_detail    the dashboard: counters, progress, the paginated card table with filters,
                     the category of a card before lock, the actions
    period_action    POST action=open|lock|unlock|publish|finalize|delete (a large opening
                     runs as a background job with the progress page)
    card_category    POST: move a card to another comparison category (before lock)
    appeals          the appeals of a period; appeal_decide: one appeal and its decision

A period or appeal outside the caller's scope is a 404 like a missing one; a refused write comes
back as the service's Chinese message; every form carries a one-time token.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.assessment import access, engine
from dangjian.assessment.forms_periods import (
    CATEGORY_ROWS,
    DecisionForm,
    PeriodForm,
    UnlockForm,
)
from dangjian.assessment.models import Appeal, Category, Evidence, Period, Scorecard
from dangjian.assessment.permissions import MANAGE_PERIOD
from dangjian.assessment.services import appeals as appeal_services
from dangjian.assessment.services import periods as services
from dangjian.assessment.tasks import OPEN_INLINE_LIMIT, start_open_job
from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import scope_of
from dangjian.core.submit_once import SubmitOnce
from dangjian.orgs.models import OrgType, Unit

ONCE = "assessment"
Status = Period.Status
TABS = {
    "active": ("进行中", (Status.OPENING, Status.OPEN, Status.LOCKED, Status.PUBLISHED)),
    "draft": ("未开启", (Status.DRAFT,)),
    "final": ("已定档", (Status.FINAL,)),
    "all": ("全部", tuple(Status.values)),
}
CARD_FILTERS = {
    "": "全部状态",
    "self_check": "待自查",
    "submitted": "已提交自查",
    "scored": "评分完毕",
    "returned": "有退回补充",
    "unscored": "未评分完毕",
}
APPEAL_FILTERS = {"": "全部", **dict(Appeal.Status.choices)}


def _require_manager(user) -> None:
    if not scope_of(user).has(MANAGE_PERIOD):
        raise Http404


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # another part's page not there yet
        return ""


def _detail(period) -> str:
    return reverse("assessment:period_detail", args=[period.pk])


def _once(request, purpose: str, fallback: str):
    once = SubmitOnce(request, purpose, namespace=ONCE)
    if not once.claim():
        return once, once.repeated(request, fallback)
    return once, None


# ------------------------------------------------------------------ the list


@login_required
@require_GET
def periods(request):
    _require_manager(request.user)
    tab = request.GET.get("tab", "active")
    if tab not in TABS:
        tab = "active"
    q = request.GET.get("q", "").strip()
    managed = access.periods_managed(request.user)
    counts = dict(managed.order_by().values_list("status").annotate(n=Count("id")))
    tabs = [
        (key, label, sum(counts.get(s, 0) for s in statuses))
        for key, (label, statuses) in TABS.items()
    ]
    rows = managed.filter(status__in=TABS[tab][1]).select_related("owner", "template")
    if q:
        rows = rows.filter(name__icontains=q)
    context = {"tab": tab, "tabs": tabs, "q": q, **paginate(request, rows)}
    return render(request, "assessment/per_periods.html", context)


# ------------------------------------------------------------------ new / edit


def _form_context(form, **extra) -> dict:
    return {
        "form": form,
        "category_rows": form.category_rows(),
        "unit_kinds": Unit.Kind.choices,
        "category_limit": CATEGORY_ROWS,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def period_new(request):
    _require_manager(request.user)
    once = SubmitOnce(request, "period_new", namespace=ONCE)
    form = PeriodForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("assessment:periods") + "?tab=draft")
        try:
            period = services.period_create(actor=request.user, **form.service_kwargs())
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = _detail(period)
            once.done(url)
            messages.success(
                request, "考核周期已保存（未开启）。核对考核对象和类别后点“开启考核”。"
            )
            return redirect(url)
    return render(
        request, "assessment/per_period_form.html", _form_context(form, form_token=once.token)
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_edit(request, pk: int):
    period = access.managed_period_or_404(request.user, pk)
    if period.status != Status.DRAFT:
        messages.info(request, "考核已开启，设置不能再修改。")
        return redirect(_detail(period))
    initial = {
        "owner": period.owner_id,
        "template": period.template_id,
        "kind": period.kind,
        "year": period.starts_on.year,
        "number": period.starts_on.month
        if period.kind == Period.Kind.MONTH
        else (period.starts_on.month - 1) // 3 + 1,
        "name": period.name,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "target_root": period.target_root_id,
        "target_types": period.target_types,
        "self_check_until": period.self_check_until,
        "scoring_until": period.scoring_until,
        "publish_on": period.publish_on,
        "appeal_days": period.appeal_days,
    }
    form = PeriodForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        categories = kwargs.pop("categories")
        kwargs.pop("owner")
        try:
            services.period_update(
                actor=request.user, period=period, categories=categories, **kwargs
            )
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "考核设置已修改。")
            return redirect(_detail(period))
    context = _form_context(form, period=period)
    if not form.is_bound:
        context["category_rows"] = _category_rows_of(period)
    return render(request, "assessment/per_period_form.html", context)


def _category_rows_of(period) -> list[dict]:
    rows = [
        {
            "name": c.name,
            "name_keywords": "、".join(c.name_keywords),
            "unit_kinds": list(c.unit_kinds),
        }
        for c in period.categories.all()
    ]
    while len(rows) < CATEGORY_ROWS:
        rows.append({"name": "", "name_keywords": "", "unit_kinds": []})
    return [{**row, "index": index} for index, row in enumerate(rows[:CATEGORY_ROWS])]


# ------------------------------------------------------------------ the dashboard


def _cards(period, *, category: int | None, status: str, q: str):
    rows = Scorecard.objects.filter(period=period).select_related("category", "organization")
    if category:
        rows = rows.filter(category_id=category)
    if status == "returned":
        rows = rows.filter(returned_count__gt=0)
    elif status == "unscored":
        rows = rows.filter(scored_count__lt=F("leaf_count"))
    elif status in Scorecard.Status.values:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(target_name__icontains=q)
    return rows.order_by("category__position", "rank", "target_name", "pk")


def _counters(period) -> dict:
    """Counters of the dashboard: the period's summary columns plus one aggregate query over its
    cards (cards scored, leaves scored and returned)."""
    agg = Scorecard.objects.filter(period=period).aggregate(
        cards=Count("id"),
        submitted=Count("id", filter=~Q(status=Scorecard.Status.SELF_CHECK)),
        scored_cards=Count("id", filter=Q(scored_count__gte=F("leaf_count"))),
        leaves=Sum("leaf_count"),
        leaves_scored=Sum("scored_count"),
        leaves_self=Sum("self_done_count"),
        returned=Sum("returned_count"),
    )
    targets = period.target_count or agg["cards"] or 0
    leaves = agg["leaves"] or 0

    def percent(part, whole):
        return round(100 * (part or 0) / whole) if whole else 0

    return {
        "targets": targets,
        "submitted": agg["submitted"] or 0,
        "scored_cards": agg["scored_cards"] or 0,
        "returned": agg["returned"] or 0,
        "appeals": period.appeal_count,
        "appeals_open": period.appeal_open_count,
        "submitted_pct": percent(agg["submitted"], targets),
        "self_pct": percent(agg["leaves_self"], leaves),
        "scored_pct": percent(agg["leaves_scored"], leaves),
    }


@login_required
@require_GET
def period_detail(request, pk: int):
    period = access.managed_period_or_404(request.user, pk)
    categories = list(period.categories.order_by("position", "id"))
    category = parse_id(request.GET.get("category"))
    status = request.GET.get("status", "")
    if status not in CARD_FILTERS:
        status = ""
    q = request.GET.get("q", "").strip()
    context = {
        "period": period,
        "categories": categories,
        "category": category,
        "status": status,
        "q": q,
        "filters": list(CARD_FILTERS.items()),
        "form_token": SubmitOnce(request, "period", namespace=ONCE).token,
        "unlock_form": UnlockForm(),
        "type_labels": "、".join(str(OrgType(t).label) for t in period.target_types),
        "results_url": _url("assessment:period_results", period.pk),
        "bulletin_url": _url("assessment:bulletin_pdf", period.pk),
    }
    if period.status == Status.DRAFT:
        context["estimate"] = services.target_estimate(period)
        context["inline_limit"] = OPEN_INLINE_LIMIT
    else:
        context["counters"] = _counters(period)
        context.update(paginate(request, _cards(period, category=category, status=status, q=q)))
        context["may_recategorise"] = period.status == Status.OPEN and len(categories) > 1
        context["card_url"] = "assessment:card_result" if _url("assessment:card_result", 0) else ""
    return render(request, "assessment/per_period_detail.html", context)


ACTIONS = {"open", "lock", "unlock", "publish", "finalize", "delete"}
DONE = {
    "lock": "已审核锁定：总分和类别内名次已计算。核对后可公示。",
    "unlock": "已解除锁定，可以继续评分。",
    "publish": "考核结果已公示，申诉期开始。",
    "finalize": "考核结果已定档。",
}


@login_required
@require_POST
def period_action(request, pk: int):
    period = access.managed_period_or_404(request.user, pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404
    detail = _detail(period)
    once, repeated = _once(request, f"{action}:{period.pk}", detail)
    if repeated:
        return repeated
    user = request.user
    try:
        if action == "open":
            if services.target_estimate(period) > OPEN_INLINE_LIMIT:
                job = start_open_job(actor=user, period=period, request_key=once.token)
                url = reverse("core:job_detail", args=[job.pk])
                once.done(url)
                return redirect(url)
            count = services.period_open(actor=user, period=period)
            messages.success(request, f"考核已开启：生成 {count} 张考核表，已通知各考核对象自查。")
        elif action == "lock":
            services.period_lock(actor=user, period=period)
        elif action == "unlock":
            form = UnlockForm(request.POST)
            reason = form.data.get("reason", "")
            services.period_unlock(actor=user, period=period, reason=reason)
        elif action == "publish":
            services.period_publish(actor=user, period=period)
        elif action == "finalize":
            services.period_finalize(actor=user, period=period)
        elif action == "delete":
            services.period_delete(actor=user, period=period)
            messages.success(request, "未开启的考核周期已删除。")
            url = reverse("assessment:periods") + "?tab=draft"
            once.done(url)
            return redirect(url)
    except ServiceError as exc:
        once.release()
        messages.error(request, exc.messages[0])
        return redirect(detail)
    if action in DONE:
        messages.success(request, DONE[action])
    once.done(detail)
    return redirect(detail)


@login_required
@require_POST
def card_category(request, pk: int):
    card = Scorecard.objects.select_related("period").filter(pk=pk).first()
    if card is None:
        raise Http404
    period = access.managed_period_or_404(request.user, card.period_id)
    back = request.POST.get("next", "")
    detail = _detail(period)
    if not back.startswith(detail):
        back = detail
    category = Category.objects.filter(
        period=period, pk=parse_id(request.POST.get("category"))
    ).first()
    try:
        services.card_set_category(actor=request.user, card=card, category=category)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{card.target_name}已调整到“{category.name}”。")
    return redirect(back)


# ------------------------------------------------------------------ appeals


@login_required
@require_GET
def appeals(request, pk: int):
    period = access.managed_period_or_404(request.user, pk)
    status = request.GET.get("status", "pending" if period.appeal_open_count else "")
    if status not in APPEAL_FILTERS:
        status = ""
    rows = Appeal.objects.filter(scorecard__period=period).select_related(
        "scorecard", "leaf__indicator", "created_by"
    )
    if status:
        rows = rows.filter(status=status)
    rows = rows.order_by("status", "-created_at", "-id")
    context = {
        "period": period,
        "status": status,
        "filters": list(APPEAL_FILTERS.items()),
        **paginate(request, rows),
    }
    return render(request, "assessment/per_appeals.html", context)


def _appeal_or_404(user, pk) -> Appeal:
    appeal = (
        Appeal.objects.select_related(
            "scorecard__period", "scorecard__organization", "leaf__indicator", "created_by"
        )
        .filter(pk=parse_id(pk))
        .first()
    )
    if appeal is None:
        raise Http404
    period = access.managed_period_or_404(user, appeal.scorecard.period_id)
    appeal.scorecard.period = period
    return appeal


@login_required
@require_http_methods(["GET", "POST"])
def appeal_decide(request, pk: int):
    appeal = _appeal_or_404(request.user, pk)
    period = appeal.scorecard.period
    indicator = appeal.leaf.indicator
    once = SubmitOnce(request, f"appeal:{appeal.pk}", namespace=ONCE)
    form = DecisionForm(request.POST or None, indicator=indicator)
    back = reverse("assessment:appeals", args=[period.pk])
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, back)
        try:
            appeal_services.appeal_decide(
                actor=request.user, appeal=appeal, **form.service_kwargs()
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            once.done(back)
            messages.success(request, "申诉已裁定，已通知申诉单位。")
            return redirect(back)
    files = list(Evidence.objects.filter(appeal=appeal).order_by("id"))
    self_files = list(
        Evidence.objects.filter(leaf_id=appeal.leaf_id, appeal__isnull=True).order_by("id")
    )
    context = {
        "appeal": appeal,
        "period": period,
        "card": appeal.scorecard,
        "leaf": appeal.leaf,
        "indicator": indicator,
        "range": engine.allowed_range(indicator).describe(),
        "full": engine.full_points(indicator),
        "files": files,
        "self_files": self_files,
        "file_url": "assessment:evidence_file" if _url("assessment:evidence_file", 0) else "",
        "form": form,
        "form_token": once.token,
    }
    return render(request, "assessment/per_appeal.html", context)


urlpatterns = [
    path("periods/", periods, name="periods"),
    path("periods/new/", period_new, name="period_new"),
    path("periods/<int:pk>/", period_detail, name="period_detail"),
    path("periods/<int:pk>/edit/", period_edit, name="period_edit"),
    path("periods/<int:pk>/action/", period_action, name="period_action"),
    path("periods/<int:pk>/appeals/", appeals, name="appeals"),
    path("cards/<int:pk>/category/", card_category, name="card_category"),
    path("appeals/<int:pk>/", appeal_decide, name="appeal_decide"),
]
