"""Writing the audit log. Every service write calls `audit_log` inside its own transaction."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from dangjian.audit.models import AuditEntry, AuditHead
from dangjian.core.request_context import current_ip

GENESIS_HASH = "0" * 64


def _canonical(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def entry_hash(entry: AuditEntry) -> str:
    """The hash of an entry's content chained to the previous entry's hash."""
    content = {
        "created_at": entry.created_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "ip": entry.ip,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "organization_path": entry.organization_path,
        "before": entry.before,
        "after": entry.after,
        "result": entry.result,
        "message": entry.message,
    }
    payload = entry.prev_hash + _canonical(content)
    return hashlib.sha256(payload.encode()).hexdigest()


def _json_safe(value):
    if value is None:
        return None
    return json.loads(_canonical(value))


def audit_log(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    organization=None,
    organization_path: str = "",
    before: dict | None = None,
    after: dict | None = None,
    success: bool = True,
    message: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain.

    Called inside the caller's transaction, the entry commits or rolls back with the change it
    records. The chain head row is locked while appending, so entries from concurrent requests are
    serialised and the chain never forks.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    if organization is not None:
        organization_path = organization.path
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
            head = AuditHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor if authenticated else None,
            actor_name=str(actor)[:150] if authenticated else "",
            ip=(ip if ip is not None else current_ip())[:45],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            object_repr=object_repr[:300],
            organization_path=organization_path,
            before=_json_safe(before),
            after=_json_safe(after),
            result=AuditEntry.Result.SUCCESS if success else AuditEntry.Result.FAILURE,
            message=message[:500],
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(last_hash=entry.hash, last_id=entry.pk)
    return entry


def snapshot(instance, fields) -> dict:
    """A before/after dictionary of chosen fields, for audit entries."""
    data = {}
    for name in fields:
        value = getattr(instance, name)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = value
    return _json_safe(data)
