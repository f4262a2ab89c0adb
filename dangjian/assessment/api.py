"""`/api/v1/assessment/…`: the assessment system (考核系统) for the mobile client and other systems.

* `assessment/templates/` — indicator sheets of the caller's MANAGE_TEMPLATE scope (`?year=`);
  `{id}/` with the whole tree 类别 → 项目 → 细则 and each leaf's rule.
* `assessment/periods/` — periods the caller manages (MANAGE_PERIOD over the owner;
  `?status=`, `?year=`) with their counters; `{id}/` with the categories.
* `assessment/scorecards/` — the cards the caller may open (`access.cards_visible`:
  target side, managers, assessors; after 公示 also VIEW_RESULT and a member's own cards);
  `?period=`, `?status=`, `?organization=`. `{id}/` has every leaf of the template with the
  self-check, evidence, return message and — once the caller may see scores — the assessor's
  score, reason and the computed (live-data) score with its explanation lines.
  Actions (POST): `self-check/`, `submit/`, `evidence/` (multipart), `resubmit/` for the
  target side; `score/`, `return/` for the leaf's assessor.
* `assessment/evidence/` — evidence of visible cards (`?scorecard=`); POST uploads
  (multipart: scorecard, indicator, file); DELETE removes (target side, before submission).
* `assessment/appeals/` — appeals of the cards of the caller's target side or managed
  periods (`?period=`, `?status=`); POST files one (target side, during the window; JSON or
  multipart with `files`); `{id}/decide/` for the period's manager.
* `assessment/results/` — the periods whose results the caller may see (published, or locked
  for its managers), `{id}/ranking/` (`?category=`) the ranked cards, `mine/` the caller's own
  published results (own member card, own branch, the organisations of its self-check scope).

Every write calls the same services as the pages (scope, counters, audit, notifications); a
refusal answers 400 with the service's Chinese text in the shared error body; an object outside
the caller's scope answers 404 like a missing one; a visible card the caller may not act on
answers 403.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dangjian.assessment import access
from dangjian.assessment.models import (
    Appeal,
    Evidence,
    Indicator,
    LeafScore,
    Period,
    Scorecard,
    Template,
)
from dangjian.assessment.permissions import MANAGE_PERIOD, MANAGE_TEMPLATE, SELF_CHECK
from dangjian.assessment.serializers import (
    AppealDecideInputSerializer,
    AppealDetailSerializer,
    AppealInputSerializer,
    AppealSerializer,
    EvidenceCreateInputSerializer,
    EvidenceInputSerializer,
    EvidenceSerializer,
    PeriodDetailSerializer,
    PeriodJobSerializer,
    PeriodSerializer,
    PeriodTransitionInputSerializer,
    RankingRowSerializer,
    ResubmitInputSerializer,
    ReturnInputSerializer,
    ScorecardDetailSerializer,
    ScorecardSerializer,
    ScoreInputSerializer,
    SelfCheckInputSerializer,
    TemplateDetailSerializer,
    TemplateSerializer,
    leaf_row,
)
from dangjian.core.api import ScopedViewSetMixin, query_integer
from dangjian.core.scope import scope_condition, scope_of

TAGS = ["考核系统"]
MAX_ID = 2**31 - 1


def _int_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, description=description)


def _choice(request, name: str, values) -> str | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if raw not in values:
        raise exceptions.ValidationError({name: [f"未知的取值：{raw[:50]}。"]})
    return raw


YEAR = _int_param("year", "年度，如 2026。")
PERIOD = _int_param("period", "考核周期 id。")
PERIOD_STATUS = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=Period.Status.values, description="考核周期状态。"
)
CARD_STATUS = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=Scorecard.Status.values, description="考核表状态。"
)
APPEAL_STATUS = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=Appeal.Status.values, description="申诉状态。"
)


# ------------------------------------------------------------------------------ who sees what


class Sight:
    """What one caller may do with cards, decided from the scope once per request: the
    subtrees over which they see assessor scores before publication (managers and assessors),
    and the subtrees over which they score each role's leaves."""

    def __init__(self, user):
        self.user = user
        scope = scope_of(user)
        self.self_check = scope.paths_for(SELF_CHECK)
        self.managed = scope.paths_for(MANAGE_PERIOD)
        self._scorer: dict[int | None, tuple[str, ...]] = {}
        self.assessing = tuple(
            prefix
            for role_id in access.scorer_role_ids(user)
            for prefix in self.scorer_prefixes(role_id)
        )

    def scorer_prefixes(self, role_id: int | None) -> tuple[str, ...]:
        if role_id not in self._scorer:
            self._scorer[role_id] = tuple(access.scorer_prefixes(self.user, role_id))
        return self._scorer[role_id]

    @staticmethod
    def _under(path: str, prefixes) -> bool:
        return any(path.startswith(prefix) for prefix in prefixes)

    def show_scores(self, card: Scorecard) -> bool:
        """The assessor's points show to everyone who sees the card once results are
        published; before that to its managers and assessors, not to the target side."""
        if card.period.results_visible:
            return True
        path = card.organization.path
        return self._under(path, self.managed) or self._under(path, self.assessing)

    def is_target_side(self, card: Scorecard) -> bool:
        return self._under(card.organization.path, self.self_check) and access.is_target_side(
            self.user, card
        )

    def can_score(self, card: Scorecard, indicator: Indicator) -> bool:
        return self._under(card.organization.path, self.scorer_prefixes(indicator.scorer_role_id))


def _sight(request) -> Sight:
    cached = getattr(request, "_assessment_sight", None)
    if cached is None:
        cached = Sight(request.user)
        request._assessment_sight = cached
    return cached


def card_detail_data(request, card: Scorecard, context: dict) -> dict:
    """The card with every leaf of its template: four queries (leaves of the template, the
    card's leaf rows, the card's self-check evidence), whatever the number of leaves."""
    sight = _sight(request)
    indicators = list(
        Indicator.objects.filter(template_id=card.period.template_id, level=Indicator.Level.RULE)
        .select_related("scorer_role")
        .order_by("position", "id")
    )
    rows = {row.indicator_id: row for row in LeafScore.objects.filter(scorecard=card)}
    evidence: dict[int, list[Evidence]] = {}
    for item in (
        Evidence.objects.filter(scorecard=card, appeal__isnull=True)
        .select_related("leaf")
        .order_by("uploaded_at", "id")
    ):
        evidence.setdefault(item.leaf.indicator_id, []).append(item)
    show = sight.show_scores(card)
    leaves = [
        leaf_row(
            indicator,
            rows.get(indicator.pk),
            evidence=evidence.get(indicator.pk, []),
            show_scores=show,
            can_score=card.period.is_scoring_open and sight.can_score(card, indicator),
        )
        for indicator in indicators
    ]
    full = {
        **context,
        "leaves": leaves,
        "show_scores": show,
        "can_self_check": card.period.is_scoring_open and sight.is_target_side(card),
    }
    return ScorecardDetailSerializer(card, context=full).data


def _leaf_of(card: Scorecard, indicator_id: int) -> Indicator:
    """A leaf of the card's template (400 otherwise: the id is in the request body)."""
    indicator = (
        Indicator.objects.filter(
            template_id=card.period.template_id, level=Indicator.Level.RULE, pk=indicator_id
        )
        .select_related("scorer_role")
        .first()
    )
    if indicator is None:
        raise exceptions.ValidationError(
            {"indicator": [f"编号为 {indicator_id} 的细则不在这张考核表的指标体系里。"]}
        )
    return indicator


# ------------------------------------------------------------------------------ templates


@extend_schema_view(
    list=extend_schema(summary="考核指标体系（本单位及下级制定的）", parameters=[YEAR]),
    retrieve=extend_schema(summary="一套指标体系及其指标树（类别 → 项目 → 细则）"),
)
@extend_schema(tags=TAGS)
class TemplateViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Template
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, user):
        rows = Template.objects.visible_to(user, MANAGE_TEMPLATE).select_related("owner")
        if self.action == "list":
            year = query_integer(self.request, "year", minimum=2000, maximum=2100)
            if year:
                rows = rows.filter(year=year)
        return rows.order_by("-year", "name", "-version", "id")

    def get_serializer_class(self):
        return TemplateDetailSerializer if self.action == "retrieve" else TemplateSerializer


# ------------------------------------------------------------------------------ periods


@extend_schema_view(
    list=extend_schema(summary="我组织的考核周期及进度计数", parameters=[PERIOD_STATUS, YEAR]),
    retrieve=extend_schema(summary="一个考核周期：日期、范围、对比类别、计数"),
)
@extend_schema(tags=TAGS)
class PeriodViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Period
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, user):
        rows = access.periods_managed(user).select_related("owner", "template")
        if self.action == "list":
            wanted = _choice(self.request, "status", Period.Status.values)
            if wanted:
                rows = rows.filter(status=wanted)
            year = query_integer(self.request, "year", minimum=2000, maximum=2100)
            if year:
                rows = rows.filter(starts_on__year=year)
            return rows.order_by("-starts_on", "-id")
        return rows.select_related("target_root").prefetch_related("categories")

    def get_serializer_class(self):
        return PeriodDetailSerializer if self.action == "retrieve" else PeriodSerializer

    @extend_schema(
        summary="推进考核周期：开启、审核锁定、解除锁定、公示、定档（与页面同一服务）",
        request=PeriodTransitionInputSerializer,
        responses={200: PeriodDetailSerializer, 202: PeriodJobSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        from dangjian.assessment.services import periods as services
        from dangjian.assessment.tasks import OPEN_INLINE_LIMIT, start_open_job

        period = self.get_object()
        data = self.parse(PeriodTransitionInputSerializer)
        user, step = request.user, data["action"]
        if step == "open":
            if services.target_estimate(period) > OPEN_INLINE_LIMIT:
                job = start_open_job(actor=user, period=period)
                url = reverse("core:job_detail", args=[job.pk])
                return Response({"job": job.pk, "url": url}, status=status.HTTP_202_ACCEPTED)
            services.period_open(actor=user, period=period)
        elif step == "lock":
            services.period_lock(actor=user, period=period)
        elif step == "unlock":
            services.period_unlock(actor=user, period=period, reason=data.get("reason", ""))
        elif step == "publish":
            services.period_publish(actor=user, period=period)
        else:
            services.period_finalize(actor=user, period=period)
        fresh = self.get_queryset().get(pk=period.pk)
        return Response(PeriodDetailSerializer(fresh, context=self.get_serializer_context()).data)


# ------------------------------------------------------------------------------ scorecards

CARD_RELATED = ("period__template", "organization", "category")


@extend_schema_view(
    list=extend_schema(
        summary="我能查看的考核表（自查、评分、管理、公示后的结果）",
        parameters=[
            PERIOD,
            CARD_STATUS,
            _int_param("organization", "被考核组织 id。"),
            _int_param("category", "对比类别 id。"),
        ],
    ),
    retrieve=extend_schema(
        summary="一张考核表：每条细则的自查、佐证材料、评分（公示前仅评分人和组织者可见）",
        responses=ScorecardDetailSerializer,
    ),
)
@extend_schema(tags=TAGS)
class ScorecardViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Scorecard
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, user):
        # The visibility condition applies to the card rows themselves (not `pk IN (…)`), so
        # the period filter narrows the same scan: 4× faster over a 3 000-card period.
        rows = access.cards_visible(user).select_related(*CARD_RELATED)
        if self.action != "list":
            return rows
        params = self.request
        for name, lookup in (
            ("period", "period_id"),
            ("organization", "organization_id"),
            ("category", "category_id"),
        ):
            value = query_integer(params, name, minimum=1, maximum=MAX_ID)
            if value:
                rows = rows.filter(**{lookup: value})
        wanted = _choice(params, "status", Scorecard.Status.values)
        if wanted:
            rows = rows.filter(status=wanted)
        if self.request.query_params.get("period"):  # one period: no sort by the period
            return rows.order_by("category__position", "target_name", "id")
        return rows.order_by(
            "-period__starts_on", "-period_id", "category__position", "target_name", "id"
        )

    def get_serializer_class(self):
        return ScorecardDetailSerializer if self.action != "list" else ScorecardSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        return {**context, "show_scores": _sight(self.request).show_scores}

    def retrieve(self, request, pk=None):
        card = self.get_object()
        return Response(card_detail_data(request, card, self.get_serializer_context()))

    def answer(self, card: Scorecard, code=status.HTTP_200_OK) -> Response:
        fresh = self.scoped_queryset(self.request.user).get(pk=card.pk)
        return Response(
            card_detail_data(self.request, fresh, self.get_serializer_context()), status=code
        )

    def target_card(self) -> Scorecard:
        """The URL's card for a target-side write (404 unless visible, 403 unless the caller
        self-checks for its organisation)."""
        card = self.get_object()
        if not _sight(self.request).is_target_side(card):
            raise exceptions.PermissionDenied("只有被考核组织的书记、党务干事可以办理自查。")
        return card

    @extend_schema(
        operation_id="assessment_scorecards_self_check",
        summary="填写一条细则的自查分和说明",
        request=SelfCheckInputSerializer,
        responses=ScorecardDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="self-check")
    def self_check(self, request, pk=None):
        from dangjian.assessment.services.selfcheck import leaf_self_check

        card = self.target_card()
        data = self.parse(SelfCheckInputSerializer)
        leaf_self_check(
            actor=request.user,
            card=card,
            indicator=_leaf_of(card, data["indicator"]),
            self_points=data.get("self_points"),
            self_note=data.get("self_note", ""),
            occurrences=data.get("occurrences"),
            achieved=data.get("achieved"),
            level=data.get("level", ""),
        )
        return self.answer(card)

    @extend_schema(
        summary="提交自查（每条细则都已自查，要求佐证的已上传材料）",
        request=None,
        responses=ScorecardDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        from dangjian.assessment.services.selfcheck import card_submit

        card = self.target_card()
        card_submit(actor=request.user, card=card)
        return self.answer(card)

    @extend_schema(
        operation_id="assessment_scorecards_evidence_upload",
        summary="上传一条细则的佐证材料（multipart/form-data）",
        request={"multipart/form-data": EvidenceInputSerializer},
        responses={201: EvidenceSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request, pk=None):
        card = self.target_card()
        return _upload(self, card)

    @extend_schema(
        summary="退回补充后重新提交一条细则",
        request=ResubmitInputSerializer,
        responses=ScorecardDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        from dangjian.assessment.services.selfcheck import leaf_resubmit

        card = self.target_card()
        data = self.parse(ResubmitInputSerializer)
        leaf_resubmit(
            actor=request.user,
            card=card,
            indicator=_leaf_of(card, data["indicator"]),
            note=data.get("note", ""),
        )
        return self.answer(card)

    def scorer_leaf(self, serializer_class):
        """The URL's card, the body's leaf and the body, for an assessor's write (403 unless
        the caller scores that leaf for this card's organisation)."""
        card = self.get_object()
        data = self.parse(serializer_class)
        indicator = _leaf_of(card, data.pop("indicator"))
        if not _sight(self.request).can_score(card, indicator):
            raise exceptions.PermissionDenied("这条细则不由您评分。")
        return card, indicator, data

    @extend_schema(
        summary="评一条细则（按评分方式给次数、是否达标、档次或分数；扣分须写理由）",
        request=ScoreInputSerializer,
        responses=ScorecardDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        from dangjian.assessment.services.scoring import leaf_score

        card, indicator, data = self.scorer_leaf(ScoreInputSerializer)
        leaf_score(
            actor=request.user,
            card=card,
            indicator=indicator,
            occurrences=data.get("occurrences"),
            achieved=data.get("achieved"),
            level=data.get("level", ""),
            points=data.get("points"),
            vetoed=data.get("vetoed", False),
            reason=data.get("reason", ""),
        )
        return self.answer(card)

    @extend_schema(
        operation_id="assessment_scorecards_return_leaf",
        summary="退回一条细则，请被考核组织补充佐证材料",
        request=ReturnInputSerializer,
        responses=ScorecardDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_leaf(self, request, pk=None):
        from dangjian.assessment.services.scoring import leaf_return

        card, indicator, data = self.scorer_leaf(ReturnInputSerializer)
        leaf_return(actor=request.user, card=card, indicator=indicator, message=data["message"])
        return self.answer(card)


def _upload(view, card: Scorecard) -> Response:
    from dangjian.assessment.services.selfcheck import evidence_upload

    request = view.request
    data = {"indicator": request.data.get("indicator")}
    if "file" in request.FILES:
        data["file"] = request.FILES["file"]
    serializer = EvidenceInputSerializer(data=data, context=view.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    values = serializer.validated_data
    item = evidence_upload(
        actor=request.user,
        card=card,
        indicator=_leaf_of(card, values["indicator"]),
        file=values["file"],
    )
    fresh = Evidence.objects.select_related("leaf").get(pk=item.pk)
    return Response(EvidenceSerializer(fresh).data, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------------------ evidence


@extend_schema_view(
    list=extend_schema(
        summary="佐证材料（我能查看的考核表的）",
        parameters=[_int_param("scorecard", "考核表 id。")],
    ),
    retrieve=extend_schema(summary="一份佐证材料（下载地址是页面上的受控地址）"),
    create=extend_schema(
        summary="上传佐证材料（multipart/form-data：scorecard、indicator、file）",
        request={"multipart/form-data": EvidenceCreateInputSerializer},
        responses={201: EvidenceSerializer},
    ),
    destroy=extend_schema(summary="删除佐证材料（提交自查前，或细则被退回补充时）"),
)
@extend_schema(tags=TAGS)
class EvidenceViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    model = Evidence
    serializer_class = EvidenceSerializer
    lookup_value_regex = r"\d+"
    parser_classes = [MultiPartParser, FormParser]

    def scoped_queryset(self, user):
        cards = access.cards_visible(user).values("pk")
        rows = Evidence.objects.filter(scorecard__in=cards).select_related("leaf")
        if self.action == "list":
            card = query_integer(self.request, "scorecard", minimum=1, maximum=MAX_ID)
            if card:
                rows = rows.filter(scorecard_id=card)
        return rows.order_by("-uploaded_at", "-id")

    def create(self, request, *args, **kwargs):
        card_id = query_body_id(request, "scorecard")
        card = (
            Scorecard.objects.filter(pk__in=access.cards_visible(request.user).values("pk"))
            .select_related(*CARD_RELATED)
            .filter(pk=card_id)
            .first()
        )
        if card is None or not _sight(request).is_target_side(card):
            raise exceptions.ValidationError(
                {"scorecard": [f"编号为 {card_id} 的考核表不存在，或不由您办理自查。"]}
            )
        return _upload(self, card)

    def destroy(self, request, *args, **kwargs):
        from dangjian.assessment.services.selfcheck import evidence_delete

        item = self.get_object()
        card = Scorecard.objects.select_related(*CARD_RELATED).get(pk=item.scorecard_id)
        if not _sight(request).is_target_side(card):
            raise exceptions.PermissionDenied("只有被考核组织可以删除自己的佐证材料。")
        evidence_delete(actor=request.user, evidence=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


def query_body_id(request, name: str) -> int:
    raw = request.data.get(name)
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise exceptions.ValidationError({name: ["请填写编号（整数）。"]}) from exc
    if not 1 <= value <= MAX_ID:
        raise exceptions.ValidationError({name: ["编号超出范围。"]})
    return value


# ------------------------------------------------------------------------------ appeals


@extend_schema_view(
    list=extend_schema(
        summary="考核申诉（本组织提出的，或我组织的考核周期里的）",
        parameters=[PERIOD, APPEAL_STATUS],
    ),
    retrieve=extend_schema(summary="一份申诉及其材料", responses=AppealDetailSerializer),
    create=extend_schema(
        summary="对一条扣分细则提出申诉（公示期内；JSON，或带 files 的 multipart/form-data）",
        request={
            "application/json": AppealInputSerializer,
            "multipart/form-data": AppealInputSerializer,
        },
        responses={201: AppealDetailSerializer},
    ),
)
@extend_schema(tags=TAGS)
class AppealViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    model = Appeal
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, user):
        scope = scope_of(user)
        conditions = [
            scope_condition("scorecard__organization__path", scope.paths_for(permission))
            for permission in (SELF_CHECK, MANAGE_PERIOD)
        ]
        condition = Q(created_by=user)  # a member's appeal of their own member card
        for other in conditions:
            if other is not None:
                condition |= other
        rows = Appeal.objects.filter(condition).select_related(
            "scorecard__period__owner",
            "scorecard__organization",
            "leaf__indicator__scorer_role",
            "created_by",
            "decided_by",
        )
        if self.action == "list":
            period = query_integer(self.request, "period", minimum=1, maximum=MAX_ID)
            if period:
                rows = rows.filter(scorecard__period_id=period)
            wanted = _choice(self.request, "status", Appeal.Status.values)
            if wanted:
                rows = rows.filter(status=wanted)
            return rows.order_by("-created_at", "-id")
        return rows.prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("leaf"))
        )

    def get_serializer_class(self):
        return AppealSerializer if self.action == "list" else AppealDetailSerializer

    def answer(self, appeal: Appeal, code=status.HTTP_200_OK) -> Response:
        fresh = self.scoped_queryset(self.request.user).get(pk=appeal.pk)
        return Response(AppealDetailSerializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        from dangjian.assessment.services.appeals import appeal_file

        data = {
            "scorecard": request.data.get("scorecard"),
            "indicator": request.data.get("indicator"),
            "reason": request.data.get("reason", ""),
        }
        files = request.FILES.getlist("files") if request.FILES else []
        if files:
            data["files"] = files
        serializer = AppealInputSerializer(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        card = (
            access.cards_visible(request.user)
            .select_related(*CARD_RELATED)
            .filter(pk=values["scorecard"])
            .first()
        )
        if card is None:
            raise exceptions.ValidationError(
                {"scorecard": [f"编号为 {values['scorecard']} 的考核表不存在，或不在您的范围内。"]}
            )
        # Who may appeal (the target side, or the member of a member card), the window and
        # the leaf's deduction are the service's to check; it answers in Chinese.
        appeal = appeal_file(
            actor=request.user,
            card=card,
            leaf=_leaf_of(card, values["indicator"]),
            reason=values["reason"],
            files=values.get("files", []),
        )
        return self.answer(appeal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="裁定申诉（考核组织单位）：成立则按输入改分并重新排名，否则维持原评分",
        request=AppealDecideInputSerializer,
        responses=AppealDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        from dangjian.assessment.services.appeals import appeal_decide

        appeal = self.get_object()
        if not access.is_manager(request.user, appeal.scorecard.period):
            raise exceptions.PermissionDenied("申诉由组织考核的单位裁定。")
        data = self.parse(AppealDecideInputSerializer)
        appeal_decide(
            actor=request.user,
            appeal=appeal,
            upheld=data["upheld"],
            decision=data["decision"],
            occurrences=data.get("occurrences"),
            achieved=data.get("achieved"),
            level=data.get("level", ""),
            points=data.get("points"),
        )
        return self.answer(appeal)


# ------------------------------------------------------------------------------ results


def _ranking_order():
    return ("category__position", F("rank").asc(nulls_last=True), "target_name", "id")


@extend_schema_view(
    list=extend_schema(summary="可查询结果的考核周期（已公示；组织者含已锁定）", parameters=[YEAR]),
    retrieve=extend_schema(summary="一个考核周期的结果概况", responses=PeriodDetailSerializer),
)
@extend_schema(tags=TAGS)
class ResultViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Period
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, user):
        visible_cards = access.cards_visible(user).filter(period_id=OuterRef("pk"))
        published = Q(status__in=access.PUBLISHED) & Exists(visible_cards)
        managed = Q(status=Period.Status.LOCKED) & Q(
            pk__in=access.periods_managed(user).values("pk")
        )
        rows = Period.objects.filter(published | managed).select_related(
            "owner", "template", "target_root"
        )
        if self.action == "list":
            year = query_integer(self.request, "year", minimum=2000, maximum=2100)
            if year:
                rows = rows.filter(starts_on__year=year)
            return rows.order_by("-starts_on", "-id")
        return rows.prefetch_related("categories")

    def get_serializer_class(self):
        return PeriodDetailSerializer if self.action == "retrieve" else PeriodSerializer

    @extend_schema(
        operation_id="assessment_results_ranking",
        summary="考核排名：各对比类别内的名次、得分、等次、上期得分（分页）",
        parameters=[_int_param("category", "对比类别 id。")],
        responses=RankingRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def ranking(self, request, pk=None):
        period = self.get_object()
        rows = (
            access.cards_visible(request.user)
            .filter(period=period)
            .select_related("period", "organization", "category")
            .order_by(*_ranking_order())
        )
        category = query_integer(request, "category", minimum=1, maximum=MAX_ID)
        if category:
            rows = rows.filter(category_id=category)
        page = self.paginate_queryset(rows)
        context = {**self.get_serializer_context(), "show_scores": _sight(request).show_scores}
        return self.get_paginated_response(
            RankingRowSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        operation_id="assessment_results_mine",
        summary="我的考核结果：本人、本支部及本人办理自查的组织已公示的考核表",
        parameters=[YEAR],
        responses=ScorecardSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        rows = (
            Scorecard.objects.filter(_own_q(request.user), period__status__in=access.PUBLISHED)
            .select_related(*CARD_RELATED)
            .order_by("-period__starts_on", "-period_id", "id")
        )
        year = query_integer(request, "year", minimum=2000, maximum=2100)
        if year:
            rows = rows.filter(period__starts_on__year=year)
        page = self.paginate_queryset(rows)
        context = {**self.get_serializer_context(), "show_scores": True}
        return self.get_paginated_response(
            ScorecardSerializer(page, many=True, context=context).data
        )


def _own_q(user) -> Q:
    """The caller's own cards: their member card, their branch's card, and the cards of the
    organisations they self-check for."""
    from dangjian.members.models import Member

    conditions = Q(pk__in=[])
    person_id = getattr(user, "person_id", None)
    if person_id:
        conditions |= Q(member__person_id=person_id)
        branch = Member.objects.filter(person_id=person_id).values("organization_id").first()
        if branch:
            conditions |= Q(member__isnull=True, organization_id=branch["organization_id"])
    own = scope_condition("organization__path", scope_of(user).paths_for(SELF_CHECK))
    if own is not None:
        conditions |= Q(member__isnull=True) & own
    return conditions


routes = [
    ("assessment/templates", TemplateViewSet, "assessment-template"),
    ("assessment/periods", PeriodViewSet, "assessment-period"),
    ("assessment/scorecards", ScorecardViewSet, "assessment-scorecard"),
    ("assessment/evidence", EvidenceViewSet, "assessment-evidence"),
    ("assessment/appeals", AppealViewSet, "assessment-appeal"),
    ("assessment/results", ResultViewSet, "assessment-result"),
]
