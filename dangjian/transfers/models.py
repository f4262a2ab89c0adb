"""组织关系转接 (domain §4): one `Transfer` row per transfer, its numbered letters, and the
per-committee yearly counter that numbers them.

A transfer has a sending side (`sender`, the branch the member leaves) and a receiving side
(`receiver`, the organisation it is addressed to). Either side is empty when it lies outside the
platform's tree: an outgoing transfer to another system names its destination in
`destination_name`, an incoming one from outside names its origin in `origin_name`. A transfer
inside the tree has both, and both sides see it: the sender in its outgoing list, the receiver
in its incoming list (`TransferQuerySet.visible_to`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedQuerySet, scope_condition, scope_of


class Direction(models.TextChoices):
    OUT = "out", _("转出")
    IN = "in", _("转入")


class State(models.TextChoices):
    # Outgoing (and in-tree) transfers.
    REQUESTED = "requested", _("已申请")
    BRANCH_APPROVED = "branch_approved", _("支部已同意")
    LETTER_ISSUED = "letter_issued", _("已开具介绍信")
    EXPIRED = "expired", _("介绍信已过期")
    LOST = "lost", _("介绍信遗失")
    REISSUED = "reissued", _("已补开介绍信")
    RECEIVED_BY_TARGET = "received_by_target", _("接收方已接收")
    RECEIPT_BACK = "receipt_back", _("回执已收回")
    CLOSED = "closed", _("已办结")
    # Incoming transfers from outside the platform.
    REGISTERED = "registered", _("已登记")
    VERIFIED = "verified", _("已核验")
    ACCEPTED = "accepted", _("已同意接收")
    ASSIGNED = "assigned", _("已编入支部")
    RECEIPT_SENT = "receipt_sent", _("回执已寄出")
    # Either direction.
    CANCELLED = "cancelled", _("已撤销")


# States in which a valid letter is out with the member.
LETTER_OUT = (State.LETTER_ISSUED, State.REISSUED)
FINISHED_STATES = (State.CLOSED, State.RECEIPT_SENT, State.CANCELLED)
OPEN_STATES = tuple(state for state in State.values if state not in FINISHED_STATES)


class VerifyMethod(models.TextChoices):
    LETTER = "letter", _("纸质介绍信")
    ONLINE = "online", _("全国党员管理信息系统")


class TransferQuerySet(ScopedQuerySet):
    def visible_to(self, user, permission: str):
        """Both sides see a transfer: the sender's subtree and the receiver's subtree."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        prefixes = scope_of(user).paths_for(permission)
        if not prefixes:
            return self.none()
        return self.filter(
            scope_condition("sender__path", prefixes) | scope_condition("receiver__path", prefixes)
        )

    def outgoing_for(self, user, permission: str):
        prefixes = scope_of(user).paths_for(permission)
        condition = scope_condition("sender__path", prefixes)
        return self.filter(condition) if condition is not None else self.none()

    def incoming_for(self, user, permission: str):
        prefixes = scope_of(user).paths_for(permission)
        condition = scope_condition("receiver__path", prefixes)
        return self.filter(condition) if condition is not None else self.none()


class Transfer(models.Model):
    """One transfer of a member's 组织关系, outgoing, incoming or inside the tree.

    Dates are the party's dates (what the paper says), not timestamps. `received_on` is the
    day the receiving side took the member in; `receipt_on` the day the 回执 came back
    (outgoing) or was sent (incoming). The member's 党籍 becomes 转出 on `received_on` for a
    transfer leaving the platform; inside the tree the Member row moves instead.
    """

    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    state = models.CharField(_("办理状态"), max_length=20, choices=State.choices)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("党员"),
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="transfers", verbose_name=_("人员")
    )
    sender = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_sent",
        verbose_name=_("转出党组织"),
    )
    issuing_committee = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_issued",
        verbose_name=_("开具介绍信的党委"),
    )
    origin_name = models.CharField(_("转出党组织（平台外）"), max_length=200, blank=True)
    receiver = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_received",
        verbose_name=_("接收党组织"),
    )
    destination_name = models.CharField(_("接收党组织（平台外）"), max_length=200, blank=True)
    assigned_branch = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("编入支部"),
    )
    category = models.CharField(_("党员类别"), max_length=15, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    reason = models.TextField(_("转接原因"), blank=True)
    in_city = models.BooleanField(_("同城转接"), default=False)
    dues_paid_through = models.DateField(_("党费缴至"), null=True, blank=True)
    requested_on = models.DateField(_("申请日期"))
    branch_approved_on = models.DateField(_("支部同意日期"), null=True, blank=True)
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    receipt_on = models.DateField(_("回执日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    verified_on = models.DateField(_("核验日期"), null=True, blank=True)
    verify_method = models.CharField(
        _("核验方式"), max_length=10, choices=VerifyMethod.choices, blank=True
    )
    archive_note = models.TextField(_("档案查核情况"), blank=True)
    origin_letter_number = models.CharField(_("来函介绍信编号"), max_length=60, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "sender__path"
    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-requested_on", "-id"]
        indexes = [
            models.Index(fields=["sender", "state"]),
            models.Index(fields=["receiver", "state"]),
            models.Index(fields=["state", "received_on"]),
        ]
        constraints = [
            # One open transfer per member at a time: a second request is refused, and two
            # concurrent ones cannot both be written.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(member__isnull=False)
                & ~Q(state__in=["closed", "receipt_sent", "cancelled"]),
                name="transfers_one_open_per_member",
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.get_direction_display()} {self.get_state_display()}"

    @property
    def within_platform(self) -> bool:
        return self.sender_id is not None and self.receiver_id is not None

    @property
    def destination_label(self) -> str:
        return self.receiver.name if self.receiver_id else self.destination_name

    @property
    def origin_label(self) -> str:
        return self.sender.name if self.sender_id else self.origin_name


class LetterCounter(models.Model):
    """The last serial number a committee used in a year; locked while a letter is numbered."""

    committee = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="transfers_counter_unique")
        ]

    def __str__(self):
        return f"{self.committee_id}/{self.year}: {self.last_serial}"


class Letter(models.Model):
    """One 《中国共产党党员组织关系介绍信》, numbered per issuing committee per year.

    A reissue voids the previous letter (it keeps its number; numbers are never reused).
    """

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="letters")
    committee = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("介绍信编号"), max_length=60)
    issued_on = models.DateField(_("开具日期"))
    validity_days = models.PositiveIntegerField(_("有效期（天）"))
    valid_until = models.DateField(_("有效期至"))
    dues_paid_through = models.DateField(_("党费缴至"), null=True, blank=True)
    voided_on = models.DateField(_("作废日期"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("介绍信")
        verbose_name_plural = _("介绍信")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "serial"], name="transfers_letter_number_unique"
            )
        ]

    def __str__(self):
        return self.number


class Event(models.Model):
    """One step of a transfer's timeline: what was done, on which date, by whom."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(_("办理状态"), max_length=20, choices=State.choices)
    happened_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("经办人"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_state_display()} {self.happened_on}"
