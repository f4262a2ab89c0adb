"""Pages of the target's side (自查), phone first: a branch secretary opens 我的考核, fills the
sheet leaf by leaf (the input fits the rule type), photographs evidence, submits, completes
leaves an assessor returned, and after publication appeals a deduction.

    my_cards          the user's cards: open periods first (deadline, progress), then the
                      published results (total, grade, rank)
    card_self         the sheet of one card as collapsible 类别 sections; each leaf a card
    self_leaf_save    POST one leaf's self score and note (htmx: the leaf card comes back)
    self_evidence_upload / self_evidence_delete   POST (htmx: the leaf card comes back)
    self_submit       POST 提交自查 (the refusal lists the missing leaves)
    self_resubmit     POST 重新提交 of a returned leaf
    evidence_file     an evidence file, for anybody who may see the card (images and PDF inline)
    evidence_preview  a picture in a page, a PDF inline, Word/Excel as escaped HTML
    appeal_new        申诉 of one deducted leaf while the window is open

Scope: a card outside `access` is a 404 like a missing one; the writes also need the target
side (`access.target_card_or_404`). A refused write shows the service's Chinese message and
changes nothing; every form carries a one-time token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.assessment import access, engine, preview
from dangjian.assessment.forms_selfcheck import (
    AppealForm,
    EvidenceForm,
    LeafSelfForm,
    ResubmitForm,
    self_input_of,
)
from dangjian.assessment.models import (
    Appeal,
    Evidence,
    Indicator,
    LeafScore,
    Period,
    RuleType,
    Scorecard,
)
from dangjian.assessment.permissions import SELF_CHECK
from dangjian.assessment.services import selfcheck as services
from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate
from dangjian.core.scope import scope_of
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import INLINE_KINDS, serve_file

ONCE = "assessment-self"
PER_PAGE = 20
IMAGE_KINDS = ("jpeg", "png")


# ------------------------------------------------------------------ reads


def target_cards(user):
    """The cards the user fills as the target side (`access.target_cards`), once opened."""
    return access.target_cards(user).exclude(
        period__status__in=(Period.Status.DRAFT, Period.Status.OPENING)
    )


@dataclass
class LeafView:
    indicator: Indicator
    row: LeafScore | None
    evidence: list = field(default_factory=list)
    appeal_files: list = field(default_factory=list)
    appeals: list = field(default_factory=list)
    editable: bool = False
    appealable: bool = False
    initial: dict = field(default_factory=dict)
    error: str = ""
    saved: str = ""

    @property
    def pk(self):
        return self.indicator.pk

    @property
    def status(self) -> str:
        return self.row.status if self.row else LeafScore.Status.EMPTY

    @property
    def returned(self) -> bool:
        return self.status == LeafScore.Status.RETURNED

    @property
    def self_done(self) -> bool:
        return self.row is not None and self.row.self_points is not None

    @property
    def needs_evidence(self) -> bool:
        return services.evidence_required(self.indicator) and not self.evidence

    @property
    def complete(self) -> bool:
        return self.self_done and not self.needs_evidence

    @property
    def deducted(self) -> bool:
        row = self.row
        if row is None or row.points is None:
            return False
        return row.vetoed or engine.is_deduction(self.indicator, row.points)

    @property
    def rule(self) -> str:
        return self.indicator.rule_type

    @property
    def max_text(self) -> str:
        ind = self.indicator
        if ind.rule_type == RuleType.BONUS:
            return f"加分，最多{engine.fmt(engine.allowed_range(ind).high)}分"
        if ind.rule_type == RuleType.DEDUCTION and not ind.floor_at_zero:
            return f"{engine.fmt(ind.max_points)}分（可扣成负分）"
        return f"{engine.fmt(engine.full_points(ind))}分"

    @property
    def unit_text(self) -> str:
        ind = self.indicator
        unit = ind.unit_label or "次"
        if ind.rule_type == RuleType.DEDUCTION:
            floor = "，扣完为止" if ind.floor_at_zero else ""
            return f"每{unit}扣{engine.fmt(ind.unit_points)}分{floor}"
        if ind.rule_type == RuleType.BONUS:
            return f"每{unit}加{engine.fmt(ind.unit_points)}分"
        return ""

    @property
    def evidence_words(self) -> str:
        words = [
            services.KIND_WORDS[w]
            for w in self.indicator.evidence_kinds
            if w in services.KIND_WORDS
        ]
        return "、".join(words)

    @property
    def accept(self) -> str:
        return services.accept_of(self.indicator)

    @property
    def levels(self) -> list[dict]:
        return [
            {"label": lv["label"], "points": engine.fmt(engine.q(lv["points"]))}
            for lv in self.indicator.levels
        ]

    @property
    def points_data(self) -> dict:
        """For self.js: the live result of the occurrences input."""
        ind = self.indicator
        return {
            "rule": ind.rule_type,
            "max": str(ind.max_points),
            "unit": str(ind.unit_points),
            "floor": ind.floor_at_zero,
            "cap": str(engine.allowed_range(ind).high),
        }


def _appeal_open(period: Period, now) -> bool:
    return (
        period.status == Period.Status.PUBLISHED
        and period.appeal_until is not None
        and now < period.appeal_until
    )


def _leaf_view(card, indicator, row, evidence, appeals, now) -> LeafView:
    period = card.period
    view = LeafView(indicator=indicator, row=row)
    view.evidence = [e for e in evidence if e.stage == Evidence.Stage.SELF_CHECK]
    view.appeal_files = [e for e in evidence if e.stage == Evidence.Stage.APPEAL]
    view.appeals = appeals
    status = row.status if row else LeafScore.Status.EMPTY
    view.editable = period.status == Period.Status.OPEN and (
        status != LeafScore.Status.SCORED
        and (card.status == Scorecard.Status.SELF_CHECK or status == LeafScore.Status.RETURNED)
    )
    view.appealable = _appeal_open(period, now) and view.deducted and not appeals
    view.initial = self_input_of(indicator, row)
    if row is not None:
        view.initial["note"] = row.self_note
    return view


def card_sheet(card: Scorecard) -> dict:
    """The card's sheet for the page: sections (类别 → 项目 → leaves), the returned leaves and
    counts. Four queries whatever the number of leaves."""
    now = timezone.now()
    indicators = list(
        Indicator.objects.filter(template_id=card.period.template_id)
        .select_related("scorer_role")
        .order_by("level", "position", "id")
    )
    rows = {
        row.indicator_id: row
        for row in LeafScore.objects.filter(scorecard=card).select_related("scored_by")
    }
    files: dict[int, list] = {}
    for item in Evidence.objects.filter(scorecard=card).order_by("uploaded_at", "id"):
        files.setdefault(item.leaf_id, []).append(item)
    appeals: dict[int, list] = {}
    for appeal in Appeal.objects.filter(scorecard=card).order_by("-created_at", "-id"):
        appeals.setdefault(appeal.leaf_id, []).append(appeal)

    children: dict[int | None, list[Indicator]] = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)
    for group in children.values():
        group.sort(key=lambda ind: (ind.position, ind.id))

    sections, returned, leaves = [], [], []

    def leaves_under(node) -> list[LeafView]:
        found = []
        for child in children.get(node.pk, []):
            found.extend([one(child)] if child.is_leaf else leaves_under(child))
        return found

    def one(ind) -> LeafView:
        row = rows.get(ind.pk)
        return _leaf_view(
            card,
            ind,
            row,
            files.get(row.pk, []) if row else [],
            appeals.get(row.pk, []) if row else [],
            now,
        )

    for category in children.get(None, []):
        items = []
        for item in children.get(category.pk, []):
            views = [one(item)] if item.is_leaf else leaves_under(item)
            items.append({"item": item, "leaves": views})
            leaves.extend(views)
        section_leaves = [v for entry in items for v in entry["leaves"]]
        sections.append(
            {
                "category": category,
                "items": items,
                "count": len(section_leaves),
                "done": sum(1 for v in section_leaves if v.complete and not v.returned),
                "points": engine.fmt(
                    sum(
                        (engine.full_points(v.indicator) for v in section_leaves),
                        engine.ZERO,
                    )
                ),
                "open": any(not v.complete or v.returned for v in section_leaves),
            }
        )
    returned = [v for v in leaves if v.returned]
    return {
        "sections": sections,
        "returned": returned,
        "leaf_total": len(leaves),
        "self_done": sum(1 for v in leaves if v.self_done),
        "complete": sum(1 for v in leaves if v.complete),
        "missing": [v for v in leaves if not v.complete],
        "appeal_open": _appeal_open(card.period, now),
    }


def _single_leaf(card: Scorecard, indicator: Indicator) -> LeafView:
    row = LeafScore.objects.filter(scorecard=card, indicator=indicator).first()
    evidence = list(Evidence.objects.filter(leaf=row).order_by("uploaded_at", "id")) if row else []
    appeals = list(Appeal.objects.filter(leaf=row)) if row else []
    return _leaf_view(card, indicator, row, evidence, appeals, timezone.now())


def _leaf_of_card_or_404(card: Scorecard, indicator_pk) -> Indicator:
    try:
        return Indicator.objects.select_related("scorer_role").get(
            pk=indicator_pk, template_id=card.period.template_id, level=Indicator.Level.RULE
        )
    except (Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _evidence_visible_or_404(user, pk) -> Evidence:
    try:
        return Evidence.objects.select_related("scorecard__organization", "leaf__indicator").get(
            pk=pk, scorecard__in=access.cards_visible(user).values("pk")
        )
    except (Evidence.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# ------------------------------------------------------------------ pages


@login_required
@require_GET
def my_cards(request):
    user = request.user
    if not scope_of(user).has(SELF_CHECK):
        raise Http404
    cards = (
        target_cards(user)
        .select_related("period", "category")
        .annotate(
            current=Case(
                When(period__status=Period.Status.OPEN, then=Value(0)),
                When(period__status=Period.Status.LOCKED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("current", "-period__starts_on", "-period_id", "target_name", "id")
    )
    context = {"now": timezone.now(), **paginate(request, cards, PER_PAGE)}
    return render(request, "assessment/self_my_cards.html", context)


def _page_context(request, card: Scorecard) -> dict:
    sheet = card_sheet(card)
    return {
        "card": card,
        "period": card.period,
        "now": timezone.now(),
        "form_token": uuid.uuid4().hex,
        "results_url": _results_url(card),
        **sheet,
    }


def _results_url(card: Scorecard) -> str:
    if not card.period.results_visible:
        return ""
    try:
        return reverse("assessment:card_result", args=[card.pk])
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def card_self(request, pk: int):
    card = access.target_card_or_404(request.user, pk)
    return render(request, "assessment/self_card.html", _page_context(request, card))


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _leaf_response(request, card: Scorecard, indicator: Indicator, *, error="", saved=""):
    """The leaf card again (htmx) with the progress bar out of band, or a redirect to it."""
    url = reverse("assessment:card_self", args=[card.pk]) + f"#leaf-{indicator.pk}"
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        elif saved:
            messages.success(request, saved)
        return redirect(url)
    card.refresh_from_db()
    view = _single_leaf(card, indicator)
    view.error, view.saved = error, saved
    context = {
        "card": card,
        "period": card.period,
        "leaf": view,
        "form_token": uuid.uuid4().hex,
        "now": timezone.now(),
        "oob": True,
        "self_done": card.self_done_count,
        "leaf_total": card.leaf_count,
    }
    return render(request, "assessment/self_leaf_response.html", context)


def _claim(request, purpose: str):
    """Each form of the page has its own purpose (the page's token is shared by them)."""
    once = SubmitOnce(request, purpose, namespace=ONCE)
    return once, once.claim()


@login_required
@require_POST
def self_leaf_save(request, pk: int, indicator_pk: int):
    card = access.target_card_or_404(request.user, pk)
    indicator = _leaf_of_card_or_404(card, indicator_pk)
    form = LeafSelfForm(request.POST, indicator=indicator)
    if not form.is_valid():
        error = "；".join(msg for errors in form.errors.values() for msg in errors)
        return _leaf_response(request, card, indicator, error=error)
    once, fresh = _claim(request, f"save:{card.pk}:{indicator.pk}")
    if not fresh:
        return _leaf_response(request, card, indicator, saved="已保存（重复提交未再次保存）。")
    try:
        row = services.leaf_self_check(
            actor=request.user, card=card, indicator=indicator, **form.service_kwargs()
        )
    except ServiceError as exc:
        once.release()
        return _leaf_response(request, card, indicator, error=exc.messages[0])
    once.done(reverse("assessment:card_self", args=[card.pk]))
    return _leaf_response(
        request,
        card,
        indicator,
        saved=f"已保存：细则 {indicator.code} 自查 {engine.fmt(row.self_points)} 分。",
    )


@login_required
@require_POST
def self_evidence_upload(request, pk: int, indicator_pk: int):
    card = access.target_card_or_404(request.user, pk)
    indicator = _leaf_of_card_or_404(card, indicator_pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _leaf_response(request, card, indicator, error=form.errors["file"][0])
    once, fresh = _claim(request, f"upload:{card.pk}:{indicator.pk}")
    if not fresh:
        return _leaf_response(request, card, indicator, saved="已上传（重复提交未再次保存）。")
    try:
        evidence = services.evidence_upload(
            actor=request.user, card=card, indicator=indicator, file=form.cleaned_data["file"]
        )
    except ServiceError as exc:
        once.release()
        return _leaf_response(request, card, indicator, error=exc.messages[0])
    once.done(reverse("assessment:card_self", args=[card.pk]))
    return _leaf_response(request, card, indicator, saved=f"已上传：{evidence.title}")


@login_required
@require_POST
def self_evidence_delete(request, pk: int):
    evidence = _evidence_visible_or_404(request.user, pk)
    card = access.target_card_or_404(request.user, evidence.scorecard_id)
    indicator = evidence.leaf.indicator
    once, fresh = _claim(request, f"delete:{evidence.pk}")
    if not fresh:
        return _leaf_response(request, card, indicator, saved="已删除。")
    try:
        services.evidence_delete(actor=request.user, evidence=evidence)
    except ServiceError as exc:
        once.release()
        return _leaf_response(request, card, indicator, error=exc.messages[0])
    once.done(reverse("assessment:card_self", args=[card.pk]))
    return _leaf_response(request, card, indicator, saved=f"已删除：{evidence.title}")


@login_required
@require_POST
def self_submit(request, pk: int):
    card = access.target_card_or_404(request.user, pk)
    url = reverse("assessment:card_self", args=[card.pk])
    once, fresh = _claim(request, f"submit:{card.pk}")
    if not fresh:
        return once.repeated(request, url)
    try:
        services.card_submit(actor=request.user, card=card)
    except ServiceError as exc:
        once.release()
        messages.error(request, exc.messages[0])
        return redirect(url + "#self-bar")
    once.done(url)
    messages.success(request, "自查已提交，等待各考核部门评分。被退回的细则会在本页顶部列出。")
    return redirect(url)


@login_required
@require_POST
def self_resubmit(request, pk: int, indicator_pk: int):
    card = access.target_card_or_404(request.user, pk)
    indicator = _leaf_of_card_or_404(card, indicator_pk)
    url = reverse("assessment:card_self", args=[card.pk])
    form = ResubmitForm(request.POST)
    once, fresh = _claim(request, f"resubmit:{card.pk}:{indicator.pk}")
    if not fresh:
        return once.repeated(request, url)
    try:
        if not form.is_valid():
            raise ServiceError("补充说明过长，请精简后再提交。")
        services.leaf_resubmit(
            actor=request.user, card=card, indicator=indicator, note=form.cleaned_data["note"]
        )
    except ServiceError as exc:
        once.release()
        messages.error(request, exc.messages[0])
        return redirect(f"{url}#leaf-{indicator.pk}")
    once.done(url)
    messages.success(request, f"细则 {indicator.code} 已重新提交，考核部门会收到通知。")
    return redirect(url)


# ------------------------------------------------------------------ files


@login_required
@require_GET
def evidence_file(request, pk: int):
    evidence = _evidence_visible_or_404(request.user, pk)
    inline = evidence.file_kind in INLINE_KINDS and request.GET.get("download") != "1"
    return serve_file(
        evidence.file,
        kind=evidence.file_kind,
        download_name=evidence.title,
        inline=inline,
        request=request,
    )


@login_required
@require_GET
def evidence_preview(request, pk: int):
    evidence = _evidence_visible_or_404(request.user, pk)
    file_url = reverse("assessment:evidence_file", args=[evidence.pk])
    if evidence.file_kind == "pdf":
        return redirect(file_url)
    html, error = None, ""
    if evidence.file_kind in ("docx", "xlsx"):
        convert = preview.docx_html if evidence.file_kind == "docx" else preview.xlsx_html
        try:
            with evidence.file.open("rb") as handle:
                html = convert(handle)
        except preview.PreviewError as exc:
            error = str(exc)
    card = evidence.scorecard
    back = ""
    if access.is_target_side(request.user, card):
        back = (
            reverse("assessment:card_self", args=[card.pk]) + f"#leaf-{evidence.leaf.indicator_id}"
        )
    context = {
        "evidence": evidence,
        "indicator": evidence.leaf.indicator,
        "card": card,
        "file_url": file_url,
        "is_image": evidence.file_kind in IMAGE_KINDS,
        "html": html,
        "error": error,
        "back": back,
    }
    return render(request, "assessment/self_preview.html", context)


# ------------------------------------------------------------------ appeal


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request, pk: int, indicator_pk: int):
    """The target side of the card, or the member of a member card (`appeals.may_appeal`)."""
    from dangjian.assessment.services.appeals import appeal_file, may_appeal

    card = access.card_or_404(request.user, pk)
    if not may_appeal(request.user, card):
        raise Http404
    indicator = _leaf_of_card_or_404(card, indicator_pk)
    if access.is_target_side(request.user, card):
        url = reverse("assessment:card_self", args=[card.pk])
    else:
        url = _results_url(card) or reverse("assessment:my_cards")
    view = _single_leaf(card, indicator)
    if not view.appealable:
        if view.appeals:
            messages.info(request, f"细则 {indicator.code} 已经提出过申诉。")
        elif not _appeal_open(card.period, timezone.now()):
            messages.error(request, "现在不在申诉期内，不能提出申诉。")
        else:
            messages.error(request, f"细则 {indicator.code} 没有扣分，无需申诉。")
        return redirect(f"{url}#leaf-{indicator.pk}")
    once = SubmitOnce(request, f"appeal:{card.pk}:{indicator.pk}", namespace=ONCE)
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, url)
        try:
            appeal_file(
                actor=request.user,
                card=card,
                leaf=view.row,
                reason=form.cleaned_data["reason"],
                files=form.cleaned_data["files"],
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            once.done(url)
            messages.success(
                request,
                f"已对细则 {indicator.code} 提出申诉，请等待{card.period.owner.display_name}裁定。",
            )
            return redirect(f"{url}#leaf-{indicator.pk}")
    context = {
        "card": card,
        "period": card.period,
        "leaf": view,
        "form": form,
        "form_token": once.token,
        "back": url,
    }
    return render(request, "assessment/self_appeal.html", context)


urlpatterns = [
    path("mine/", my_cards, name="my_cards"),
    path("cards/<int:pk>/self/", card_self, name="card_self"),
    path(
        "cards/<int:pk>/self/leaves/<int:indicator_pk>/",
        self_leaf_save,
        name="self_leaf_save",
    ),
    path(
        "cards/<int:pk>/self/leaves/<int:indicator_pk>/evidence/",
        self_evidence_upload,
        name="self_evidence_upload",
    ),
    path(
        "cards/<int:pk>/self/leaves/<int:indicator_pk>/resubmit/",
        self_resubmit,
        name="self_resubmit",
    ),
    path("cards/<int:pk>/self/submit/", self_submit, name="self_submit"),
    path("evidence/<int:pk>/", evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/preview/", evidence_preview, name="evidence_preview"),
    path("evidence/<int:pk>/delete/", self_evidence_delete, name="self_evidence_delete"),
    path(
        "cards/<int:pk>/appeal/<int:indicator_pk>/",
        appeal_new,
        name="appeal_new",
    ),
]
