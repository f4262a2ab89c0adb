"""Pieces the dues pages share: months in URLs and forms, the organisation in scope, file
answers. Nothing here decides a dues rule; the services and selectors do."""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.utils import timezone

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404
from dangjian.orgs.models import BRANCH_TYPES, Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_YEAR, LAST_YEAR = 2008, 2100


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def month_or_404(year: int, month: int) -> datetime.date:
    """The first day of a month named in a URL; a month that cannot exist is a missing page."""
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise Http404
    return datetime.date(year, month, 1)


def year_or_default(value) -> int:
    """A year from a query string, this year for anything missing or malformed."""
    year = parse_id(value)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        return timezone.localdate().year
    return year


def parse_month(value) -> datetime.date | None:
    """ "2026-03" (the browser's month input) as the first day of that month, else None."""
    text = str(value or "").strip()
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        return None
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def shift_month(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def organization_or_404(user, org_id, permission: str) -> Organization:
    """An organisation in the user's scope for the permission, else 404 (as a missing one)."""
    return get_visible_or_404(Organization, user, permission, pk=parse_id(org_id))


def top_organization(user, permission: str) -> Organization | None:
    """The highest organisation the user holds the permission on (the pages' default)."""
    return (
        Organization.objects.visible_to(user, permission)
        .filter(is_active=True)
        .order_by("depth", "path")
        .first()
    )


def is_branch(organization: Organization) -> bool:
    return organization.org_type in BRANCH_TYPES


def attachment(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def first_message(error) -> str:
    """The Chinese text of a service refusal (ServiceError / RuleViolation)."""
    messages = getattr(error, "messages", None) or [str(error)]
    return messages[0]
