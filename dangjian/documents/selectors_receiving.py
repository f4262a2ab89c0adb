"""Reads of the receiving side: the inbox (收文) by tab, my circulations (我的传阅), the
receipt page's access, and the counts of the todo block. All start from `documents.access`.

The inbox lists the list fields copied onto the receipt at dispatch, so a branch with thousands
of documents pages without joining the documents; 待签收 comes 特急 first, then oldest first."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404

from dangjian.core.scope import scope_of
from dangjian.documents import access
from dangjian.documents.models import Circulation, Handling, Receipt, Urgency
from dangjian.documents.permissions import SIGN_RECEIPT

Status = Receipt.Status

TABS = {
    "sign": "待签收",
    "doing": "办理中",
    "done": "已办结",
    "all": "全部",
}
DOING = (Status.SIGNED, Status.REGISTERED, Status.CIRCULATING, Status.HANDLING, Status.REPLIED)
DONE = (Status.ARCHIVED, Status.RETURNED, Status.CANCELLED)

URGENCY_RANK = Case(
    When(urgency=Urgency.EXTRA, then=Value(0)),
    When(urgency=Urgency.URGENT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def own_organization_ids(user) -> list[int]:
    """The organisations the user signs for directly (where the grant is held)."""
    return sorted(
        {g.organization_id for g in scope_of(user).grants if SIGN_RECEIPT in g.permissions}
    )


def handled(user, *, everything: bool = False):
    """The receipts the user handles: by default those of the organisations the grant is
    held on (本级) and the user's own copies; with `everything`, the whole subtree (含下级
    组织: a mine's office may sign for a branch that has no secretary). A mine's office that
    sends a notice to its 40 branches does not find 40 copies in its own 待签收."""
    rows = access.receipts_handled_by(user)
    if everything:
        return rows
    return rows.filter(Q(organization_id__in=own_organization_ids(user)) | Q(user=user))


def inbox(user, tab: str = "sign", filters: dict | None = None):
    """The receipts the user handles, for one tab, filtered by `q` (title or number),
    `urgency` and `scope` ("all": include the subtree)."""
    filters = filters or {}
    rows = handled(user, everything=filters.get("scope") == "all")
    rows = rows.select_related("organization", "user")
    if tab == "sign":
        rows = rows.filter(status=Status.RECEIVED).order_by(URGENCY_RANK, "sent_at", "pk")
    elif tab == "doing":
        rows = rows.filter(status__in=DOING).order_by(URGENCY_RANK, "-sent_at", "-pk")
    elif tab == "done":
        rows = rows.filter(status__in=DONE).order_by("-sent_at", "-pk")
    else:
        rows = rows.order_by("-sent_at", "-pk")
    text = (filters.get("q") or "").strip()
    if text:
        rows = rows.filter(
            Q(title__icontains=text) | Q(number__icontains=text) | Q(register_no__icontains=text)
        )
    if filters.get("urgency") in Urgency.values:
        rows = rows.filter(urgency=filters["urgency"])
    return rows


def inbox_counts(user, *, everything: bool = False) -> dict:
    """{"sign": n, "doing": n, "urgent": n} in one query (the tab badges)."""
    return handled(user, everything=everything).aggregate(
        sign=Count("pk", filter=Q(status=Status.RECEIVED)),
        doing=Count("pk", filter=Q(status__in=DOING)),
        urgent=Count("pk", filter=Q(status=Status.RECEIVED, urgency=Urgency.EXTRA)),
    )


def to_sign_count(user) -> int:
    return handled(user).filter(status=Status.RECEIVED).count()


def to_sign_summary(user) -> dict:
    """{"count": n, "urgent": n}: receipts waiting for the user's signature (本级 and own
    copies; one query)."""
    return handled(user).aggregate(
        count=Count("pk", filter=Q(status=Status.RECEIVED)),
        urgent=Count("pk", filter=Q(status=Status.RECEIVED, urgency=Urgency.EXTRA)),
    )


def unread_summary(user) -> dict:
    """{"count": n, "urgent": n}: circulations to the user not yet read (one query)."""
    return (
        Circulation.objects.filter(reader=user, read_at__isnull=True)
        .exclude(receipt__status=Status.CANCELLED)
        .aggregate(
            count=Count("pk"),
            urgent=Count("pk", filter=Q(receipt__urgency=Urgency.EXTRA)),
        )
    )


def reading_list(user, tab: str = "unread"):
    """Circulations to the user: unread first (特急 first, oldest first) or those read."""
    rows = Circulation.objects.filter(reader=user).select_related(
        "receipt__organization", "sent_by"
    )
    if tab == "unread":
        rank = Case(
            When(receipt__urgency=Urgency.EXTRA, then=Value(0)),
            When(receipt__urgency=Urgency.URGENT, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return rows.filter(read_at__isnull=True).order_by(rank, "sent_at", "pk")
    return rows.filter(read_at__isnull=False).order_by("-read_at", "-pk")


def my_handlings(user):
    """承办 assigned to the user and not done yet, soonest deadline first."""
    return (
        Handling.objects.filter(handler=user, done_at__isnull=True)
        .exclude(receipt__status__in=DONE)
        .select_related("receipt__organization")
        .order_by("due_on", "assigned_at", "pk")
    )


def receipt_for_page_or_404(user, pk) -> Receipt:
    """The receipt for its page: its handlers, the people it was circulated to, and the
    people named to handle it (主办/协办). Anyone else: 404, exactly as a missing one."""
    try:
        return (
            access.receipts_readable_by(user)
            .select_related("organization", "user", "document__issuer", "signed_by")
            .get(pk=pk)
        )
    except (Receipt.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def receipt_trail(receipt: Receipt) -> dict:
    """What the receipt page shows below the text: circulations, handlings, replies, files."""
    circulations = list(receipt.circulations.select_related("reader").order_by("sent_at", "pk"))
    handlings = list(receipt.handlings.select_related("handler").order_by("role", "pk"))
    replies = list(receipt.replies.select_related("author").prefetch_related("files"))
    return {
        "circulations": circulations,
        "circulation_open": any(c.read_at is None for c in circulations),
        "handlings": handlings,
        "replies": replies,
        "scans": list(receipt.files.all()),
        "document_files": list(receipt.document.files.all()) if receipt.document_id else [],
    }
