"""Creating and editing a person's record and membership — the one path every writer shares.

`record_save` is used by the edit pages and the API; the Excel import writes in bulk but uses
the same pieces (`check_record`, `derived_fields`, `changes_between`, `refresh_counts`) so a
row imported and a row typed in end up identical.
"""

from __future__ import annotations

import functools

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Q

from dangjian.audit.services import audit_log
from dangjian.core.crypto import lookup_hash
from dangjian.core.exceptions import ServiceError
from dangjian.core.pinyin import search_key
from dangjian.core.scope import require_in_scope
from dangjian.members.display import SENSITIVE_FIELDS, mask_value
from dangjian.members.models import Member, Person, RecordChange
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.validation import check_record
from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.models import Organization

PERSON_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "id_number", "native_place", "work_number",
    "education", "degree", "education_mode", "school", "major", "unit", "post", "occupation",
    "title_level", "title", "skill_level", "mobile", "address", "employment", "retired_on",
)  # fmt: skip
MEMBER_FIELDS = (
    "organization", "party_group", "category", "joined_on", "full_member_on",
    "is_floating", "floating_since", "floating_destination", "is_lost_contact",
    "lost_contact_since",
)  # fmt: skip


class RecordInvalid(ServiceError):
    """The record has problems; `problems` lists `(field, Chinese reason)` for the form."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("；".join(message for _, message in problems))


def derived_fields(person: Person, *, organization: Organization | None = None) -> None:
    """The columns computed from others: the pinyin search key, the lookup hashes and the
    record's scope (the organisation holding the membership)."""
    person.pinyin_key = search_key(person.name)
    person.id_number_hash = lookup_hash(person.id_number) if person.id_number else ""
    person.mobile_hash = lookup_hash(person.mobile) if person.mobile else ""
    if organization is not None:
        person.organization = organization


def display(field: str, value) -> str:
    """A value as the history shows it: choices by label, encrypted fields masked."""
    if value is None or value == "":
        return ""
    if field in SENSITIVE_FIELDS:
        return mask_value(field, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "pk"):
        return str(value)
    labels = _choice_labels(field)
    return labels.get(value, str(value)) if labels else str(value)


@functools.cache
def _choice_labels(field: str) -> dict:
    model_field = _model_field(field)
    if model_field is None or not model_field.choices:
        return {}
    return {key: str(label) for key, label in model_field.flatchoices}


def _model_field(field: str):
    for model in (Person, Member):
        try:
            return model._meta.get_field(field)
        except FieldDoesNotExist:
            pass
    return None


@functools.cache
def label_of(field: str) -> str:
    model_field = _model_field(field)
    return str(model_field.verbose_name) if model_field is not None else field


def changes_between(before: dict, after: dict) -> list[dict]:
    """History entries for the fields whose value changed (display values, masked)."""
    changes = []
    for field, new in after.items():
        old = before.get(field)
        if _comparable(old) != _comparable(new):
            changes.append(
                {
                    "field": field,
                    "label": label_of(field),
                    "before": display(field, old),
                    "after": display(field, new),
                }
            )
    return changes


def _comparable(value):
    if hasattr(value, "pk"):
        return value.pk
    return "" if value is None else value


def values_of(person: Person | None, member: Member | None) -> dict:
    values = {}
    if person is not None:
        values.update({field: getattr(person, field) for field in PERSON_FIELDS})
    if member is not None:
        values.update({field: getattr(member, field) for field in MEMBER_FIELDS})
    return values


def duplicate_problems(person: Person | None, values: dict) -> list[tuple[str, str]]:
    """Another person with the same ID number or work number (one query)."""
    condition = Q()
    if values.get("id_number"):
        condition |= Q(id_number_hash=lookup_hash(values["id_number"]))
    if values.get("work_number"):
        condition |= Q(work_number=values["work_number"])
    if not condition:
        return []
    others = Person.objects.filter(condition)
    if person is not None:
        others = others.exclude(pk=person.pk)
    problems = []
    for other in others.only("pk", "name", "id_number_hash", "work_number")[:3]:
        if values.get("id_number") and other.id_number_hash == lookup_hash(values["id_number"]):
            problems.append(
                ("id_number", f"身份证号已登记在“{other.name}”名下，同一人不能登记两次。")
            )
        if values.get("work_number") and other.work_number == values["work_number"]:
            problems.append(
                ("work_number", f"工号 {values['work_number']} 已被“{other.name}”使用。")
            )
    return problems


def refresh_counts(*organizations) -> None:
    """Refresh the member counts of these organisations and every ancestor (orgs/counts.py)."""
    paths = {org.path for org in organizations if org is not None}
    prefixes = {
        path[:end]
        for path in paths
        for end in range(Organization.steplen, len(path) + 1, Organization.steplen)
    }
    if prefixes:
        organization_refresh_counts(
            Organization.objects.filter(path__in=prefixes).values_list("pk", flat=True)
        )


@transaction.atomic
def record_save(
    *,
    actor,
    person: Person | None = None,
    values: dict,
    membership: bool = True,
    source: str = RecordChange.Source.FORM,
    note: str = "",
) -> Person:
    """Create (person=None) or update a person and, with `membership`, their party membership.

    `values` holds the fields of PERSON_FIELDS and MEMBER_FIELDS being set; the others keep
    their value. Both the old and the new organisation must lie in the actor's scope.
    """
    member = getattr(person, "membership", None) if person is not None else None
    before = values_of(person, member)
    merged = {**before, **values}
    checked = check_record(merged, member=membership)
    problems = checked.problems + duplicate_problems(person, checked.values)
    if problems:
        raise RecordInvalid(problems)
    merged = checked.values
    organization = merged.get("organization")
    for org in {organization, member.organization if member else None} - {None}:
        require_in_scope(actor, MANAGE_MEMBER, org.path)
    if person is None and not membership:
        raise ServiceError("非党员人员档案请在人才队伍系统中维护。")
    person = person or Person()
    for field in PERSON_FIELDS:
        setattr(person, field, merged.get(field, getattr(person, field)) or _empty(field))
    derived_fields(person, organization=organization if membership else None)
    person.save()
    if membership:
        member = member or Member(person=person)
        for field in MEMBER_FIELDS:
            setattr(member, field, merged.get(field))
        member.is_floating = bool(member.is_floating)
        member.is_lost_contact = bool(member.is_lost_contact)
        member.floating_destination = member.floating_destination or ""
        member.save()
        person.membership = member
    after = values_of(person, member if membership else None)
    changes = changes_between(before, after)
    created = not before
    _history(actor, person, changes, source, note or ("新建档案" if created else ""))
    audit_log(
        actor=actor,
        action="members.record_create" if created else "members.record_update",
        obj=person,
        organization=organization,
        before={c["field"]: c["before"] for c in changes} if not created else None,
        after={c["field"]: c["after"] for c in changes},
        message=note,
    )
    refresh_counts(organization, *(before.get("organization"),) if before else ())
    return person


def _empty(field: str):
    model_field = Person._meta.get_field(field)
    if model_field.null:
        return None
    return model_field.get_default()


def _history(actor, person, changes, source, note) -> None:
    if not changes and not note:
        return
    RecordChange.objects.create(
        person=person,
        source=source,
        changes=changes,
        note=note[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=getattr(actor, "display_name", "") or "",
    )
