"""`/api/v1/development/…`: the development workflow over the API.

* Cases are read through `selectors` (scope: `development.view_development`); one case out of
  scope answers 404. Writes go through the same services as the pages, so no illegal
  transition is reachable here either; a visible case the caller may not change answers 403.
* A blocked rule answers 400 `{"error": {"code": "rule_violation", "message", "details":
  {"blocks": [{rule_key, label, source, message, dates, earliest, overridable}]}}}`; other
  refusals answer 400 with `details = {field: [Chinese reason]}`.

`routes` is what `dangjian.api_urls` registers.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin, error_body, query_integer, query_organization
from dangjian.development import selectors, services
from dangjian.development import serializers as s
from dangjian.development.checks import StepBlocked
from dangjian.development.models import (
    CaseDeadline,
    CaseStep,
    DevelopmentCase,
    Quota,
    Sponsor,
    State,
)
from dangjian.development.permissions import MANAGE_DEVELOPMENT, VIEW_DEVELOPMENT
from dangjian.development.services import StepRefused
from dangjian.orgs.models import Organization

ORGANIZATION_PARAMETER = OpenApiParameter(
    "organization",
    OpenApiTypes.INT,
    description="党组织 id：该党组织及其全部下级（须在调用者范围内）。",
)
STATE_PARAMETER = OpenApiParameter(
    "state", OpenApiTypes.STR, enum=State.values, description="状态。"
)
YEAR_PARAMETER = OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年。")


def organization_filter(request) -> Organization | None:
    """`?organization=` as a visible organisation (400 when missing or out of scope)."""
    return query_organization(request, VIEW_DEVELOPMENT)


class ServiceCallMixin:
    """Run a service; turn its refusals into the API's one error body."""

    def call(self, service, **arguments):
        try:
            return service(actor=self.request.user, **arguments)
        except StepBlocked as blocked:
            raise RuleBlocked(blocked) from blocked
        except StepRefused as refused:
            raise exceptions.ValidationError(
                {refused.field or "non_field_errors": [refused.message]}
            ) from refused


class RuleBlocked(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "rule_violation"

    def __init__(self, blocked: StepBlocked):
        self.blocked = blocked
        super().__init__(blocked.blocks[0].message, code="rule_violation")


def rule_blocked_response(exc: RuleBlocked) -> Response:
    blocks = [block.as_dict() for block in exc.blocked.blocks]
    return Response(
        error_body("rule_violation", exc.blocked.blocks[0].message, {"blocks": blocks}),
        status=status.HTTP_400_BAD_REQUEST,
    )


class DevelopmentViewSet(ServiceCallMixin, ScopedViewSetMixin, viewsets.GenericViewSet):
    def handle_exception(self, exc):
        if isinstance(exc, RuleBlocked):
            return rule_blocked_response(exc)
        return super().handle_exception(exc)


# ---------------------------------------------------------------- cases


@extend_schema_view(
    list=extend_schema(
        summary="发展党员档案列表",
        parameters=[STATE_PARAMETER, ORGANIZATION_PARAMETER],
    ),
    retrieve=extend_schema(summary="发展党员档案（含步骤、联系人/介绍人、公示、表决、培训、政审）"),
)
@extend_schema(tags=["发展党员"])
class CaseViewSet(DevelopmentViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = DevelopmentCase
    serializer_class = s.CaseSerializer

    def scoped_queryset(self, user):
        queryset = selectors.cases_for(user).order_by("-id")
        if self.action == "retrieve":
            return queryset.prefetch_related(
                Prefetch(
                    "steps",
                    queryset=CaseStep.objects.select_related("approving_organization").order_by(
                        "done_on", "id"
                    ),
                ),
                Prefetch("sponsors", queryset=Sponsor.objects.select_related("member__person")),
                "publicities",
                "votes",
                "trainings",
                "political_reviews",
            )
        return queryset

    def get_serializer_class(self):
        return s.CaseDetailSerializer if self.action == "retrieve" else s.CaseSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        state = self.request.query_params.get("state")
        if state:
            if state not in State.values:
                raise exceptions.ValidationError({"state": [f"未知的状态：{state[:50]}。"]})
            queryset = queryset.filter(state=state)
        organization = organization_filter(self.request)
        if organization is not None:
            queryset = queryset.filter(organization__path__startswith=organization.path)
        return queryset

    def case_for(self, permission: str = VIEW_DEVELOPMENT) -> DevelopmentCase:
        return selectors.case_get(self.request.user, self.kwargs["pk"], permission=permission)

    @extend_schema(
        summary="登记入党申请（第1步）",
        request=s.CaseOpenSerializer,
        responses={201: s.CaseSerializer},
    )
    def create(self, request):
        self.require_permission(MANAGE_DEVELOPMENT)
        values = self.parse(s.CaseOpenSerializer)
        case = self.call(services.case_open, **values)
        return Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="办理一个步骤", request=s.StepInputSerializer, responses={201: s.StepSerializer}
    )
    @action(detail=True, methods=["post"], url_path="steps")
    def steps(self, request, pk=None):
        case = self.case_for()
        values = self.parse(s.StepInputSerializer)
        step = self.call(services.step_record, case=case, **values)
        return Response(s.StepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="预检一个步骤（不写入）：返回会阻止该步骤的规则",
        request=s.StepCheckSerializer,
        responses=s.BlockSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="check")
    def check(self, request, pk=None):
        case = self.case_for()
        values = self.parse(s.StepCheckSerializer)
        blocks = self.call(services.step_preview, case=case, **values)
        return Response([block.as_dict() for block in blocks])

    @extend_schema(summary="当前可办理的步骤", responses=s.StepSpecSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="available-steps")
    def available_steps(self, request, pk=None):
        case = self.case_for()
        specs = services.available_steps(actor=request.user, case=case)
        return Response(s.StepSpecSerializer(specs, many=True).data)

    @extend_schema(summary="期限（已办和待办）", responses=s.DeadlineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def deadlines(self, request, pk=None):
        case = self.case_for()
        return Response(s.DeadlineSerializer(selectors.case_deadlines(case), many=True).data)

    @extend_schema(
        summary="确定培养联系人或入党介绍人",
        request=s.SponsorInputSerializer,
        responses={201: s.SponsorSerializer},
    )
    @action(detail=True, methods=["post"])
    def sponsors(self, request, pk=None):
        case = self.case_for()
        values = self.parse(s.SponsorInputSerializer)
        sponsor = self.call(services.sponsor_add, case=case, **values)
        return Response(s.SponsorSerializer(sponsor).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记公示",
        request=s.PublicityInputSerializer,
        responses={201: s.PublicitySerializer},
    )
    @action(detail=True, methods=["post"])
    def publicity(self, request, pk=None):
        case = self.case_for()
        values = self.parse(s.PublicityInputSerializer)
        publicity = self.call(services.publicity_record, case=case, **values)
        return Response(s.PublicitySerializer(publicity).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记支部大会表决", request=s.VoteInputSerializer, responses={201: s.VoteSerializer}
    )
    @action(detail=True, methods=["post"])
    def votes(self, request, pk=None):
        case = self.case_for()
        values = self.parse(s.VoteInputSerializer)
        vote = self.call(services.vote_record, case=case, **values)
        return Response(s.VoteSerializer(vote).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记集中培训",
        request=s.TrainingInputSerializer,
        responses={201: s.TrainingSerializer},
    )
    @action(detail=True, methods=["post"])
    def trainings(self, request, pk=None):
        case = self.case_for()
        values = self.parse(s.TrainingInputSerializer)
        training = self.call(services.training_record, case=case, **values)
        return Response(s.TrainingSerializer(training).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记政审结论",
        request=s.PoliticalReviewInputSerializer,
        responses={201: s.PoliticalReviewSerializer},
    )
    @action(detail=True, methods=["post"], url_path="political-reviews")
    def political_reviews(self, request, pk=None):
        case = self.case_for()
        values = self.parse(s.PoliticalReviewInputSerializer)
        review = self.call(services.political_review_record, case=case, **values)
        return Response(s.PoliticalReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- quotas, pipeline, deadlines


@extend_schema_view(
    list=extend_schema(
        summary="发展计划及使用情况", parameters=[YEAR_PARAMETER, ORGANIZATION_PARAMETER]
    ),
    retrieve=extend_schema(summary="一个党支部一年的发展计划"),
)
@extend_schema(tags=["发展党员"])
class QuotaViewSet(DevelopmentViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = Quota
    serializer_class = s.QuotaSerializer

    def _year(self) -> int:
        today = datetime.date.today()
        return query_integer(self.request, "year", minimum=2000, maximum=2100, default=today.year)

    def scoped_queryset(self, user):
        if self.action == "list":
            return selectors.quota_use(user, year=self._year())
        return Quota.objects.visible_to(user, VIEW_DEVELOPMENT).select_related("organization")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        organization = organization_filter(self.request)
        if organization is not None:
            queryset = queryset.filter(organization__path__startswith=organization.path)
        return queryset

    @extend_schema(
        summary="制定（或修改）一个党支部一年的发展计划",
        request=s.QuotaInputSerializer,
        responses={200: s.QuotaSerializer},
    )
    def create(self, request):
        values = self.parse(s.QuotaInputSerializer)
        quota = self.call(services.quota_set, **values)
        return Response(s.QuotaSerializer(quota).data)


@extend_schema(tags=["发展党员"])
class PipelineViewSet(ServiceCallMixin, viewsets.ViewSet):
    """Counts by state (the pipeline), over the caller's scope or one subtree."""

    @extend_schema(
        summary="发展党员各阶段人数（全部和按党支部）",
        parameters=[ORGANIZATION_PARAMETER],
        responses=s.PipelineSerializer,
    )
    def list(self, request):
        organization = organization_filter(request)
        counts = selectors.pipeline_counts(request.user, organization=organization)
        branches = selectors.pipeline_by_branch(request.user, organization=organization)
        for branch in branches:
            branch.pop("path", None)
        return Response(
            {
                "organization": organization.pk if organization else None,
                "counts": counts,
                "total": sum(counts.values()),
                "branches": branches,
            }
        )


@extend_schema(tags=["发展党员"])
class DeadlineViewSet(viewsets.GenericViewSet):
    """What falls due in the next days, or what is overdue (stored deadlines, paginated in the
    database)."""

    serializer_class = s.DeadlineSerializer
    queryset = CaseDeadline.objects.none()  # the schema's model; list() reads the selectors

    @extend_schema(
        summary="近期到期或已逾期的事项",
        parameters=[
            ORGANIZATION_PARAMETER,
            OpenApiParameter("days", OpenApiTypes.INT, description="未来多少天内到期，默认 30。"),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="true：只列已逾期的。"),
        ],
    )
    def list(self, request):
        organization = organization_filter(request)
        days = query_integer(request, "days", minimum=1, maximum=366, default=30)
        overdue = request.query_params.get("overdue", "").lower() in ("1", "true", "yes")
        if overdue:
            items = selectors.overdue_deadlines(request.user, organization=organization)
        else:
            items = selectors.due_deadlines(request.user, organization=organization, days=days)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


routes = [
    ("development/cases", CaseViewSet, "development-case"),
    ("development/quotas", QuotaViewSet, "development-quota"),
    ("development/pipeline", PipelineViewSet, "development-pipeline"),
    ("development/deadlines", DeadlineViewSet, "development-deadline"),
]
