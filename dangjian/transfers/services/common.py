"""What every transfer step shares: the locked row and its scope check, the state check, the
date checks, and the writing of one step (the timeline event and the audit entry)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope
from dangjian.orgs.models import Organization, OrgType
from dangjian.orgs.selectors import ancestor_paths
from dangjian.transfers.models import Event, State, Transfer

NOTE_MAX = 500
NAME_MAX = Transfer._meta.get_field("destination_name").max_length


class TransferRefused(ServiceError):
    """A refused step; `field` names the form field the message belongs to (or None)."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


def committee_of(organization: Organization) -> Organization | None:
    """The 基层党委 over an organisation: the nearest committee at or above it."""
    paths = [*ancestor_paths(organization.path), organization.path]
    return (
        Organization.objects.filter(path__in=paths, org_type=OrgType.COMMITTEE)
        .order_by("-depth")
        .first()
    )


def locked(actor, transfer: Transfer, permission: str, side: str) -> Transfer:
    """The transfer row locked for the transaction; 404 unless `permission` covers the side
    the step belongs to (`sender`, `committee` = the issuing committee, or `receiver`)."""
    row = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("sender", "receiver", "issuing_committee", "member", "person")
        .get(pk=transfer.pk)
    )
    if actor is not None:
        organization = {
            "sender": row.sender,
            "committee": row.issuing_committee,
            "receiver": row.receiver,
        }[side]
        if organization is None:
            raise ServiceError("该转接的这一方不在本平台，不能在此办理。")
        require_in_scope(actor, permission, organization.path)
    return row


def require_state(transfer: Transfer, allowed, step: str) -> None:
    if transfer.state in allowed:
        return
    current = transfer.get_state_display()
    raise TransferRefused(f"该转接当前为“{current}”，不能{step}。")


def check_day(value, label: str, *, field: str, after: date | None = None, after_label=""):
    """A party date: filled in, not in the future, not before the step it follows."""
    if not isinstance(value, date):
        raise TransferRefused(f"请填写{label}。", field=field)
    today = timezone.localdate()
    if value > today:
        raise TransferRefused(f"{label}不能晚于今天（{today:%Y-%m-%d}）。", field=field)
    if after is not None and value < after:
        raise TransferRefused(f"{label}不能早于{after_label}（{after:%Y-%m-%d}）。", field=field)
    return value


def text(value, label: str, *, field: str, required=True, limit=NOTE_MAX) -> str:
    cleaned = str(value or "").strip()
    if required and not cleaned:
        raise TransferRefused(f"请填写{label}。", field=field)
    if len(cleaned) > limit:
        raise TransferRefused(f"{label}不能超过 {limit} 字。", field=field)
    return cleaned


def write_step(actor, transfer: Transfer, *, state: str, day: date, verb: str, note="", **audit):
    """Save the transfer in its new state, then its timeline event and audit entry."""
    before = transfer.state
    transfer.state = state
    transfer.save()
    label = State(state).label
    Event.objects.create(
        transfer=transfer,
        state=state,
        happened_on=day,
        note=note[:300],
        actor=_account(actor),
        actor_name=(getattr(actor, "display_name", "") or "") if actor else "系统",
    )
    audit_log(
        actor=actor,
        action=f"transfers.transfer_{verb}",
        obj=transfer,
        organization=transfer.sender or transfer.receiver,
        before={"state": before},
        after={"state": state, **audit},
        message=f"{transfer.person.name}：{label}（{day:%Y-%m-%d}）{note}"[:200],
        actor_name="" if actor else "系统",
    )
    return transfer


def _account(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
