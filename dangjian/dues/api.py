"""`/api/v1/dues/…`: the dues ledger over the API.

* `dues/entries` — ledger rows (member-months) of the caller's scope (`dues.view_dues`) or their
  own; filters `organization` (subtree), `year`, `month` (2026-03), `status`, `member`.
* `dues/bases` — the yearly bases (`year`, default this year; `organization`).
* `dues/payments` — payments (GET); POST records one through `services.payment_record`, so the
  补交 limit and every other rule hold here as on the pages. A visible row the caller may not
  collect answers 403; a rule answers 400 with `details.rule` (rule_key, source, remedy).
* `dues/arrears` — members behind with their dues (`min_months`, default 1; `organization`),
  one aggregated query, paginated.

`routes` is what `dangjian.api_urls` registers.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin, query_integer, query_organization
from dangjian.dues import selectors
from dangjian.dues import serializers as s
from dangjian.dues.models import DuesBase, EntryStatus, LedgerEntry, Payment
from dangjian.dues.permissions import MANAGE_DUES, VIEW_DUES
from dangjian.dues.services import payment_record
from dangjian.orgs.models import Organization

ORGANIZATION = OpenApiParameter(
    "organization", OpenApiTypes.INT, description="党组织 id：该党组织及其全部下级。"
)
YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="年度，如 2026。")


def _month(request) -> datetime.date | None:
    raw = request.query_params.get("month")
    if not raw:
        return None
    try:
        return datetime.datetime.strptime(raw[:7], "%Y-%m").date()
    except ValueError as exc:
        raise exceptions.ValidationError({"month": ["月份格式应为 2026-03。"]}) from exc


def _organization(request) -> Organization | None:
    return query_organization(request, VIEW_DUES)


@extend_schema(tags=["党费"])
@extend_schema_view(
    list=extend_schema(
        summary="党费台账（每人每月一行）",
        parameters=[
            ORGANIZATION,
            YEAR,
            OpenApiParameter("month", OpenApiTypes.STR, description="月份，如 2026-03。"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=EntryStatus.values),
            OpenApiParameter("member", OpenApiTypes.INT, description="党员 id。"),
        ],
    ),
    retrieve=extend_schema(summary="一行党费台账"),
)
class LedgerEntryViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    model = LedgerEntry
    serializer_class = s.LedgerEntrySerializer

    def scoped_queryset(self, user):
        if self.action != "list":
            return selectors.entries_visible(user)
        request = self.request
        state = request.query_params.get("status") or None
        if state and state not in EntryStatus.values:
            raise exceptions.ValidationError(
                {"status": ["状态应为 unpaid、partial、paid 或 waived。"]}
            )
        return selectors.entries_visible(
            user,
            organization=_organization(request),
            year=query_integer(request, "year", minimum=2000, maximum=2100),
            month=_month(request),
            status=state,
            member=query_integer(request, "member", minimum=1, maximum=2**31 - 1),
        )


@extend_schema(tags=["党费"])
@extend_schema_view(
    list=extend_schema(summary="党费基数（年度）", parameters=[ORGANIZATION, YEAR]),
    retrieve=extend_schema(summary="一名党员一年的党费基数"),
)
class DuesBaseViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    model = DuesBase
    serializer_class = s.DuesBaseSerializer

    def scoped_queryset(self, user):
        if self.action != "list":
            return DuesBase.objects.visible_to(user, VIEW_DUES).select_related(
                "member__person", "member__organization"
            )
        year = query_integer(
            self.request, "year", minimum=2000, maximum=2100, default=timezone.localdate().year
        )
        return selectors.bases_visible(user, year=year, organization=_organization(self.request))


@extend_schema(tags=["党费"])
@extend_schema_view(
    list=extend_schema(summary="缴费记录"),
    retrieve=extend_schema(summary="一条缴费记录"),
)
class PaymentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    model = Payment
    serializer_class = s.PaymentSerializer

    def scoped_queryset(self, user):
        return Payment.objects.visible_to(user, VIEW_DUES).order_by("-paid_on", "-id")

    @extend_schema(
        summary="登记一笔党费缴纳（全额或部分，补交最多追溯 6 个月）",
        request=s.PaymentInputSerializer,
        responses={201: s.PaymentSerializer},
    )
    def create(self, request):
        values = self.parse(s.PaymentInputSerializer)
        entry = values.pop("entry")
        self.require_permission(MANAGE_DUES, entry.organization.path)
        payment = payment_record(
            actor=request.user,
            entry=entry,
            paid_on=values["paid_on"],
            channel=values["channel"],
            amount=values.get("amount"),
            payer_name=values.get("payer_name", ""),
            receipt_number=values.get("receipt_number", ""),
            note=values.get("note", ""),
        )
        return Response(s.PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["党费"])
class ArrearsViewSet(viewsets.GenericViewSet):
    """Members with consecutive unpaid months up to this month, longest first."""

    serializer_class = s.ArrearsSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LedgerEntry.objects.none()
        request = self.request
        return selectors.arrears(
            request.user,
            organization=_organization(request),
            min_months=query_integer(request, "min_months", minimum=1, maximum=600, default=1),
        )

    @extend_schema(
        summary="欠缴党费的党员（连续未缴月数）",
        parameters=[
            ORGANIZATION,
            OpenApiParameter(
                "min_months", OpenApiTypes.INT, description="至少连续未缴多少个月，默认 1。"
            ),
        ],
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


routes = [
    ("dues/entries", LedgerEntryViewSet, "dues-entry"),
    ("dues/bases", DuesBaseViewSet, "dues-base"),
    ("dues/payments", PaymentViewSet, "dues-payment"),
    ("dues/arrears", ArrearsViewSet, "dues-arrears"),
]
