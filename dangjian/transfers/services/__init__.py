"""Writes of 组织关系转接: `outgoing` (request → letter → receipt), `incoming` (the in-tree
one-click accept and the registration of members from outside), `letters` (numbering) and
`common` (locking, state and date checks, the timeline and audit of each step)."""

from dangjian.transfers.services.common import TransferRefused, committee_of
from dangjian.transfers.services.incoming import (
    transfer_accept,
    transfer_accept_incoming,
    transfer_assign,
    transfer_register_incoming,
    transfer_send_receipt,
    transfer_verify,
)
from dangjian.transfers.services.outgoing import (
    CANCELLABLE,
    paid_through,
    transfer_branch_approve,
    transfer_cancel,
    transfer_close,
    transfer_issue_letter,
    transfer_mark_expired,
    transfer_mark_lost,
    transfer_record_receipt,
    transfer_record_received,
    transfer_reissue,
    transfer_request,
)

__all__ = [
    "CANCELLABLE",
    "TransferRefused",
    "committee_of",
    "paid_through",
    "transfer_accept",
    "transfer_accept_incoming",
    "transfer_assign",
    "transfer_branch_approve",
    "transfer_cancel",
    "transfer_close",
    "transfer_issue_letter",
    "transfer_mark_expired",
    "transfer_mark_lost",
    "transfer_record_receipt",
    "transfer_record_received",
    "transfer_register_incoming",
    "transfer_reissue",
    "transfer_request",
    "transfer_send_receipt",
    "transfer_verify",
]
