"""Writing the audit log. Every service write calls `audit_log` inside its own transaction.

Also the audit app's own writes: the retention purge, verification runs and starting exports.
"""

import datetime
import secrets
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from dangjian.audit import actions
from dangjian.audit.chain import GENESIS_HASH, entry_hash, json_safe
from dangjian.audit.models import AuditAnchor, AuditEntry, AuditHead, AuditVerification
from dangjian.audit.permissions import EXPORT_LOG, VIEW_LOG
from dangjian.audit.rules import RETENTION_DAYS
from dangjian.audit.triggers import MINIMUM_RETENTION_DAYS
from dangjian.core.request_context import current_ip
from dangjian.core.rules import rule_value
from dangjian.core.scope import has_permission

__all__ = [
    "GENESIS_HASH",
    "PURGE_ACTION",
    "audit_export_start",
    "audit_log",
    "audit_purge",
    "audit_verify",
    "audit_verify_start",
    "entry_hash",
    "snapshot",
]

PURGE_ACTION = actions.PURGE
EXPORT_JOB_KIND = "audit.export"
VERIFY_JOB_KIND = "audit.verify"
_PURGE_BATCH = 5000


def _locked_head() -> AuditHead:
    """The chain head row, locked until the end of the transaction (created if missing)."""
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # Normally made by migration 0003; `flush` empties the table, so make it again.
        AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


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
    actor_name: str = "",
) -> AuditEntry:
    """Append one entry to the chain.

    Called inside the caller's transaction, the entry commits or rolls back with the change it
    records. The chain head row is locked while appending, so entries from concurrent requests are
    serialised and the chain never forks. `actor_name` names who acted when there is no account
    (a failed login with an unknown login name); with an actor, the account's name is used.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    if organization is not None:
        organization_path = organization.path
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        head = _locked_head()
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor if authenticated else None,
            actor_name=(str(actor) if authenticated else actor_name)[:150],
            ip=(ip if ip is not None else current_ip())[:45],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            object_repr=object_repr[:300],
            organization_path=organization_path,
            before=json_safe(before),
            after=json_safe(after),
            result=AuditEntry.Result.SUCCESS if success else AuditEntry.Result.FAILURE,
            message=message[:500],
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save()
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
    return json_safe(data)


# --- retention -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    cutoff: datetime.datetime
    retention_days: int
    anchor: AuditAnchor | None


def retention_days(now: datetime.datetime | None = None) -> int:
    """The retention in force, never below the legal minimum whatever the rule table says."""
    day = timezone.localdate(now) if now else None
    return max(int(rule_value(RETENTION_DAYS, on=day)), MINIMUM_RETENTION_DAYS)


def audit_purge(*, actor=None, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete the entries older than the retention, oldest first, and leave an anchor.

    The entries removed are the head of the chain up to the first entry young enough to keep;
    the anchor records where the kept chain starts and the hash it must start from, and an
    `audit.purge` entry in the chain confirms the anchor, so verification still passes.
    """
    now = now or timezone.now()
    days = retention_days(now)
    cutoff = now - datetime.timedelta(days=days)
    with transaction.atomic():
        head = _locked_head()
        kept = AuditEntry.objects.filter(created_at__gte=cutoff).order_by("id")
        first_kept_id = kept.values_list("id", flat=True).first() or head.last_id + 1
        last_purged = (
            AuditEntry.objects.filter(id__lt=first_kept_id).order_by("-id").only("hash").first()
        )
        purged, anchor = 0, None
        if last_purged is not None:
            purged = _delete_below(first_kept_id)
            anchor = AuditAnchor.objects.create(
                first_kept_id=first_kept_id,
                expected_prev_hash=last_purged.hash,
                purged_count=purged,
                purged_before=cutoff,
            )
        audit_log(
            actor=actor,
            action=actions.PURGE,
            object_type="audit.auditanchor" if anchor else "",
            object_id=str(anchor.pk) if anchor else "",
            after=_anchor_record(anchor, purged, cutoff, days),
            message=f"清理保留期（{days} 天）已满的审计记录 {purged} 条",
        )
    return PurgeResult(purged=purged, cutoff=cutoff, retention_days=days, anchor=anchor)


def _delete_below(first_kept_id: int) -> int:
    purged = 0
    while deleted := AuditEntry.objects.purge_oldest(
        below_id=first_kept_id, batch_size=_PURGE_BATCH
    ):
        purged += deleted
    return purged


def _anchor_record(anchor, purged, cutoff, days) -> dict:
    record = {"purged_count": purged, "purged_before": cutoff, "retention_days": days}
    if anchor is not None:
        record |= {
            "anchor_id": anchor.pk,
            "first_kept_id": anchor.first_kept_id,
            "expected_prev_hash": anchor.expected_prev_hash,
        }
    return record


# --- verification ----------------------------------------------------------------------------


def audit_verify(*, actor=None, progress=None) -> AuditVerification:
    """Walk the chain, store the result for the audit page and record that it was checked."""
    from dangjian.audit.verify import verify_chain

    started_at = timezone.now()
    result = verify_chain(progress=progress)
    broken = result.broken
    with transaction.atomic():
        verification = AuditVerification.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            ok=result.ok,
            checked_count=result.checked,
            broken_entry_id=broken.entry_id if broken else None,
            problem=broken.problem if broken else "",
            message=result.message[:500],
            triggered_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit_log(
            actor=actor,
            action=actions.VERIFY,
            obj=verification,
            object_repr=f"审计链校验 #{verification.pk}",
            success=result.ok,
            after={"checked": result.checked, "broken_entry_id": verification.broken_entry_id},
            message=result.message,
        )
    return verification


def audit_verify_start(*, actor):
    """Queue a verification run as a task; returns the job whose page shows its progress."""
    from dangjian.audit.tasks import verify_chain_task
    from dangjian.core.jobs import job_create

    _require(actor, VIEW_LOG)
    with transaction.atomic():
        job = job_create(owner=actor, kind=VERIFY_JOB_KIND, title="校验审计链")
        transaction.on_commit(partial(verify_chain_task.enqueue, str(job.pk)))
    return job


# --- export ----------------------------------------------------------------------------------


def audit_export_start(*, actor, filters: dict):
    """Queue an Excel export of the entries matching `filters` (the list page's query).

    The file gets a random name in the default storage; only the job's owner may download it.
    """
    from dangjian.audit.tasks import export_entries_task
    from dangjian.core.jobs import job_create

    _require(actor, EXPORT_LOG)
    file_name = f"audit-exports/{secrets.token_urlsafe(24)}.xlsx"
    with transaction.atomic():
        # The export shows the log as it stood when asked for, not the entries written later.
        until_id = AuditHead.objects.filter(pk=1).values_list("last_id", flat=True).first() or 0
        job = job_create(
            owner=actor,
            kind=EXPORT_JOB_KIND,
            title="导出审计日志",
            params={"filters": filters, "file": file_name, "until_id": until_id},
        )
        audit_log(
            actor=actor,
            action=actions.EXPORT,
            object_type="core.job",
            object_id=str(job.pk),
            object_repr="导出审计日志",
            after={"filters": filters},
            message="导出审计日志到 Excel",
        )
        transaction.on_commit(partial(export_entries_task.enqueue, str(job.pk)))
    return job


def audit_record_view(*, actor, filters: dict) -> None:
    """Reading the log is itself audited (who looked, with which filter)."""
    audit_log(actor=actor, action=actions.VIEW_LOG, after={"filters": filters})


def audit_record_entry_view(*, actor, entry: AuditEntry) -> None:
    audit_log(
        actor=actor,
        action=actions.VIEW_ENTRY,
        obj=entry,
        object_repr=f"审计记录 #{entry.pk}",
    )


def audit_record_download(*, actor, job) -> None:
    audit_log(
        actor=actor,
        action=actions.DOWNLOAD_EXPORT,
        object_type="core.job",
        object_id=str(job.pk),
        object_repr=job.title,
    )


def _require(actor, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied


# --- housekeeping ----------------------------------------------------------------------------

# Exported workbooks hold personal data (names, IPs); they are removed after this long (等保
# 8.1.4.10, residual information). The audit log itself keeps every entry of the export.
EXPORT_FILE_RETENTION = datetime.timedelta(days=7)


def audit_exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete exported workbooks older than the retention; returns how many files went."""
    from dangjian.core.jobs import job_files_expire

    cutoff = (now or timezone.now()) - EXPORT_FILE_RETENTION
    return job_files_expire(kind=EXPORT_JOB_KIND, created_before=cutoff)
