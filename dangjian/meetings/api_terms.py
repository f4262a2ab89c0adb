"""API of the monthly guide and 换届 (routes collected by meetings/api.py):

- `meetings/guides`: the guides the caller may open (drafts only for the publisher); a branch
  sees the guides of its ancestors, never those of another subtree (404). `?month=YYYY-MM`.
  `POST {id}/publish/` and `{id}/withdraw/` for a publisher (`meetings.manage_guide`).
- `meetings/elections`: election records in the caller's `orgs.view_committee` scope, each with
  its tally (quorum, majority, elected, tie, 差额).
- `meetings/terms`: organisations of a subtree by `?kind=soon|overdue|missing`
  (`?organization=` narrows to a subtree), with the term end and days left or overdue.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin, query_organization
from dangjian.meetings import guides_api
from dangjian.meetings.models import Election, Guide, GuideTopic
from dangjian.meetings.permissions import MANAGE_GUIDE
from dangjian.meetings.services import elections as election_services
from dangjian.meetings.services import guides as guide_services
from dangjian.meetings.views.guides import parse_month
from dangjian.meetings.views.terms import term_rows
from dangjian.orgs.api import OrganizationBriefSerializer
from dangjian.orgs.models import Organization
from dangjian.orgs.permissions import VIEW_COMMITTEE


class GuideTopicSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = GuideTopic
        fields = ["category", "category_display", "title", "description"]


class GuideSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    topics = GuideTopicSerializer(many=True, read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Guide
        fields = [
            "id",
            "organization",
            "month",
            "title",
            "body",
            "status",
            "status_display",
            "published_at",
            "topics",
            "files",
        ]

    def get_files(self, guide) -> list[dict]:
        from django.urls import reverse

        return [
            {
                "id": stored.pk,
                "title": stored.title,
                "size": stored.size,
                "url": reverse("meetings:guide_file", args=[guide.pk, stored.pk]),
            }
            for stored in guide.files.all()
        ]


class GuideViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Guides that reach the caller (and, for a publisher, its own drafts)."""

    model = Guide
    serializer_class = GuideSerializer

    def scoped_queryset(self, user):
        raw = self.request.query_params.get("month")
        month = parse_month(raw)
        if raw and month is None:
            raise exceptions.ValidationError({"month": ["请按 YYYY-MM 填写月份。"]})
        return guides_api.guide_list(user, month=month).prefetch_related("topics", "files")

    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _guide_for_write(self) -> Guide:
        guide = self.get_object()
        self.require_permission(MANAGE_GUIDE, guide.organization.path)
        return guide

    @extend_schema(request=None, responses=GuideSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft to the subtree (a repeat changes nothing)."""
        guide = self._guide_for_write()
        guide_services.guide_publish(actor=request.user, guide=guide)
        guide.refresh_from_db()
        return Response(self.get_serializer(guide).data)

    @extend_schema(request=None, responses=GuideSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        guide = self._guide_for_write()
        guide_services.guide_withdraw(actor=request.user, guide=guide)
        guide.refresh_from_db()
        return Response(self.get_serializer(guide).data)


class ElectionSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    tally = serializers.SerializerMethodField()

    class Meta:
        model = Election
        fields = [
            "id",
            "organization",
            "held_on",
            "seats",
            "entitled_count",
            "present_count",
            "ballots_issued",
            "ballots_returned",
            "ballots_valid",
            "term_years",
            "status",
            "status_display",
            "committee",
            "note",
            "tally",
        ]

    def get_tally(self, election) -> dict:
        result = election_services.tally(election, list(election.candidates.all()))
        return {
            "quorum_met": result.quorum_met,
            "quorum_required": result.quorum_required,
            "majority_required": result.majority_required,
            "tie": result.tie,
            "margin_ok": result.margin_ok,
            "problems": result.problems,
            "candidates": [
                {
                    "person": row.candidate.person_id,
                    "name": row.candidate.person.name,
                    "votes": row.votes,
                    "rank": row.rank,
                    "has_majority": row.has_majority,
                    "is_elected": row.is_elected,
                    "is_tied": row.is_tied,
                }
                for row in result.results
            ],
        }


class ElectionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    model = Election
    serializer_class = ElectionSerializer

    def scoped_queryset(self, user):
        organization = query_organization(self.request, VIEW_COMMITTEE)
        elections = Election.objects.visible_to(user, VIEW_COMMITTEE)
        if organization is not None:
            elections = elections.filter(organization__path__startswith=organization.path)
        return (
            elections.select_related("organization")
            .prefetch_related("candidates__person")
            .order_by("-held_on", "-created_at")
        )


class TermSerializer(serializers.ModelSerializer):
    org_type_display = serializers.CharField(source="get_org_type_display", read_only=True)
    term_end = serializers.DateField(source="current_term_end", allow_null=True)
    committee_size = serializers.IntegerField()
    days = serializers.SerializerMethodField(
        help_text="距届满的天数（已逾期为负数）；没有班子时为 null"
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "org_type",
            "org_type_display",
            "full_member_count",
            "term_end",
            "committee_size",
            "days",
        ]

    def get_days(self, org) -> int | None:
        if org.current_term_end is None:
            return None
        return (org.current_term_end - timezone.localdate()).days


KINDS = ("soon", "overdue", "missing")


class TermViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Organisations by term state: `soon` (ending within the notice months), `overdue`,
    `missing` (a 党支部 that should have a committee and has none)."""

    model = Organization
    serializer_class = TermSerializer

    def scoped_queryset(self, user):
        kind = self.request.query_params.get("kind") or "soon"
        if kind not in KINDS:
            raise exceptions.ValidationError({"kind": ["须为 soon、overdue 或 missing。"]})
        within = query_organization(self.request, VIEW_COMMITTEE)
        return term_rows(user, kind, within)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(KINDS)),
            OpenApiParameter("organization", OpenApiTypes.INT),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


routes = [
    ("meetings/guides", GuideViewSet, "meetings-guide"),
    ("meetings/elections", ElectionViewSet, "meetings-election"),
    ("meetings/terms", TermViewSet, "meetings-term"),
]
