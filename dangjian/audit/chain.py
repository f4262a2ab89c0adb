"""The hash of one audit entry, chained to the previous entry's hash."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64


def canonical(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def _floats_as_text(value):
    # A JSON float may come back from the database spelled differently (1e+20 vs
    # 100000000000000000000 from PostgreSQL jsonb), which would change the hash; text does not.
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {key: _floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(item) for item in value]
    return value


def json_safe(value):
    """The value as it will read back from a JSON column (None stays None)."""
    if value is None:
        return None
    return _floats_as_text(json.loads(canonical(value)))


def entry_hash(entry) -> str:
    """SHA-256 over the previous hash and the entry's content in canonical JSON."""
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
    payload = entry.prev_hash + canonical(content)
    return hashlib.sha256(payload.encode()).hexdigest()
