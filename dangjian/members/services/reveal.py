"""Revealing a masked personal field (ID number, mobile, address) — audited every time."""

from __future__ import annotations

from django.db import transaction

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope
from dangjian.members.display import SENSITIVE_FIELDS
from dangjian.members.models import Member, Person
from dangjian.members.permissions import REVEAL_SENSITIVE

REVEAL_ACTION = "members.reveal_sensitive"


def field_label(field: str) -> str:
    return str(Person._meta.get_field(field).verbose_name)


@transaction.atomic
def member_reveal(*, actor, member: Member, field: str) -> str:
    """The full value of one personal field of the member's record.

    The actor must hold `members.reveal_sensitive` over the member's organisation (404
    otherwise, as for a record they cannot see). The audit entry names the field and whose
    record it is — never the value.
    """
    if field not in SENSITIVE_FIELDS:
        raise ServiceError("只能查看身份证号、手机号或家庭住址。")
    require_in_scope(actor, REVEAL_SENSITIVE, member.organization.path)
    person = member.person
    audit_log(
        actor=actor,
        action=REVEAL_ACTION,
        obj=person,
        organization=member.organization,
        after={"field": field, "label": field_label(field), "member": member.pk},
        message=f"查看{person.name}的完整{field_label(field)}",
    )
    return getattr(person, field) or ""
