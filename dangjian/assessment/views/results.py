"""考核查询 and results pages (issue 8 items 4 and 6).

    results_home     考核查询: my own cards (target side, or a member's own branch once
                     published) and the periods whose results the user may read
    period_results   one period: the ranking per category (rank, total, grade, 扣分, 加分, ▲▼
                     against the previous period, veto), charts of the categories' totals and
                     of the indicators losing the most points, bulletin downloads
    card_result      one scorecard: every leaf with full value, self score, score, reason,
                     computed explanation and appeal outcome; the trend over the year
    trends           the subtree over a year: the average per period, the indicators losing
                     the most points
    annual           the annual result per target (average or weighted by period kind)
    bulletin_pdf / bulletin_xlsx   the 通报 (audited exports)

Everything is read through `selectors_results`, which starts from `access.cards_visible`: a
period or card outside the rule is a 404 like a missing one. Pages are GET only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from dangjian.assessment import access, bulletin, engine
from dangjian.assessment import selectors_results as results
from dangjian.assessment.models import Period
from dangjian.assessment.permissions import SELF_CHECK, VIEW_RESULT
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.pdf import pdf_response
from dangjian.core.scope import scope_of

PER_PAGE = 20
LOSSES_SHOWN = 10


def _year(request) -> int:
    today = timezone.localdate()
    value = parse_id(request.GET.get("year"))
    return value if value and 2000 <= value <= today.year + 1 else today.year


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - 5, -1))


def _signed(value) -> str:
    if value is None:
        return ""
    text = engine.fmt(value)
    return f"+{text}" if value > 0 else text


# ------------------------------------------------------------------------------ 考核查询


@login_required
@require_GET
def results_home(request):
    user = request.user
    periods = results.periods_visible(user).select_related("template", "owner")
    mine = access.cards_visible(user)
    # "My" results: the organisations where the user holds SELF_CHECK themselves (a secretary's
    # branch, not the whole subtree of a department), and a member's own card and branch.
    own_orgs = {g.organization_id for g in scope_of(user).grants if SELF_CHECK in g.permissions}
    own_condition = Q(organization_id__in=own_orgs, member__isnull=True) if own_orgs else None
    own_member = access.own_cards_q(user)
    conditions = [c for c in (own_condition, own_member) if c is not None]
    if conditions:
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        my_cards = list(
            mine.filter(combined)
            .exclude(period__status=Period.Status.DRAFT)
            .select_related("period", "category")
            .order_by("-period__starts_on", "-period_id", "target_name")[:8]
        )
    else:
        my_cards = []
    context = {
        **paginate(request, periods.order_by("-starts_on", "-pk"), PER_PAGE),
        "my_cards": my_cards,
        "can_view_subtree": scope_of(user).has(VIEW_RESULT) or access.is_assessor(user),
    }
    return render(request, "assessment/res_home.html", context)


# ------------------------------------------------------------------------------ one period


@login_required
@require_GET
def period_results(request, pk):
    user = request.user
    period = results.period_or_404(user, pk)
    categories = list(period.categories.all())
    category = None
    category_id = parse_id(request.GET.get("category"))
    if category_id:
        category = next((c for c in categories if c.pk == category_id), None)
    ranking = results.period_ranking(user, period, category)
    summary = results.period_summary(user, period)
    losses = results.indicator_losses(user, period, limit=LOSSES_SHOWN)
    page = paginate(request, ranking, PER_PAGE)
    rows = [
        {
            "card": card,
            "change": results.change_of(card),
            "change_text": _signed(results.change_of(card)),
        }
        for card in page["page_obj"].object_list
    ]
    chart = {
        "categories": [
            {
                "name": row["name"],
                "average": _number(row["average"]),
                "high": _number(row["high"]),
                "low": _number(row["low"]),
                "cards": row["cards"],
            }
            for row in summary.categories
        ],
        "losses": [
            {
                "name": f"{loss.code} {loss.title}",
                "deduction": _number(loss.deduction),
                "targets": loss.targets,
            }
            for loss in losses
        ],
    }
    context = {
        **page,
        "period": period,
        "categories": categories,
        "category": category,
        "rows": rows,
        "summary": summary,
        "losses": losses,
        "chart": chart,
        "show_scores": _scores_shown(user, period),
        "can_bulletin": results.can_issue_bulletin(user, period),
    }
    return render(request, "assessment/res_period.html", context)


def _number(value):
    return float(value) if value is not None else None


def _scores_shown(user, period: Period) -> bool:
    """The assessor's scores are shown to the target side only from publication on; managers
    and assessors see them while scoring."""
    return period.results_visible or access.is_manager(user, period) or access.is_assessor(user)


# ------------------------------------------------------------------------------ one card


@login_required
@require_GET
def card_result(request, pk):
    user = request.user
    card = access.card_or_404(user, pk)
    period = card.period
    show_scores = _scores_shown(user, period)
    target_side = access.is_target_side(user, card)
    tree = results.card_breakdown(card)
    trend = results.target_trend(card, period.starts_on.year, user=user) if show_scores else []
    chart = {
        "labels": [point.period.name for point in trend],
        "totals": [_number(point.total) for point in trend],
        "averages": [_number(point.category_average) for point in trend],
    }
    context = {
        "card": card,
        "period": period,
        "tree": tree,
        "show_scores": show_scores,
        "trend": trend,
        "chart": chart,
        "change_text": _signed(results.change_of(card)),
        "can_see_period": results.periods_visible(user).filter(pk=period.pk).exists(),
        "target_side": target_side,
        "can_appeal": target_side
        and period.status == Period.Status.PUBLISHED
        and period.appeal_until is not None
        and timezone.now() < period.appeal_until,
    }
    return render(request, "assessment/res_card.html", context)


# ------------------------------------------------------------------------------ trends


def _roots(user) -> list:
    """Organisations the trends page may narrow to: where the user's grants are held."""
    from dangjian.orgs.models import Organization

    ids = {grant.organization_id for grant in scope_of(user).grants}
    return list(Organization.objects.filter(pk__in=ids).order_by("path"))


def _template_names(user, year: int) -> list[str]:
    return list(
        results.periods_visible(user)
        .filter(starts_on__year=year)
        .values_list("template__name", flat=True)
        .distinct()
        .order_by("template__name")
    )


@login_required
@require_GET
def trends(request):
    user = request.user
    year = _year(request)
    names = _template_names(user, year)
    name = request.GET.get("template") or (names[0] if names else "")
    if name not in names:
        name = names[0] if names else ""
    roots = _roots(user)
    root = None
    root_id = parse_id(request.GET.get("org"))
    if root_id:
        root = next((org for org in roots if org.pk == root_id), None)
    averages = results.period_averages(user, year, template_name=name or None, root=root)
    losses = results.indicator_losses(user, year, root, template_name=name or None)
    chart = {
        "periods": [row["name"] for row in averages],
        "average": [_number(row["average"]) for row in averages],
        "high": [_number(row["high"]) for row in averages],
        "low": [_number(row["low"]) for row in averages],
        "losses": [
            {
                "name": f"{loss.code} {loss.title}",
                "deduction": _number(loss.deduction),
                "targets": loss.targets,
            }
            for loss in losses[:LOSSES_SHOWN]
        ],
    }
    context = {
        "year": year,
        "years": _years(),
        "names": names,
        "name": name,
        "roots": roots,
        "root": root,
        "averages": averages,
        "losses": losses,
        "chart": chart,
    }
    return render(request, "assessment/res_trends.html", context)


# ------------------------------------------------------------------------------ annual


@login_required
@require_GET
def annual(request):
    user = request.user
    year = _year(request)
    choices = results.annual_choices(user, year)
    chosen = next((c for c in choices if c["key"] == request.GET.get("sheet")), None)
    chosen = chosen or (choices[0] if choices else None)
    rows, template, periods = [], None, []
    if chosen:
        from dangjian.orgs.models import Organization

        owner = Organization.objects.get(pk=chosen["owner_id"])
        template = results.annual_template(owner, year, chosen["template_name"])
        rows = results.annual_results(user, owner, year, chosen["template_name"])
        periods = list(
            results.annual_periods(owner, year, chosen["template_name"]).order_by("starts_on")
        )
    page_obj = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    kinds = sorted({kind for row in rows for kind in row.by_kind}, key=Period.Kind.values.index)
    context = {
        "year": year,
        "years": _years(),
        "choices": choices,
        "chosen": chosen,
        "template": template,
        "periods": periods,
        "kinds": [(kind, Period.Kind(kind).label) for kind in kinds],
        "page_obj": page_obj,
        "query_without_page": f"{encoded}&" if encoded else "",
        "rows": [
            {"row": row, "kinds": [row.by_kind.get(kind) for kind in kinds]}
            for row in page_obj.object_list
        ],
    }
    return render(request, "assessment/res_annual.html", context)


# ------------------------------------------------------------------------------ bulletin


def _bulletin_period(request, pk) -> Period:
    period = results.period_or_404(request.user, pk)
    if not results.can_issue_bulletin(request.user, period):
        raise Http404
    return period


def _background(request, period: Period, what: str):
    """A big period's bulletin goes to a background job (None when small enough)."""
    cards = period.scorecards.count()
    if cards <= bulletin.BACKGROUND_CARDS:
        return None
    job = bulletin.bulletin_start(actor=request.user, period=period, what=what, cards=cards)
    return redirect("core:job_detail", job.pk)


@login_required
@require_GET
def bulletin_pdf(request, pk):
    period = _bulletin_period(request, pk)
    if (response := _background(request, period, "PDF")) is not None:
        return response
    data = bulletin.bulletin_data(request.user, period)
    content = bulletin.render_pdf(data)
    bulletin.exported(actor=request.user, period=period, what="PDF", rows=len(data.cards))
    return pdf_response(content, bulletin.file_name(period, "pdf"))


@login_required
@require_GET
def bulletin_xlsx(request, pk):
    period = _bulletin_period(request, pk)
    if (response := _background(request, period, "Excel")) is not None:
        return response
    data = bulletin.bulletin_data(request.user, period)
    content = bulletin.render_xlsx(data, user=request.user)
    bulletin.exported(actor=request.user, period=period, what="Excel", rows=len(data.cards))
    response = HttpResponse(content, content_type=bulletin.XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, bulletin.file_name(period, "xlsx")
    )
    return response


@login_required
@require_GET
def bulletin_download(request, job_id):
    job = bulletin.finished_bulletin_of(request.user, job_id)
    name = job.params.get("file", "") if job is not None else ""
    if not name or not default_storage.exists(name):
        raise Http404
    bulletin.downloaded(actor=request.user, job=job)
    filename = job.params.get("filename", "bulletin")
    if name.endswith(".pdf"):
        return pdf_response(default_storage.open(name).read(), filename)
    response = HttpResponse(default_storage.open(name).read(), content_type=bulletin.XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


urlpatterns = [
    path("results/", results_home, name="results_home"),
    path("results/periods/<int:pk>/", period_results, name="period_results"),
    path("results/cards/<int:pk>/", card_result, name="card_result"),
    path("results/trends/", trends, name="trends"),
    path("results/annual/", annual, name="annual"),
    path("results/periods/<int:pk>/bulletin.pdf", bulletin_pdf, name="bulletin_pdf"),
    path("results/periods/<int:pk>/bulletin.xlsx", bulletin_xlsx, name="bulletin_xlsx"),
    path("results/bulletins/<uuid:job_id>/", bulletin_download, name="bulletin_download"),
]
