"""Sources reading the 公文 receipts (documents app, issue 7).

Both sources judge the receipts addressed to the card's own organisation (收文 of that
organisation; a person's receipts are not the organisation's), whatever their sender, leaving
out receipts the sender withdrew (已撤回) and receipts the organisation returned as wrongly
addressed (已退回: nothing was owed). The rules are those of the tracking pages
(`documents.selectors_tracking.timeliness`, `documents.services.chasing`):

`documents.sign_timeliness` — receipts whose signing limit (`sign_due_at`) falls in the period:
late when signed after the limit, or not signed and the limit has passed. occurrences = late
receipts.

`documents.reply_rate` — receipts that require a reply and whose deadline (办理期限) falls in
the period: late when replied (local date) after the deadline, missing when not replied and
the deadline has passed. occurrences = late + missing replies.

One query each, whatever the number of cards.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from dangjian.assessment.models import TargetKind
from dangjian.assessment.sources import Computed, register
from dangjian.documents.models import Receipt

SKIPPED = (Receipt.Status.CANCELLED, Receipt.Status.RETURNED)


def _bounds(period):
    tz = timezone.get_current_timezone()
    first = timezone.make_aware(datetime.datetime.combine(period.starts_on, datetime.time.min), tz)
    after = timezone.make_aware(
        datetime.datetime.combine(period.ends_on + datetime.timedelta(days=1), datetime.time.min),
        tz,
    )
    return first, after


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _name(number: str, title: str) -> str:
    return f"{number or '（无文号）'}《{title}》"


@register(
    "documents.sign_timeliness",
    "公文签收及时性（逾期签收、未签收件数）",
    target_kind=TargetKind.ORGANIZATION,
    description="签收时限在考核期内的收文，超过时限签收或到期未签收的，每件计一次。",
)
def sign_timeliness(indicator, period, cards) -> dict[int, Computed]:
    cards = list(cards)
    if not cards:
        return {}
    now = timezone.now()
    first, after = _bounds(period)
    rows = (
        Receipt.objects.filter(
            organization_id__in={card.organization_id for card in cards},
            sign_due_at__gte=first,
            sign_due_at__lt=after,
        )
        .exclude(status__in=SKIPPED)
        .order_by("sign_due_at", "pk")
        .values_list("organization_id", "number", "title", "sign_due_at", "signed_at")
    )
    found: dict[int, list] = defaultdict(list)
    for org_id, number, title, due, signed in rows:
        found[org_id].append((number, title, due, signed))
    results = {}
    for card in cards:
        receipts = found.get(card.organization_id, [])
        late = unsigned = on_time = pending = 0
        details = []
        for number, title, due, signed in receipts:
            if signed is not None and signed <= due:
                on_time += 1
            elif signed is not None:
                late += 1
                details.append(
                    f"{_name(number, title)}：签收时限{_local(due)}，{_local(signed)}签收，逾期签收"
                )
            elif due < now:
                unsigned += 1
                details.append(f"{_name(number, title)}：签收时限{_local(due)}，逾期未签收")
            else:
                pending += 1
        if not receipts:
            lines = ["本考核期内没有签收时限到期的收文，不扣分。"]
        else:
            head = (
                f"签收时限在本期的收文{len(receipts)}件：按时签收{on_time}件，"
                f"逾期签收{late}件，逾期未签收{unsigned}件"
            )
            if pending:
                head += f"，尚未到期{pending}件（不计）"
            lines = [head + "。", *details]
        results[card.pk] = Computed(occurrences=Decimal(late + unsigned), lines=lines)
    return results


@register(
    "documents.reply_rate",
    "公文回复及时性（逾期回复、未回复件数）",
    target_kind=TargetKind.ORGANIZATION,
    description="要求回复且办理期限在考核期内的收文，逾期回复或到期未回复的，每件计一次。",
)
def reply_rate(indicator, period, cards) -> dict[int, Computed]:
    cards = list(cards)
    if not cards:
        return {}
    today = timezone.localdate()
    rows = (
        Receipt.objects.filter(
            Q(reply_required=True),
            organization_id__in={card.organization_id for card in cards},
            deadline__gte=period.starts_on,
            deadline__lte=period.ends_on,
        )
        .exclude(status__in=SKIPPED)
        .order_by("deadline", "pk")
        .values_list("organization_id", "number", "title", "deadline", "replied_at")
    )
    found: dict[int, list] = defaultdict(list)
    for org_id, number, title, deadline, replied in rows:
        found[org_id].append((number, title, deadline, replied))
    results = {}
    for card in cards:
        receipts = found.get(card.organization_id, [])
        late = missing = on_time = pending = 0
        details = []
        for number, title, deadline, replied in receipts:
            replied_on = timezone.localdate(replied) if replied is not None else None
            if replied_on is not None and replied_on <= deadline:
                on_time += 1
            elif replied_on is not None:
                late += 1
                details.append(
                    f"{_name(number, title)}：办理期限{deadline:%Y-%m-%d}，"
                    f"{replied_on:%Y-%m-%d}回复，逾期回复"
                )
            elif deadline < today:
                missing += 1
                details.append(f"{_name(number, title)}：办理期限{deadline:%Y-%m-%d}，逾期未回复")
            else:
                pending += 1
        if not receipts:
            lines = ["本考核期内没有办理期限到期、需要回复的收文，不扣分。"]
        else:
            head = (
                f"需回复且办理期限在本期的收文{len(receipts)}件：按时回复{on_time}件，"
                f"逾期回复{late}件，逾期未回复{missing}件"
            )
            if pending:
                head += f"，尚未到期{pending}件（不计）"
            lines = [head + "。", *details]
        results[card.pk] = Computed(occurrences=Decimal(late + missing), lines=lines)
    return results
