"""A fingerprint of the seeded data, to show that the same seed gives the same database.

Only content is hashed, never primary keys or timestamps of insertion, so two fresh databases
seeded alike give the same digest. Mobile numbers are left out: they are stored encrypted with a
random nonce, and decrypting 150 000 of them would only slow the command down.
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
    return {"tree": _hash(tree), "people": _hash(people), "committees": _hash(posts)}
