"""Small per-user and per-organisation settings of the member records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedQuerySet


class ListColumns(models.Model):
    """The columns a user chose for a list (`list_key`, e.g. "members")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(max_length=30)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key"], name="list_columns_once")
        ]

    def __str__(self):
        return self.list_key


class RetireeBranch(models.Model):
    """Where the members of a 党委's subtree go when they retire (离退休党支部)."""

    organization = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="retiree_setting",
        verbose_name=_("党组织"),
    )
    branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("离退休党员转入支部"),
    )

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("离退休党员去向")
        verbose_name_plural = _("离退休党员去向")

    def __str__(self):
        return f"{self.organization} → {self.branch}"
