"""Validation and bookkeeping shared by the organisation services."""

import datetime
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.core.rules import definition, rule_value
from dangjian.core.services import require_global
from dangjian.orgs import rules
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgHistory, OrgType
from dangjian.orgs.selectors import subtree_height  # noqa: F401  (re-exported)

UNCHANGED = object()  # default of the update services' optional fields: leave as is
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")


def clean_text(value, label: str, max_length: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}。")
    if len(text) > max_length:
        raise ServiceError(f"{label}不能超过 {max_length} 个字。")
    return text


def clean_code(value, model, *, exclude_pk=None, label: str = "组织代码") -> str:
    code = str(value or "").strip()
    if not CODE_RE.match(code):
        raise ServiceError(f"{label}须为 1～30 位字母、数字，可含 - 和 _，不能含空格或汉字。")
    clash = model.objects.filter(code=code).exclude(pk=exclude_pk).first()
    if clash is not None:
        raise ServiceError(f"{label}“{code}”已被“{clash}”使用，请换一个。")
    return code


def clean_type(value) -> str:
    if value not in OrgType.values:
        raise ServiceError("请选择正确的组织类型。")
    return value


def clean_sort_order(value) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError) as exc:
        raise ServiceError("排序须为 0 或正整数。") from exc
    if number < 0 or number > 1_000_000:
        raise ServiceError("排序须为 0～1000000 之间的整数。")
    return number


def clean_past_date(value, label: str, *, required: bool = False):
    if value is None:
        if required:
            raise ServiceError(f"请填写{label}。")
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ServiceError(f"{label}格式不正确，请按“年-月-日”填写。")
    if value > timezone.localdate():
        raise ServiceError(f"{label}不能晚于今天。")
    return value


def clean_date(value, label: str) -> datetime.date:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ServiceError(f"请填写{label}（年-月-日）。")
    return value


def type_label(org_type: str) -> str:
    return str(OrgType(org_type).label)


def rule_violation(key: str, message: str, remedy: str = "") -> RuleViolation:
    return RuleViolation(message, rule_key=key, source=definition(key).source, remedy=remedy)


def check_parent_type(parent: Organization, org_type: str) -> None:
    if not rules.may_contain(parent.org_type, org_type):
        allowed = "、".join(type_label(t) for t in rules.parent_types_for(org_type)) or "无"
        raise RuleViolation(
            f"{type_label(parent.org_type)}下不能设立{type_label(org_type)}",
            source=rules.TREE_SHAPE_SOURCE,
            remedy=f"{type_label(org_type)}的上级应为：{allowed}。",
        )


def check_depth(depth: int) -> None:
    limit = rule_value(rules.MAX_DEPTH)
    if depth > limit:
        raise rule_violation(
            rules.MAX_DEPTH,
            f"党组织树最多 {limit} 级，此操作将形成第 {depth} 级",
            "请选择层级更高的上级党组织。",
        )


def check_active(organization: Organization, label: str = "该党组织") -> None:
    if not organization.is_active:
        raise ServiceError(f"{label}“{organization}”已撤销，不能再办理此业务。")


def lock(organization: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization.pk)


def lock_trees(*organizations: Organization | None) -> None:
    """Lock the root row of each tree the organisations lie in, in path order.

    A tree-shape change (create, move, merge, dissolve) may rewrite paths anywhere in a tree, so
    every such change first takes its trees' roots: two of them on the same tree run one after
    the other, and opposite moves between two trees take the roots in the same order (no
    deadlock). Paths are read again after locking, in case a move changed a tree meanwhile.
    """
    pks = [org.pk for org in organizations if org is not None]
    locked: set[str] = set()
    while True:
        paths = Organization.objects.filter(pk__in=pks).values_list("path", flat=True)
        roots = {path[: Organization.steplen] for path in paths}
        if roots <= locked:
            return
        for root in sorted(roots - locked):
            list(Organization.objects.select_for_update().filter(path=root).values_list("pk"))
        locked |= roots


def ancestor_ids(organization: Organization) -> list[int]:
    return list(Organization.objects.get_ancestors(organization).values_list("pk", flat=True))


def record_history(organization, event, actor, detail: str = "", other=None) -> None:
    OrgHistory.objects.create(
        organization=organization, event=event, detail=detail[:300], other=other, actor=actor
    )


def save_new(factory, label: str = "组织代码"):
    """Run an insert; a code taken meanwhile by a concurrent request becomes a Chinese message."""
    try:
        with transaction.atomic():
            return factory()
    except IntegrityError as exc:
        raise ServiceError(f"{label}已被占用，请换一个。") from exc


def require_root_scope(actor, permission: str) -> None:
    """Only a holder of the permission on a whole tree (granted on a root) may add a root."""
    require_global(actor, permission)


def end_current_committee(org: Organization, day: datetime.date) -> None:
    current = Committee.objects.filter(organization=org, is_current=True).first()
    if current is None:
        return
    CommitteePost.objects.filter(committee=current, ended_on__isnull=True).update(ended_on=day)
    Committee.objects.filter(pk=current.pk).update(is_current=False)
