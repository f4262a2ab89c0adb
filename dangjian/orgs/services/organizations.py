"""Services of the organisation tree: create, update (更名), move, merge, dissolve, units."""

import datetime

from django.db import transaction
from django.utils import timezone

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.core.scope import forget_scope, require_in_scope
from dangjian.members.models import Member, Person
from dangjian.orgs import rules
from dangjian.orgs.counts import HELD_STATUSES, organization_refresh_counts
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgHistory, OrgType, Unit
from dangjian.orgs.permissions import MANAGE_ORGANIZATION
from dangjian.orgs.selectors import eligible_units
from dangjian.orgs.services.common import (
    UNCHANGED,
    ancestor_ids,
    check_active,
    check_depth,
    check_parent_type,
    clean_code,
    clean_past_date,
    clean_sort_order,
    clean_text,
    clean_type,
    end_current_committee,
    lock,
    lock_trees,
    record_history,
    require_root_scope,
    save_new,
    subtree_height,
    type_label,
)

ORG_FIELDS = ("org_type", "name", "short_name", "code", "founded_on", "sort_order")


def organization_create(
    *,
    actor,
    parent: Organization | None,
    org_type: str,
    name: str,
    code: str,
    short_name: str = "",
    founded_on: datetime.date | None = None,
    sort_order: int = 0,
) -> Organization:
    """Create an organisation under `parent`, or a root (a 党委) when `parent` is None."""
    with transaction.atomic():
        if parent is None:
            require_root_scope(actor, MANAGE_ORGANIZATION)
        else:
            lock_trees(parent)
            parent = lock(parent)
            require_in_scope(actor, MANAGE_ORGANIZATION, parent.path)
        fields = {
            "org_type": clean_type(org_type),
            "name": clean_text(name, "党组织全称", 100),
            "short_name": clean_text(short_name, "简称", 50, required=False),
            "code": clean_code(code, Organization),
            "founded_on": clean_past_date(founded_on, "成立日期"),
            "sort_order": clean_sort_order(sort_order),
        }
        organization = _create_root(fields) if parent is None else _create_child(parent, fields)
        record_history(organization, OrgHistory.Event.CREATED, actor, _created_detail(parent))
        audit_log(
            actor=actor,
            action="orgs.organization_create",
            obj=organization,
            organization=organization,
            after=snapshot(organization, (*ORG_FIELDS, "path")),
        )
    return organization


def _created_detail(parent) -> str:
    return f"在“{parent}”下成立" if parent is not None else "成立（顶级党组织）"


def _create_root(fields: dict) -> Organization:
    if fields["org_type"] not in rules.ROOT_TYPES:
        raise RuleViolation(
            f"顶级党组织只能是{type_label(OrgType.COMMITTEE)}",
            source=rules.TREE_SHAPE_SOURCE,
            remedy="请选择上级党组织，或把类型改为党委。",
        )
    return save_new(lambda: Organization.objects.add_root(fields))


def _create_child(parent: Organization, fields: dict) -> Organization:
    check_active(parent, "上级党组织")
    check_parent_type(parent, fields["org_type"])
    check_depth(parent.depth + 1)
    return save_new(lambda: Organization.objects.add_child(parent, fields))


def organization_update(
    *,
    actor,
    organization: Organization,
    name=UNCHANGED,
    short_name=UNCHANGED,
    code=UNCHANGED,
    org_type=UNCHANGED,
    founded_on=UNCHANGED,
    sort_order=UNCHANGED,
) -> Organization:
    """Change an organisation's basic data; a new name is recorded in its history (更名)."""
    with transaction.atomic():
        org = lock(organization)
        require_in_scope(actor, MANAGE_ORGANIZATION, org.path)
        check_active(org)
        submitted = {
            "name": name,
            "short_name": short_name,
            "code": code,
            "org_type": org_type,
            "founded_on": founded_on,
            "sort_order": sort_order,
        }
        changes = _organization_changes(org, submitted)
        if not changes:
            return org
        before = snapshot(org, changes)
        for field, value in changes.items():
            setattr(org, field, value)
        save_new(lambda: org.save(update_fields=[*changes, "updated_at"]))
        _record_rename(org, before, changes, actor)
        audit_log(
            actor=actor,
            action="orgs.organization_update",
            obj=org,
            organization=org,
            before=before,
            after=snapshot(org, changes),
        )
    return org


def _organization_changes(org: Organization, submitted: dict) -> dict:
    cleaners = {
        "name": lambda v: clean_text(v, "党组织全称", 100),
        "short_name": lambda v: clean_text(v, "简称", 50, required=False),
        "code": lambda v: clean_code(v, Organization, exclude_pk=org.pk),
        "org_type": clean_type,
        "founded_on": lambda v: clean_past_date(v, "成立日期"),
        "sort_order": clean_sort_order,
    }
    changes = {}
    for field, value in submitted.items():
        if value is UNCHANGED:
            continue
        cleaned = cleaners[field](value)
        if cleaned != getattr(org, field):
            changes[field] = cleaned
    if "org_type" in changes:
        _check_type_change(org, changes["org_type"])
    return changes


def _check_type_change(org: Organization, new_type: str) -> None:
    _check_type_change_keeps_members(org, new_type)
    parent = Organization.objects.get_parent(org)
    if parent is None and new_type not in rules.ROOT_TYPES:
        raise RuleViolation("顶级党组织只能是党委", source=rules.TREE_SHAPE_SOURCE)
    if parent is not None:
        check_parent_type(parent, new_type)
    child_types = set(Organization.objects.get_children(org).values_list("org_type", flat=True))
    refused = sorted(t for t in child_types if not rules.may_contain(new_type, t))
    if refused:
        names = "、".join(type_label(t) for t in refused)
        raise RuleViolation(
            f"改为{type_label(new_type)}后，现有的下级{names}将不符合组织层级",
            source=rules.TREE_SHAPE_SOURCE,
            remedy="请先调整下级组织的隶属关系。",
        )


def _check_type_change_keeps_members(org: Organization, new_type: str) -> None:
    """Only a 党支部 holds members and only a 党小组 organises them: neither may stop being one
    while it still does, or those members would be held by an organisation that cannot hold them."""
    label = f"{type_label(org.org_type)}“{org}”"
    if org.org_type in BRANCH_TYPES and new_type not in BRANCH_TYPES:
        held = Member.objects.filter(organization=org, status__in=HELD_STATUSES).count()
        if held:
            raise RuleViolation(
                f"{label}还有 {held} 名党员（含停止党籍），不能改为{type_label(new_type)}",
                source=rules.TREE_SHAPE_SOURCE,
                remedy="请先办理这些党员的组织关系转接，或把本组织改为其他类型的党支部。",
            )
    if org.org_type == OrgType.GROUP:
        organised = Member.objects.filter(party_group=org, status__in=HELD_STATUSES).count()
        if organised:
            raise RuleViolation(
                f"{label}编有 {organised} 名党员，不能改变组织类型",
                source=rules.TREE_SHAPE_SOURCE,
                remedy="请先把这些党员调出本党小组。",
            )


def _record_rename(org: Organization, before: dict, changes: dict, actor) -> None:
    parts = []
    if "name" in changes:
        parts.append(f"全称由“{before['name']}”更名为“{org.name}”")
    if "short_name" in changes:
        parts.append(f"简称由“{before['short_name'] or '无'}”改为“{org.short_name or '无'}”")
    if parts:
        record_history(org, OrgHistory.Event.RENAMED, actor, "；".join(parts))


def organization_move(
    *, actor, organization: Organization, new_parent: Organization
) -> Organization:
    """Move an organisation with its whole subtree under a new parent (调整隶属关系).

    Scopes follow by themselves: they are path prefixes, and the move rewrites the subtree's paths.
    The members held in the subtree go with it; a 党小组 holds nobody, so when one moves to another
    branch, the members organised in it are from then on held by that branch.
    """
    with transaction.atomic():
        lock_trees(organization, new_parent)
        org = lock(organization)
        parent = lock(new_parent)
        require_in_scope(actor, MANAGE_ORGANIZATION, org.path)
        require_in_scope(actor, MANAGE_ORGANIZATION, parent.path)
        old_parent = _check_move(org, parent)
        before = {"parent": old_parent.pk if old_parent else None, "path": org.path}
        touched = [org.pk, *ancestor_ids(org)]
        Organization.objects.move(org, parent, "last-child")
        org = Organization.objects.get(pk=org.pk)
        carried = _carry_group_members(org, parent) if org.org_type == OrgType.GROUP else 0
        organization_refresh_counts([*touched, *ancestor_ids(org)])
        detail = f"由“{old_parent or '顶级'}”调整至“{parent}”"
        if carried:
            detail += f"，编入本党小组的 {carried} 名党员随之转入“{parent}”"
        record_history(org, OrgHistory.Event.MOVED, actor, detail, other=parent)
        audit_log(
            actor=actor,
            action="orgs.organization_move",
            obj=org,
            organization=org,
            before=before,
            after={"parent": parent.pk, "path": org.path, "members_moved": carried},
        )
    forget_scope(actor)
    return org


def _carry_group_members(group: Organization, branch: Organization) -> int:
    """The members organised in a moved 党小组 are held by its new branch from now on. Former
    members (出党、转出…) stay on record in the old branch, out of the group that left it."""
    organised = Member.objects.filter(party_group=group)
    organised.exclude(status__in=HELD_STATUSES).update(party_group=None, updated_at=timezone.now())
    moving = organised.filter(status__in=HELD_STATUSES)
    Person.objects.filter(membership__in=moving).update(organization=branch)
    return moving.update(organization=branch, updated_at=timezone.now())


def _check_move(org: Organization, parent: Organization):
    check_active(org)
    check_active(parent, "新的上级党组织")
    if parent.path.startswith(org.path):
        raise ServiceError("不能把党组织调整到它自己或它的下级组织之下。")
    old_parent = Organization.objects.get_parent(org)
    if old_parent is not None and old_parent.pk == parent.pk:
        raise ServiceError(f"“{org}”已经隶属于“{parent}”，无需调整。")
    check_parent_type(parent, org.org_type)
    check_depth(parent.depth + subtree_height(org))
    return old_parent


def organization_merge(*, actor, source: Organization, target: Organization) -> Organization:
    """Merge branch `source` into branch `target` (支部合并) and dissolve `source`.

    The members still held by `source` move to `target`, each staying in its 党小组 (the 党小组
    move under `target` too); so do the units it covers; its current committee ends. Former
    members stay on record in `source`. Returns `target`.
    """
    with transaction.atomic():
        lock_trees(source, target)
        first, second = sorted((source, target), key=lambda org: org.pk)
        locked = {org.pk: lock(org) for org in (first, second)}
        src, dst = locked[source.pk], locked[target.pk]
        require_in_scope(actor, MANAGE_ORGANIZATION, src.path)
        require_in_scope(actor, MANAGE_ORGANIZATION, dst.path)
        _check_merge(src, dst)
        touched = {src.pk, dst.pk, *ancestor_ids(src), *ancestor_ids(dst)}
        moved_members, moved_children = _merge_contents(src, dst)
        today = timezone.localdate()
        end_current_committee(src, today)
        Organization.objects.filter(pk=src.pk).update(is_active=False, dissolved_on=today)
        organization_refresh_counts(touched)
        src.refresh_from_db()
        dst.refresh_from_db()
        summary = f"转入党员 {moved_members} 名、党小组 {moved_children} 个"
        merged, absorbed = OrgHistory.Event.MERGED_INTO, OrgHistory.Event.ABSORBED
        record_history(src, merged, actor, f"并入“{dst}”，{summary}", other=dst)
        record_history(dst, absorbed, actor, f"“{src}”并入本支部，{summary}", other=src)
        audit_log(
            actor=actor,
            action="orgs.organization_merge",
            obj=src,
            organization=dst,
            before={"source": src.pk, "target": dst.pk},
            after={"members_moved": moved_members, "children_moved": moved_children},
            message=f"“{src}”并入“{dst}”",
        )
    return dst


def _check_merge(src: Organization, dst: Organization) -> None:
    if src.pk == dst.pk:
        raise ServiceError("不能把党支部并入它自己，请选择另一个党支部。")
    for org in (src, dst):
        check_active(org)
        if org.org_type not in BRANCH_TYPES:
            raise ServiceError(f"只能合并党支部；“{org}”是{org.get_org_type_display()}。")
    check_depth(dst.depth + subtree_height(src) - 1)


def _merge_contents(src: Organization, dst: Organization) -> tuple[int, int]:
    held_here = Member.objects.filter(organization=src)
    # Former members stay in the dissolved source; the 党小组 leave it, so they leave them.
    held_here.exclude(status__in=HELD_STATUSES).exclude(party_group=None).update(
        party_group=None, updated_at=timezone.now()
    )
    moving = held_here.filter(status__in=HELD_STATUSES)
    # The record's scope follows the membership (members.Person.organization).
    Person.objects.filter(membership__in=moving).update(organization=dst)
    moved_members = moving.update(organization=dst, updated_at=timezone.now())
    children = list(Organization.objects.get_children(src))
    for child in children:
        Organization.objects.move(child, dst, "last-child")
        dst.refresh_from_db()
    dst.units.add(*src.units.all())
    return moved_members, len(children)


def organization_dissolve(
    *,
    actor,
    organization: Organization,
    dissolved_on: datetime.date | None = None,
    reason: str = "",
) -> Organization:
    """Dissolve (撤销) an organisation that has no active children and holds no members.

    A 党小组 holds nobody: it may be dissolved with members organised in it, who stay in their
    branch and are no longer in any 党小组 (the history and the audit entry say how many).
    """
    with transaction.atomic():
        lock_trees(organization)
        org = lock(organization)
        require_in_scope(actor, MANAGE_ORGANIZATION, org.path)
        check_active(org)
        day = clean_past_date(dissolved_on, "撤销日期") or timezone.localdate()
        note = clean_text(reason, "撤销原因", 200, required=False)
        if org.founded_on and day < org.founded_on:
            raise ServiceError(f"撤销日期不能早于成立日期 {org.founded_on:%Y-%m-%d}。")
        active_children = Organization.objects.get_children(org).filter(is_active=True).count()
        if active_children:
            raise ServiceError(
                f"“{org}”还有 {active_children} 个下级党组织，请先撤销或调整它们再撤销本组织。"
            )
        ungrouped = 0
        if org.org_type == OrgType.GROUP:
            ungrouped = _ungroup_members(org)
        else:
            _check_holds_nobody(org)
        end_current_committee(org, day)
        org.is_active = False
        org.dissolved_on = day
        org.save(update_fields=["is_active", "dissolved_on", "updated_at"])
        if ungrouped:
            organization_refresh_counts([org.pk])
            org.refresh_from_db(fields=["member_count", "full_member_count"])
        detail = note or f"{day:%Y-%m-%d} 撤销"
        if ungrouped:
            detail += f"；{ungrouped} 名党员改为不编入党小组"
        record_history(org, OrgHistory.Event.DISSOLVED, actor, detail)
        audit_log(
            actor=actor,
            action="orgs.organization_dissolve",
            obj=org,
            organization=org,
            before={"is_active": True},
            after={"is_active": False, "dissolved_on": day, "members_ungrouped": ungrouped},
            message=detail if ungrouped else note,
        )
    return org


def _check_holds_nobody(org: Organization) -> None:
    held = Member.objects.filter(
        organization__path__startswith=org.path, status__in=HELD_STATUSES
    ).count()
    if held:
        raise ServiceError(f"“{org}”还有 {held} 名党员（含停止党籍），请先办理组织关系转接再撤销。")


def _ungroup_members(group: Organization) -> int:
    """The members organised in a dissolved 党小组 stay in their branch, in no 党小组."""
    return Member.objects.filter(party_group=group, status__in=HELD_STATUSES).update(
        party_group=None, updated_at=timezone.now()
    )


def organization_set_units(*, actor, organization: Organization, units) -> Organization:
    """Set the administrative units an organisation covers (units of its own enterprise only)."""
    with transaction.atomic():
        org = lock(organization)
        require_in_scope(actor, MANAGE_ORGANIZATION, org.path)
        check_active(org)
        wanted = {unit.pk for unit in units}
        allowed = set(eligible_units(org).filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - allowed:
            names = "、".join(
                str(u) for u in Unit.objects.filter(pk__in=wanted - allowed).order_by("name")
            )
            raise ServiceError(f"不能选择“{names}”：只能选择本单位（上级党委所属）的有效行政单位。")
        before = sorted(org.units.values_list("pk", flat=True))
        org.units.set(wanted)
        audit_log(
            actor=actor,
            action="orgs.organization_set_units",
            obj=org,
            organization=org,
            before={"units": before},
            after={"units": sorted(wanted)},
        )
    return org
