"""Numbering and issuing the 介绍信 (domain §4): numbered per issuing committee per year,
without gaps or repeats. The committee's counter row is locked (`select_for_update`) while a
number is taken, so two letters issued at the same moment wait for each other; the unique
constraint on (committee, year, serial) is the last guard."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction

from dangjian.core.exceptions import RuleViolation
from dangjian.core.rules import rule_source, rule_value
from dangjian.transfers.models import Letter, LetterCounter, Transfer
from dangjian.transfers.rules import (
    VALIDITY_IN_CITY_DAYS,
    VALIDITY_MAX_DAYS,
    VALIDITY_OUT_OF_CITY_DAYS,
)
from dangjian.transfers.services.common import TransferRefused


def default_validity(transfer: Transfer, on: date | None = None) -> int:
    key = VALIDITY_IN_CITY_DAYS if transfer.in_city else VALIDITY_OUT_OF_CITY_DAYS
    return int(rule_value(key, on=on))


def check_validity(days, on: date) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise TransferRefused("请填写介绍信有效期（天数，至少 1 天）。", field="validity_days")
    most = int(rule_value(VALIDITY_MAX_DAYS, on=on))
    if days > most:
        raise RuleViolation(
            f"介绍信有效期不能超过 {most} 天，您填写的是 {days} 天。",
            rule_key=VALIDITY_MAX_DAYS,
            source=rule_source(VALIDITY_MAX_DAYS, on=on),
            remedy=f"请改为不超过 {most} 天。",
        )
    return days


def next_serial(committee, year: int) -> int:
    """Take the committee's next serial for the year (the counter row stays locked until the
    caller's transaction ends)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                LetterCounter.objects.get_or_create(committee=committee, year=year)
        except IntegrityError:
            pass  # created by a concurrent caller: lock theirs
        counter = LetterCounter.objects.select_for_update().get(committee=committee, year=year)
        counter.last_serial += 1
        counter.save(update_fields=["last_serial"])
        return counter.last_serial


def letter_number(committee, year: int, serial: int) -> str:
    return f"{committee.display_name}组转〔{year}〕第{serial:04d}号"


def letter_issue(
    *, actor, transfer: Transfer, issued_on: date, validity_days: int, dues_paid_through
):
    committee = transfer.issuing_committee
    serial = next_serial(committee, issued_on.year)
    return Letter.objects.create(
        transfer=transfer,
        committee=committee,
        year=issued_on.year,
        serial=serial,
        number=letter_number(committee, issued_on.year, serial),
        issued_on=issued_on,
        validity_days=validity_days,
        valid_until=issued_on + timedelta(days=validity_days),
        dues_paid_through=dues_paid_through,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def current_letter(transfer: Transfer) -> Letter | None:
    return transfer.letters.filter(voided_on__isnull=True).order_by("-id").first()


def void_letters(transfer: Transfer, day: date, reason: str) -> None:
    transfer.letters.filter(voided_on__isnull=True).update(voided_on=day, void_reason=reason[:200])
