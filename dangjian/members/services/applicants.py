"""Creating the person record of a new 入党申请人 who has no record yet.

`record_save` creates only party members (a non-member's record belongs to the personnel
system). A branch that receives an application from a worker without any record needs one
anyway, so the development pages create it here — with the same checks (`check_record` without
the membership part, `duplicate_problems`), the same derived columns, the same member history
and an audit entry. The record's organisation is the branch that registers the application, so
the branch sees the person it is developing.

The caller (`development` pages) opens the case in the same transaction; a refused case rolls
the person back too.
"""

from __future__ import annotations

from django.db import transaction

from dangjian.audit.services import audit_log
from dangjian.core.crypto import lookup_hash
from dangjian.core.scope import require_in_scope, scope_of
from dangjian.members.models import Member, Person, RecordChange
from dangjian.members.services.people import (
    PERSON_FIELDS,
    RecordInvalid,
    _empty,
    _history,
    changes_between,
    derived_fields,
    duplicate_problems,
    values_of,
)
from dangjian.members.validation import check_record
from dangjian.orgs.models import Organization

# The development app's permission, named by its code so members does not import development.
MANAGE_DEVELOPMENT = "development.manage_development"
ACTION = "development.applicant_create"
CHOOSE_EXISTING = "请改用“选择已有人员”查找此人后登记申请"


@transaction.atomic
def applicant_person_create(*, actor, organization: Organization, values: dict) -> Person:
    """Create a non-member person held by `organization` (the branch registering the
    application). `values` holds fields of PERSON_FIELDS; ID number and name are required.
    Raises `RecordInvalid` with `(field, Chinese reason)` problems, 404 outside the scope."""
    require_in_scope(actor, MANAGE_DEVELOPMENT, organization.path)
    unknown = set(values) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not person fields: {sorted(unknown)}")
    checked = check_record(dict(values), member=False)
    problems = checked.problems
    if not any(field == "id_number" for field, _ in problems):
        problems = problems + _duplicates(actor, checked.values)
    if problems:
        raise RecordInvalid(problems)
    merged = checked.values
    person = Person()
    for field in PERSON_FIELDS:
        setattr(person, field, merged.get(field) or _empty(field))
    derived_fields(person, organization=organization)
    person.save()
    changes = changes_between({}, values_of(person, None))
    note = "新建入党申请人档案"
    _history(actor, person, changes, RecordChange.Source.FORM, note)
    audit_log(
        actor=actor,
        action=ACTION,
        obj=person,
        organization=organization,
        after={change["field"]: change["after"] for change in changes},
        message=note,
    )
    return person


def _duplicates(actor, values: dict) -> list[tuple[str, str]]:
    """`duplicate_problems`, worded for an applicant: an existing person with this ID number is
    to be chosen, not created again; names outside the actor's scope are not shown."""
    problems = duplicate_problems(None, values)
    if not problems:
        return []
    hashes = {"id_number": lookup_hash(values["id_number"]) if values.get("id_number") else ""}
    found = {
        other.id_number_hash: other
        for other in Person.objects.filter(id_number_hash=hashes["id_number"])
        .select_related("organization")
        .only("pk", "name", "id_number_hash", "organization__path")[:3]
    }
    scope = scope_of(actor)
    worded = []
    for field, message in problems:
        if field == "work_number":
            worded.append((field, _work_number_message(scope, values["work_number"], message)))
            continue
        if field != "id_number":
            worded.append((field, message))
            continue
        other = found.get(hashes["id_number"])
        visible = (
            other is not None
            and other.organization_id is not None
            and scope.covers(MANAGE_DEVELOPMENT, other.organization.path)
        )
        if visible and Member.objects.filter(person=other).exists():
            worded.append(
                (field, f"身份证号已登记在党员“{other.name}”名下，党员不能再登记入党申请。")
            )
        elif visible:
            worded.append((field, f"身份证号已登记在“{other.name}”名下，{CHOOSE_EXISTING}。"))
        else:
            worded.append(
                (
                    field,
                    "此身份证号已有人员档案（不在您的管理范围内）。请联系上级党委组织部把档案"
                    f"调整到本支部，然后{CHOOSE_EXISTING}。",
                )
            )
    return worded


def _work_number_message(scope, work_number: str, message: str) -> str:
    """The members wording names the holder; outside the actor's scope the name is left out."""
    other = (
        Person.objects.filter(work_number=work_number)
        .select_related("organization")
        .only("pk", "organization__path")
        .first()
    )
    path = other.organization.path if other is not None and other.organization_id else None
    if path and scope.covers(MANAGE_DEVELOPMENT, path):
        return message
    return f"工号 {work_number} 已被其他人员使用（不在您的管理范围内），请核对工号。"
