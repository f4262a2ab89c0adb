"""Writing a checked plan in bulk, and undoing a whole batch.

Both run inside the caller's transaction. The pieces are the ones `record_save` uses
(`derived_fields`, `values_of`, `changes_between`, `refresh_counts`), so an imported row ends
up exactly like a typed one: same derived columns, same history entries, same counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.db.models import ForeignKey
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.members.importing.validate import Plan, RowPlan
from dangjian.members.models import (
    ImportBatch,
    ImportRecord,
    Member,
    MemberDocument,
    Person,
    RecordChange,
    RewardPunishment,
    StatusChange,
)
from dangjian.members.services.people import (
    MEMBER_FIELDS,
    PERSON_FIELDS,
    changes_between,
    derived_fields,
    refresh_counts,
    values_of,
)
from dangjian.orgs.models import CommitteePost, Organization, Unit

BATCH_SIZE = 500
PERSON_WRITTEN = [
    *PERSON_FIELDS, "pinyin_key", "id_number_hash", "mobile_hash", "organization", "updated_at",
]  # fmt: skip
MEMBER_WRITTEN = [*MEMBER_FIELDS, "updated_at"]
RELATED = (
    "organization",
    "unit",
    "membership",
    "membership__organization",
    "membership__party_group",
)


def chunks(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# ------------------------------------------------------------------ write


@dataclass
class _Entry:
    row: RowPlan
    person: Person
    member: Member | None
    created: bool
    scope_before: int | None  # the person's organisation before the import (undo restores it)


def write_plan(*, actor, batch: ImportBatch, plan: Plan) -> tuple[int, int]:
    """Create and update the plan's people and memberships; returns (created, updated)."""
    now = timezone.now()
    entries = []
    for row in plan.rows:
        person = row.person or Person()
        scope_before = person.organization_id
        member = getattr(person, "membership", None) if row.person else None
        _assign_person(person, row.values, now)
        entries.append(_Entry(row, person, member, row.person is None, scope_before))
    Person.objects.bulk_create([e.person for e in entries if e.created], batch_size=BATCH_SIZE)
    Person.objects.bulk_update(
        [e.person for e in entries if not e.created], PERSON_WRITTEN, batch_size=BATCH_SIZE
    )
    new_members, changed_members = [], []
    for entry in entries:
        if entry.member is None:
            entry.member = Member(person=entry.person)
            new_members.append(entry.member)
        else:
            changed_members.append(entry.member)
        _assign_member(entry.member, entry.row.values, now)
        entry.person.membership = entry.member
    Member.objects.bulk_create(new_members, batch_size=BATCH_SIZE)
    Member.objects.bulk_update(changed_members, MEMBER_WRITTEN, batch_size=BATCH_SIZE)
    _history_and_records(actor, batch, entries)
    refresh_counts(*_organizations_touched(plan))
    created = sum(1 for entry in entries if entry.created)
    return created, len(entries) - created


def _assign_person(person: Person, values: dict, now) -> None:
    for name in PERSON_FIELDS:
        setattr(person, name, values.get(name, getattr(person, name)) or _blank(name))
    derived_fields(person, organization=values.get("organization"))
    person.updated_at = now


def _assign_member(member: Member, values: dict, now) -> None:
    for name in MEMBER_FIELDS:
        setattr(member, name, values.get(name))
    member.is_floating = bool(member.is_floating)
    member.is_lost_contact = bool(member.is_lost_contact)
    member.floating_destination = member.floating_destination or ""
    member.updated_at = now


def _blank(name: str):
    model_field = Person._meta.get_field(name)
    return None if model_field.null else model_field.get_default()


def _history_and_records(actor, batch: ImportBatch, entries) -> None:
    authenticated = getattr(actor, "is_authenticated", False)
    note = f"Excel 导入：{batch.file_name}"[:200]
    changes, records = [], []
    for entry in entries:
        diff = changes_between(entry.row.before, values_of(entry.person, entry.member))
        if diff or entry.created:
            changes.append(
                RecordChange(
                    person=entry.person,
                    source=RecordChange.Source.IMPORT,
                    changes=diff,
                    note=note,
                    actor=actor if authenticated else None,
                    actor_name=getattr(actor, "display_name", "") or "",
                )
            )
        records.append(
            ImportRecord(
                batch=batch,
                person=entry.person,
                row_number=entry.row.number,
                action=ImportRecord.Action.CREATED
                if entry.created
                else ImportRecord.Action.UPDATED,
                before="" if entry.created else encode_before(entry.scope_before, entry.row.before),
            )
        )
    RecordChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    ImportRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)


def _organizations_touched(plan: Plan) -> set:
    touched = set()
    for row in plan.rows:
        for values in (row.values, row.before):
            touched.update(
                org for org in (values.get("organization"), values.get("party_group")) if org
            )
    return touched


# ------------------------------------------------------------------ the `before` snapshot


def encode_before(person_organization_id, before: dict) -> str:
    """The old values as JSON (foreign keys by id, dates in ISO form); `_member` says whether a
    membership existed, `_organization` is the person's scope organisation."""
    data = {"_organization": person_organization_id, "_member": "organization" in before}
    for name, value in before.items():
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, date):
            value = value.isoformat()
        data[name] = value
    return json.dumps(data, ensure_ascii=False)


def _model_field(name: str):
    model = Person if name in PERSON_FIELDS else Member
    return model._meta.get_field(name)


def decode_before(text: str, references: dict) -> tuple[dict, int | None, bool]:
    data = json.loads(text)
    values = {}
    for name, value in data.items():
        if name.startswith("_"):
            continue
        model_field = _model_field(name)
        if isinstance(model_field, ForeignKey):
            value = references.get((model_field.related_model, value)) if value else None
        elif value and model_field.get_internal_type() == "DateField":
            value = date.fromisoformat(value)
        values[name] = value
    return values, data.get("_organization"), data.get("_member", True)


# ------------------------------------------------------------------ undo


def changed_since_import(batch: ImportBatch, records: list[ImportRecord]) -> list[str]:
    """Names of the batch's people changed after the import by anyone or anything else."""
    ids = [record.person_id for record in records if record.person_id]
    created = {r.person_id for r in records if r.action == ImportRecord.Action.CREATED}
    after = batch.imported_at
    changed: set[int] = set()
    for chunk in chunks(ids):
        changed.update(
            RecordChange.objects.filter(person_id__in=chunk, changed_at__gt=after).values_list(
                "person_id", flat=True
            )
        )
        changed.update(
            Person.objects.filter(pk__in=chunk, updated_at__gt=after).values_list("pk", flat=True)
        )
        changed.update(
            Member.objects.filter(person_id__in=chunk, updated_at__gt=after).values_list(
                "person_id", flat=True
            )
        )
        changed.update(
            StatusChange.objects.filter(member__person_id__in=chunk)
            .filter(created_at__gt=after)
            .values_list("member__person_id", flat=True)
        )
        new = [pk for pk in chunk if pk in created]  # deleting these would take their files
        changed.update(
            MemberDocument.objects.filter(person_id__in=new).values_list("person_id", flat=True)
        )
        changed.update(
            RewardPunishment.objects.filter(member__person_id__in=new).values_list(
                "member__person_id", flat=True
            )
        )
        changed.update(
            CommitteePost.objects.filter(person_id__in=new).values_list("person_id", flat=True)
        )
        changed.update(
            Person.objects.filter(pk__in=new, user__isnull=False).values_list("pk", flat=True)
        )
    if not changed:
        return []
    names = Person.objects.filter(pk__in=list(changed)[:1000]).order_by("name")
    return list(names.values_list("name", flat=True))


def undo_records(*, actor, batch: ImportBatch) -> tuple[int, int]:
    """Delete the people the batch created, restore the ones it updated; (deleted, restored)."""
    records = list(batch.records.all())
    blockers = changed_since_import(batch, records)
    if blockers:
        shown = "、".join(blockers[:20]) + (f" 等 {len(blockers)} 人" if len(blockers) > 20 else "")
        raise ServiceError(
            f"不能撤销：本次导入的人员中，{shown}在导入后又有了修改（编辑、党籍变更、上传材料等）。"
            "为避免丢失这些修改，请逐个处理这些人员的信息。"
        )
    touched: set = set()
    updated = [r for r in records if r.action == ImportRecord.Action.UPDATED and r.person_id]
    restored = _restore(actor, updated, touched)
    created_ids = [
        r.person_id for r in records if r.action == ImportRecord.Action.CREATED and r.person_id
    ]
    for chunk in chunks(created_ids):
        touched.update(
            Organization.objects.filter(
                pk__in=Member.objects.filter(person_id__in=chunk).values("organization_id")
            )
        )
        touched.update(
            Organization.objects.filter(
                pk__in=Member.objects.filter(person_id__in=chunk).values("party_group_id")
            )
        )
        Person.objects.filter(pk__in=chunk).delete()
    refresh_counts(*touched)
    return len(created_ids), restored


def _restore(actor, records: list[ImportRecord], touched: set) -> int:
    now = timezone.now()
    references = _references(records)
    people, members, members_gone, history = [], [], [], []
    for chunk in chunks(records):
        found = Person.objects.select_related(*RELATED).in_bulk([r.person_id for r in chunk])
        for record in chunk:
            person = found.get(record.person_id)
            if person is None:
                continue
            member = getattr(person, "membership", None)
            current = values_of(person, member)
            before, organization_id, had_member = decode_before(record.before, references)
            for name in PERSON_FIELDS:
                setattr(
                    person, name, before.get(name) if before.get(name) is not None else _blank(name)
                )
            derived_fields(person)
            person.organization_id = organization_id
            person.updated_at = now
            people.append(person)
            touched.update(
                o for o in (current.get("organization"), current.get("party_group")) if o
            )
            touched.update(o for o in (before.get("organization"), before.get("party_group")) if o)
            if member is not None and not had_member:
                members_gone.append(member.pk)
                restored_member = None
            elif member is not None:
                _assign_member(member, before, now)
                members.append(member)
                restored_member = member
            else:
                restored_member = None
            diff = changes_between(current, values_of(person, restored_member))
            if diff:
                history.append(_undo_change(actor, person, diff))
    Person.objects.bulk_update(people, PERSON_WRITTEN, batch_size=BATCH_SIZE)
    Member.objects.bulk_update(members, MEMBER_WRITTEN, batch_size=BATCH_SIZE)
    for chunk in chunks(members_gone):
        Member.objects.filter(pk__in=chunk).delete()
    RecordChange.objects.bulk_create(history, batch_size=BATCH_SIZE)
    return len(people)


def _undo_change(actor, person, diff) -> RecordChange:
    authenticated = getattr(actor, "is_authenticated", False)
    return RecordChange(
        person=person,
        source=RecordChange.Source.IMPORT_UNDO,
        changes=diff,
        note="撤销 Excel 导入，恢复导入前的信息",
        actor=actor if authenticated else None,
        actor_name=getattr(actor, "display_name", "") or "",
    )


def _references(records: list[ImportRecord]) -> dict:
    """The organisations and units the snapshots name, loaded in two queries."""
    org_ids, unit_ids = set(), set()
    for record in records:
        data = json.loads(record.before)
        org_ids.update(data.get(name) for name in ("organization", "party_group"))
        unit_ids.add(data.get("unit"))
    references = {}
    for model, ids in ((Organization, org_ids), (Unit, unit_ids)):
        ids.discard(None)
        for chunk in chunks(ids):
            references.update({(model, obj.pk): obj for obj in model.objects.filter(pk__in=chunk)})
    return references
