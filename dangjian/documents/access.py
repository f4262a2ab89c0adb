"""Who may see and act on documents and receipts — the one place every part asks.

- A `Document` (发文) belongs to its issuer: visible with `documents.view_document` (or any
  发文 permission) over the issuer's subtree (`Document.objects.visible_to`).
- A `Receipt` (收文) of an organisation is handled by holders of `documents.sign_receipt` over
  that organisation; a receipt addressed to a person is that person's own.
- A person a receipt was circulated to (传阅), or named to handle it (主办/协办), may read it
  and the document's text, and nothing else of the receipt.
- `signers_of` names, for many organisations at once, the people to notify: the holders of
  `documents.sign_receipt` granted on the organisation, or else on its nearest ancestor where
  anyone holds it (a branch's secretary, not every office up to the group).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from dangjian.accounts.holders import nearest_holders
from dangjian.core.scope import scope_of
from dangjian.documents.models import Circulation, Document, Handling, Receipt
from dangjian.documents.permissions import SIGN_RECEIPT, VIEW_DOCUMENT


def documents_visible_to(user, permission: str = VIEW_DOCUMENT):
    return Document.objects.visible_to(user, permission)


def receipts_handled_by(user):
    """Receipts the user may sign and work on: their organisations' and their own."""
    return Receipt.objects.visible_to(user, SIGN_RECEIPT)


def receipts_readable_by(user):
    """Receipts the user may open: handled by them, circulated to them, or given to them to
    handle (主办/协办)."""
    circulated = Circulation.objects.filter(receipt=OuterRef("pk"), reader=user)
    assigned = Handling.objects.filter(receipt=OuterRef("pk"), handler=user)
    handled = receipts_handled_by(user).values("pk")
    return Receipt.objects.filter(Q(pk__in=handled) | Exists(circulated) | Exists(assigned))


def can_handle(user, receipt: Receipt) -> bool:
    if receipt.user_id:
        return receipt.user_id == user.pk
    return scope_of(user).covers(SIGN_RECEIPT, receipt.organization.path)


def receipt_for_handler_or_404(user, pk) -> Receipt:
    try:
        return receipts_handled_by(user).select_related("organization", "document").get(pk=pk)
    except (Receipt.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def receipt_for_reader_or_404(user, pk) -> Receipt:
    try:
        return receipts_readable_by(user).select_related("organization", "document").get(pk=pk)
    except (Receipt.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def signers_of(organizations, permission: str = SIGN_RECEIPT) -> dict[int, list[int]]:
    """{organisation id: [user ids]} — the nearest level holding the permission, for each
    organisation (a fixed number of queries for any number of organisations)."""
    return nearest_holders(organizations, permission)
