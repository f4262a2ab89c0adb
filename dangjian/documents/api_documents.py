"""`/api/v1/documents/`: 公文 for the mobile client — the caller's receipts (to sign, sign, read,
reply) and the documents their organisations sent (counters and the recipients table).

* `documents/` — the receipts the caller handles or was circulated to
  (`access.receipts_readable_by`), `?status=to_sign|handling|done`, newest first. A receipt out
  of reach answers 404 exactly like a missing one.
* `documents/{id}/` — one receipt: the document's text once the copy is signed for, its files
  (URLs of the scoped page view), circulations, handlings and replies.
* `POST documents/{id}/sign/` — 签收 (`receiving.receipt_sign`): idempotent, 200 both times,
  `already: true` the second time.
* `POST documents/{id}/read/` — a circulated reader marks it read (+ optional 批示,
  `circulation_read`); a handler's first reading (`receipt_open`).
* `POST documents/{id}/reply/` — multipart `text` + `files` (repeatable) → `receipt_reply`.
* `documents/sent/`, `documents/sent/{id}/`, `documents/sent/{id}/recipients/` — issued
  documents of the caller's VIEW_DOCUMENT scope with the summary counters, and the receipts
  table (`selectors_tracking.recipient_table`; `?late=1` or `?show=`).

Every write calls the same services as the pages (scope, counters, audit, notifications); a
refusal answers 400 with the service's Chinese text in the shared error body.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin
from dangjian.core.exceptions import ServiceError
from dangjian.documents import access, selectors_tracking
from dangjian.documents.models import (
    Circulation,
    Document,
    DocumentFile,
    Handling,
    Receipt,
    Reply,
)
from dangjian.documents.permissions import VIEW_DOCUMENT
from dangjian.documents.serializers import (
    ReadInputSerializer,
    ReceiptDetailSerializer,
    ReceiptSerializer,
    RecipientPageSerializer,
    RecipientSerializer,
    ReplyInputSerializer,
    SentDocumentDetailSerializer,
    SentDocumentSerializer,
    SignedSerializer,
)
from dangjian.documents.services import receiving

TAGS = ["公文"]
Status = Receipt.Status

# `?status=` of the caller's receipts.
RECEIPT_TABS = {
    "to_sign": (Status.RECEIVED,),
    "handling": (
        Status.SIGNED,
        Status.REGISTERED,
        Status.CIRCULATING,
        Status.HANDLING,
        Status.REPLIED,
    ),
    "done": (Status.ARCHIVED, Status.RETURNED, Status.CANCELLED),
}
RECEIPT_STATUS = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    enum=list(RECEIPT_TABS),
    description="to_sign 待签收；handling 办理中（已签收未办结）；done 已办结、已退回或已撤回。"
    "不填为全部。",
)
SENT_SHOW = OpenApiParameter(
    "show",
    OpenApiTypes.STR,
    enum=list(selectors_tracking.FILTERS),
    description="all 全部；unsigned 未签收；late 逾期；unreplied 未回复；returned 已退回。",
)
SENT_LATE = OpenApiParameter(
    "late", OpenApiTypes.STR, enum=["1", "0"], description="1：只列逾期的（同 show=late）。"
)
PAGE = [
    OpenApiParameter("page", OpenApiTypes.INT, description="页码。"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="每页条数（最多 200）。"),
]
SENT_STATUS = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    enum=[Document.Status.ISSUED, Document.Status.WITHDRAWN],
    description="issued 已发文；withdrawn 已撤回。不填为全部。",
)


def _choice(request, name: str, values) -> str | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if raw not in values:
        raise exceptions.ValidationError({name: [f"未知的取值：{raw[:50]}。"]})
    return raw


# ---------------------------------------------------------------- the caller's receipts


@extend_schema_view(
    list=extend_schema(summary="我的收文（待签收、办理中、已办结）", parameters=[RECEIPT_STATUS]),
    retrieve=extend_schema(
        summary="一份收文：签收后可看正文和附件，传阅、承办、回复情况",
        responses=ReceiptDetailSerializer,
    ),
)
@extend_schema(tags=TAGS)
class ReceiptViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Receipt
    serializer_class = ReceiptSerializer
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, user):
        rows = access.receipts_readable_by(user).select_related("organization", "user")
        if self.action == "list":
            tab = _choice(self.request, "status", RECEIPT_TABS)
            if tab:
                rows = rows.filter(status__in=RECEIPT_TABS[tab])
            return rows.order_by("-sent_at", "-pk")
        return rows.select_related("signed_by", "document__issuer").prefetch_related(
            Prefetch(
                "document__files",
                queryset=DocumentFile.objects.filter(reply__isnull=True, receipt__isnull=True),
            ),
            "files",
            Prefetch(
                "circulations",
                queryset=Circulation.objects.select_related("reader", "sent_by").order_by(
                    "sent_at", "pk"
                ),
            ),
            Prefetch(
                "handlings",
                queryset=Handling.objects.select_related("handler").order_by("role", "pk"),
            ),
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("author")
                .prefetch_related("files")
                .order_by("created_at", "pk"),
            ),
        )

    def get_serializer_class(self):
        return ReceiptDetailSerializer if self.action != "list" else ReceiptSerializer

    def answer(self, receipt: Receipt, code=status.HTTP_200_OK) -> Response:
        """The receipt as it is now, read the way `retrieve` reads it."""
        fresh = self.scoped_queryset(self.request.user).get(pk=receipt.pk)
        return Response(
            ReceiptDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=code,
        )

    def receipt(self) -> Receipt:
        """The URL's receipt (404 unless the caller handles it or it was circulated to them)."""
        return self.get_object()

    @extend_schema(
        summary="签收（重复签收不改签收时间，返回 already: true）",
        request=None,
        responses=SignedSerializer,
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        receipt = self.receipt()
        signed = receiving.receipt_sign(actor=request.user, receipt=receipt)
        detail = self.answer(receipt).data
        who = detail.get("signed_by_name") or ""
        message = f"已签收：《{receipt.title}》" if signed else f"这份公文已由{who}签收过了。"
        return Response({"already": not signed, "message": message, "receipt": detail})

    @extend_schema(
        summary="标记已阅：传阅人阅后标记（可填批示）；收文单位签收人首次阅读",
        request=ReadInputSerializer,
        responses=ReceiptDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        receipt = self.receipt()
        values = self.parse(ReadInputSerializer)
        instruction = values.get("instruction", "")
        circulation = receipt.circulations.filter(reader=request.user).first()
        if circulation is not None:
            receiving.circulation_read(
                actor=request.user, circulation=circulation, instruction=instruction
            )
        else:
            if instruction:
                raise ServiceError("批示由传阅人填写：这份公文没有传阅给您。")
            if receipt.status == Status.CANCELLED:
                raise ServiceError("发文单位已撤回这份公文。")
            if receipt.signed_at is None:
                raise ServiceError("请先签收这份公文，再标记已阅。")
            receiving.receipt_open(actor=request.user, receipt=receipt)
        return self.answer(receipt)

    @extend_schema(
        summary="回复发文单位（回执/反馈：文字和附件，multipart/form-data）",
        request={"multipart/form-data": ReplyInputSerializer},
        responses={201: ReceiptDetailSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def reply(self, request, pk=None):
        receipt = self.receipt()
        data = {"text": request.data.get("text", "")}
        files = request.FILES.getlist("files")
        if files:
            data["files"] = files
        serializer = ReplyInputSerializer(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        receiving.receipt_reply(
            actor=request.user,
            receipt=receipt,
            text=values["text"],
            files=values.get("files", []),
        )
        return self.answer(receipt, status.HTTP_201_CREATED)


# ---------------------------------------------------------------- the sender's side


@extend_schema_view(
    list=extend_schema(summary="本单位已发公文及签收、阅读、回复计数", parameters=[SENT_STATUS]),
    retrieve=extend_schema(
        summary="一份已发公文：正文、附件和实时计数", responses=SentDocumentDetailSerializer
    ),
)
@extend_schema(tags=TAGS)
class SentDocumentViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Document
    serializer_class = SentDocumentSerializer
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, user):
        rows = (
            access.documents_visible_to(user, VIEW_DOCUMENT)
            .filter(status__in=(Document.Status.ISSUED, Document.Status.WITHDRAWN))
            .select_related("issuer")
        )
        if self.action == "list":
            wanted = _choice(
                self.request, "status", (Document.Status.ISSUED, Document.Status.WITHDRAWN)
            )
            if wanted:
                rows = rows.filter(status=wanted)
            return rows.order_by("-issued_at", "-pk")
        return rows.prefetch_related(
            Prefetch(
                "files",
                queryset=DocumentFile.objects.filter(reply__isnull=True, receipt__isnull=True),
            )
        )

    def get_serializer_class(self):
        return SentDocumentDetailSerializer if self.action == "retrieve" else SentDocumentSerializer

    def retrieve(self, request, pk=None):
        document = self.get_object()
        context = {
            **self.get_serializer_context(),
            "counts": selectors_tracking.tracking_counts(document),
        }
        return Response(SentDocumentDetailSerializer(document, context=context).data)

    @extend_schema(
        summary="收文单位签收情况（分页；late=1 只列逾期的）",
        parameters=[SENT_SHOW, SENT_LATE, *PAGE],
        responses=RecipientPageSerializer,
    )
    @action(detail=True, methods=["get"])
    def recipients(self, request, pk=None):
        document = self.get_object()
        show = _choice(request, "show", selectors_tracking.FILTERS) or "all"
        late = _choice(request, "late", ("0", "1"))
        if late == "1":
            show = "late"
        rows = selectors_tracking.recipient_table(request.user, document, {"show": show})
        page = self.paginate_queryset(rows)
        data = RecipientSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


routes = [
    ("documents/sent", SentDocumentViewSet, "document-sent"),
    ("documents", ReceiptViewSet, "document-receipt"),
]
