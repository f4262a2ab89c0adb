"""The development case of one applicant and the steps recorded on it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedQuerySet
from dangjian.development.models.choices import OPEN_STATES, State, StepCode


def _own_case(user) -> Q | None:
    """An applicant with an account sees their own case (and its steps) read-only."""
    person_id = getattr(user, "person_id", None)
    return Q(person_id=person_id) if person_id else None


class DevelopmentCase(models.Model):
    """One applicant's way from 入党申请 to 正式党员 (domain §1.1, state machine §1.4).

    `organization` is the 党支部 that develops the person; it is the case's scope. The key dates
    are copies of the dates of the steps that set them, kept by the services so that lists,
    deadlines and the pipeline read one row. At most one open case per person.
    """

    State = State

    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        related_name="development_cases",
        verbose_name=_("申请人"),
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="development_cases",
        verbose_name=_("所在党支部"),
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.APPLIED, db_index=True
    )
    applied_on = models.DateField(_("入党申请书落款日期"))
    received_on = models.DateField(_("党组织收到申请日期"))
    talked_on = models.DateField(_("谈话日期"), null=True, blank=True)
    activist_on = models.DateField(_("确定为入党积极分子日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True)
    pre_reviewed_on = models.DateField(_("上级党委预审日期"), null=True, blank=True)
    accepted_on = models.DateField(_("支部大会接收日期"), null=True, blank=True)
    approved_on = models.DateField(_("党委审批日期"), null=True, blank=True)
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField(
        _("延长预备期（月）"), null=True, blank=True
    )
    extended_until = models.DateField(_("延长后预备期满日期"), null=True, blank=True)
    conversion_meeting_on = models.DateField(_("支部大会讨论转正日期"), null=True, blank=True)
    converted_on = models.DateField(_("党委批准转正日期"), null=True, blank=True)
    full_member_on = models.DateField(_("转正日期（党龄起算）"), null=True, blank=True)
    planned_leave_on = models.DateField(
        _("预计离开本单位日期"),
        null=True,
        blank=True,
        help_text=_("3个月内将离开本单位的，不办理接收预备党员手续。"),
    )
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    close_reason = models.TextField(_("结束原因"), blank=True)
    # A ForeignKey, not one-to-one: a person whose 预备党员资格 was cancelled may apply again
    # and is admitted into the same member record (members.services.admission).
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="development_cases",
        verbose_name=_("党员记录"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    scope_owner = staticmethod(_own_case)
    scope_owner_permissions = frozenset({"development.view_development"})

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展党员档案")
        verbose_name_plural = _("发展党员档案")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=[state.value for state in OPEN_STATES]),
                name="development_one_open_case_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "state"]),
            models.Index(fields=["state", "accepted_on"]),
        ]

    def __str__(self):
        return f"{self.person} {self.get_state_display()}"

    @property
    def probation_end(self):
        """The day the 预备期 ends, extended when it was extended."""
        return self.extended_until or self.probation_ends_on

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseStep(models.Model):
    """One completed step (or action) of a case: when, who, the approving organisation, the
    basis document, and — when a rule was overridden — the rules and the written reason."""

    Code = StepCode

    case = models.ForeignKey(DevelopmentCase, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(_("步骤"), max_length=25, choices=StepCode.choices)
    number = models.PositiveSmallIntegerField(_("序号"), null=True, blank=True)
    done_on = models.DateField(_("办理日期"))
    from_state = models.CharField(_("办理前状态"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("办理后状态"), max_length=20, choices=State.choices)
    approving_organization = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批/办理党组织"),
    )
    note = models.TextField(_("情况说明"), blank=True)
    document_number = models.CharField(_("文件字号"), max_length=100, blank=True)
    overridden_rules = models.JSONField(_("例外放行的规则"), default=list, blank=True)
    override_reason = models.TextField(_("例外放行理由"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("办理人"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展步骤记录")
        verbose_name_plural = _("发展步骤记录")
        ordering = ["done_on", "id"]
        indexes = [models.Index(fields=["case", "code"])]

    def __str__(self):
        return f"{self.get_code_display()} {self.done_on}"
