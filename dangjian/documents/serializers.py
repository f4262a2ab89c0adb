"""Serializers of `/api/v1/documents/` (see `api_documents.py`).

Every enum is its own named schema component (`Document…Enum`, `Receipt…Enum`) so that fields
of the same name in other apps never collide. Files are listed with the URL of the scoped page
view `documents:document_file`; the API never serves file contents itself. The document's text
(`body_html`, sanitised when it was saved) is given to the receiving side only once the copy is
signed for — a person it was circulated to always has a signed copy.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.core.scope import scope_of
from dangjian.development.serializers import choice as named_choice
from dangjian.documents.models import (
    Circulation,
    DocType,
    Document,
    DocumentFile,
    Handling,
    PaperClassification,
    Receipt,
    Reply,
    Urgency,
)
from dangjian.documents.permissions import SIGN_RECEIPT
from dangjian.orgs.api import OrganizationBriefSerializer


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


def _label(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{field}_display", read_only=True)


DOC_TYPE = ("DocumentTypeEnum", DocType.choices)
URGENCY = ("DocumentUrgencyEnum", Urgency.choices)


def _doc_type(**kwargs):
    return named_choice(DOC_TYPE[1], DOC_TYPE[0], read_only=True, **kwargs)


def _urgency(**kwargs):
    return named_choice(URGENCY[1], URGENCY[0], read_only=True, **kwargs)


class DocumentFileSerializer(serializers.ModelSerializer):
    purpose = named_choice(DocumentFile.Purpose.choices, "DocumentFilePurposeEnum", read_only=True)
    purpose_display = _label("purpose")
    url = serializers.SerializerMethodField(help_text="下载地址（经过范围检查的页面）。")

    class Meta:
        model = DocumentFile
        fields = ["id", "purpose", "purpose_display", "title", "file_kind", "size", "url"]

    def get_url(self, obj) -> str:
        return _absolute(
            self.context.get("request"), reverse("documents:document_file", args=[obj.pk])
        )


# ---------------------------------------------------------------- the receiving side


class ReceiptSerializer(serializers.ModelSerializer):
    """One row of the caller's receipts: the list fields copied at dispatch, no text."""

    organization = OrganizationBriefSerializer(read_only=True, allow_null=True)
    holder_name = serializers.CharField(read_only=True, help_text="收文单位或收文人。")
    doc_type = _doc_type()
    doc_type_display = _label("doc_type")
    urgency = _urgency()
    urgency_display = _label("urgency")
    classification = named_choice(
        PaperClassification.choices, "ReceiptClassificationEnum", read_only=True
    )
    classification_display = _label("classification")
    role = named_choice(Receipt._meta.get_field("role").choices, "ReceiptRoleEnum", read_only=True)
    role_display = _label("role")
    status = named_choice(Receipt.Status.choices, "ReceiptStatusEnum", read_only=True)
    status_display = _label("status")
    can_handle = serializers.SerializerMethodField(
        help_text="我可以签收和办理这份收文（收文单位的签收人或收文人本人）；"
        "只是传阅给我的为 false。"
    )

    class Meta:
        model = Receipt
        fields = [
            "id",
            "document_id",
            "is_paper",
            "organization",
            "holder_name",
            "role",
            "role_display",
            "copy_no",
            "doc_type",
            "doc_type_display",
            "title",
            "number",
            "source_name",
            "urgency",
            "urgency_display",
            "classification",
            "classification_display",
            "reply_required",
            "deadline",
            "sent_at",
            "sign_due_at",
            "status",
            "status_display",
            "signed_at",
            "read_at",
            "replied_at",
            "register_no",
            "can_handle",
        ]

    def get_can_handle(self, obj) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        if obj.user_id:
            return obj.user_id == request.user.pk
        return scope_of(request.user).covers(SIGN_RECEIPT, obj.organization.path)


class ReceiptDocumentSerializer(serializers.ModelSerializer):
    """The document of a receipt: its text only once the copy is signed for."""

    issuer = OrganizationBriefSerializer(read_only=True)
    doc_type = _doc_type()
    doc_type_display = _label("doc_type")
    urgency = _urgency()
    urgency_display = _label("urgency")
    body_html = serializers.SerializerMethodField(
        help_text="正文（已净化的 HTML）；签收前为 null。"
    )
    files = serializers.SerializerMethodField(help_text="正文文件和附件；签收前为空。")
    corrects_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="更正的原公文编号。"
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "issuer",
            "doc_type",
            "doc_type_display",
            "number",
            "title",
            "urgency",
            "urgency_display",
            "signatory",
            "signer_name",
            "dated",
            "issued_at",
            "body_html",
            "attachment_note",
            "remark",
            "reply_required",
            "deadline",
            "corrects_id",
            "files",
        ]

    def _visible(self) -> bool:
        return bool(self.context.get("text_visible"))

    def get_body_html(self, obj) -> str | None:
        return obj.body_html if self._visible() else None

    @extend_schema_field(DocumentFileSerializer(many=True))
    def get_files(self, obj) -> list:
        if not self._visible():
            return []
        rows = sorted(obj.files.all(), key=lambda f: (f.order, f.pk))
        return DocumentFileSerializer(rows, many=True, context=self.context).data


class CirculationSerializer(serializers.ModelSerializer):
    reader_name = serializers.CharField(source="reader.display_name", read_only=True)
    sent_by_name = serializers.CharField(source="sent_by.display_name", read_only=True)

    class Meta:
        model = Circulation
        fields = [
            "id",
            "reader_id",
            "reader_name",
            "sent_by_name",
            "sent_at",
            "read_at",
            "instruction",
            "instructed_at",
        ]


class HandlingSerializer(serializers.ModelSerializer):
    handler_name = serializers.CharField(source="handler.display_name", read_only=True)
    role = named_choice(Handling.Role.choices, "HandlingRoleEnum", read_only=True)
    role_display = _label("role")

    class Meta:
        model = Handling
        fields = ["id", "handler_name", "role", "role_display", "due_on", "done_at", "note"]


class ReplySerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    files = DocumentFileSerializer(many=True, read_only=True)

    class Meta:
        model = Reply
        fields = ["id", "text", "author_name", "created_at", "files"]


class ReceiptDetailSerializer(ReceiptSerializer):
    """A receipt with the document's text (once signed), its trail and what I may do."""

    signed_by_name = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    scans = DocumentFileSerializer(
        source="files", many=True, read_only=True, help_text="纸质来文的扫描件。"
    )
    circulations = CirculationSerializer(many=True, read_only=True)
    handlings = HandlingSerializer(many=True, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField(
        help_text="本份公文的 PDF（红头文件，含份号）；签收前或纸质来文为 null。"
    )
    my_circulation_id = serializers.SerializerMethodField(
        help_text="传阅给我的那一条的编号（未传阅给我为 null）。"
    )

    class Meta(ReceiptSerializer.Meta):
        fields = [
            *ReceiptSerializer.Meta.fields,
            "signed_by_name",
            "proposal",
            "return_reason",
            "result_note",
            "archived_at",
            "document",
            "scans",
            "circulations",
            "handlings",
            "replies",
            "pdf_url",
            "my_circulation_id",
        ]

    def get_signed_by_name(self, obj) -> str | None:
        return obj.signed_by.display_name if obj.signed_by_id else None

    @extend_schema_field(ReceiptDocumentSerializer(allow_null=True))
    def get_document(self, obj) -> dict | None:
        if obj.document_id is None:
            return None
        context = {**self.context, "text_visible": obj.signed_at is not None}
        return ReceiptDocumentSerializer(obj.document, context=context).data

    def get_pdf_url(self, obj) -> str | None:
        if obj.document_id is None or obj.signed_at is None:
            return None
        if obj.status == Receipt.Status.CANCELLED:
            return None
        url = reverse("documents:receipt_pdf", args=[obj.pk])
        return _absolute(self.context.get("request"), url)

    def get_my_circulation_id(self, obj) -> int | None:
        request = self.context.get("request")
        if request is None:
            return None
        for row in obj.circulations.all():
            if row.reader_id == request.user.pk:
                return row.pk
        return None


class SignedSerializer(serializers.Serializer):
    already = serializers.BooleanField(help_text="此前已经签收（重复签收不改签收时间和签收人）。")
    message = serializers.CharField()
    receipt = ReceiptDetailSerializer()


# ---------------------------------------------------------------- input


class ReadInputSerializer(serializers.Serializer):
    instruction = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="批示（仅传阅人可填，可修改）。",
        error_messages={"max_length": "批示最多 2000 字。"},
    )


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=5000,
        help_text="回复内容。",
        error_messages={
            "required": "请填写回复内容。",
            "blank": "请填写回复内容。",
            "max_length": "回复内容最多 5000 字，更多内容请作为附件上传。",
        },
    )
    files = serializers.ListField(
        child=serializers.FileField(
            error_messages={"empty": "上传的文件是空的。", "invalid": "请上传文件。"}
        ),
        required=False,
        allow_empty=True,
        help_text="附件（可多个，同名字段重复）：DOCX、PDF、XLSX 或图片，每个不超过 20 MB。",
    )


# ---------------------------------------------------------------- the sender's side


class SentDocumentSerializer(serializers.ModelSerializer):
    """One issued document of the caller's scope with its summary counters."""

    issuer = OrganizationBriefSerializer(read_only=True)
    doc_type = _doc_type()
    doc_type_display = _label("doc_type")
    urgency = _urgency()
    urgency_display = _label("urgency")
    status = named_choice(Document.Status.choices, "DocumentStatusEnum", read_only=True)
    status_display = _label("status")

    class Meta:
        model = Document
        fields = [
            "id",
            "issuer",
            "doc_type",
            "doc_type_display",
            "number",
            "title",
            "urgency",
            "urgency_display",
            "status",
            "status_display",
            "issued_at",
            "reply_required",
            "deadline",
            "recipient_count",
            "signed_count",
            "read_count",
            "replied_count",
            "returned_count",
        ]


class SentCountsSerializer(serializers.Serializer):
    recipients = serializers.IntegerField(help_text="收文单位数。")
    signed = serializers.IntegerField(help_text="已签收。")
    unsigned = serializers.IntegerField(help_text="未签收。")
    read = serializers.IntegerField(help_text="已阅。")
    replied = serializers.IntegerField(help_text="已回复。")
    returned = serializers.IntegerField(help_text="已退回。")
    late = serializers.IntegerField(help_text="逾期（未按时签收，或回复逾期）。")
    reply_required = serializers.BooleanField()


class SentDocumentDetailSerializer(SentDocumentSerializer):
    files = DocumentFileSerializer(many=True, read_only=True)
    counts = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField(help_text="发文存档的 PDF（红头文件）。")
    withdraw_reason = serializers.CharField(read_only=True)

    class Meta(SentDocumentSerializer.Meta):
        fields = [
            *SentDocumentSerializer.Meta.fields,
            "classification",
            "signatory",
            "signer_name",
            "dated",
            "body_html",
            "attachment_note",
            "remark",
            "withdraw_reason",
            "corrects_id",
            "files",
            "counts",
            "pdf_url",
        ]

    @extend_schema_field(SentCountsSerializer)
    def get_counts(self, obj) -> dict:
        counts = self.context["counts"]
        return SentCountsSerializer(counts).data

    def get_pdf_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("documents:pdf", args=[obj.pk]))


class RecipientSerializer(serializers.ModelSerializer):
    """One row of the sender's table."""

    organization = OrganizationBriefSerializer(read_only=True, allow_null=True)
    holder_name = serializers.CharField(read_only=True)
    role = named_choice(Receipt._meta.get_field("role").choices, "ReceiptRoleEnum", read_only=True)
    role_display = _label("role")
    status = named_choice(Receipt.Status.choices, "ReceiptStatusEnum", read_only=True)
    status_display = _label("status")
    signed_by_name = serializers.SerializerMethodField()
    sign_late = serializers.BooleanField(read_only=True, help_text="逾期未签收或签收晚于时限。")
    reply_late = serializers.BooleanField(read_only=True, help_text="回复逾期。")

    class Meta:
        model = Receipt
        fields = [
            "id",
            "copy_no",
            "organization",
            "holder_name",
            "role",
            "role_display",
            "status",
            "status_display",
            "sign_due_at",
            "signed_at",
            "signed_by_name",
            "read_at",
            "replied_at",
            "return_reason",
            "sign_late",
            "reply_late",
            "chase_count",
            "last_chased_at",
        ]

    def get_signed_by_name(self, obj) -> str | None:
        return obj.signed_by.display_name if obj.signed_by_id else None


class RecipientPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = RecipientSerializer(many=True)
