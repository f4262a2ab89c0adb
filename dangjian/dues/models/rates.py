"""The dues rate table as data (domain §2.1): a version per effective date, with its source."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.dues.models.choices import BaseCategory, Scale


class RateTable(models.Model):
    """One version of the rate table, in force from `effective_from` until the next version.

    The 2008 table (中组发〔2008〕3号) is loaded by a data migration. A change of the rates is a
    new version, never an edit of an old one: each year's bases keep the version they used.
    """

    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"), unique=True)
    source = models.TextField(_("依据"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["-effective_from"]

    def __str__(self):
        return self.name


class RateBand(models.Model):
    """A band of a scale: bases up to `upper_bound` (inclusive; empty = no limit) pay `rate` of
    the WHOLE base (a flat rate, not a progressive bracket; the jumps are intended)."""

    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="bands")
    scale = models.CharField(_("适用收入"), max_length=10, choices=Scale.choices)
    upper_bound = models.DecimalField(
        _("基数上限（含）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4)

    class Meta:
        verbose_name = _("党费比例档次")
        verbose_name_plural = _("党费比例档次")
        ordering = ["table", "scale", models.F("upper_bound").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "scale", "upper_bound"], name="dues_band_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_scale_display()} ≤{self.upper_bound or '∞'} {self.rate:%}"


class FixedRate(models.Model):
    """A fixed monthly amount for a category (学生等 0.2 元; 农民 0.2–1 元, the branch picks the
    member's amount inside [minimum, maximum], `amount` is the default)."""

    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="fixed_rates")
    category = models.CharField(_("党员类别"), max_length=20, choices=BaseCategory.choices)
    amount = models.DecimalField(_("默认金额（元/月）"), max_digits=8, decimal_places=2)
    minimum = models.DecimalField(_("最低金额"), max_digits=8, decimal_places=2)
    maximum = models.DecimalField(_("最高金额"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("定额党费")
        verbose_name_plural = _("定额党费")
        constraints = [
            models.UniqueConstraint(fields=["table", "category"], name="dues_fixed_unique"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.amount}"
