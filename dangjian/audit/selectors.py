"""Reading the audit log: the audit administrator (audit.view_log) reads it; the security
administrator (audit.view_auditor_log) reads only what the audit administrators did."""

import datetime
import json
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from dangjian.audit.chain import entry_hash
from dangjian.audit.models import AuditEntry, AuditVerification
from dangjian.audit.permissions import VIEW_AUDITOR_LOG, VIEW_LOG
from dangjian.core.scope import has_permission

PAGE_SIZE = 50
_PERSON_MATCHES = 200  # accounts a person search may match; more means "be more precise"
_ACCOUNT = "accounts.user"


def can_read_log(user) -> bool:
    return has_permission(user, VIEW_LOG) or has_permission(user, VIEW_AUDITOR_LOG)


def entries_visible_to(user):
    """The audit administrator's subtree; for the security administrator, the audit
    administrators' own actions (what they read, exported and verified, and their logins)."""
    entries = AuditEntry.objects.visible_to(user, VIEW_LOG)
    if has_permission(user, VIEW_AUDITOR_LOG):
        entries = entries | AuditEntry.objects.filter(_auditors_actions())
    return entries


def _auditors_actions() -> Q:
    assignment = apps.get_model("accounts", "RoleAssignment")
    auditors = assignment.objects.filter(admin_kind="audit").values("user_id")
    return Q(actor_id__in=auditors)


def entry_for(user, entry_id) -> AuditEntry:
    """One entry, or 404 for anyone who may not read it (missing and forbidden look alike)."""
    try:
        return entries_visible_to(user).get(pk=entry_id)
    except (AuditEntry.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def filtered_entries(user, filters: dict):
    """The user's visible entries narrowed by the cleaned filter form values."""
    entries = entries_visible_to(user)
    if person := filters.get("person"):
        entries = entries.filter(_person_condition(person))
    if action := filters.get("action"):
        if action.endswith(".*"):
            entries = entries.filter(action__startswith=action[:-1])
        else:
            entries = entries.filter(action=action)
    if organization := filters.get("organization"):
        entries = entries.filter(organization_path__startswith=organization.path)
    if start := filters.get("date_from"):
        entries = entries.filter(created_at__gte=_start_of(start))
    if end := filters.get("date_to"):
        entries = entries.filter(created_at__lt=_start_of(end + datetime.timedelta(days=1)))
    if result := filters.get("result"):
        entries = entries.filter(result=result)
    return entries


def _person_condition(term: str) -> Q:
    """Entries by the accounts whose login name is `term` or whose name contains it, plus the
    attempts on those accounts made without being logged in (failed logins, lockouts) and
    failed logins that typed `term` as an unknown login name. Each branch uses an index."""
    user_ids = list(
        get_user_model()
        .objects.filter(Q(username=term) | Q(display_name__icontains=term))
        .values_list("pk", flat=True)[:_PERSON_MATCHES]
    )
    anonymous = Q(actor__isnull=True, object_type=_ACCOUNT)
    attempts = anonymous & (
        Q(object_id__in=[str(pk) for pk in user_ids]) | Q(object_id="", object_repr=term)
    )
    return Q(actor_id__in=user_ids) | attempts


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class EntryPage:
    """One keyset page, newest first: `newer`/`older` are the cursors for the pager links."""

    entries: list
    newer: int | None
    older: int | None


def entry_page(entries, *, before: int | None = None, after: int | None = None) -> EntryPage:
    """Keyset pagination on id: constant cost on any page, even with a million rows."""
    if after is not None:
        rows = list(entries.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        more_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        more_older = bool(rows) and entries.filter(id__lt=rows[-1].pk).exists()
    else:
        scoped = entries.filter(id__lt=before) if before is not None else entries
        rows = list(scoped.order_by("-id")[: PAGE_SIZE + 1])
        more_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        more_newer = bool(rows) and before is not None
        more_newer = more_newer and entries.filter(id__gt=rows[0].pk).exists()
    return EntryPage(
        entries=rows,
        newer=rows[0].pk if rows and more_newer else None,
        older=rows[-1].pk if rows and more_older else None,
    )


def organization_names(paths) -> dict[str, str]:
    """Display names of the organisations with these paths, in one query."""
    from dangjian.orgs.models import Organization

    wanted = {path for path in paths if path}
    if not wanted:
        return {}
    rows = Organization.objects.filter(path__in=wanted).only("path", "name", "short_name")
    return {org.path: org.display_name for org in rows}


def last_verification() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-id").first()


@dataclass(frozen=True)
class DiffRow:
    field: str
    label: str
    before: str
    after: str
    changed: bool


def diff_rows(entry: AuditEntry) -> list[DiffRow]:
    """The before/after table of an entry: one row per field named on either side."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    if not before and not after and (entry.before is not None or entry.after is not None):
        before, after = {"值": entry.before}, {"值": entry.after}
    model = _model_of(entry.object_type)
    fields = sorted(dict.fromkeys([*before, *after]), key=_field_order(model))
    return [
        DiffRow(
            field=name,
            label=_field_label(model, name),
            before=_shown(before, name),
            after=_shown(after, name),
            changed=before.get(name) != after.get(name),
        )
        for name in fields
    ]


def _model_of(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field_order(model):
    """Sort key: the model's own field order first, then other keys as they came."""
    names = [field.name for field in model._meta.get_fields()] if model else []
    return lambda name: names.index(name) if name in names else len(names)


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name) if model else name
    except FieldDoesNotExist:
        return name


def _shown(data: dict, name: str) -> str:
    if name not in data:
        return ""
    value = data[name]
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def entry_intact(entry: AuditEntry) -> bool:
    """Does this single entry still match its own hash?"""
    return entry_hash(entry) == entry.hash


@dataclass(frozen=True)
class LogPage:
    """Everything the list page shows for one request."""

    page: EntryPage
    organization_names: dict
    verification: AuditVerification | None


def empty_log_page() -> LogPage:
    """The page shown while the filter is invalid: no rows, the chain status still."""
    return LogPage(EntryPage([], None, None), {}, last_verification())


def log_page(user, filters: dict, *, before=None, after=None) -> LogPage:
    page = entry_page(filtered_entries(user, filters), before=before, after=after)
    names = organization_names(entry.organization_path for entry in page.entries)
    return LogPage(page=page, organization_names=names, verification=last_verification())
