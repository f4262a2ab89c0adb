"""`/api/v1/meetings/`: 组织生活 for the mobile client (domain §3.2).

* Meetings are read through `selectors.meetings_for` (scope: `meetings.view_meeting`); a meeting
  out of scope answers 404 exactly like a missing one. Every write calls the meeting services —
  the same ones the pages call — so their scope checks (403 for a visible meeting the caller may
  not change, the upper organisation for review), their review lock, their audit entries and
  their double-click safety hold here too. A refusal answers 400 with the service's Chinese text
  in `{"error": {"code", "message", "details"}}` (`core.api.exception_handler`).
* `sign-in` and `mine` are the caller's own: any account linked to a person may sign in to a
  meeting whose window is open and see the meetings they are expected at.
* Files are listed with a download URL of the scoped page view `meetings:file`; the API never
  serves file contents itself.

The detail lookup accepts digits only, so the fixed prefixes other modules register under
`meetings/` (compliance, class-hours …) never reach this viewset.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from dangjian.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedViewSetMixin,
    query_integer,
    query_organization,
)
from dangjian.core.scope import scope_of
from dangjian.development.serializers import choice as named_choice
from dangjian.meetings import selectors
from dangjian.meetings.models import (
    Attendance,
    Category,
    Guide,
    Meeting,
    MeetingFile,
    MeetingType,
)
from dangjian.meetings.permissions import MANAGE_MEETING, REVIEW_MEETING, VIEW_MEETING
from dangjian.meetings.services import attendance as attendance_services
from dangjian.meetings.services import planning, records
from dangjian.meetings.services.guards import page_url, parent_path
from dangjian.members.models import Person
from dangjian.orgs.api import OrganizationBriefSerializer, PersonBriefSerializer
from dangjian.orgs.models import Organization

TAGS = ["组织生活"]
SIGNIN_STATES = [("not_open", "尚未开始"), ("open", "正在签到"), ("closed", "已截止")]
UPCOMING_LIMIT = 50
TRUE_VALUES = ("1", "true", "yes")
FALSE_VALUES = ("0", "false", "no")


# ---------------------------------------------------------------- output


class MeetingTypeBriefSerializer(serializers.ModelSerializer):
    category = named_choice(Category.choices, "MeetingCategoryEnum", read_only=True)

    class Meta:
        model = MeetingType
        fields = ["id", "code", "name", "category", "class_hours", "has_lecturer"]


class MeetingSerializer(serializers.ModelSerializer):
    """One row of the list: what a secretary scans (counts, badges), no minutes."""

    organization = OrganizationBriefSerializer(read_only=True)
    meeting_type = MeetingTypeBriefSerializer(read_only=True)
    category = named_choice(Category.choices, "MeetingCategoryEnum", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status = named_choice(Meeting.Status.choices, "MeetingStatusEnum", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organization",
            "meeting_type",
            "category",
            "category_display",
            "status",
            "status_display",
            "topic",
            "held_on",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "place",
            "is_online",
            "expected_count",
            "present_count",
            "leave_count",
            "absent_count",
            "visitor_count",
            "has_quorum",
            "is_late_entry",
            "recorded_at",
        ]


class QuorumSerializer(serializers.Serializer):
    applies = serializers.BooleanField(help_text="本类会议是否计算法定人数。")
    expected = serializers.IntegerField(help_text="法定人数基数（有表决权的正式党员或委员）。")
    present = serializers.IntegerField(help_text="其中实到人数。")
    required = serializers.IntegerField(help_text="须到会的最少人数（超过半数）。")
    met = serializers.BooleanField(allow_null=True, help_text="是否达到；不计算时为 null。")
    text = serializers.CharField(help_text="中文说明，含依据。")


class SigninSerializer(serializers.Serializer):
    state = named_choice(SIGNIN_STATES, "SigninStateEnum")
    text = serializers.CharField(help_text="签到时段的中文说明。")
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    code = serializers.CharField(
        allow_null=True, help_text="6位签到码；只有可组织本次会议的人看得到，其他人为 null。"
    )
    link = serializers.CharField(
        allow_null=True,
        help_text="扫码签到的地址（二维码内容）；只有可组织本次会议的人看得到。",
    )
    qr_image = serializers.CharField(
        allow_null=True, help_text="二维码 PNG 的地址；只有可组织本次会议的人看得到。"
    )


class MeetingFileSerializer(serializers.ModelSerializer):
    kind = named_choice(MeetingFile.Kind.choices, "MeetingFileKindEnum", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.SerializerMethodField(help_text="下载地址（经过范围检查的页面）。")

    class Meta:
        model = MeetingFile
        fields = ["id", "kind", "kind_display", "title", "file_kind", "size", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), page_url("meetings:file", obj.pk))


class PermissionsSerializer(serializers.Serializer):
    manage = serializers.BooleanField(help_text="可计划、通知、记录、登记出勤、上传。")
    review = serializers.BooleanField(help_text="可审核锁定或退回（上级党组织）。")


class MeetingDetailSerializer(MeetingSerializer):
    host = PersonBriefSerializer(read_only=True, allow_null=True)
    recorder = PersonBriefSerializer(read_only=True, allow_null=True)
    lecturer = PersonBriefSerializer(read_only=True, allow_null=True)
    guide = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    quorum = serializers.SerializerMethodField()
    signin = serializers.SerializerMethodField()
    files = MeetingFileSerializer(many=True, read_only=True)
    permissions = serializers.SerializerMethodField()
    late_days = serializers.SerializerMethodField(
        help_text="会后第几天录入的记录（未录入为 null）；超过规定天数即为补录。"
    )

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "host",
            "recorder",
            "lecturer",
            "lecturer_name",
            "guide",
            "agenda",
            "minutes",
            "resolutions",
            "class_hours",
            "quorum",
            "signin",
            "files",
            "permissions",
            "late_days",
            "notified_at",
            "reviewed_at",
            "review_comment",
            "returned_reason",
            "returned_at",
            "cancelled_reason",
            "created_at",
            "updated_at",
        ]

    def _can(self, meeting) -> dict:
        cached = getattr(meeting, "_api_permissions", None)
        if cached is None:
            request = self.context.get("request")
            scope = scope_of(request.user) if request else None
            upper = parent_path(meeting.organization)
            cached = {
                "manage": bool(scope and scope.covers(MANAGE_MEETING, meeting.organization.path)),
                "review": bool(scope and upper and scope.covers(REVIEW_MEETING, upper)),
            }
            meeting._api_permissions = cached
        return cached

    def get_late_days(self, meeting) -> int | None:
        return records.late_days(meeting)

    @extend_schema_field(PermissionsSerializer)
    def get_permissions(self, meeting) -> dict:
        return self._can(meeting)

    @extend_schema_field(QuorumSerializer)
    def get_quorum(self, meeting) -> dict:
        return attendance_services.quorum_of(meeting)._asdict()

    @extend_schema_field(SigninSerializer)
    def get_signin(self, meeting) -> dict:
        request = self.context.get("request")
        manage = self._can(meeting)["manage"]
        show = manage and bool(meeting.signin_code)
        return {
            "state": attendance_services.signin_window_state(meeting),
            "text": attendance_services.signin_window_text(meeting),
            "opens_at": _iso(meeting.signin_opens_at),
            "closes_at": _iso(meeting.signin_closes_at),
            "code": meeting.signin_code if show else None,
            "link": _absolute(request, page_url("meetings:signin_qr", meeting.signin_token))
            if show and meeting.signin_token
            else None,
            "qr_image": _absolute(request, page_url("meetings:qr", meeting.pk)) if show else None,
        }


class AttendanceSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True, allow_null=True)
    status = named_choice(Attendance.Status.choices, "AttendanceStatusEnum", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    method = named_choice(
        [("", "未签到"), *Attendance.Method.choices], "AttendanceMethodEnum", read_only=True
    )
    method_display = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "person",
            "is_visitor",
            "visitor_name",
            "visitor_title",
            "is_voting",
            "is_committee_member",
            "status",
            "status_display",
            "leave_reason",
            "signed_in_at",
            "method",
            "method_display",
        ]


class MeetingBriefSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    meeting_type = MeetingTypeBriefSerializer(read_only=True)
    status = named_choice(Meeting.Status.choices, "MeetingStatusEnum", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organization",
            "meeting_type",
            "status",
            "status_display",
            "topic",
            "held_on",
            "planned_start",
            "planned_end",
            "place",
            "is_online",
        ]


class SignedInSerializer(serializers.Serializer):
    already = serializers.BooleanField(help_text="此前已经签到（重复签到不改签到时间）。")
    message = serializers.CharField()
    attendance = AttendanceSerializer()
    meeting = MeetingBriefSerializer()


class UpcomingSerializer(MeetingBriefSerializer):
    my_status = named_choice(
        Attendance.Status.choices,
        "AttendanceStatusEnum",
        read_only=True,
        allow_null=True,
        help_text="我的出勤：pending 未签到、present 出席、leave 请假、absent 缺席。",
    )
    signin_state = serializers.SerializerMethodField()
    signin_text = serializers.SerializerMethodField()

    class Meta(MeetingBriefSerializer.Meta):
        fields = [
            *MeetingBriefSerializer.Meta.fields,
            "agenda",
            "my_status",
            "signin_state",
            "signin_text",
        ]

    def get_signin_state(self, meeting) -> str:
        return attendance_services.signin_window_state(meeting, self.context.get("now"))

    def get_signin_text(self, meeting) -> str:
        return attendance_services.signin_window_text(meeting, self.context.get("now"))


class HistorySerializer(serializers.ModelSerializer):
    meeting = MeetingBriefSerializer(read_only=True)
    status = named_choice(Attendance.Status.choices, "AttendanceStatusEnum", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    class_hours = serializers.DecimalField(
        source="credited_hours",
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        read_only=True,
        help_text="本次计入的学时（未计入为 null）。",
    )

    class Meta:
        model = Attendance
        fields = [
            "id",
            "meeting",
            "status",
            "status_display",
            "leave_reason",
            "signed_in_at",
            "class_hours",
        ]


class HistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = HistorySerializer(many=True)


class MineSerializer(serializers.Serializer):
    upcoming = UpcomingSerializer(many=True, help_text="已通知、签到未截止的会议，按开始时间。")
    history = HistoryPageSerializer(help_text="我的参会记录（分页：?page=）。")


class NotifiedSerializer(serializers.Serializer):
    notified = serializers.IntegerField(help_text="本次发出通知的人数（重复通知为 0）。")
    meeting = MeetingDetailSerializer()


# ---------------------------------------------------------------- input


class PlanObjectField(serializers.PrimaryKeyRelatedField):
    """A person or guide by id. Whether it fits the meeting (a person of the organisation's line
    or the caller's scope — an upper organisation's secretary may give a 党课 —, a guide
    published above the organisation) is the planning service's check."""

    default_error_messages = {
        "does_not_exist": "编号为 {pk_value} 的对象不存在。",
        "incorrect_type": "请填写对象的编号（整数），而不是 {data_type}。",
    }


def _person_field(**kwargs):
    return PlanObjectField(queryset=Person.objects.all(), required=False, allow_null=True, **kwargs)


class ActiveMeetingTypeField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "编号为 {pk_value} 的会议类型不存在或已停用。",
        "incorrect_type": "请填写会议类型的编号（整数），而不是 {data_type}。",
    }


class PlanFields(serializers.Serializer):
    """The plan's fields (create and partial update share them)."""

    meeting_type = ActiveMeetingTypeField(queryset=MeetingType.objects.filter(is_active=True))
    topic = serializers.CharField(max_length=200)
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_online = serializers.BooleanField(required=False)
    host = _person_field(help_text="主持人（人员编号）。")
    recorder = _person_field(help_text="记录人（人员编号）。")
    lecturer = _person_field(help_text="授课人（人员编号，党课）。")
    lecturer_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    agenda = serializers.CharField(required=False, allow_blank=True)
    guide = PlanObjectField(
        queryset=Guide.objects.select_related("organization"),
        required=False,
        allow_null=True,
        help_text="对应的组织生活指南（上级发布）。",
    )
    attendee_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_null=True,
        max_length=2000,
        help_text="应参会人员编号；不填按会议类型的默认参加人员生成。",
    )


class PlanInputSerializer(PlanFields):
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization, permission=MANAGE_MEETING, help_text="召开会议的党组织编号。"
    )


class UpdateInputSerializer(PlanFields):
    """Only the fields sent are changed; the organisation of a meeting never changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class RecordNewInputSerializer(PlanFields):
    """补录 of a meeting never planned in the system: the plan's fields at the actual time,
    who was present, and the record."""

    planned_start = None
    planned_end = None
    organization = ScopedPrimaryKeyRelatedField(
        model=Organization, permission=MANAGE_MEETING, help_text="召开会议的党组织编号。"
    )
    actual_start = serializers.DateTimeField()
    actual_end = serializers.DateTimeField()
    minutes = serializers.CharField(help_text="会议记录（HTML，保存前清理）。")
    resolutions = serializers.CharField(required=False, allow_blank=True)
    class_hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="计入学时；不填按会议类型。",
    )
    present_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=2000,
        help_text="出席人员编号（须在应参会人员中）；其余人员记为缺席。",
    )


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="原因（中文，至少 5 个字）。")


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="审核意见（可不填）。"
    )


class RecordInputSerializer(serializers.Serializer):
    actual_start = serializers.DateTimeField()
    actual_end = serializers.DateTimeField()
    minutes = serializers.CharField(help_text="会议记录（HTML，保存前清理）。")
    resolutions = serializers.CharField(required=False, allow_blank=True)
    agenda = serializers.CharField(required=False, allow_blank=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    class_hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="计入学时；不填按会议类型。",
    )


class MarkSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, help_text="出勤记录编号。")
    status = named_choice(
        Attendance.Status.choices,
        "AttendanceStatusEnum",
        help_text="present 出席、leave 请假（须填事由）、absent 缺席；录入记录前可改回 pending。",
    )
    leave_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MarksInputSerializer(serializers.Serializer):
    marks = MarkSerializer(many=True, allow_empty=False, max_length=2000)

    def validate_marks(self, marks):
        ids = [mark["id"] for mark in marks]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("同一出勤记录只能登记一次。")
        return marks


class VisitorInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text="列席人员姓名。")
    title = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="单位职务。"
    )


class SignInInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="6位签到码。"
    )
    token = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="二维码中的签到令牌。"
    )

    def validate(self, attrs):
        code, token = attrs.get("code", "").strip(), attrs.get("token", "").strip()
        if not code and not token:
            raise serializers.ValidationError("请填写6位签到码，或扫描会议现场的二维码。")
        return {"code": code or None, "token": token or None}


class FileInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="照片：JPG/PNG ≤ 10 MB；材料：PDF/Word/Excel/图片 ≤ 20 MB。"
    )
    kind = named_choice(
        MeetingFile.Kind.choices, "MeetingFileKindEnum", default=MeetingFile.Kind.FILE
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


# ---------------------------------------------------------------- helpers


def _iso(moment):
    return serializers.DateTimeField().to_representation(moment) if moment else None


def _absolute(request, url: str):
    if not url:
        return None
    return request.build_absolute_uri(url) if request is not None else url


def _flag(request, name: str) -> bool | None:
    raw = request.query_params.get(name, "").strip().lower()
    if raw == "":
        return None
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise exceptions.ValidationError({name: ["须为 true 或 false。"]})


def _choice(request, name: str, choices) -> str | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices.values:
        raise exceptions.ValidationError({name: [f"未知的取值：{raw[:50]}。"]})
    return raw


ORGANIZATION_PARAMETER = OpenApiParameter(
    "organization", OpenApiTypes.INT, description="党组织编号：该党组织及其全部下级。"
)
LIST_PARAMETERS = [
    ORGANIZATION_PARAMETER,
    OpenApiParameter("category", OpenApiTypes.STR, enum=Category.values, description="会议归类。"),
    OpenApiParameter("type", OpenApiTypes.INT, description="会议类型编号。"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Meeting.Status.values, description="状态。"),
    OpenApiParameter("year", OpenApiTypes.INT, description="召开年度。"),
    OpenApiParameter("month", OpenApiTypes.INT, description="召开月份（1-12，常与 year 同用）。"),
    OpenApiParameter("late_entry", OpenApiTypes.BOOL, description="true：只列补录的记录。"),
    OpenApiParameter("q", OpenApiTypes.STR, description="按会议主题查找。"),
]


# ---------------------------------------------------------------- the viewset


class SignInThrottle(UserRateThrottle):
    """At most 10 sign-in attempts a minute per account, so that a 6-digit code cannot be
    guessed by trying (a mistyped code or two is well inside it)."""

    scope = "meetings_signin"
    rate = "10/min"


@extend_schema_view(
    list=extend_schema(summary="组织生活列表", parameters=LIST_PARAMETERS),
    retrieve=extend_schema(
        summary="一次组织生活（计划、出勤统计、法定人数、签到、会议记录、附件）"
    ),
)
@extend_schema(tags=TAGS)
class MeetingViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Meeting
    serializer_class = MeetingSerializer
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def throttled(self, request, wait):
        if self.action == "sign_in":
            raise exceptions.Throttled(
                wait, detail="签到尝试过于频繁，请核对会议主持人公布的6位签到码后稍后再试。"
            )
        super().throttled(request, wait)

    # -- reading

    def scoped_queryset(self, user):
        if self.action == "list":
            return self._filtered(user)
        return (
            selectors.meetings_for(user)
            .select_related("organization", "meeting_type", "host", "recorder", "lecturer")
            .prefetch_related(Prefetch("files", queryset=MeetingFile.objects.order_by("id")))
        )

    def _filtered(self, user):
        request = self.request
        organization = query_organization(request, VIEW_MEETING)
        year = query_integer(request, "year", minimum=2000, maximum=2100)
        month = query_integer(request, "month", minimum=1, maximum=12)
        type_id = query_integer(request, "type", minimum=1, maximum=2**31 - 1)
        late = _flag(request, "late_entry")
        queryset = selectors.meetings_for(
            user,
            organization=organization,
            category=_choice(request, "category", Category),
            status=_choice(request, "status", Meeting.Status),
            year=year,
            q=request.query_params.get("q", "").strip()[:100],
        )
        if month is not None:
            queryset = queryset.filter(held_on__month=month)
        if type_id is not None:
            queryset = queryset.filter(meeting_type_id=type_id)
        if late is not None:
            queryset = queryset.filter(is_late_entry=late)
        return queryset.select_related("organization", "meeting_type")

    def get_serializer_class(self):
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def answer(self, meeting, code=status.HTTP_200_OK) -> Response:
        """The meeting as it is now, re-read the way `retrieve` reads it."""
        fresh = self.scoped_queryset(self.request.user).filter(pk=meeting.pk).first()
        if fresh is None:  # e.g. planned for an organisation the caller does not see
            fresh = meeting
        serializer = MeetingDetailSerializer(fresh, context=self.get_serializer_context())
        return Response(serializer.data, status=code)

    def meeting(self) -> Meeting:
        """The URL's meeting (404 outside the caller's scope); the services check the rest."""
        return self.get_object()

    # -- planning

    @extend_schema(
        summary="计划一次组织生活（状态为计划中）",
        request=PlanInputSerializer,
        responses={201: MeetingDetailSerializer, 200: MeetingDetailSerializer},
        description="同一计划（组织、类型、主题、开始时间相同）重复提交时返回原会议（200）。",
    )
    def create(self, request):
        self.require_permission(MANAGE_MEETING)
        values = self.parse(PlanInputSerializer)
        started = timezone.now()
        meeting = planning.plan_meeting(user=request.user, **values)
        # The same plan sent twice (a double tap) is the first meeting: 200, not a new one.
        is_new = meeting.created_at >= started
        return self.answer(meeting, status.HTTP_201_CREATED if is_new else status.HTTP_200_OK)

    @extend_schema(
        summary="修改计划（只改提交的字段；attendee_ids 重新确定应参会人员）",
        request=UpdateInputSerializer,
        responses=MeetingDetailSerializer,
    )
    def partial_update(self, request, pk=None):
        meeting = self.meeting()
        values = self.parse(UpdateInputSerializer)
        attendee_ids = values.pop("attendee_ids", None)
        with transaction.atomic():  # both parts or neither
            if values:
                planning.update_meeting(meeting, user=request.user, **values)
            if attendee_ids is not None:
                planning.set_attendees(meeting, user=request.user, person_ids=attendee_ids)
        return self.answer(meeting)

    @extend_schema(
        summary="发布会议通知（计划中 → 已通知；重复调用不重复通知）",
        request=None,
        responses=NotifiedSerializer,
    )
    @action(detail=True, methods=["post"])
    def notify(self, request, pk=None):
        meeting = self.meeting()
        count = planning.notify_meeting(meeting, user=request.user)
        return Response(
            {
                "notified": count,
                "meeting": self.answer(meeting).data,
            }
        )

    @extend_schema(
        summary="取消会议", request=ReasonInputSerializer, responses=MeetingDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        meeting = self.meeting()
        values = self.parse(ReasonInputSerializer)
        planning.cancel_meeting(meeting, user=request.user, reason=values["reason"])
        return self.answer(meeting)

    # -- attendance

    @extend_schema(
        methods=["GET"], summary="出勤名单", request=None, responses=AttendanceSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="登记出勤（出席、请假须填事由、缺席）",
        request=MarksInputSerializer,
        responses=AttendanceSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        meeting = self.meeting()
        if request.method == "POST":
            values = self.parse(MarksInputSerializer)
            marks = {
                mark["id"]: (mark["status"], mark.get("leave_reason", ""))
                for mark in values["marks"]
            }
            attendance_services.mark_attendance(meeting, user=request.user, marks=marks)
        return Response(self._rows(meeting))

    def _rows(self, meeting) -> list:
        rows = Attendance.objects.filter(meeting=meeting).select_related("person")
        return AttendanceSerializer(rows.order_by("is_visitor", "id"), many=True).data

    @extend_schema(
        summary="添加列席人员",
        request=VisitorInputSerializer,
        responses={201: AttendanceSerializer},
    )
    @action(detail=True, methods=["post"])
    def visitors(self, request, pk=None):
        meeting = self.meeting()
        values = self.parse(VisitorInputSerializer)
        row = planning.add_visitor(
            meeting, user=request.user, name=values["name"], title=values.get("title", "")
        )
        return Response(AttendanceSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="重置签到码和二维码", request=None, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"], url_path="reset-code")
    def reset_code(self, request, pk=None):
        meeting = self.meeting()
        attendance_services.reset_signin_code(meeting, user=request.user)
        return self.answer(meeting)

    @extend_schema(
        summary="会议签到（本人）：6位签到码或二维码令牌，只在签到时段内有效",
        request=SignInInputSerializer,
        responses=SignedInSerializer,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="sign-in",
        url_name="sign-in",
        throttle_classes=[UserRateThrottle, SignInThrottle],
    )
    def sign_in(self, request):
        values = self.parse(SignInInputSerializer)
        started = timezone.now()
        row = attendance_services.sign_in(user=request.user, **values)
        already = row.signed_in_at is None or row.signed_in_at < started
        meeting = Meeting.objects.select_related("organization", "meeting_type").get(
            pk=row.meeting_id
        )
        row = Attendance.objects.select_related("person").get(pk=row.pk)
        message = "你已经签到过了" if already else "签到成功"
        return Response(
            {
                "already": already,
                "message": f"{message}：{meeting.topic}",
                "attendance": AttendanceSerializer(row).data,
                "meeting": MeetingBriefSerializer(meeting).data,
            }
        )

    @extend_schema(
        summary="我的会议：待参加的会议和我的参会记录",
        parameters=[OpenApiParameter("page", OpenApiTypes.INT, description="参会记录的页码。")],
        responses=MineSerializer,
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        person_id = getattr(request.user, "person_id", None)
        now = timezone.now()
        if not person_id:
            upcoming, history = Meeting.objects.none(), Attendance.objects.none()
        else:
            person = Person.objects.get(pk=person_id)
            mine = Attendance.objects.filter(meeting=OuterRef("pk"), person_id=person_id)
            upcoming = (
                selectors.upcoming_for_person(person, now=now)
                .select_related("organization", "meeting_type")
                .annotate(my_status=Subquery(mine.values("status")[:1]))[:UPCOMING_LIMIT]
            )
            history = selectors.history_for_person(person)
        page = self.paginate_queryset(history)
        context = {**self.get_serializer_context(), "now": now}
        history_page = self.get_paginated_response(
            HistorySerializer(page, many=True, context=context).data
        ).data
        return Response(
            {
                "upcoming": UpcomingSerializer(upcoming, many=True, context=context).data,
                "history": history_page,
            }
        )

    # -- the record and its review

    @extend_schema(
        summary="补录：直接录入一次未在系统中计划的会议（计划、出勤和会议记录一次完成）",
        request=RecordNewInputSerializer,
        responses={201: MeetingDetailSerializer, 200: MeetingDetailSerializer},
        description="同一次补录重复提交时返回原会议（200）。",
    )
    @action(detail=False, methods=["post"], url_path="record-new", url_name="record-new")
    def record_new(self, request):
        self.require_permission(MANAGE_MEETING)
        values = self.parse(RecordNewInputSerializer)
        started = timezone.now()
        meeting = records.record_new_meeting(user=request.user, **values)
        is_new = meeting.created_at >= started
        return self.answer(meeting, status.HTTP_201_CREATED if is_new else status.HTTP_200_OK)

    @extend_schema(
        summary="录入会议记录（实际时间、会议记录、决议；迟于规定天数录入标记补录）",
        request=RecordInputSerializer,
        responses=MeetingDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        meeting = self.meeting()
        values = self.parse(RecordInputSerializer)
        records.record_meeting(meeting, user=request.user, **values)
        return self.answer(meeting)

    @extend_schema(
        summary="审核锁定（上级党组织）",
        request=CommentInputSerializer,
        responses=MeetingDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        meeting = self.meeting()
        values = self.parse(CommentInputSerializer)
        records.review_meeting(meeting, user=request.user, comment=values.get("comment", ""))
        return self.answer(meeting)

    @extend_schema(
        summary="退回会议记录（上级党组织，须写明原因）",
        request=ReasonInputSerializer,
        responses=MeetingDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_record(self, request, pk=None):
        meeting = self.meeting()
        values = self.parse(ReasonInputSerializer)
        records.return_meeting(meeting, user=request.user, reason=values["reason"])
        return self.answer(meeting)

    @extend_schema(
        summary="修改后重新提交退回的记录", request=None, responses=MeetingDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        meeting = self.meeting()
        records.resubmit(meeting, user=request.user)
        return self.answer(meeting)

    # -- files

    @extend_schema(
        methods=["GET"],
        summary="会议照片和材料",
        request=None,
        responses=MeetingFileSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="上传会议照片或材料（multipart/form-data：file、kind、title）",
        request={"multipart/form-data": FileInputSerializer},
        responses={201: MeetingFileSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def files(self, request, pk=None):
        meeting = self.meeting()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = MeetingFile.objects.filter(meeting=meeting).order_by("id")
            return Response(MeetingFileSerializer(rows, many=True, context=context).data)
        values = self.parse(FileInputSerializer)
        stored = records.add_file(
            meeting,
            user=request.user,
            upload=values["file"],
            kind=values["kind"],
            title=values.get("title", ""),
        )
        return Response(
            MeetingFileSerializer(stored, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="删除一个会议照片或材料", request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"files/(?P<file_pk>\d+)",
        url_name="file-delete",
    )
    def delete_file(self, request, pk=None, file_pk=None):
        meeting = self.meeting()
        stored = MeetingFile.objects.filter(meeting=meeting, pk=file_pk).first()
        if stored is None:
            raise exceptions.NotFound()
        records.delete_file(stored, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


routes = [("meetings", MeetingViewSet, "meeting")]
