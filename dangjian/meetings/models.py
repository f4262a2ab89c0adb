"""组织生活 (domain §3.2, §3.4): meetings and their records, attendance and sign-in, class hours
(学时), the compliance rule table, the monthly guide from above and 换届 election records.

A meeting belongs to one organisation (a 党支部, a 党小组 for 党小组会, or a 党委/党总支) and is
scoped by that organisation's path. Its counters (应到/实到/请假/缺席, voting members expected and
present) are kept on the row by the services that change attendance, so lists and the compliance
heat-map never count attendance rows.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import StoredFile
from dangjian.core.scope import ScopedQuerySet


def _own_person(user) -> Q | None:
    """A member always sees their own attendance and 学时 (matched by a constant, no join)."""
    person_id = getattr(user, "person_id", None)
    return Q(person_id=person_id) if person_id else None


class Category(models.TextChoices):
    """What a meeting type counts as. Compliance rules and quorum work on the category, so an
    administrator's own types (e.g. "安全主题党日") count wherever their category says."""

    CONGRESS = "congress", _("支部党员大会")
    COMMITTEE = "committee", _("支部委员会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    ORG_LIFE = "org_life", _("组织生活会")
    DEMOCRATIC_LIFE = "democratic_life", _("民主生活会")
    TALK = "talk", _("谈心谈话")
    OTHER = "other", _("其他")


class Quorum(models.TextChoices):
    NONE = "none", _("不计算")
    VOTING_MEMBERS = "voting_members", _("有表决权的正式党员过半数到会")
    COMMITTEE = "committee", _("委员过半数到会")


class Attendees(models.TextChoices):
    """Who is expected by default when a meeting of the type is planned."""

    ALL_MEMBERS = "all_members", _("本组织全体党员")
    COMMITTEE = "committee", _("本组织班子成员")
    GROUP_MEMBERS = "group_members", _("本党小组党员")
    CHOSEN = "chosen", _("逐个选择")


class MeetingType(models.Model):
    """A kind of meeting. The built-in ones are created by a data migration and cannot be
    deleted; an administrator adds others (e.g. 专题学习会) and sets the 学时 each credits."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    category = models.CharField(_("归类"), max_length=20, choices=Category.choices)
    quorum = models.CharField(
        _("法定人数"), max_length=20, choices=Quorum.choices, default=Quorum.NONE
    )
    default_attendees = models.CharField(
        _("默认参加人员"), max_length=20, choices=Attendees.choices, default=Attendees.ALL_MEMBERS
    )
    class_hours = models.DecimalField(
        _("计入学时"),
        max_digits=4,
        decimal_places=1,
        default=0,
        help_text=_("每次参加计入的学时；0 表示不计学时。"),
    )
    has_lecturer = models.BooleanField(_("有授课人"), default=False)
    is_builtin = models.BooleanField(_("内置"), default=False, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("会议类型")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    """One meeting (or 谈心谈话) from plan to reviewed record."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("计划中")  # planned, notice not sent
        NOTIFIED = "notified", _("已通知")  # notice sent to the expected attendees
        HELD = "held", _("已记录")  # the record (actual time, attendance, minutes) is in
        RETURNED = "returned", _("已退回")  # returned by the upper organisation with a reason
        REVIEWED = "reviewed", _("已审核")  # locked by the upper organisation's review
        CANCELLED = "cancelled", _("已取消")

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("召开组织"),
    )
    meeting_type = models.ForeignKey(
        MeetingType, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("会议类型")
    )
    # Copied from the type on save, so compliance and lists filter without a join.
    category = models.CharField(_("归类"), max_length=20, choices=Category.choices, editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    topic = models.CharField(_("会议主题"), max_length=200)
    planned_start = models.DateTimeField(_("计划开始时间"))
    planned_end = models.DateTimeField(_("计划结束时间"))
    actual_start = models.DateTimeField(_("实际开始时间"), null=True, blank=True)
    actual_end = models.DateTimeField(_("实际结束时间"), null=True, blank=True)
    # The date the meeting counts for (actual if held, else planned): compliance groups on it.
    held_on = models.DateField(_("召开日期"), db_index=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    is_online = models.BooleanField(_("线上会议"), default=False)
    host = models.ForeignKey(
        "members.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("主持人"),
    )
    recorder = models.ForeignKey(
        "members.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人"),
    )
    lecturer = models.ForeignKey(
        "members.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("授课人"),
    )
    lecturer_name = models.CharField(
        _("授课人（外请）"),
        max_length=50,
        blank=True,
        help_text=_("授课人不是本系统中的人员时填写姓名和职务。"),
    )
    guide = models.ForeignKey(
        "meetings.Guide",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("对应组织生活指南"),
    )
    agenda = models.TextField(_("会议议程"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)  # sanitised HTML (nh3) from the editor
    resolutions = models.TextField(_("会议决议"), blank=True)
    class_hours = models.DecimalField(
        _("计入学时"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("不填按会议类型的学时规则计入。"),
    )

    # Attendance counters, kept by the attendance services.
    expected_count = models.PositiveIntegerField(_("应到"), default=0)
    present_count = models.PositiveIntegerField(_("实到"), default=0)
    leave_count = models.PositiveIntegerField(_("请假"), default=0)
    absent_count = models.PositiveIntegerField(_("缺席"), default=0)
    visitor_count = models.PositiveIntegerField(_("列席"), default=0)
    # Quorum base and count for the type's quorum rule (voting full members or committee members).
    quorum_expected = models.PositiveIntegerField(_("应到（法定人数基数）"), default=0)
    quorum_present = models.PositiveIntegerField(_("实到（法定人数）"), default=0)
    has_quorum = models.BooleanField(_("达到法定人数"), null=True, blank=True)

    # Sign-in: a 6-digit code and a QR token, valid only inside the meeting's sign-in window.
    signin_code = models.CharField(_("签到码"), max_length=6, blank=True)
    signin_token = models.CharField(max_length=43, blank=True, db_index=True)
    signin_opens_at = models.DateTimeField(_("签到开始"), null=True, blank=True)
    signin_closes_at = models.DateTimeField(_("签到截止"), null=True, blank=True)

    # Records integrity: the entry time of the record and the 补录 flag.
    recorded_at = models.DateTimeField(_("记录录入时间"), null=True, blank=True)
    is_late_entry = models.BooleanField(_("补录"), default=False)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)
    returned_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("退回人"),
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    cancelled_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活")
        ordering = ["-held_on", "-planned_start", "-id"]
        indexes = [
            # One index serves a branch's list (read backwards for newest first) and, covering
            # the compliance count (organisation, date, category, status), the heat-map of a
            # whole group without reading the meeting rows.
            models.Index(
                fields=["organization", "held_on", "category", "status"],
                name="meetings_org_held_cover",
            ),
            models.Index(fields=["status", "held_on"], name="meetings_status_held"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="meetings_planned_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.topic}"

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.REVIEWED, self.Status.CANCELLED)

    @staticmethod
    def new_signin_code() -> str:
        return f"{secrets.randbelow(1_000_000):06d}"

    @staticmethod
    def new_signin_token() -> str:
        return secrets.token_urlsafe(32)


class Attendance(models.Model):
    """One expected attendee (a member of the organisation) or a visitor (列席)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未签到")
        PRESENT = "present", _("出席")
        LEAVE = "leave", _("请假")
        ABSENT = "absent", _("缺席")

    class Method(models.TextChoices):
        CODE = "code", _("签到码")
        QR = "qr", _("扫码")
        MANUAL = "manual", _("书记登记")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(
        "members.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
        verbose_name=_("人员"),
    )
    visitor_name = models.CharField(_("列席人员"), max_length=50, blank=True)
    visitor_title = models.CharField(_("单位职务"), max_length=100, blank=True)
    is_visitor = models.BooleanField(_("列席"), default=False)
    # Snapshots taken when the attendee list is drawn, for the quorum of that day.
    is_voting = models.BooleanField(_("有表决权"), default=False)
    is_committee_member = models.BooleanField(_("班子成员"), default=False)
    status = models.CharField(
        _("出勤"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    leave_reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    method = models.CharField(_("签到方式"), max_length=10, choices=Method.choices, blank=True)

    scope_path = "meeting__organization__path"
    scope_owner = staticmethod(_own_person)
    scope_owner_permissions = {"meetings.view_meeting"}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("出勤")
        ordering = ["is_visitor", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="meetings_one_attendance_per_person",
            ),
        ]
        indexes = [models.Index(fields=["person", "meeting"], name="meetings_att_person")]

    def __str__(self):
        return f"{self.meeting_id} {self.person_id or self.visitor_name}"


class MeetingFile(StoredFile):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("会议照片")
        FILE = "file", _("会议材料")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.FILE)

    class Meta(StoredFile.Meta):
        verbose_name = _("会议附件")


class ClassHourCredit(models.Model):
    """学时 credited to a person. Meetings write one row per present attendee; later sources
    (online learning, training classes) add their own rows with their own `source`, so a
    member's yearly total is one SUM over this table."""

    class Source(models.TextChoices):
        MEETING = "meeting", _("组织生活")
        LEARNING = "learning", _("在线学习")
        TRAINING = "training", _("集中培训")
        MANUAL = "manual", _("手工登记")

    person = models.ForeignKey(
        "members.Person", on_delete=models.CASCADE, related_name="class_hour_credits"
    )
    # The person's organisation when credited (branch totals group on it without a join).
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+"
    )
    on_date = models.DateField(_("日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="credits"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "organization__path"
    scope_owner = staticmethod(_own_person)
    scope_owner_permissions = {"meetings.view_meeting", "meetings.view_compliance"}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("学时")
        ordering = ["-on_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(meeting__isnull=False),
                name="meetings_one_credit_per_meeting",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "year"], name="meetings_credit_person_year"),
            models.Index(fields=["year", "organization"], name="meetings_credit_year_org"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.on_date} {self.hours}"


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    HALF_YEAR = "half_year", _("每半年")
    YEAR = "year", _("每年")


class ComplianceProfile(models.Model):
    """A named rule set for organisations that keep their own rules (e.g. 离退休党支部). An
    organisation with no profile follows the default rules (those with no profile)."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    organizations = models.ManyToManyField(
        "orgs.Organization",
        blank=True,
        related_name="compliance_profiles",
        verbose_name=_("适用的党组织"),
    )

    class Meta:
        verbose_name = _("落实要求方案")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ComplianceRule(models.Model):
    """One row of the rule table: "organisations of these types hold at least `min_count`
    meetings of `category` per `period`" (domain §3.2), with its source and exemptions."""

    profile = models.ForeignKey(
        ComplianceProfile,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        verbose_name=_("方案"),
        help_text=_("不选为默认要求。"),
    )
    category = models.CharField(_("会议归类"), max_length=20, choices=Category.choices)
    # 民主评议党员 is not a meeting: the rule then counts closed appraisal rounds.
    counts_appraisal = models.BooleanField(_("按民主评议党员计"), default=False)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField(_("最少次数"), default=1)
    org_types = models.JSONField(
        _("适用组织类型"),
        default=list,
        help_text=_("orgs.OrgType 代码列表，例如 branch、joint_branch。"),
    )
    requires_committee = models.BooleanField(
        _("仅适用设支委会的组织"),
        default=False,
        help_text=_("未设支部委员会的支部不要求（例如支委会会议）。"),
    )
    # Month of the period by which a yearly requirement is normally met (组织生活会: Q4).
    due_month = models.PositiveSmallIntegerField(_("通常完成月份"), null=True, blank=True)
    label = models.CharField(_("要求"), max_length=100)
    source = models.CharField(_("依据"), max_length=300)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("落实要求")
        ordering = ["profile_id", "sort_order", "id"]

    def __str__(self):
        return self.label


class Guide(models.Model):
    """组织生活指南: the month's topics and materials an upper organisation publishes to its
    subtree. Visible to everyone whose organisations lie in the publisher's subtree."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="meeting_guides",
        verbose_name=_("发布组织"),
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)  # sanitised HTML
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织生活指南")
        ordering = ["-month", "-id"]
        indexes = [models.Index(fields=["status", "month"], name="meetings_guide_month")]

    def __str__(self):
        return self.title


class GuideTopic(models.Model):
    """A suggested topic of a guide, with the meeting category it suits."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="topics")
    category = models.CharField(_("适用会议"), max_length=20, choices=Category.choices)
    title = models.CharField(_("主题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.title


class GuideFile(StoredFile):
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="files")

    class Meta(StoredFile.Meta):
        verbose_name = _("指南材料")


class Election(models.Model):
    """换届选举 record (domain §3.4): quorum ≥ 4/5 of those entitled, elected with more than half
    of the voters actually present."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("登记中")
        CONFIRMED = "confirmed", _("已确认")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="elections",
        verbose_name=_("党组织"),
    )
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="elections",
        verbose_name=_("选举大会"),
    )
    held_on = models.DateField(_("选举日期"))
    seats = models.PositiveSmallIntegerField(_("应选名额"))
    entitled_count = models.PositiveIntegerField(_("应到有选举权党员"))
    present_count = models.PositiveIntegerField(_("实到有选举权党员"))
    ballots_issued = models.PositiveIntegerField(_("发出选票"), default=0)
    ballots_returned = models.PositiveIntegerField(_("收回选票"), default=0)
    ballots_valid = models.PositiveIntegerField(_("有效票"), default=0)
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), default=3)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    committee = models.OneToOneField(
        "orgs.Committee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="election",
        verbose_name=_("产生的班子"),
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("换届选举")
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.organization} {self.held_on:%Y-%m-%d} 换届选举"


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("候选人")
    )
    votes = models.PositiveIntegerField(_("得票"), default=0)
    is_elected = models.BooleanField(_("当选"), default=False)
    post = models.CharField(_("分工"), max_length=20, blank=True)  # orgs.CommitteePost.Post
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("候选人")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="meetings_one_candidacy"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.votes}"
