"""Findings of the data-quality checks, refreshed by a scheduled task (and on demand)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedQuerySet


class QualityIssue(models.Model):
    """One record failing one check. The whole set of a check is replaced on each run, so the
    page lists findings from the database (paginated, scoped) instead of recomputing them."""

    check_code = models.CharField(_("检查项"), max_length=40, db_index=True)
    person = models.ForeignKey(
        "members.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    detail = models.CharField(_("问题说明"), max_length=300)
    found_at = models.DateTimeField(_("发现时间"), auto_now_add=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("数据质量问题")
        verbose_name_plural = _("数据质量问题")
        indexes = [models.Index(fields=["check_code", "organization"])]

    def __str__(self):
        return self.detail
