"""`/api/v1/transfers/`: transfers either side may see (scoped list and retrieve), the outgoing
request (`POST /transfers/`), the registration of an incoming member from outside
(`POST /transfers/incoming/`) and one action per step
(`POST /transfers/{id}/steps/{verb}/`), each through its service. A step the caller may not
take now answers 400 with the service's Chinese reason; a transfer outside the scope 404.
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedPrimaryKeyRelatedField, ScopedViewSetMixin
from dangjian.members import display
from dangjian.members.models import Category, Member
from dangjian.orgs.api import OrganizationBriefSerializer
from dangjian.orgs.models import Organization
from dangjian.transfers import selectors
from dangjian.transfers import services as svc
from dangjian.transfers.models import Letter, State, Transfer, VerifyMethod
from dangjian.transfers.permissions import APPROVE_TRANSFER, REQUEST_TRANSFER, VIEW_TRANSFER
from dangjian.transfers.steps import run_step

# ---------------------------------------------------------------- read


class LetterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Letter
        fields = [
            "number",
            "issued_on",
            "validity_days",
            "valid_until",
            "dues_paid_through",
            "voided_on",
            "void_reason",
        ]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    id_number = serializers.SerializerMethodField(help_text="身份证号（打码）。")
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    sender = OrganizationBriefSerializer(read_only=True, allow_null=True)
    receiver = OrganizationBriefSerializer(read_only=True, allow_null=True)
    assigned_branch = OrganizationBriefSerializer(read_only=True, allow_null=True)
    letter_number = serializers.CharField(read_only=True, allow_null=True)
    letter_valid_until = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "direction",
            "state",
            "state_display",
            "person_name",
            "id_number",
            "member",
            "sender",
            "origin_name",
            "receiver",
            "destination_name",
            "assigned_branch",
            "category",
            "in_city",
            "dues_paid_through",
            "requested_on",
            "branch_approved_on",
            "received_on",
            "receipt_on",
            "closed_on",
            "verified_on",
            "verify_method",
            "letter_number",
            "letter_valid_until",
        ]
        read_only_fields = fields

    def get_id_number(self, transfer) -> str:
        return display.mask_value("id_number", transfer.person.id_number)


class TransferDetailSerializer(TransferSerializer):
    letters = LetterSerializer(many=True, read_only=True)

    class Meta(TransferSerializer.Meta):
        fields = [*TransferSerializer.Meta.fields, "reason", "archive_note", "letters"]
        read_only_fields = fields


class TransferFilter(filters.FilterSet):
    direction = filters.ChoiceFilter(
        choices=[("out", "转出（本组织发出）"), ("in", "转入（发往本组织）")],
        method="filter_direction",
        label="方向",
    )
    state = filters.ChoiceFilter(choices=State.choices, label="办理状态")
    overdue = filters.BooleanFilter(method="filter_overdue", label="只看逾期")

    class Meta:
        model = Transfer
        fields = ["direction", "state", "overdue"]

    def filter_direction(self, queryset, name, value):
        user = self.request.user
        side = Transfer.objects.outgoing_for if value == "out" else Transfer.objects.incoming_for
        return queryset.filter(pk__in=side(user, VIEW_TRANSFER).values("pk"))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(selectors.overdue_q()) if value else queryset


# ---------------------------------------------------------------- write


class RequestSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(model=Member, permission=REQUEST_TRANSFER)
    destination = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="平台内接收党组织 id；平台外的不填，改填 destination_name。",
        error_messages={"does_not_exist": "编号为 {pk_value} 的党组织不存在或已撤销。"},
    )
    destination_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    in_city = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(max_length=500)
    requested_on = serializers.DateField()


class RegisterSerializer(serializers.Serializer):
    receiver = ScopedPrimaryKeyRelatedField(model=Organization, permission=REQUEST_TRANSFER)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=30)
    category = serializers.ChoiceField(choices=Category.choices)
    joined_on = serializers.DateField()
    full_member_on = serializers.DateField(required=False, allow_null=True)
    origin_name = serializers.CharField(max_length=200)
    origin_letter_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    registered_on = serializers.DateField()
    dues_paid_through = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class StepSerializer(serializers.Serializer):
    """Every step's possible inputs; each step reads the ones it needs (see the views)."""

    approved_on = serializers.DateField(required=False)
    issued_on = serializers.DateField(required=False)
    validity_days = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    dues_paid_through = serializers.DateField(required=False, allow_null=True)
    received_on = serializers.DateField(required=False)
    receipt_on = serializers.DateField(required=False)
    closed_on = serializers.DateField(required=False)
    reported_on = serializers.DateField(required=False)
    accepted_on = serializers.DateField(required=False)
    verified_on = serializers.DateField(required=False)
    assigned_on = serializers.DateField(required=False)
    sent_on = serializers.DateField(required=False)
    verify_method = serializers.ChoiceField(choices=VerifyMethod.choices, required=False)
    archive_note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    branch = ScopedPrimaryKeyRelatedField(
        model=Organization, permission=APPROVE_TRANSFER, required=False, allow_null=True
    )


class TransferViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Transfer
    filterset_class = TransferFilter

    def scoped_queryset(self, user):
        rows = Transfer.objects.visible_to(user, VIEW_TRANSFER).select_related(
            "person", "sender", "receiver", "assigned_branch"
        )
        if self.action == "retrieve":
            rows = rows.prefetch_related("letters")
        return selectors.with_letter(rows).order_by("-requested_on", "-id")

    def get_serializer_class(self):
        return TransferDetailSerializer if self.action == "retrieve" else TransferSerializer

    def _answer(self, transfer, code=status.HTTP_200_OK):
        fresh = self.scoped_queryset(self.request.user).filter(pk=transfer.pk).first()
        if fresh is None:  # e.g. the registrar no longer sees it: answer the written row
            fresh = selectors.with_letter(Transfer.objects.filter(pk=transfer.pk)).get()
        return Response(TransferDetailSerializer(fresh).data, status=code)

    @extend_schema(request=RequestSerializer, responses={201: TransferDetailSerializer})
    def create(self, request):
        """The branch registers a member's request to transfer out."""
        self.require_permission(REQUEST_TRANSFER)
        data = self.parse(RequestSerializer)
        transfer = svc.transfer_request(
            actor=request.user,
            member=data["member"],
            destination=data.get("destination"),
            destination_name=data.get("destination_name", ""),
            in_city=data.get("in_city", False),
            reason=data["reason"],
            requested_on=data["requested_on"],
        )
        return self._answer(transfer, status.HTTP_201_CREATED)

    @extend_schema(request=RegisterSerializer, responses={201: TransferDetailSerializer})
    @action(detail=False, methods=["post"], url_path="incoming")
    def register(self, request):
        """Register a member arriving from outside the platform."""
        self.require_permission(REQUEST_TRANSFER)
        data = self.parse(RegisterSerializer)
        transfer = svc.transfer_register_incoming(actor=request.user, **data)
        return self._answer(transfer, status.HTTP_201_CREATED)

    @extend_schema(
        request=StepSerializer,
        responses={200: TransferDetailSerializer},
        parameters=[
            OpenApiParameter(
                "verb",
                str,
                OpenApiParameter.PATH,
                enum=sorted(selectors.ACTIONS),
                description="办理的步骤。",
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"steps/(?P<verb>[a-z_]+)")
    def step(self, request, pk=None, verb=None):
        """One step of the transfer, through its service."""
        if verb not in selectors.ACTIONS:
            return Response(
                {"error": {"code": "not_found", "message": "没有这个办理步骤。", "details": None}},
                status=status.HTTP_404_NOT_FOUND,
            )
        transfer = self.get_object()
        data = self.parse(StepSerializer)
        missing = _missing(verb, data)
        if missing:
            raise serializers.ValidationError({name: ["请填写此项。"] for name in missing})
        return self._answer(run_step(verb, request.user, transfer, data))


REQUIRED = {
    "branch_approve": ("approved_on",),
    "issue_letter": ("issued_on",),
    "reissue": ("issued_on",),
    "received": ("received_on",),
    "receipt": ("receipt_on",),
    "close": ("closed_on",),
    "lost": ("reported_on", "reason"),
    "accept": ("accepted_on",),
    "verify": ("verified_on", "verify_method"),
    "accept_in": ("accepted_on",),
    "assign": ("assigned_on",),
    "send_receipt": ("sent_on",),
    "cancel": ("reason",),
}


def _missing(verb, data) -> list[str]:
    return [name for name in REQUIRED.get(verb, ()) if data.get(name) in (None, "")]


routes = [("transfers", TransferViewSet, "transfer")]
