"""Reads of the sender's side after issue: the recipients table of one document, its counts,
and the timeliness statistics per recipient organisation (签收及时率, 回复及时率).

`timeliness` is a plain function over one aggregate query (no query per organisation); the
assessment system reads it for its indicators, so its rows keep their shape.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, NullIf, TruncDate
from django.http import Http404
from django.utils import timezone

from dangjian.core.scope import require_in_scope, scope_condition, scope_of
from dangjian.documents.access import documents_visible_to
from dangjian.documents.models import Document, Receipt
from dangjian.documents.permissions import VIEW_DOCUMENT
from dangjian.documents.services.chasing import late_q, reply_late_q, sign_late_q
from dangjian.orgs.models import Organization

FILTERS = {
    "all": "全部",
    "unsigned": "未签收",
    "late": "逾期",
    "unreplied": "未回复",
    "returned": "已退回",
}


# ------------------------------------------------------------------------------ one document


def document_for_tracking_or_404(user, pk) -> Document:
    """An issued (or issued, then withdrawn) document of an issuer in the user's VIEW scope."""
    try:
        return (
            documents_visible_to(user, VIEW_DOCUMENT)
            .filter(status__in=(Document.Status.ISSUED, Document.Status.WITHDRAWN))
            .select_related("issuer", "prefix", "corrects")
            .get(pk=pk)
        )
    except (Document.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def recipient_table(user, document: Document, filters=None, *, now=None):
    """The receipts of the document (copy-number order) with `sign_late` and `reply_late`
    flags, narrowed by `filters["show"]` (one of FILTERS). The caller has the document from
    `document_for_tracking_or_404`; the user is checked again here."""
    require_in_scope(user, VIEW_DOCUMENT, document.issuer.path)
    now = now or timezone.now()
    show = (filters or {}).get("show") or "all"
    rows = (
        Receipt.objects.filter(document=document)
        .select_related("organization", "user", "signed_by", "returned_by")
        .annotate(
            sign_late=_flag(sign_late_q(now)),
            reply_late=_flag(reply_late_q(timezone.localdate(now))),
        )
        .order_by("copy_no", "pk")
    )
    if show == "unsigned":
        rows = rows.filter(status=Receipt.Status.RECEIVED)
    elif show == "late":
        rows = rows.filter(late_q(now))
    elif show == "unreplied":
        rows = rows.filter(reply_required=True, replied_at__isnull=True).exclude(
            status__in=(Receipt.Status.RETURNED, Receipt.Status.CANCELLED)
        )
    elif show == "returned":
        rows = rows.filter(status=Receipt.Status.RETURNED)
    return rows


def _flag(condition: Q):
    return Case(When(condition, then=Value(True)), default=Value(False))


@dataclass(frozen=True)
class Counts:
    recipients: int
    signed: int
    unsigned: int
    read: int
    replied: int
    returned: int
    late: int
    reply_required: bool


def tracking_counts(document: Document, *, now=None) -> Counts:
    """The counts above the table: the summary columns of the document, plus one COUNT over
    its receipts for what is not summarised (unsigned now, late now)."""
    now = now or timezone.now()
    live = Receipt.objects.filter(document=document)
    found = live.aggregate(
        unsigned=Count("pk", filter=Q(status=Receipt.Status.RECEIVED)),
        late=Count("pk", filter=late_q(now)),
    )
    return Counts(
        recipients=document.recipient_count,
        signed=document.signed_count,
        unsigned=found["unsigned"],
        read=document.read_count,
        replied=document.replied_count,
        returned=document.returned_count,
        late=found["late"],
        reply_required=document.reply_required,
    )


# ------------------------------------------------------------------------------ timeliness


@dataclass(frozen=True)
class TimelinessRow:
    organization_id: int
    organization_name: str
    path: str
    received: int
    signed: int
    signed_on_time: int
    average_sign_hours: float | None
    reply_required: int
    replied: int
    replied_on_time: int

    @property
    def sign_rate(self) -> float | None:
        """签收及时率 (%): signed within the limit / received."""
        return _percent(self.signed_on_time, self.received)

    @property
    def reply_rate(self) -> float | None:
        """回复及时率 (%): replied by the deadline / replies required."""
        return _percent(self.replied_on_time, self.reply_required)


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


SORTS = {
    "name": ("organization__path",),
    "received": ("-received", "organization__path"),
    "sign_rate": ("sign_rate_sort", "organization__path"),
    "-sign_rate": ("-sign_rate_sort", "organization__path"),
    "hours": ("-average_sign", "organization__path"),
    "reply_rate": ("reply_rate_sort", "organization__path"),
    "-reply_rate": ("-reply_rate_sort", "organization__path"),
}


def timeliness_rows(user, organization, start: datetime.date, end: datetime.date, sort="name"):
    """The aggregate queryset behind `timeliness` (one row per recipient organisation in the
    organisation's subtree and the user's VIEW scope, receipts sent from `start` to `end`
    inclusive), sortable by SORTS; pages of it are turned into rows by `timeliness_page`."""
    require_in_scope(user, VIEW_DOCUMENT, organization.path)
    inside = scope_condition("organization__path", (organization.path,))
    allowed = scope_condition("organization__path", scope_of(user).paths_for(VIEW_DOCUMENT))
    first, after = _bounds(start, end)
    tz = timezone.get_current_timezone()
    returned = Q(status=Receipt.Status.RETURNED)
    signed = Q(signed_at__isnull=False)
    on_time = signed & Q(signed_at__lte=F("sign_due_at"))
    asked = Q(reply_required=True) & ~returned
    replied = asked & Q(replied_at__isnull=False)
    replied_on_time = replied & (Q(deadline__isnull=True) | Q(replied_date__lte=F("deadline")))
    rows = (
        Receipt.objects.filter(
            inside,
            allowed,
            document__isnull=False,
            sent_at__gte=first,
            sent_at__lt=after,
        )
        .exclude(status=Receipt.Status.CANCELLED)
        .annotate(
            replied_date=TruncDate("replied_at", tzinfo=tz),
            sign_time=ExpressionWrapper(
                F("signed_at") - F("sent_at"), output_field=DurationField()
            ),
        )
        .values(
            "organization_id",
            "organization__name",
            "organization__short_name",
            "organization__path",
        )
        .annotate(
            received=Count("pk"),
            signed=Count("pk", filter=signed),
            signed_on_time=Count("pk", filter=on_time),
            average_sign=Avg("sign_time", filter=signed),
            asked=Count("pk", filter=asked),
            replied=Count("pk", filter=replied),
            replied_on_time=Count("pk", filter=replied_on_time),
        )
        .annotate(
            sign_rate_sort=Cast(F("signed_on_time"), FloatField())
            / Cast(F("received"), FloatField()),
            reply_rate_sort=Cast(F("replied_on_time"), FloatField())
            / NullIf(Cast(F("asked"), FloatField()), Value(0.0)),
        )
        .values(
            "organization_id",
            "organization__name",
            "organization__short_name",
            "organization__path",
            "received",
            "signed",
            "signed_on_time",
            "average_sign",
            "asked",
            "replied",
            "replied_on_time",
            "sign_rate_sort",
            "reply_rate_sort",
        )
    )
    return rows.order_by(*SORTS.get(sort, SORTS["name"]))


def statistics_organizations(user) -> list[Organization]:
    """The organisations whose subtree the user may take statistics of: the tops of their
    VIEW_DOCUMENT grants, in tree order."""
    paths = scope_of(user).paths_for(VIEW_DOCUMENT)
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


def timeliness_page(rows) -> list[TimelinessRow]:
    return [_row(values) for values in rows]


def timeliness(user, organization, start: datetime.date, end: datetime.date, sort="name"):
    """Per recipient organisation: received, signed, signed on time, average hours to sign,
    replies required, replied, replied on time — a list of `TimelinessRow`."""
    return timeliness_page(timeliness_rows(user, organization, start, end, sort))


def _row(values: dict) -> TimelinessRow:
    average = values["average_sign"]
    if average is not None and not isinstance(average, datetime.timedelta):
        average = datetime.timedelta(microseconds=average)
    return TimelinessRow(
        organization_id=values["organization_id"],
        organization_name=values["organization__short_name"] or values["organization__name"],
        path=values["organization__path"],
        received=values["received"],
        signed=values["signed"],
        signed_on_time=values["signed_on_time"],
        average_sign_hours=(
            round(average.total_seconds() / 3600, 1) if average is not None else None
        ),
        reply_required=values["asked"],
        replied=values["replied"],
        replied_on_time=values["replied_on_time"],
    )


def _bounds(start: datetime.date, end: datetime.date):
    """Local midnight of `start` and of the day after `end`."""
    tz = timezone.get_current_timezone()
    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz)
    after = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min), tz
    )
    return first, after
