"""The daily transfer alerts: a letter past its validity without the member being received
(to the issuing committee, and the transfer is marked 介绍信已过期), and no 回执 within the
rule's days after the receiving side took the member in — to the issuing committee for an
outgoing transfer, to the receiving committee for an incoming one whose 回执 is not sent.
Every notification has a `dedupe_key`, so running twice sends nothing twice."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from dangjian.accounts.holders import nearest_holders_of
from dangjian.core.rules import rule_value
from dangjian.notifications.services import notify
from dangjian.transfers.models import LETTER_OUT, State, Transfer
from dangjian.transfers.permissions import APPROVE_TRANSFER
from dangjian.transfers.rules import RECEIPT_DAYS
from dangjian.transfers.selectors import with_letter
from dangjian.transfers.services.common import committee_of
from dangjian.transfers.services.outgoing import transfer_mark_expired

CATEGORY = "transfers"


def transfer_alerts(*, today: date) -> int:
    return _expired_letters(today) + _receipts_due(today)


def _url(transfer) -> str:
    return reverse("transfers:detail", args=[transfer.pk])


def _expired_letters(today: date) -> int:
    sent = 0
    rows = with_letter(Transfer.objects.filter(state__in=LETTER_OUT)).filter(
        letter_valid_until__lt=today
    )
    for transfer in rows.select_related("person", "issuing_committee"):
        number, valid_until = transfer.letter_number, transfer.letter_valid_until
        transfer_mark_expired(actor=None, transfer=transfer, today=today)
        sent += notify(
            recipients=nearest_holders_of(transfer.issuing_committee, APPROVE_TRANSFER),
            title=f"{transfer.person.name}的组织关系介绍信已过期未被接收",
            body=f"介绍信{number}有效期至 {valid_until:%Y-%m-%d}，接收方尚未办理接收。"
            "请联系党员和接收党组织，必要时补开介绍信。",
            url=_url(transfer),
            category=CATEGORY,
            obj=transfer,
            dedupe_key=f"transfers:expired:{transfer.pk}:{number}",
        )
    return sent


def _receipts_due(today: date) -> int:
    days = int(rule_value(RECEIPT_DAYS, on=today))
    rows = Transfer.objects.filter(
        state__in=(State.RECEIVED_BY_TARGET, State.ASSIGNED),
        received_on__lt=today - timedelta(days=days),
    ).select_related("person", "issuing_committee", "receiver")
    sent = 0
    for transfer in rows:
        due = transfer.received_on + timedelta(days=days)
        if transfer.state == State.RECEIVED_BY_TARGET:
            recipients = nearest_holders_of(transfer.issuing_committee, APPROVE_TRANSFER)
            title = f"{transfer.person.name}的组织关系转接回执逾期未收回"
            body = f"对方于 {transfer.received_on:%Y-%m-%d} 接收，回执应在 {due:%Y-%m-%d} 前寄回。"
        else:
            recipients = nearest_holders_of(committee_of(transfer.receiver), APPROVE_TRANSFER)
            title = f"{transfer.person.name}的组织关系转入回执逾期未寄出"
            body = (
                f"已于 {transfer.received_on:%Y-%m-%d} 编入支部，"
                f"回执应在 {due:%Y-%m-%d} 前寄回原党组织。"
            )
        sent += notify(
            recipients=recipients,
            title=title,
            body=body,
            url=_url(transfer),
            category=CATEGORY,
            obj=transfer,
            dedupe_key=f"transfers:receipt:{transfer.pk}",
        )
    return sent
