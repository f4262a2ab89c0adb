"""Serializers of `/api/v1/work-tasks/` (tasks the caller assigned, and the caller's
assignments). Files are listed with the download URL of the scoped page view `office:file`."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.development.serializers import choice
from dangjian.office.models import TaskAssignment, TaskFile, WorkTask
from dangjian.orgs.api import OrganizationBriefSerializer


class TaskFileSerializer(serializers.ModelSerializer):
    purpose = choice(TaskFile.Purpose.choices, "OfficeFilePurposeEnum", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = TaskFile
        fields = ["id", "title", "purpose", "file_kind", "size", "uploaded_at", "url"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, obj) -> str:
        return reverse("office:file", args=[obj.pk])


class WorkTaskSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    status = choice(WorkTask.Status.choices, "WorkTaskStatusEnum", read_only=True)
    pending_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = WorkTask
        fields = [
            "id",
            "title",
            "organization",
            "status",
            "deadline",
            "requires_files",
            "requires_form",
            "target_note",
            "opened_at",
            "closed_at",
            "assignee_count",
            "pending_count",
            "submitted_count",
            "accepted_count",
            "returned_count",
        ]


class WorkTaskDetailSerializer(WorkTaskSerializer):
    files = serializers.SerializerMethodField()

    class Meta(WorkTaskSerializer.Meta):
        fields = [*WorkTaskSerializer.Meta.fields, "description", "files"]

    @extend_schema_field(TaskFileSerializer(many=True))
    def get_files(self, obj):
        rows = obj.files.filter(assignment=None).order_by("purpose", "id")
        return TaskFileSerializer(rows, many=True).data


class AssignmentRowSerializer(serializers.ModelSerializer):
    """One assignee in the assigner's table."""

    organization = OrganizationBriefSerializer(read_only=True)
    status = choice(TaskAssignment.Status.choices, "TaskAssignmentStatusEnum", read_only=True)

    class Meta:
        model = TaskAssignment
        fields = [
            "id",
            "organization",
            "status",
            "submitted_at",
            "submit_count",
            "review_note",
            "reviewed_at",
            "chase_count",
            "last_chased_at",
        ]


class TaskBriefSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    status = choice(WorkTask.Status.choices, "WorkTaskStatusEnum", read_only=True)

    class Meta:
        model = WorkTask
        fields = [
            "id",
            "title",
            "organization",
            "status",
            "deadline",
            "requires_files",
            "requires_form",
        ]


class MyAssignmentSerializer(AssignmentRowSerializer):
    task = TaskBriefSerializer(read_only=True)

    class Meta(AssignmentRowSerializer.Meta):
        fields = [*AssignmentRowSerializer.Meta.fields, "task"]


class MyAssignmentDetailSerializer(MyAssignmentSerializer):
    report = serializers.CharField(read_only=True)
    task_description = serializers.CharField(source="task.description", read_only=True)
    task_files = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta(MyAssignmentSerializer.Meta):
        fields = [
            *MyAssignmentSerializer.Meta.fields,
            "report",
            "task_description",
            "task_files",
            "files",
        ]

    @extend_schema_field(TaskFileSerializer(many=True))
    def get_task_files(self, obj):
        rows = obj.task.files.filter(assignment=None).order_by("purpose", "id")
        return TaskFileSerializer(rows, many=True).data

    @extend_schema_field(TaskFileSerializer(many=True))
    def get_files(self, obj):
        return TaskFileSerializer(obj.files.order_by("purpose", "id"), many=True).data


class SubmitInputSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=5000, help_text="报送说明")
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="报送材料（可多个）"
    )
    form = serializers.FileField(required=False, help_text="填报表格（.xlsx，表头须与模板一致）")


class ReviewInputSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(min_value=1, help_text="承办记录编号")
    decision = serializers.ChoiceField(choices=[("accept", "通过"), ("return", "退回")])
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="审核意见；退回时必填"
    )
