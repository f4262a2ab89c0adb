"""What every meeting write checks first: the caller's scope, the row lock and the review lock.

Out of scope answers like a missing meeting (404); a meeting the caller may see but not change
answers 403 with a Chinese text (as in the development services); a locked record answers a
`ServiceError` naming who can unlock it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.meetings.models import Meeting
from dangjian.meetings.permissions import MANAGE_MEETING, REVIEW_MEETING, VIEW_MEETING
from dangjian.orgs.models import Organization

LOCKED_MESSAGE = "本记录已经上级审核锁定；如需修改，请联系上级组织退回。"
CANCELLED_MESSAGE = "本次会议已经取消，不能再修改。"


def parent_path(organization) -> str:
    """The upper organisation's path, read from the materialised path (no query)."""
    return organization.path[: -Organization.steplen]


def require_manage(user, organization, what: str = "组织和记录组织生活") -> None:
    """MANAGE_MEETING over the organisation; unseen organisations are missing (404)."""
    scope = scope_of(user)
    path = organization.path
    if scope.covers(MANAGE_MEETING, path):
        return
    if scope.covers(VIEW_MEETING, path) or scope.covers(REVIEW_MEETING, parent_path(organization)):
        raise PermissionDenied(f"您没有为“{organization.display_name}”{what}的权限。")
    raise Http404


def require_review(user, meeting: Meeting) -> None:
    """REVIEW_MEETING over the meeting organisation's parent: a branch never reviews itself."""
    organization = meeting.organization
    scope = scope_of(user)
    upper = parent_path(organization)
    if upper and scope.covers(REVIEW_MEETING, upper):
        return
    if scope.covers(VIEW_MEETING, organization.path) or scope.covers(
        MANAGE_MEETING, organization.path
    ):
        raise PermissionDenied(
            f"“{organization.display_name}”的组织生活记录由上级党组织审核，您没有审核的权限。"
        )
    raise Http404


def require_unlocked(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.REVIEWED:
        raise ServiceError(LOCKED_MESSAGE)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(CANCELLED_MESSAGE)


def locked_meeting(meeting: Meeting) -> Meeting:
    """The meeting row locked until the end of the transaction, re-read with its organisation
    and type (two clicks on the same button are serialised; the second sees the first's work)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locked_meeting() must be called inside transaction.atomic()")
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("organization", "meeting_type")
        .get(pk=meeting.pk)
    )


def refresh_from(target: Meeting, source: Meeting) -> Meeting:
    """Copy the saved state of `source` onto the caller's instance (with its loaded
    organisation and type), so the caller's object is current after the service returns."""
    for field in Meeting._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.fields_cache = dict(source._state.fields_cache)
    return target


def audit(user, action: str, meeting: Meeting, *, before=None, after=None, message: str = ""):
    return audit_log(
        actor=user,
        action=action,
        obj=meeting,
        organization=meeting.organization,
        before=before,
        after=after,
        message=message,
    )


def page_url(name: str, *args) -> str:
    """A page's URL, or "" while the page module does not define it (notifications then link
    to the object without a URL rather than fail)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def clean_text(value, *, label: str, maximum: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}。")
    if len(text) > maximum:
        raise ServiceError(f"{label}不能超过 {maximum} 字（现在 {len(text)} 字）。")
    return text
