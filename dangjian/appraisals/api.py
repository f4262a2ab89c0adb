"""`/api/v1/appraisals/`: rounds and results (scoped), the peer counts of a round (counts per
grade per member, never raters) and the caller's own part (`mine`: self-assessment and the one
submission of their ratings, through the same services as the pages)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from dangjian.appraisals import selectors, services
from dangjian.appraisals.models import Grade, Participant, Result, Round
from dangjian.core.api import ScopedViewSetMixin
from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.orgs.api import OrganizationBriefSerializer


class RoundSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    phase_display = serializers.CharField(source="get_phase_display", read_only=True)
    peer_scope_display = serializers.CharField(source="get_peer_scope_display", read_only=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "organization",
            "year",
            "phase",
            "phase_display",
            "peer_scope",
            "peer_scope_display",
            "self_ends_on",
            "peer_ends_on",
            "propose_ends_on",
            "final_ends_on",
            "meeting_kind",
            "meeting_date",
            "participant_count",
            "graded_count",
            "self_count",
            "rated_count",
        ]


class GradeCountsSerializer(serializers.Serializer):
    excellent = serializers.IntegerField(help_text="评为优秀的票数")
    qualified = serializers.IntegerField(help_text="评为合格的票数")
    basic = serializers.IntegerField(help_text="评为基本合格的票数")
    unqualified = serializers.IntegerField(help_text="评为不合格的票数")


class PeerCountSerializer(serializers.Serializer):
    participant = serializers.IntegerField(help_text="参评党员编号（参评记录）")
    name = serializers.CharField()
    counts = GradeCountsSerializer()


class RoundViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The rounds of the branches in the caller's scope (`appraisals.view_appraisal`)."""

    model = Round
    serializer_class = RoundSerializer

    def scoped_queryset(self, user):
        return selectors.rounds_visible_to(
            user, year=parse_id(self.request.query_params.get("year"))
        )

    @extend_schema(responses=PeerCountSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="peer-counts")
    def peer_counts(self, request, pk=None):
        """Peer ratings received, per grade per member — never who gave them. Available once the
        互评 phase is over."""
        round_ = self.get_object()
        if not selectors.counts_visible(round_):
            raise ServiceError("党员互评结束后才能查看互评计票。")
        rows = [row for row in selectors.grading_rows(round_) if row.is_graded]
        data = [{"participant": r.pk, "name": r.name, "counts": r.peer.as_dict()} for r in rows]
        return Response(PeerCountSerializer(data, many=True).data)


class ResultSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", read_only=True)
    name = serializers.CharField(source="member.person.name", read_only=True)
    organization = OrganizationBriefSerializer(read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)

    class Meta:
        model = Result
        fields = [
            "id",
            "member",
            "name",
            "year",
            "grade",
            "grade_display",
            "reason",
            "organization",
            "round",
            "meeting_kind",
            "decided_on",
        ]


class ResultViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Final results in the caller's scope, and the caller's own results."""

    model = Result
    serializer_class = ResultSerializer

    def scoped_queryset(self, user):
        return selectors.results_visible_to(
            user, year=parse_id(self.request.query_params.get("year"))
        )


class PeerSerializer(serializers.Serializer):
    participant = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class MyRoundSerializer(serializers.ModelSerializer):
    round = RoundSerializer(read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "round", "category", "is_graded", "self_assessment", "has_rated"]


class RatingsInput(serializers.Serializer):
    ratings = serializers.DictField(
        child=serializers.ChoiceField(choices=Grade.choices),
        help_text="{参评记录编号: 等次代码}，须包含互评范围内的每一位党员",
    )


class SelfAssessmentInput(serializers.Serializer):
    text = serializers.CharField(max_length=services.SELF_ASSESSMENT_MAX)


class MyRoundViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own rounds (as a participant). `{id}` is the round's id."""

    serializer_class = MyRoundSerializer
    queryset = Participant.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Participant.objects.none()
        return selectors.my_participations(self.request.user)

    def _participant(self, pk) -> Participant:
        try:
            return selectors.my_participation(self.request.user, pk)
        except Http404 as exc:
            raise NotFound() from exc

    @extend_schema(responses=PeerSerializer(many=True))
    @action(detail=True, methods=["get"])
    def peers(self, request, pk=None):
        """Whom the caller rates in this round."""
        participant = self._participant(pk)
        return Response(PeerSerializer(services.peers_to_rate(participant), many=True).data)

    @extend_schema(
        request=RatingsInput,
        responses=inline_serializer("RatingsCounted", {"counted": serializers.BooleanField()}),
    )
    @action(detail=True, methods=["post"])
    def ratings(self, request, pk=None):
        """Submit all ratings at once; a second submission counts nothing (`counted: false`)."""
        participant = self._participant(pk)
        data = RatingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        counted = services.ratings_submit(
            actor=request.user, participant=participant, ratings=data.validated_data["ratings"]
        )
        return Response({"counted": counted})

    @extend_schema(request=SelfAssessmentInput, responses=MyRoundSerializer)
    @action(detail=True, methods=["post"], url_path="self-assessment")
    def self_assessment(self, request, pk=None):
        participant = self._participant(pk)
        data = SelfAssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.self_assessment_save(
            actor=request.user, participant=participant, text=data.validated_data["text"]
        )
        return Response(MyRoundSerializer(saved).data)


routes = [
    ("appraisals/rounds", RoundViewSet, "appraisal-round"),
    ("appraisals/results", ResultViewSet, "appraisal-result"),
    ("appraisals/mine", MyRoundViewSet, "appraisal-mine"),
]
