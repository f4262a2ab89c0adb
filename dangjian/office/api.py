"""`/api/v1/work-tasks/…`: tasks and submissions, scoped.

* `work-tasks/` — the tasks of organisations in the caller's ASSIGN_TASK scope (any status but
  drafts are included; `?status=`), with the counters; `work-tasks/{id}/assignments/` the
  assignee table (`?status=` also takes `late`); `POST work-tasks/{id}/review/` accepts or
  returns one submission.
* `work-tasks/assignments/` — the caller's assignments (HANDLE_TASK; `?tab=todo|submitted|done`);
  `POST work-tasks/assignments/{id}/submit/` reports with files (multipart: `report`,
  `files` (repeatable), `form`).

Every write calls the same services as the pages (scope, counters, audit, notifications); a
refusal answers 400 with the service's Chinese text. Objects outside the scope answer 404.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin
from dangjian.office import selectors, services
from dangjian.office.models import TaskAssignment, WorkTask
from dangjian.office.serializers import (
    AssignmentRowSerializer,
    MyAssignmentDetailSerializer,
    MyAssignmentSerializer,
    ReviewInputSerializer,
    SubmitInputSerializer,
    WorkTaskDetailSerializer,
    WorkTaskSerializer,
)

TAGS = ["工作任务"]
TASK_STATUS = OpenApiParameter(
    "status", str, enum=["open", "draft", "closed", "all"], description="任务状态（默认 all）"
)
ASSIGNMENT_STATUS = OpenApiParameter(
    "status",
    str,
    enum=["pending", "submitted", "returned", "accepted", "late"],
    description="承办状态；late = 逾期未报",
)
MY_TAB = OpenApiParameter(
    "tab", str, enum=["todo", "submitted", "done", "all"], description="todo = 待报送（含已退回）"
)


@extend_schema_view(
    list=extend_schema(summary="我下达的工作任务", parameters=[TASK_STATUS]),
    retrieve=extend_schema(summary="一项工作任务（要求、文件、计数）"),
)
@extend_schema(tags=TAGS)
class WorkTaskViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = WorkTask
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, user):
        tab = self.request.query_params.get("status", "all") if self.action == "list" else "all"
        if tab not in selectors.TASK_TABS:
            tab = "all"
        return selectors.tasks_assigned_by(user, {"tab": tab})

    def get_serializer_class(self):
        return WorkTaskDetailSerializer if self.action == "retrieve" else WorkTaskSerializer

    @extend_schema(
        operation_id="work_tasks_assignees_list",
        summary="承办单位及其报送状态",
        parameters=[ASSIGNMENT_STATUS],
        responses=AssignmentRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def assignments(self, request, pk=None):
        task = self.get_object()
        status = request.query_params.get("status", "")
        rows = selectors.assignments_of_task(task, {"status": status})
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AssignmentRowSerializer(page, many=True).data)

    @extend_schema(
        summary="审核一份报送（通过或退回）",
        request=ReviewInputSerializer,
        responses=AssignmentRowSerializer,
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        task = self.get_object()
        data = self.parse(ReviewInputSerializer)
        item = task.assignments.select_related("organization").filter(pk=data["assignment"]).first()
        if item is None:
            raise Http404
        note = data.get("note", "")
        if data["decision"] == "accept":
            item = services.assignment_accept(actor=request.user, assignment=item, note=note)
        else:
            item = services.assignment_return(actor=request.user, assignment=item, reason=note)
        return Response(AssignmentRowSerializer(item).data)


@extend_schema_view(
    list=extend_schema(summary="我承办的工作任务", parameters=[MY_TAB]),
    retrieve=extend_schema(summary="一项承办任务（要求、模板、已报送内容）"),
)
@extend_schema(tags=TAGS)
class AssignmentViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = TaskAssignment
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, user):
        tab = self.request.query_params.get("tab", "all") if self.action == "list" else "all"
        if tab not in selectors.MY_TABS:
            tab = "all"
        return selectors.assignments_handled_by(user, tab)

    def get_serializer_class(self):
        if self.action == "list":
            return MyAssignmentSerializer
        return MyAssignmentDetailSerializer

    @extend_schema(
        summary="报送（或退回后重新报送），可带文件",
        request={"multipart/form-data": SubmitInputSerializer},
        responses=MyAssignmentDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        item = self.get_object()
        data = self.parse(SubmitInputSerializer)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        item = services.assignment_submit(
            actor=request.user,
            assignment=item,
            report=data["report"],
            files=files or data.get("files", []),
            form=data.get("form"),
        )
        fresh = self.scoped_queryset(request.user).get(pk=item.pk)
        return Response(MyAssignmentDetailSerializer(fresh).data)


routes = [
    ("work-tasks/assignments", AssignmentViewSet, "work-task-assignments"),
    ("work-tasks", WorkTaskViewSet, "work-tasks"),
]
