"""`/api/v1/member-imports/`: member-roll imports over the API. The batch list, the uploads, the
progress fields and the Excel downloads (problem rows, the template) live here; the work itself
(validation, writing, undo) is done by the import services in `members.importing`.
"""

from __future__ import annotations

from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dangjian.core.api import ErrorSerializer, ScopedPrimaryKeyRelatedField, ScopedViewSetMixin
from dangjian.core.models import Job
from dangjian.members.api.common import codes_of, imports_for_api, label_of
from dangjian.members.importing import services as importing
from dangjian.members.models import ImportBatch
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.orgs.api import OrganizationBriefSerializer, OrganizationChoiceFilter
from dangjian.orgs.models import Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportBatchFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ImportBatch.Status.choices, label="状态")
    organization = OrganizationChoiceFilter(label="导入范围", help_text="导入到该党组织的批次。")

    class Meta:
        model = ImportBatch
        fields = ["status", "organization"]


class JobProgressSerializer(serializers.ModelSerializer):
    # Plain strings, not enums: several models name their choices `status` (decision API-5).
    status = serializers.CharField(read_only=True, help_text=codes_of(Job.Status.choices))
    status_display = label_of("status")
    percent = serializers.IntegerField(read_only=True, help_text="进度百分比。")

    class Meta:
        model = Job
        fields = ["id", "status", "status_display", "total", "done", "percent", "message"]


class ImportBatchSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text=codes_of(ImportBatch.Status.choices))
    status_display = label_of("status")
    job = JobProgressSerializer(read_only=True, allow_null=True, help_text="后台任务的进度。")
    created_by = serializers.SerializerMethodField(help_text="上传人。")

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "organization",
            "file_name",
            "status",
            "status_display",
            "total_rows",
            "valid_rows",
            "rejected_rows",
            "created_count",
            "updated_count",
            "message",
            "job",
            "created_by",
            "created_at",
            "imported_at",
            "undone_at",
        ]
        read_only_fields = fields

    def get_created_by(self, batch) -> str:
        return str(batch.created_by) if batch.created_by_id else ""


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel 行号。")
    column = serializers.CharField(help_text="列名。")
    message = serializers.CharField(help_text="中文原因。")


class ImportBatchDetailSerializer(ImportBatchSerializer):
    errors = ImportProblemSerializer(many=True, read_only=True, help_text="预检发现的全部问题。")

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "errors"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization,
        permission=MANAGE_MEMBER,
        help_text="导入范围：表中各行的党组织须在该党组织之下（须在调用者可维护的范围内）。",
    )
    file = serializers.FileField(help_text="党员名册（.xlsx，按导入模板填写）。")


XLSX_RESPONSE = {(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="Excel 文件。")}


@extend_schema_view(
    list=extend_schema(
        summary="党员信息导入批次",
        description="调用者范围内的导入批次，新的在前；含后台任务进度。",
        responses=ImportBatchSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="导入批次详情",
        description="含预检发现的全部问题（行号、列名、中文原因）。",
        responses=ImportBatchDetailSerializer,
    ),
    create=extend_schema(
        summary="上传党员名册",
        description=(
            "multipart/form-data：organization（导入范围）和 file（.xlsx）。"
            "上传后在后台逐行预检，不写入任何数据；用 GET 查看进度和问题，"
            "再用 confirm 确认导入。"
        ),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchDetailSerializer},
    ),
)
@extend_schema(tags=["党员信息导入"])
class ImportBatchViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = ImportBatch
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilter
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, user):
        return imports_for_api(user)

    def get_serializer_class(self):
        return ImportBatchSerializer if self.action == "list" else ImportBatchDetailSerializer

    def create(self, request):
        self.require_permission(MANAGE_MEMBER)
        data = self.parse(ImportUploadSerializer)
        batch = importing.batch_upload(
            actor=request.user, organization=data["organization"], upload=data["file"]
        )
        return self.answer(batch, status.HTTP_201_CREATED)

    def answer(self, batch, code=status.HTTP_200_OK):
        fresh = ImportBatch.objects.select_related("organization", "job", "created_by")
        return Response(ImportBatchDetailSerializer(fresh.get(pk=batch.pk)).data, status=code)

    def act(self, service):
        batch = self.get_object_for(MANAGE_MEMBER)
        return self.answer(service(actor=self.request.user, batch=batch))

    @extend_schema(
        summary="确认导入",
        description="把预检通过的行在后台一次写入；问题行不导入。只能确认“待确认”的批次。",
        request=None,
        responses=ImportBatchDetailSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request, pk=None):
        return self.act(importing.batch_confirm)

    @extend_schema(
        summary="撤销导入",
        description="把本批新增的人员删除、更新的人员恢复原值（整批撤销）。",
        request=None,
        responses=ImportBatchDetailSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def undo(self, request, pk=None):
        return self.act(importing.batch_undo)

    @extend_schema(
        summary="放弃导入",
        description="放弃尚未确认的批次，不写入任何数据。",
        request=None,
        responses=ImportBatchDetailSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def discard(self, request, pk=None):
        return self.act(importing.batch_discard)

    @extend_schema(
        summary="下载问题行",
        description=(
            "预检未通过的行（按上传时的原样）加一列问题说明的 Excel，改正后可重新上传；"
            "含个人信息，每次下载记入审计日志。没有问题行时答 400。"
        ),
        responses={
            **XLSX_RESPONSE,
            400: OpenApiResponse(ErrorSerializer, description="本批次没有问题行可以下载。"),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def rejected(self, request, pk=None):
        batch = self.get_object_for(MANAGE_MEMBER)
        content = importing.batch_rejected_export(actor=request.user, batch=batch)
        return xlsx_response(content, f"问题行-{batch.file_name}")

    @extend_schema(
        summary="下载导入模板",
        description="党员名册的 Excel 模板（中文列名和填写说明）。须有维护党员信息的权限。",
        responses=XLSX_RESPONSE,
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def template(self, request):
        self.require_permission(MANAGE_MEMBER)
        return xlsx_response(importing.template_workbook(), "党员信息导入模板.xlsx")


def xlsx_response(content: bytes, file_name: str) -> HttpResponse:
    from urllib.parse import quote

    if not file_name.lower().endswith(".xlsx"):
        file_name += ".xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response
