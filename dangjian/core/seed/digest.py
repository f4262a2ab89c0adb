"""A fingerprint of the seeded data, to show that the same seed gives the same database.

Only content is hashed, never primary keys or timestamps of insertion, so two fresh databases
seeded alike give the same digest. The encrypted columns (ID number, mobile, address) are left
out: they are stored with a random nonce, and decrypting 150 000 of each would only slow the
command down; their lookup hashes are left out too, because they depend on the machine's key.
"""

import hashlib
import json

from dangjian.members.models import Member
from dangjian.orgs.models import CommitteePost, Organization


def _hash(rows) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, ensure_ascii=False, default=str).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def database_digest() -> dict[str, str]:
    tree = Organization.objects.order_by("path").values_list(
        "path", "code", "name", "org_type", "depth", "numchild", "member_count", "full_member_count"
    )
    people = Member.objects.order_by("person__work_number").values_list(
        "person__work_number",
        "person__name",
        "person__gender",
        "person__birth_date",
        "person__post",
        "person__employment",
        "person__unit__code",
        "organization__path",
        "party_group__path",
        "category",
        "joined_on",
        "full_member_on",
        "is_floating",
        "floating_since",
        "is_lost_contact",
        "lost_contact_since",
    )
    records = Member.objects.order_by("person__work_number").values_list(
        "person__work_number",
        "person__pinyin_key",
        "person__ethnicity",
        "person__native_place",
        "person__education",
        "person__degree",
        "person__education_mode",
        "person__school",
        "person__major",
        "person__occupation",
        "person__title_level",
        "person__title",
        "person__skill_level",
        "person__retired_on",
        "person__organization__path",
    )
    posts = CommitteePost.objects.order_by(
        "committee__organization__path", "sort_order"
    ).values_list(
        "committee__organization__path",
        "committee__term_start",
        "committee__term_end",
        "post",
        "person__work_number",
    )
    return {
        "tree": _hash(tree),
        "people": _hash(people),
        "records": _hash(records),
        "committees": _hash(posts),
    }


def lifecycle_digest() -> dict[str, str]:
    """The lifecycle data (development cases and dues) by content, keyed by work numbers."""
    from dangjian.development.models import CaseStep, DevelopmentCase, Sponsor
    from dangjian.dues.models import DuesBase, LedgerEntry

    cases = DevelopmentCase.objects.order_by("person__work_number").values_list(
        "person__work_number", "person__name", "organization__path", "state", "applied_on",
        "received_on", "activist_on", "candidate_on", "accepted_on", "approved_on",
        "converted_on",
    )  # fmt: skip
    steps = CaseStep.objects.order_by("case__person__work_number", "done_on", "number").values_list(
        "case__person__work_number", "code", "done_on", "from_state", "to_state",
        "document_number",
    )  # fmt: skip
    sponsors = Sponsor.objects.order_by(
        "case__person__work_number", "kind", "member__person__work_number"
    ).values_list("case__person__work_number", "kind", "member__person__work_number")
    bases = DuesBase.objects.order_by("member__person__work_number", "year").values_list(
        "member__person__work_number", "year", "category", "base", "rate", "monthly_amount"
    )
    ledger = LedgerEntry.objects.order_by("member__person__work_number", "month").values_list(
        "member__person__work_number", "month", "amount_due", "amount_paid", "status",
        "paid_on", "channel", "payer_name",
    )  # fmt: skip
    return {
        "development": _hash([*cases, *steps, *sponsors]),
        "dues": _hash([*bases, *ledger]),
    }
