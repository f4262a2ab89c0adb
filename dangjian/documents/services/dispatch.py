"""Distribution: the addresses of a document (主送/抄送: organisations, subtrees, people) become
one `Receipt` per recipient when it is issued.

A document sent to a mine's subtree reaches thousands of organisations; the expansion reads the
organisations in one query per address, writes receipts with bulk INSERTs of 1 000 and sets the
document's `recipient_count` once. An organisation named twice gets one receipt (主送 wins over
抄送); the issuer never receives its own document; 党小组 only receive when named, or when the
address asks for that type.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from dangjian.core.workdays import add_working_days
from dangjian.documents.models import DocumentAddress, Receipt, Urgency
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

CHUNK = 1000

# What `DocumentAddress.org_type` may say, and the organisation types it selects.
ORG_TYPE_FILTERS: dict[str, tuple[str, ...]] = {
    "": tuple(t for t in OrgType.values if t != OrgType.GROUP),
    "branch": tuple(BRANCH_TYPES),
    "committee": (OrgType.COMMITTEE,),
    "general_branch": (OrgType.GENERAL_BRANCH,),
    "group": (OrgType.GROUP,),
}
ORG_TYPE_LABELS = {
    "": "全部党组织（不含党小组）",
    "branch": "党支部",
    "committee": "党委",
    "general_branch": "党总支",
    "group": "党小组",
}


@dataclass(frozen=True)
class Recipient:
    organization_id: int | None
    user_id: int | None
    role: str
    sort_key: str


def sign_due_at(sent_at: datetime.datetime, urgency: str) -> datetime.datetime:
    """Domain §8.3: 急件 are signed for the same day; others within one working day."""
    local = timezone.localtime(sent_at)
    day = local.date()
    if urgency == Urgency.NORMAL:
        day = add_working_days(day, 1)
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def expand_addresses(document) -> list[Recipient]:
    """The recipients of the document's addresses, in copy-number order (tree order, then
    people by name)."""
    found: dict[tuple[str, int], Recipient] = {}
    addresses = document.addresses.select_related("organization", "user")
    for address in addresses:
        for recipient in _address_recipients(address, document.issuer_id):
            key = (
                ("org", recipient.organization_id)
                if recipient.organization_id
                else (
                    "user",
                    recipient.user_id,
                )
            )
            if key not in found or recipient.role == DocumentAddress.Role.MAIN:
                found[key] = recipient
    return sorted(found.values(), key=lambda r: r.sort_key)


def _address_recipients(address, issuer_id: int):
    if address.user_id:
        if address.user.is_active:
            yield Recipient(None, address.user_id, address.role, "~" + address.user.display_name)
        return
    root = address.organization
    if address.include_subtree:
        types = ORG_TYPE_FILTERS.get(address.org_type, ORG_TYPE_FILTERS[""])
        rows = Organization.objects.filter(
            path__startswith=root.path, is_active=True, org_type__in=types
        ).values_list("pk", "path")
    else:
        rows = [(root.pk, root.path)] if root.is_active else []
    for pk, path in rows:
        if pk != issuer_id:
            yield Recipient(pk, None, address.role, path)


def create_receipts(document, recipients: list[Recipient], *, sent_at) -> int:
    """Write the receipts of an issued document (inside the issuing transaction)."""
    due = sign_due_at(sent_at, document.urgency)
    source = document.signatory or document.issuer.name
    batch: list[Receipt] = []
    for copy_no, recipient in enumerate(recipients, start=1):
        batch.append(
            Receipt(
                document=document,
                organization_id=recipient.organization_id,
                user_id=recipient.user_id,
                role=recipient.role,
                copy_no=copy_no,
                doc_type=document.doc_type,
                title=document.title,
                number=document.number,
                source_name=source,
                urgency=document.urgency,
                classification=document.classification,
                reply_required=document.reply_required,
                deadline=document.deadline,
                sent_at=sent_at,
                sign_due_at=due,
            )
        )
        if len(batch) == CHUNK:
            Receipt.objects.bulk_create(batch)
            batch = []
    if batch:
        Receipt.objects.bulk_create(batch)
    return len(recipients)


@dataclass(frozen=True)
class AddressSpec:
    """One line of a distribution as a form or the API gives it to the services."""

    role: str = DocumentAddress.Role.MAIN
    organization: Organization | None = None
    include_subtree: bool = False
    org_type: str = ""
    user: object | None = None

    def as_address(self, document) -> DocumentAddress:
        return DocumentAddress(
            document=document,
            role=self.role,
            organization=self.organization,
            include_subtree=self.include_subtree and self.organization is not None,
            org_type=self.org_type if self.include_subtree else "",
            user=self.user,
        )
