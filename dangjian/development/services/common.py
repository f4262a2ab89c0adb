"""What every development service shares: permission checks over the branch or its upper
committee, the case row locked for the transaction, date and text checks, the audit entry."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.development.models import DevelopmentCase
from dangjian.development.permissions import MANAGE_DEVELOPMENT, VIEW_DEVELOPMENT
from dangjian.orgs.models import Organization, OrgType

REASON_MAX = 1000
NOTE_MAX = 2000


class StepRefused(ServiceError):
    """A refused write that is not a regulation rule (illegal transition, bad input);
    `field` names the form field the message belongs to (or None)."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


def committee_of(organization: Organization) -> Organization | None:
    """The branch's nearest ancestor 党委 (the 基层党委 with approval power), or None."""
    steplen = Organization.steplen
    prefixes = [organization.path[:end] for end in range(steplen, len(organization.path), steplen)]
    return (
        Organization.objects.filter(path__in=prefixes, org_type=OrgType.COMMITTEE)
        .order_by("-depth")
        .first()
    )


def require(actor, permission: str, organization: Organization, what: str) -> None:
    """The actor holds the permission over the organisation, else 403 with a Chinese text
    (the case itself was visible, or the caller would already have had a 404)."""
    if organization is None or not scope_of(actor).covers(permission, organization.path):
        raise PermissionDenied(f"您没有{what}的权限。")


def require_visible_branch(actor, organization: Organization) -> None:
    """A branch outside the actor's scope answers as missing (404)."""
    scope = scope_of(actor)
    if not (
        scope.covers(VIEW_DEVELOPMENT, organization.path)
        or scope.covers(MANAGE_DEVELOPMENT, organization.path)
    ):
        raise Http404


def locked_case(case: DevelopmentCase) -> DevelopmentCase:
    """The case row locked until the end of the transaction, re-read (two clerks recording
    the same step are serialised; the second is refused by the transition check)."""
    return (
        DevelopmentCase.objects.select_for_update(of=("self",))
        .select_related("person", "organization")
        .get(pk=case.pk)
    )


def check_date(value, *, label: str, field: str, not_before=None, not_before_label="") -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise StepRefused(f"请填写{label}。", field=field)
    today = timezone.localdate()
    if value > today:
        raise StepRefused(f"{label}不能晚于今天（{today:%Y-%m-%d}）。", field=field)
    if not_before is not None and value < not_before:
        raise StepRefused(
            f"{label}不能早于{not_before_label}（{not_before:%Y-%m-%d}）。", field=field
        )


def clean_text(value, *, label: str, field: str, required=False, maximum=NOTE_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise StepRefused(f"请填写{label}。", field=field)
    if len(text) > maximum:
        raise StepRefused(f"{label}不能超过 {maximum} 字。", field=field)
    return text


def account(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def audit(actor, action: str, case: DevelopmentCase, message: str, **extra) -> None:
    audit_log(
        actor=actor,
        action=action,
        obj=case,
        organization=case.organization,
        message=message[:200],
        **extra,
    )
