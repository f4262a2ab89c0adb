"""One place that maps a step's name to its service call."""

from dangjian.transfers import services as svc


def run_step(verb: str, user, transfer, data: dict):
    """Call the service of one step with the parsed input (shared by the pages and the API)."""
    common = {"actor": user, "transfer": transfer}
    calls = {
        "branch_approve": lambda: svc.transfer_branch_approve(
            **common, approved_on=data["approved_on"]
        ),
        "issue_letter": lambda: svc.transfer_issue_letter(
            **common,
            issued_on=data["issued_on"],
            validity_days=data.get("validity_days"),
            dues_paid_through=data.get("dues_paid_through"),
        ),
        "reissue": lambda: svc.transfer_reissue(
            **common,
            issued_on=data["issued_on"],
            validity_days=data.get("validity_days"),
            dues_paid_through=data.get("dues_paid_through"),
        ),
        "received": lambda: svc.transfer_record_received(**common, received_on=data["received_on"]),
        "receipt": lambda: svc.transfer_record_receipt(**common, receipt_on=data["receipt_on"]),
        "close": lambda: svc.transfer_close(**common, closed_on=data["closed_on"]),
        "expire": lambda: svc.transfer_mark_expired(**common),
        "lost": lambda: svc.transfer_mark_lost(
            **common, reported_on=data["reported_on"], reason=data["reason"]
        ),
        "accept": lambda: svc.transfer_accept(
            **common, accepted_on=data["accepted_on"], branch=data.get("branch")
        ),
        "verify": lambda: svc.transfer_verify(
            **common,
            verified_on=data["verified_on"],
            method=data["verify_method"],
            archive_note=data.get("archive_note", ""),
        ),
        "accept_in": lambda: svc.transfer_accept_incoming(
            **common, accepted_on=data["accepted_on"]
        ),
        "assign": lambda: svc.transfer_assign(
            **common, assigned_on=data["assigned_on"], branch=data.get("branch")
        ),
        "send_receipt": lambda: svc.transfer_send_receipt(**common, sent_on=data["sent_on"]),
        "cancel": lambda: svc.transfer_cancel(**common, reason=data["reason"]),
    }
    return calls[verb]()
