"""Services of administrative units (区队、科室), scoped by the organisation that owns them."""

from django.db import transaction

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope
from dangjian.orgs.models import Organization, OrgType, Unit
from dangjian.orgs.permissions import MANAGE_UNIT
from dangjian.orgs.services.common import (
    UNCHANGED,
    check_active,
    clean_code,
    clean_sort_order,
    clean_text,
    lock,
    save_new,
)

UNIT_FIELDS = ("name", "code", "kind", "owner", "sort_order", "is_active")


def unit_create(
    *,
    actor,
    owner: Organization,
    name: str,
    code: str,
    kind: str = Unit.Kind.TEAM,
    sort_order: int = 0,
) -> Unit:
    """Add an administrative unit (区队、科室) of the enterprise that `owner` leads."""
    with transaction.atomic():
        owner = lock(owner)
        require_in_scope(actor, MANAGE_UNIT, owner.path)
        _check_unit_owner(owner)
        unit = Unit(
            owner=owner,
            name=clean_text(name, "单位名称", 100),
            code=clean_code(code, Unit, label="单位代码"),
            kind=_clean_kind(kind),
            sort_order=clean_sort_order(sort_order),
        )
        save_new(unit.save, "单位代码")
        audit_log(
            actor=actor,
            action="orgs.unit_create",
            obj=unit,
            organization=owner,
            after=snapshot(unit, UNIT_FIELDS),
        )
    return unit


def _check_unit_owner(owner: Organization) -> None:
    check_active(owner, "所属党组织")
    if owner.org_type == OrgType.GROUP:
        raise ServiceError("行政单位不能归属党小组，请选择党委、党总支或党支部。")


def _clean_kind(value) -> str:
    if value not in Unit.Kind.values:
        raise ServiceError("请选择正确的单位类别。")
    return value


def unit_update(
    *,
    actor,
    unit: Unit,
    name=UNCHANGED,
    code=UNCHANGED,
    kind=UNCHANGED,
    sort_order=UNCHANGED,
    is_active=UNCHANGED,
) -> Unit:
    """Change an administrative unit; deactivating keeps it on the records that name it."""
    with transaction.atomic():
        unit = Unit.objects.select_for_update().select_related("owner").get(pk=unit.pk)
        require_in_scope(actor, MANAGE_UNIT, unit.owner.path)
        cleaners = {
            "name": lambda v: clean_text(v, "单位名称", 100),
            "code": lambda v: clean_code(v, Unit, exclude_pk=unit.pk, label="单位代码"),
            "kind": _clean_kind,
            "sort_order": clean_sort_order,
            "is_active": bool,
        }
        submitted = {"name": name, "code": code, "kind": kind}
        submitted |= {"sort_order": sort_order, "is_active": is_active}
        changes = {
            field: cleaners[field](value)
            for field, value in submitted.items()
            if value is not UNCHANGED
        }
        changes = {f: v for f, v in changes.items() if v != getattr(unit, f)}
        if not changes:
            return unit
        before = snapshot(unit, changes)
        for field, value in changes.items():
            setattr(unit, field, value)
        save_new(lambda: unit.save(update_fields=list(changes)), "单位代码")
        audit_log(
            actor=actor,
            action="orgs.unit_update",
            obj=unit,
            organization=unit.owner,
            before=before,
            after=snapshot(unit, changes),
        )
    return unit
