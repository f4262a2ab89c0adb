"""发文字号 and 收文编号: per (organisation, prefix, year) sequences that never repeat or skip.

`next_serial` must run inside the transaction that stores the number. It locks the sequence row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite serialises writers), so two concurrent issues wait
for each other; a transaction that rolls back gives its number back with it, so no gap is left.
The row is created on first use with an INSERT that ignores a concurrent twin.
"""

from django.db import transaction

from dangjian.documents.models import NumberSequence

RECEIPT_PREFIX = "收"  # the sequence of 收文编号, per receiving organisation and year


def next_serial(organization, prefix: str, year: int) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_serial must run inside the transaction that uses the number")
    NumberSequence.objects.bulk_create(
        [NumberSequence(organization=organization, prefix=prefix, year=year, last=0)],
        ignore_conflicts=True,
    )
    sequence = NumberSequence.objects.select_for_update().get(
        organization=organization, prefix=prefix, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def document_number(prefix: str, year: int, serial: int) -> str:
    """`一矿党〔2026〕7号`: 六角括号, no leading zeros, no 第 (domain §8.2)."""
    return f"{prefix}〔{year}〕{serial}号"


def register_number(year: int, serial: int) -> str:
    """The receiving side's 收文编号, e.g. `收〔2026〕12号`."""
    return f"{RECEIPT_PREFIX}〔{year}〕{serial}号"
