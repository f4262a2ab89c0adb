"""民主评议党员 (domain §3.3): the annual round of a branch, its participants, the anonymous peer
tallies and the result kept on each member's record.

Anonymity of the peer ratings is a property of the schema, not of the views: who has rated is a
flag on the rater's `Participant` row, what was rated lives only in `RatingTally` counters
(round, ratee, grade, count) that have no rater, no timestamp and a random primary key. A
submission adds one to a counter per person rated, so no row ever holds one rater's choices and
nothing can be joined back to the rater — not through the pages, the API, the exports, the
audit log, nor by reading the tables.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedQuerySet


def _own_person(lookup: str, user) -> Q | None:
    person_id = getattr(user, "person_id", None)
    return Q(**{lookup: person_id}) if person_id else None


class Phase(models.TextChoices):
    SELF = "self", _("个人自评")
    PEER = "peer", _("党员互评")
    PROPOSE = "propose", _("拟定等次")
    CONFIRM = "confirm", _("确定等次")
    CLOSED = "closed", _("已结束")


PHASE_ORDER = [Phase.SELF, Phase.PEER, Phase.PROPOSE, Phase.CONFIRM, Phase.CLOSED]


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class ResultGrade(models.TextChoices):
    """A stored result: one of the four grades, or a 预备党员 who took part without a grade."""

    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")
    NOT_GRADED = "not_graded", _("不参加评定等次")


class PeerScope(models.TextChoices):
    GROUP = "group", _("在党小组内互评（未编入党小组的在全支部互评）")
    BRANCH = "branch", _("全支部互评")


class MeetingKind(models.TextChoices):
    COMMITTEE = "committee", _("支部委员会会议")
    ASSEMBLY = "assembly", _("支部党员大会")


class Round(models.Model):
    """One branch's 民主评议党员 of one year (domain §3.2: once a year).

    The counters (`participant_count`, `self_count`, `rated_count`) are summary columns updated
    with F() by the services, so list pages show progress without counting rows.
    """

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="appraisal_rounds",
        verbose_name=_("党支部"),
    )
    year = models.PositiveIntegerField(_("评议年度"))
    phase = models.CharField(_("阶段"), max_length=10, choices=Phase.choices, default=Phase.SELF)
    peer_scope = models.CharField(
        _("互评范围"), max_length=10, choices=PeerScope.choices, default=PeerScope.GROUP
    )
    self_ends_on = models.DateField(_("自评截止日期"))
    peer_ends_on = models.DateField(_("互评截止日期"))
    propose_ends_on = models.DateField(_("拟定等次截止日期"))
    final_ends_on = models.DateField(_("确定等次截止日期"))
    meeting_kind = models.CharField(
        _("确定等次的会议"), max_length=10, choices=MeetingKind.choices, blank=True
    )
    meeting_date = models.DateField(_("会议日期"), null=True, blank=True)
    participant_count = models.PositiveIntegerField(_("参加人数"), default=0)
    graded_count = models.PositiveIntegerField(_("评定等次人数"), default=0)
    self_count = models.PositiveIntegerField(_("已自评人数"), default=0)
    rated_count = models.PositiveIntegerField(_("已互评人数"), default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="appraisal_round_one_per_branch_year"
            )
        ]
        indexes = [models.Index(fields=["year", "phase"])]

    def __str__(self):
        return f"{self.organization.display_name} {self.year}年度民主评议党员"

    @property
    def phase_index(self) -> int:
        return PHASE_ORDER.index(self.phase)


class Participant(models.Model):
    """A member taking part in a round, snapshotted when the round opens: the 党小组 and the
    category (正式/预备) of that day decide whom they rate and whether they are graded.

    `has_rated` is the only trace of the peer rating on this row: it says that the member has
    rated, never what (the choices went into `RatingTally` counters)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="appraisal_participations"
    )
    name = models.CharField(_("姓名"), max_length=50)
    party_group = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("党小组"),
    )
    category = models.CharField(_("党员类别"), max_length=15)
    is_graded = models.BooleanField(_("评定等次"), default=True)
    self_assessment = models.TextField(_("个人自评"), blank=True)
    self_assessed_at = models.DateTimeField(null=True, blank=True)
    has_rated = models.BooleanField(_("已完成互评"), default=False)
    proposed_grade = models.CharField(
        _("拟定等次"), max_length=12, choices=Grade.choices, blank=True
    )
    final_grade = models.CharField(_("确定等次"), max_length=12, choices=Grade.choices, blank=True)
    reason = models.CharField(_("评定说明"), max_length=300, blank=True)

    scope_path = "round__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("参评党员")
        verbose_name_plural = _("参评党员")
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="appraisal_participant_once")
        ]

    def __str__(self):
        return self.name


class RatingTally(models.Model):
    """How many peers gave `ratee` the `grade` in a round. No rater, no time, a random key:
    see the module docstring. Rows are created with the round (four per graded participant)
    and only ever incremented."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tallies")
    ratee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="tallies")
    grade = models.CharField(max_length=12, choices=Grade.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("互评计票")
        verbose_name_plural = _("互评计票")
        constraints = [
            models.UniqueConstraint(fields=["ratee", "grade"], name="appraisal_tally_once")
        ]

    def __str__(self):
        return f"{self.get_grade_display()} {self.count}"


class Result(models.Model):
    """The final 民主评议 result of a member for a year, kept on the member's record (the
    "民主评议" tab) after the round's branch decision."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="appraisal_results"
    )
    year = models.PositiveIntegerField(_("评议年度"))
    grade = models.CharField(_("等次"), max_length=12, choices=ResultGrade.choices)
    reason = models.CharField(_("评定说明"), max_length=300, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党支部")
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    meeting_kind = models.CharField(_("确定等次的会议"), max_length=10, choices=MeetingKind.choices)
    decided_on = models.DateField(_("确定日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "organization__path"
    scope_owner = staticmethod(lambda user: _own_person("member__person_id", user))
    scope_owner_permissions = frozenset({"appraisals.view_appraisal"})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("民主评议结果")
        verbose_name_plural = _("民主评议结果")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="appraisal_result_one_a_year")
        ]

    def __str__(self):
        return f"{self.year} {self.get_grade_display()}"
