"""Source reading the dues ledger (dues app, domain §2.2).

`dues.on_time` — members whose dues for the period's months were not paid on time.

The rule used: dues are collected monthly (domain §2.2 "Cadence: monthly"; the 支部 collects on
a fixed day each month), so a month's dues are on time when the month is settled within that
month — the ledger entry is 已缴清 without any 补交 payment (the dues app marks a payment
`is_catch_up` when it is paid in a later month than the month it settles), or 免交 (an approved
hardship waiver). A month settled by a 补交 payment counts as late; a month still
未缴 or 部分缴纳 after its last day counts as unpaid. A month that has not ended yet is not
judged. The ledger rows counted are those of the card's organisation and, for a 党委 or 党总支
card, of its subtree (`LedgerEntry.organization` is the branch that collected the month).

occurrences = members with at least one late or unpaid month in the period (a member late in
two months counts once; the lines list every month). One query for the card organisations'
paths and one over the ledger, whatever the number of cards.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dangjian.assessment.models import TargetKind
from dangjian.assessment.sources import Computed, register
from dangjian.assessment.sources.completeness import CardTree
from dangjian.dues.models import UNSETTLED, EntryStatus, LedgerEntry, Payment


def _money(value) -> str:
    return f"{value:.2f}"


@register(
    "dues.on_time",
    "党费按月足额交纳（未按时交纳的党员人数）",
    target_kind=TargetKind.ORGANIZATION,
    description="考核期内已结束的月份，党员当月党费未在当月交清（欠缴或次月以后补交）的，每人计一次。",
)
def on_time(indicator, period, cards) -> dict[int, Computed]:
    cards = list(cards)
    if not cards:
        return {}
    tree = CardTree(cards)
    today = timezone.localdate()
    first = period.starts_on.replace(day=1)
    # The months judged: those of the period that have ended (before the current month).
    current = today.replace(day=1)
    by_card: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    names: dict[int, str] = {}
    condition = tree.condition("organization__path")
    if condition is not None and first < current:
        catch_up = Payment.objects.filter(entry_id=OuterRef("pk"), is_catch_up=True)
        late = Q(status__in=UNSETTLED) | Q(status=EntryStatus.PAID) & Exists(catch_up)
        rows = (
            LedgerEntry.objects.filter(
                condition, month__gte=first, month__lte=period.ends_on, month__lt=current
            )
            .filter(late)
            .order_by("month", "member_id")
            .values_list(
                "member_id",
                "member__person__name",
                "organization__path",
                "month",
                "status",
                "amount_due",
                "amount_paid",
                "paid_on",
            )
        )
        for member_id, name, path, month, status, due, paid, paid_on in rows:
            if status == EntryStatus.PAID:
                paid_text = f"{paid_on:%Y-%m-%d}" if paid_on else "次月以后"
                text = f"{month:%Y年%m月}党费{paid_text}补交（应在当月交清）"
            else:
                text = f"{month:%Y年%m月}党费未交清（应交{_money(due)}元，已交{_money(paid)}元）"
            names[member_id] = name
            for card_id in tree.cards_for(path):
                by_card[card_id][member_id].append(text)
    results = {}
    for card in tree.cards:
        members = by_card.get(card.pk, {})
        if first >= current:
            lines = ["考核期内尚无已结束的月份，党费交纳情况暂不计。"]
        elif not members:
            lines = ["考核期内已结束月份的党费均按月交清，不扣分。"]
        else:
            lines = [f"未按时交纳党费的党员{len(members)}人："]
            ordered = sorted(members.items(), key=lambda item: (names[item[0]], item[0]))
            lines += [f"{names[pk]}：{'；'.join(texts)}" for pk, texts in ordered]
        results[card.pk] = Computed(occurrences=Decimal(len(members)), lines=lines)
    return results
