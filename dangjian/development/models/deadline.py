"""The pending deadlines of the open cases, stored so that group-wide lists (近30天到期, 已逾期)
and the reminder sweep filter, order and paginate in the database. One row per case and pending
`DUE` deadline exactly as `deadlines.case_deadlines` computes it; kept by
`services.deadlines.case_deadlines_refresh` at the end of every write a deadline depends on,
rebuilt in bulk by `services.deadlines.deadlines_rebuild` after a data load."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.rules import definition
from dangjian.core.scope import ScopedQuerySet


class CaseDeadline(models.Model):
    case = models.ForeignKey(
        "development.DevelopmentCase",
        on_delete=models.CASCADE,
        related_name="pending_deadlines",
        verbose_name=_("发展党员档案"),
    )
    key = models.CharField(_("期限键"), max_length=64)  # Deadline.key, used in dedupe keys
    label = models.CharField(_("事项"), max_length=100)
    due_on = models.DateField(_("期限"))
    rule_key = models.CharField(_("规则"), max_length=100)
    responsible = models.CharField(_("责任方"), max_length=16)  # "branch" / "committee"
    computed_on = models.DateField(_("计算日期"))

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("待办期限")
        verbose_name_plural = _("待办期限")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="development_deadline_case_key")
        ]
        indexes = [models.Index(fields=["due_on", "id"], name="development_deadline_due")]

    def __str__(self) -> str:
        return f"{self.label} {self.due_on:%Y-%m-%d}"

    # The same reading interface as `deadlines.Deadline` (templates, serializers, the sweep).
    kind = "due"
    done_on = None
    done = False

    @property
    def source(self) -> str:
        return definition(self.rule_key).source

    @property
    def rule_label(self) -> str:
        return definition(self.rule_key).label

    def is_overdue(self, today: datetime.date) -> bool:
        return self.due_on < today
