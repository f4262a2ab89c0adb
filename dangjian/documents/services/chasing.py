"""催办 (domain §8.3 step 6): the sender's one-click chase, the automatic chases before and
after each deadline, and the daily summary to each receiving office.

A receipt is *late* when it is unsigned past its `sign_due_at` (急件 the same day, 平件 the next
working day), or when a reply is required and none came by the document's deadline. Returned
and cancelled receipts are never chased; paper receipts have no sender to chase them.

Who is told: `access.signers_of` of each receipt's organisation (the nearest level holding
`documents.sign_receipt`), or the person a copy was addressed to. Notifications go out one per
document and kind (each carries the document's title), so a sweep over thousands of receipts
writes a fixed number of rows per document, never one query per receipt.

Idempotence: the sweeps write `Chase(receipt, kind, day)` rows; the unique constraint makes a
repeated run on the same day a no-op, and only receipts whose row is new are notified (the
notification's dedupe key per document, kind and day guards a concurrent run). A manual chase
skips receipts chased in the last `MANUAL_GUARD` (a double click sends once); the rows are
locked first so two clicks at the same moment also send once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope, scope_of
from dangjian.core.workdays import add_working_days
from dangjian.documents.access import signers_of
from dangjian.documents.models import Chase, Document, Receipt
from dangjian.documents.permissions import ISSUE_DOCUMENT
from dangjian.notifications.services import notify
from dangjian.orgs.models import Organization

CATEGORY = "documents"
# A manual chase of the same receipt within this time is skipped (double clicks, two people).
MANUAL_GUARD = datetime.timedelta(seconds=60)
# Receipts that no longer wait for anything from the receiving side.
CLOSED = (Receipt.Status.RETURNED, Receipt.Status.CANCELLED)
# Reply chases start this many working days before the deadline.
BEFORE_DEADLINE_WORKING_DAYS = 1
# The sweeps stop chasing this long after the limit or the deadline: by then the sender's
# office chases by hand (the table still shows the receipt as late) and the daily summary
# keeps counting it. It also bounds the sweep's work to recent receipts.
AUTOMATIC_CHASE_DAYS = 30


# ------------------------------------------------------------------------------ conditions


def sign_late_q(now: datetime.datetime) -> Q:
    """Unsigned past the signing limit."""
    return Q(status=Receipt.Status.RECEIVED, sign_due_at__lt=now)


def reply_late_q(today: datetime.date) -> Q:
    """A reply required and missing after the deadline day."""
    return Q(reply_required=True, replied_at__isnull=True, deadline__lt=today) & ~Q(
        status__in=CLOSED
    )


def late_q(now: datetime.datetime) -> Q:
    return sign_late_q(now) | reply_late_q(timezone.localdate(now))


def waiting_q() -> Q:
    """Still owes the sender something: a signature, or a required reply."""
    unsigned = Q(status=Receipt.Status.RECEIVED)
    unreplied = Q(reply_required=True, replied_at__isnull=True) & ~Q(status__in=CLOSED)
    return unsigned | unreplied


# ------------------------------------------------------------------------------ manual


def receipts_chase(*, actor, document: Document, receipts=None, now=None) -> int:
    """一键催办: chase every late receipt of the document (`receipts=None`), or the ticked
    ones that still owe a signature or a reply. Returns the number of receipts chased."""
    now = now or timezone.now()
    require_in_scope(actor, ISSUE_DOCUMENT, document.issuer.path)
    if document.status != Document.Status.ISSUED:
        raise ServiceError("只有已发文的公文可以催办；已撤回的公文不再催办。")
    with transaction.atomic():
        rows = Receipt.objects.filter(document=document)
        if receipts is None:
            rows = rows.filter(late_q(now))
        else:
            ids = [getattr(item, "pk", item) for item in receipts]
            if not ids:
                raise ServiceError("请先勾选要催办的收文单位。")
            rows = rows.filter(waiting_q(), pk__in=ids)
        recent = Q(last_chased_at__gte=now - MANUAL_GUARD)
        chased = list(
            rows.exclude(recent)
            .select_for_update(of=("self",))
            .select_related("organization")
            .order_by("copy_no")
        )
        if not chased:
            return 0
        Chase.objects.bulk_create(
            [
                Chase(receipt=r, kind=Chase.Kind.MANUAL, day=timezone.localdate(now), by=actor)
                for r in chased
            ]
        )
        _count_chases([r.pk for r in chased], now)
        unsigned = [r for r in chased if r.status == Receipt.Status.RECEIVED]
        unreplied = [r for r in chased if r.status != Receipt.Status.RECEIVED]
        recipients = _recipients_by_receipt(chased)
        _notify(document, unsigned, recipients, Chase.Kind.MANUAL, sign=True, by=actor)
        _notify(document, unreplied, recipients, Chase.Kind.MANUAL, sign=False, by=actor)
        audit_log(
            actor=actor,
            action="documents.chase",
            obj=document,
            organization=document.issuer,
            after={"receipts": [r.pk for r in chased][:200], "count": len(chased)},
            message=f"催办 {len(chased)} 个收文单位（未签收 {len(unsigned)}，未回复 "
            f"{len(unreplied)}）",
        )
    return len(chased)


def may_chase(user, document: Document) -> bool:
    return document.status == Document.Status.ISSUED and scope_of(user).covers(
        ISSUE_DOCUMENT, document.issuer.path
    )


# ------------------------------------------------------------------------------ sweep


@dataclass(frozen=True)
class _Due:
    kind: str
    receipts: list


def chase_sweep(*, now=None) -> int:
    """The automatic chases due at `now`; returns the number of receipts newly chased.

    SIGN_OVERDUE: unsigned past the limit, once a day. BEFORE_DEADLINE: a reply required, the
    deadline within one working day, once. AFTER_DEADLINE: a reply still missing after the
    deadline, once a day (a receipt chased for its reply that day is not also chased for its
    signature). Daily chases stop `AUTOMATIC_CHASE_DAYS` after the limit or deadline."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    live = Receipt.objects.filter(
        document__status=Document.Status.ISSUED, is_paper=False
    ).select_related("document__issuer", "organization")
    done_today = Chase.objects.filter(receipt=OuterRef("pk"), day=today)
    give_up = datetime.timedelta(days=AUTOMATIC_CHASE_DAYS)
    after = list(
        live.filter(reply_late_q(today), deadline__gte=today - give_up)
        .exclude(Exists(done_today.filter(kind=Chase.Kind.AFTER_DEADLINE)))
        .order_by("document_id", "copy_no")
    )
    after_ids = {r.pk for r in after}
    sign = [
        r
        for r in live.filter(sign_late_q(now), sign_due_at__gte=now - give_up)
        .exclude(
            Exists(done_today.filter(kind__in=(Chase.Kind.SIGN_OVERDUE, Chase.Kind.AFTER_DEADLINE)))
        )
        .order_by("document_id", "copy_no")
        if r.pk not in after_ids
    ]
    horizon = add_working_days(today, BEFORE_DEADLINE_WORKING_DAYS)
    before = list(
        live.filter(
            reply_required=True,
            replied_at__isnull=True,
            deadline__gte=today,
            deadline__lte=horizon,
        )
        .exclude(status__in=CLOSED)
        .exclude(
            Exists(Chase.objects.filter(receipt=OuterRef("pk"), kind=Chase.Kind.BEFORE_DEADLINE))
        )
        .order_by("document_id", "copy_no")
    )
    total = 0
    with transaction.atomic():
        written = []
        for due in (
            _Due(Chase.Kind.SIGN_OVERDUE, sign),
            _Due(Chase.Kind.BEFORE_DEADLINE, before),
            _Due(Chase.Kind.AFTER_DEADLINE, after),
        ):
            if due.receipts:
                Chase.objects.bulk_create(
                    [Chase(receipt=r, kind=due.kind, day=today) for r in due.receipts],
                    ignore_conflicts=True,
                )
                written.append(due)
        if not written:
            return 0
        everyone = [r for due in written for r in due.receipts]
        _count_chases([r.pk for r in everyone], now)
        recipients = _recipients_by_receipt(everyone)
        for due in written:
            by_document: dict[int, list] = defaultdict(list)
            for receipt in due.receipts:
                by_document[receipt.document_id].append(receipt)
            for rows in by_document.values():
                _notify(
                    rows[0].document,
                    rows,
                    recipients,
                    due.kind,
                    sign=due.kind == Chase.Kind.SIGN_OVERDUE,
                    day=today,
                )
            total += len(due.receipts)
    return total


# ------------------------------------------------------------------------------ daily summary


def daily_summary_send(*, today=None) -> int:
    """One notification per responsible user: how many documents their organisations (and
    they themselves) have not signed, and how many are overdue. Returns notifications sent."""
    today = today or timezone.localdate()
    now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(7, 30)))
    pending = Receipt.objects.filter(
        waiting_q(), document__status=Document.Status.ISSUED, is_paper=False
    )
    counts = pending.values("organization_id", "user_id").annotate(
        unsigned=Count("pk", filter=Q(status=Receipt.Status.RECEIVED)),
        overdue=Count("pk", filter=late_q(now)),
    )
    by_org: dict[int, tuple[int, int]] = {}
    per_user: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in counts:
        if not (row["unsigned"] or row["overdue"]):
            continue
        if row["organization_id"]:
            by_org[row["organization_id"]] = (row["unsigned"], row["overdue"])
        else:
            per_user[row["user_id"]][0] += row["unsigned"]
            per_user[row["user_id"]][1] += row["overdue"]
    organizations = Organization.objects.filter(pk__in=by_org).only("pk", "path")
    for org_id, users in signers_of(organizations).items():
        for user_id in users:
            per_user[user_id][0] += by_org[org_id][0]
            per_user[user_id][1] += by_org[org_id][1]
    url = _url("documents:inbox")
    sent = 0
    for user_id, (unsigned, overdue) in sorted(per_user.items()):
        if not (unsigned or overdue):
            continue
        sent += notify(
            recipients=[user_id],
            title=f"公文待办：{unsigned} 份待签收，{overdue} 份已逾期",
            body=(
                f"截至 {today:%Y年%m月%d日}，您负责签收的公文中有 {unsigned} 份尚未签收，"
                f"{overdue} 份已逾期（逾期未签收或逾期未回复）。请进入“收文签收”及时办理。"
            ),
            url=url,
            category=CATEGORY,
            dedupe_key=f"documents:daily:{today.isoformat()}",
        )
    return sent


# ------------------------------------------------------------------------------ helpers


def _count_chases(receipt_ids: list[int], now) -> None:
    Receipt.objects.filter(pk__in=receipt_ids).update(
        chase_count=F("chase_count") + 1, last_chased_at=now
    )


def _recipients_by_receipt(receipts) -> dict[int, list[int]]:
    """{receipt id: [user ids to tell]} with one batch lookup for all organisations."""
    organizations = {r.organization_id: r.organization for r in receipts if r.organization_id}
    signers = signers_of(organizations.values()) if organizations else {}
    return {
        r.pk: ([r.user_id] if r.user_id else signers.get(r.organization_id, [])) for r in receipts
    }


TITLES = {
    (Chase.Kind.MANUAL, True): "催办：请尽快签收《{title}》",
    (Chase.Kind.MANUAL, False): "催办：请尽快回复《{title}》",
    (Chase.Kind.SIGN_OVERDUE, True): "逾期未签收：《{title}》",
    (Chase.Kind.BEFORE_DEADLINE, False): "办理期限将至：《{title}》",
    (Chase.Kind.AFTER_DEADLINE, False): "已超过办理期限：《{title}》",
}


def _body(document: Document, kind: str, *, sign: bool) -> str:
    number = f"（{document.number}）" if document.number else ""
    issuer = document.issuer.display_name
    if sign:
        return (
            f"{issuer}发来的《{document.title}》{number}已超过签收时限仍未签收，"
            "请进入“收文签收”立即签收。"
        )
    deadline = f"{document.deadline:%Y年%m月%d日}" if document.deadline else ""
    if kind == Chase.Kind.BEFORE_DEADLINE:
        return f"《{document.title}》{number}要求于 {deadline} 前回复，请按期办理并回复。"
    return f"《{document.title}》{number}要求于 {deadline} 前回复，至今尚未回复，请尽快办理并回复。"


def _notify(document, receipts, recipients, kind, *, sign: bool, by=None, day=None) -> None:
    users = sorted({user for r in receipts for user in recipients.get(r.pk, [])})
    if not users:
        return
    body = _body(document, kind, sign=sign)
    if by is not None:
        body += f"（催办人：{document.issuer.display_name} {by.display_name}）"
    notify(
        recipients=users,
        title=TITLES[(kind, sign)].format(title=document.title),
        body=body,
        url=_url("documents:inbox"),
        category=CATEGORY,
        obj=document,
        dedupe_key=(
            f"documents:chase:{kind}:{document.pk}:{day.isoformat()}" if day is not None else ""
        ),
    )


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the receiving pages are mounted by another part
        return ""
