"""Each member's yearly base, the monthly ledger, payments and hardship reductions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedQuerySet
from dangjian.dues.models.choices import (
    UNSETTLED,
    BaseCategory,
    BaseSource,
    Channel,
    EntryStatus,
    HardshipKind,
    HardshipStatus,
)

VIEW_DUES = "dues.view_dues"


def _own_member(lookup: str):
    """A member sees their own dues rows (matched by the person id held on the user)."""

    def condition(user) -> Q | None:
        person_id = getattr(user, "person_id", None)
        return Q(**{lookup: person_id}) if person_id else None

    return staticmethod(condition)


def _money(label, **extra):
    return models.DecimalField(label, max_digits=12, decimal_places=2, **extra)


class DuesBase(models.Model):
    """A member's dues for one year, fixed at the start of the year (domain §2.2): the category,
    the after-tax base (empty for fixed-amount categories), the rate and the monthly amount
    computed from the rate table in force on 1 January."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="dues_bases"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("党费类别"), max_length=20, choices=BaseCategory.choices)
    base = _money(_("计算基数（税后，元/月）"), null=True, blank=True)
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    monthly_amount = _money(_("每月应缴（元）"))
    rate_table = models.ForeignKey(
        "dues.RateTable", on_delete=models.PROTECT, related_name="+", verbose_name=_("党费标准")
    )
    source = models.CharField(_("来源"), max_length=10, choices=BaseSource.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "member__organization__path"
    scope_owner = _own_member("member__person_id")
    scope_owner_permissions = frozenset({VIEW_DUES})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_base_member_year"),
        ]
        indexes = [models.Index(fields=["year", "member"])]

    def __str__(self):
        return f"{self.member} {self.year} {self.monthly_amount}"


class Hardship(models.Model):
    """A reduction or waiver for hardship (domain §2.1): requested by the branch
    (`dues.manage_dues`), approved by the upper committee (`dues.approve_hardship` held above
    the branch), for the months `first_month`..`last_month` (first days of months)."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="hardships")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请支部")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=HardshipKind.choices)
    monthly_amount = _money(_("减交后每月金额（元）"), default=0)
    first_month = models.DateField(_("起始月份"))
    last_month = models.DateField(_("截止月份"))
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=HardshipStatus.choices, default=HardshipStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费减免")
        verbose_name_plural = _("党费减免")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["member", "status", "first_month"])]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()} {self.first_month:%Y-%m}"


class LedgerEntry(models.Model):
    """One member-month of the ledger: what was due and what was paid.

    `month` is the first day of the month. `organization` is the branch that collects that month
    (the one holding the membership when the row was made): the ledger, the branch statement and
    the scope follow it, so a member's old months stay with the branch that collected them.
    `amount_paid` is the sum of the month's `Payment` rows, kept by the services.
    """

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="dues_entries"
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("收缴支部")
    )
    month = models.DateField(_("月份"))
    category = models.CharField(_("党费类别"), max_length=20, choices=BaseCategory.choices)
    base = _money(_("计算基数"), null=True, blank=True)
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    amount_due = _money(_("应缴金额"))
    amount_paid = _money(_("实缴金额"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.UNPAID
    )
    paid_on = models.DateField(_("缴纳日期"), null=True, blank=True)
    channel = models.CharField(_("缴纳方式"), max_length=10, choices=Channel.choices, blank=True)
    payer_name = models.CharField(_("代缴人"), max_length=50, blank=True)  # blank = self
    receipt_number = models.CharField(_("收据号"), max_length=50, blank=True)
    hardship = models.ForeignKey(
        Hardship, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    scope_owner = _own_member("member__person_id")
    scope_owner_permissions = frozenset({VIEW_DUES})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费台账")
        verbose_name_plural = _("党费台账")
        ordering = ["-month", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_entry_member_month"),
        ]
        indexes = [
            models.Index(fields=["organization", "month", "status"]),
            models.Index(fields=["member", "status", "month"]),
            # Arrears read only the unsettled rows (1–2 % of the ledger): a partial index keeps
            # the group-wide arrears list from scanning every paid month.
            models.Index(
                fields=["organization", "month"],
                condition=Q(status__in=UNSETTLED),
                name="dues_ledger_unsettled",
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m}"

    @property
    def amount_owed(self):
        return max(self.amount_due - self.amount_paid, 0)


class Payment(models.Model):
    """One payment towards a member-month (full or partial), as recorded by the branch."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="payments")
    amount = _money(_("金额"))
    paid_on = models.DateField(_("缴纳日期"))
    channel = models.CharField(_("缴纳方式"), max_length=10, choices=Channel.choices)
    payer_name = models.CharField(_("代缴人"), max_length=50, blank=True)  # blank = self
    receipt_number = models.CharField(_("收据号"), max_length=50, blank=True)
    is_catch_up = models.BooleanField(_("补交"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_path = "entry__organization__path"
    scope_owner = _own_member("entry__member__person_id")
    scope_owner_permissions = frozenset({VIEW_DUES})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("缴费记录")
        verbose_name_plural = _("缴费记录")
        ordering = ["-paid_on", "-id"]

    def __str__(self):
        return f"{self.entry} {self.amount}"


class VoluntaryPayment(models.Model):
    """A voluntary extra payment (自愿多交). A one-off ≥ the `dues.central_threshold` rule
    (1000 元) goes entirely to 中央 (`to_central`), which the remittance must show."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="voluntary_dues"
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+"
    )
    amount = _money(_("金额"))
    paid_on = models.DateField(_("缴纳日期"))
    channel = models.CharField(_("缴纳方式"), max_length=10, choices=Channel.choices)
    receipt_number = models.CharField(_("收据号"), max_length=50, blank=True)
    to_central = models.BooleanField(_("全额上缴中央"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_path = "organization__path"
    scope_owner = _own_member("member__person_id")
    scope_owner_permissions = frozenset({VIEW_DUES})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("自愿多交党费")
        verbose_name_plural = _("自愿多交党费")
        ordering = ["-paid_on", "-id"]

    def __str__(self):
        return f"{self.member} {self.amount}"
