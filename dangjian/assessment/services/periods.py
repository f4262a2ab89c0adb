"""Writes of 考核周期 (periods): create (draft) → open (one scorecard per target, in bulk) →
lock (every card scored; totals recomputed, ranks within categories) → publish (公示, the
appeal window) → finalize (定档). Also unlock (back to scoring, with a reason), the category of a
card before lock, and draft edits/deletion.

Every function is keyword-only, atomic, checks MANAGE_PERIOD over the period's owner, writes an
audit entry and tells the people concerned (`notifications.notify`, category "assessment").
A refusal raises `ServiceError` with a Chinese message and changes nothing.

Opening at group scale: the targets are read in one query (organisations of the root's subtree
of the chosen types, or the members of that subtree), their unit kinds in one query per batch
of 1 000, categories are assigned in Python and the cards written with `bulk_create` — a fixed
number of queries per 1 000 targets.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.holders import nearest_holders
from dangjian.assessment import engine
from dangjian.assessment.access import is_manager
from dangjian.assessment.models import (
    Category,
    Indicator,
    LeafScore,
    Period,
    Scorecard,
    TargetKind,
    Template,
)
from dangjian.assessment.permissions import MANAGE_PERIOD, SELF_CHECK
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.core.workdays import add_working_days
from dangjian.notifications.services import notify
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

BATCH = 1000
Status = Period.Status
MAX_APPEAL_DAYS = 30
# The categories a new period of organisations starts with (the page's defaults). The last one
# takes whatever matches no keyword and no unit kind, so 辅助区队 comes last. Production teams
# cut or open coal (采煤, 掘进, 开拓, 准备); 机电, 运输, 通风 and the like serve them (辅助).
DEFAULT_CATEGORIES = [
    {
        "name": "生产区队",
        "name_keywords": ["综采", "综掘", "掘进", "开拓", "采煤", "回采", "准备"],
        "unit_kinds": [],
    },
    {"name": "机关科室", "name_keywords": ["机关", "科室"], "unit_kinds": ["office"]},
    {
        "name": "辅助区队",
        "name_keywords": ["机电", "运输", "通风", "机运", "供电", "排水", "巷修", "修护", "安装"],
        "unit_kinds": ["team", "workshop"],
    },
]
DEFAULT_TARGET_TYPES = [str(t) for t in BRANCH_TYPES]


# ------------------------------------------------------------------ guards and helpers


def _require_manager(actor, period: Period) -> None:
    if not is_manager(actor, period):
        raise ServiceError(
            f"您没有组织{period.owner.display_name}考核的权限（须持有“组织考核”权限）。"
        )


def _locked(period: Period) -> Period:
    return (
        Period.objects.select_for_update(of=("self",))
        .select_related("owner", "template", "target_root")
        .get(pk=period.pk)
    )


def _require_status(period: Period, allowed: tuple[str, ...], what: str) -> None:
    if period.status not in allowed:
        raise ServiceError(f"本期考核{period.get_status_display()}，不能{what}。")


def _period_url(period: Period) -> str:
    return reverse("assessment:period_detail", args=[period.pk])


def _results_url(period: Period) -> str:
    try:
        return reverse("assessment:period_results", args=[period.pk])
    except Exception:  # the results pages land in their own commit
        return ""


def _my_cards_url() -> str:
    try:
        return reverse("assessment:my_cards")
    except Exception:
        return ""


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _aware(value):
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _clean_categories(categories, target_kind: str) -> list[dict]:
    cleaned: list[dict] = []
    seen: set[str] = set()
    kinds = {"team", "office", "workshop", "company"}
    for raw in categories or []:
        name = str(raw.get("name") or "").strip()
        if not name:
            continue
        if len(name) > 50:
            raise ServiceError(f"对比类别名称“{name[:10]}…”超过 50 字，请缩短。")
        if name in seen:
            raise ServiceError(f"对比类别“{name}”重复了，请删去一个或改名。")
        seen.add(name)
        keywords = raw.get("name_keywords") or []
        if isinstance(keywords, str):
            keywords = keywords.replace("，", ",").replace("、", ",").split(",")
        keywords = [k.strip() for k in keywords if k and k.strip()]
        unit_kinds = [k for k in (raw.get("unit_kinds") or []) if k in kinds]
        cleaned.append({"name": name, "name_keywords": keywords, "unit_kinds": unit_kinds})
    if not cleaned:
        default = "全体党员" if target_kind == TargetKind.MEMBER else "全部党组织"
        cleaned = [{"name": default, "name_keywords": [], "unit_kinds": []}]
    return cleaned


def templates_usable(user):
    """Templates a manager may apply: active ones owned inside the user's MANAGE_PERIOD
    subtrees or by an ancestor of them (a group sheet used by a mine)."""
    prefixes = scope_of(user).paths_for(MANAGE_PERIOD)
    if not prefixes:
        return Template.objects.none()
    condition = Q()
    ancestors: set[str] = set()
    for prefix in prefixes:
        condition |= Q(owner__path__startswith=prefix)
        ancestors.update(prefix[:end] for end in range(4, len(prefix), 4))
    if ancestors:
        condition |= Q(owner__path__in=sorted(ancestors))
    return Template.objects.filter(condition, is_active=True).select_related("owner")


def _check_dates(*, starts_on, ends_on, self_check_until, scoring_until, publish_on) -> None:
    if not starts_on or not ends_on:
        raise ServiceError("请填写考核起止日期。")
    if ends_on < starts_on:
        raise ServiceError("考核截止日不能早于起始日，请重新选择。")
    if not self_check_until or not scoring_until:
        raise ServiceError("请填写自查截止时间和评分截止时间。")
    if self_check_until.date() < starts_on:
        raise ServiceError("自查截止时间不能早于考核起始日。")
    if scoring_until < self_check_until:
        raise ServiceError("评分截止时间不能早于自查截止时间。")
    if publish_on and publish_on < scoring_until.date():
        raise ServiceError("计划公示日不能早于评分截止日。")


def _previous_of(period: Period) -> Period | None:
    """The latest earlier period of the same owner, kind and sheet name (for 上期得分)."""
    return (
        Period.objects.filter(
            owner_id=period.owner_id,
            kind=period.kind,
            template__name=period.template.name,
            starts_on__lt=period.starts_on,
        )
        .exclude(status__in=(Status.DRAFT, Status.OPENING))
        .exclude(pk=period.pk)
        .order_by("-starts_on", "-id")
        .first()
    )


# ------------------------------------------------------------------ create / update / delete


@transaction.atomic
def period_create(
    *,
    actor,
    owner,
    template,
    name,
    kind,
    starts_on,
    ends_on,
    target_root,
    target_types,
    categories,
    self_check_until,
    scoring_until,
    publish_on=None,
    appeal_days=5,
    previous=None,
) -> Period:
    if not scope_of(actor).covers(MANAGE_PERIOD, owner.path):
        raise ServiceError(f"您没有组织{owner.display_name}考核的权限（须持有“组织考核”权限）。")
    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写考核名称，例如“2026年11月党支部工作考核”。")
    if len(name) > 100:
        raise ServiceError("考核名称不能超过 100 字。")
    if kind not in Period.Kind.values:
        raise ServiceError("请选择考核周期（月度、季度或年度）。")
    if template is None or not templates_usable(actor).filter(pk=template.pk).exists():
        raise ServiceError("请选择本单位或上级制定的、已启用的考核指标体系。")
    if not Indicator.objects.filter(template=template, level=Indicator.Level.RULE).exists():
        raise ServiceError("所选指标体系还没有评分细则，请先在“指标体系”中添加细则。")
    if target_root is None or not target_root.path.startswith(owner.path):
        raise ServiceError(f"考核范围须在{owner.display_name}所辖范围内，请重新选择。")
    if not target_root.is_active:
        raise ServiceError(f"{target_root.display_name}已撤销，不能作为考核范围。")
    types = [t for t in (target_types or []) if t in OrgType.values]
    if template.target_kind == TargetKind.ORGANIZATION and not types:
        raise ServiceError("请选择考核对象的组织类型（如党支部）。")
    self_check_until, scoring_until = _aware(self_check_until), _aware(scoring_until)
    _check_dates(
        starts_on=starts_on,
        ends_on=ends_on,
        self_check_until=self_check_until,
        scoring_until=scoring_until,
        publish_on=publish_on,
    )
    try:
        appeal_days = int(appeal_days)
    except (TypeError, ValueError) as exc:
        raise ServiceError("申诉期须为 1～30 个工作日。") from exc
    if not 1 <= appeal_days <= MAX_APPEAL_DAYS:
        raise ServiceError("申诉期须为 1～30 个工作日。")
    if previous is not None and previous.owner_id != owner.id:
        raise ServiceError("上一期须是本单位组织的考核。")
    cleaned = _clean_categories(categories, template.target_kind)
    if template.target_kind == TargetKind.MEMBER:
        note = f"{target_root.display_name}所属全体党员"
    else:
        labels = "、".join(str(OrgType(t).label) for t in types)
        note = f"{target_root.display_name}下属{labels}"
    period = Period.objects.create(
        owner=owner,
        template=template,
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        target_root=target_root,
        target_types=types,
        target_note=note[:300],
        self_check_until=self_check_until,
        scoring_until=scoring_until,
        publish_on=publish_on,
        appeal_days=appeal_days,
        previous=previous,
        created_by=actor,
    )
    if previous is None:
        found = _previous_of(period)
        if found is not None:
            period.previous = found
            period.save(update_fields=["previous"])
    Category.objects.bulk_create(
        Category(period=period, position=index, **row) for index, row in enumerate(cleaned)
    )
    audit_log(
        actor=actor,
        action="assessment.period_create",
        obj=period,
        organization=owner,
        after={
            "name": name,
            "template": str(template),
            "kind": kind,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "targets": note,
            "categories": [row["name"] for row in cleaned],
        },
    )
    return period


@transaction.atomic
def period_update(*, actor, period: Period, categories=None, **fields) -> Period:
    """Change a draft (names, dates, targets, categories). Opened periods keep their setup."""
    period = _locked(period)
    _require_manager(actor, period)
    _require_status(period, (Status.DRAFT,), "修改设置（只有未开启的考核可以修改）")
    allowed = {
        "name",
        "kind",
        "starts_on",
        "ends_on",
        "target_root",
        "target_types",
        "self_check_until",
        "scoring_until",
        "publish_on",
        "appeal_days",
        "template",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ServiceError("不能修改这些字段：" + "、".join(sorted(unknown)))
    before = {"name": period.name, "starts_on": period.starts_on, "ends_on": period.ends_on}
    for key, value in fields.items():
        setattr(period, key, _aware(value))
    period.name = (period.name or "").strip()
    if not period.name:
        raise ServiceError("请填写考核名称。")
    if not period.target_root.path.startswith(period.owner.path):
        raise ServiceError(f"考核范围须在{period.owner.display_name}所辖范围内，请重新选择。")
    if "template" in fields and not templates_usable(actor).filter(pk=period.template_id).exists():
        raise ServiceError("请选择本单位或上级制定的、已启用的考核指标体系。")
    _check_dates(
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        self_check_until=period.self_check_until,
        scoring_until=period.scoring_until,
        publish_on=period.publish_on,
    )
    if not 1 <= int(period.appeal_days) <= MAX_APPEAL_DAYS:
        raise ServiceError("申诉期须为 1～30 个工作日。")
    period.save()
    if categories is not None:
        cleaned = _clean_categories(categories, period.template.target_kind)
        period.categories.all().delete()
        Category.objects.bulk_create(
            Category(period=period, position=index, **row) for index, row in enumerate(cleaned)
        )
    audit_log(
        actor=actor,
        action="assessment.period_update",
        obj=period,
        organization=period.owner,
        before=before,
        after={"name": period.name, "starts_on": period.starts_on, "ends_on": period.ends_on},
    )
    return period


@transaction.atomic
def period_delete(*, actor, period: Period) -> None:
    period = _locked(period)
    _require_manager(actor, period)
    _require_status(period, (Status.DRAFT,), "删除（只有未开启的考核可以删除）")
    audit_log(
        actor=actor,
        action="assessment.period_delete",
        obj=period,
        organization=period.owner,
        before={"name": period.name},
    )
    period.delete()


# ------------------------------------------------------------------ opening


def choose_category(categories: list[Category], name: str, unit_kinds: set[str]):
    """The first category whose keyword is in the name, else whose unit kinds meet the
    target's, else the last one."""
    for category in categories:
        if any(keyword and keyword in name for keyword in category.name_keywords):
            return category
    for category in categories:
        if unit_kinds and unit_kinds.intersection(category.unit_kinds):
            return category
    return categories[-1] if categories else None


def _unit_kinds(org_ids: list[int]) -> dict[int, set[str]]:
    through = Organization.units.through
    kinds: dict[int, set[str]] = defaultdict(set)
    rows = through.objects.filter(organization_id__in=org_ids, unit__is_active=True).values_list(
        "organization_id", "unit__kind"
    )
    for org_id, kind in rows:
        kinds[org_id].add(kind)
    return kinds


def _org_targets(period: Period):
    """(organisation id, path, name) of the targets, in tree order."""
    types = period.target_types or DEFAULT_TARGET_TYPES
    return (
        Organization.objects.filter(
            path__startswith=period.target_root.path, is_active=True, org_type__in=types
        )
        .exclude(pk=period.owner_id)
        .order_by("path")
        .values_list("pk", "path", "name")
    )


def _member_targets(period: Period):
    """(member id, organisation id, organisation name, person name, person id)."""
    from dangjian.members.models import Member
    from dangjian.members.models.choices import IN_GOOD_STANDING

    return (
        Member.objects.filter(
            organization__path__startswith=period.target_root.path,
            organization__is_active=True,
            status__in=IN_GOOD_STANDING,
        )
        .order_by("organization__path", "person__name", "pk")
        .values_list("pk", "organization_id", "organization__name", "person__name", "person_id")
    )


def target_estimate(period: Period) -> int:
    """How many cards opening would write (one COUNT), for the page's inline/background choice."""
    if period.template.target_kind == TargetKind.MEMBER:
        return _member_targets(period).count()
    return _org_targets(period).count()


def _chunks(rows, size: int = BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def period_open(
    *, actor, period: Period, progress: Callable[[int, int], None] | None = None, now=None
) -> int:
    """开启: one scorecard per target (bulk, 1 000 a batch), categories assigned, counters
    set, the template frozen (`used_at`), status OPEN, the targets told. Returns the number
    of cards. `progress(done, total)` is called after each batch (the background job)."""
    now = now or timezone.now()
    period = _locked(period)
    _require_manager(actor, period)
    _require_status(period, (Status.DRAFT, Status.OPENING), "开启")
    template = period.template
    leaf_count = Indicator.objects.filter(template=template, level=Indicator.Level.RULE).count()
    if not leaf_count:
        raise ServiceError("所选指标体系还没有评分细则，不能开启考核。")
    categories = list(period.categories.order_by("position", "id"))
    if not categories:
        categories = [Category.objects.create(period=period, name="全部对象", position=0)]
    member_sheet = template.target_kind == TargetKind.MEMBER
    rows = list(_member_targets(period) if member_sheet else _org_targets(period))
    if not rows:
        raise ServiceError(
            f"{period.target_root.display_name}下没有符合条件的考核对象，请修改考核范围或组织类型。"
        )
    total = len(rows)
    if Scorecard.objects.filter(period=period).exists():
        raise ServiceError("本期考核已生成考核表，不能重复开启。")
    done = 0
    org_ids: list[int] = []
    person_ids: list[int] = []
    for batch in _chunks(rows):
        if member_sheet:
            kinds = _unit_kinds(list({row[1] for row in batch}))
            cards = [
                Scorecard(
                    period=period,
                    category=choose_category(categories, org_name, kinds.get(org_id, set())),
                    organization_id=org_id,
                    member_id=member_id,
                    target_name=person_name[:100],
                    leaf_count=leaf_count,
                )
                for member_id, org_id, org_name, person_name, person_id in batch
            ]
            person_ids.extend(row[4] for row in batch)
        else:
            kinds = _unit_kinds([row[0] for row in batch])
            cards = [
                Scorecard(
                    period=period,
                    category=choose_category(categories, name, kinds.get(pk, set())),
                    organization_id=pk,
                    target_name=name[:100],
                    leaf_count=leaf_count,
                )
                for pk, _path, name in batch
            ]
            org_ids.extend(row[0] for row in batch)
        Scorecard.objects.bulk_create(cards, batch_size=BATCH)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    if template.used_at is None:
        Template.objects.filter(pk=template.pk, used_at__isnull=True).update(used_at=now)
    period.status = Status.OPEN
    period.opened_at = now
    period.target_count = total
    period.submitted_count = period.scored_count = 0
    fields = ["status", "opened_at", "target_count", "submitted_count", "scored_count"]
    if period.previous_id is None:
        found = _previous_of(period)
        if found is not None:
            period.previous = found
            fields.append("previous")
    period.save(update_fields=fields)
    audit_log(
        actor=actor,
        action="assessment.period_open",
        obj=period,
        organization=period.owner,
        after={"targets": total, "leaves": leaf_count, "template": str(template)},
    )
    until = timezone.localtime(period.self_check_until)
    _tell_targets(
        period,
        org_ids=org_ids,
        person_ids=person_ids,
        title=f"考核已开启：{period.name}",
        body=f"请于 {until:%Y-%m-%d %H:%M} 前完成自查并上传佐证材料。",
        url=_my_cards_url(),
        key=f"assessment-open:{period.pk}",
    )
    return total


def target_users(*, org_ids=(), person_ids=()) -> list[int]:
    """The people who act for these targets: for organisations the nearest level holding
    SELF_CHECK (the branch secretary and 党务干事), for members their own accounts."""
    from django.contrib.auth import get_user_model

    users: set[int] = set()
    org_ids = list(org_ids)
    for start in range(0, len(org_ids), 5000):
        orgs = Organization.objects.filter(pk__in=org_ids[start : start + 5000]).only("pk", "path")
        for found in nearest_holders(list(orgs), SELF_CHECK).values():
            users.update(found)
    person_ids = list(person_ids)
    for start in range(0, len(person_ids), 5000):
        users.update(
            get_user_model()
            .objects.filter(person_id__in=person_ids[start : start + 5000], is_active=True)
            .values_list("pk", flat=True)
        )
    return sorted(users)


def _tell_targets(period, *, org_ids, person_ids, title, body, url, key) -> int:
    users = target_users(org_ids=org_ids, person_ids=person_ids)
    if not users:
        return 0
    return notify(
        recipients=users,
        title=title,
        body=body,
        url=url,
        category="assessment",
        obj=period,
        dedupe_key=key,
    )


def _card_targets(period: Period, cards=None) -> tuple[list[int], list[int]]:
    """(organisation ids of organisation cards, person ids of member cards) of a period."""
    cards = cards if cards is not None else Scorecard.objects.filter(period=period)
    org_ids: list[int] = []
    person_ids: list[int] = []
    for org_id, person_id in cards.values_list("organization_id", "member__person_id"):
        if person_id:
            person_ids.append(person_id)
        else:
            org_ids.append(org_id)
    return org_ids, person_ids


def managers_of(period: Period) -> list[int]:
    return nearest_holders([period.owner], MANAGE_PERIOD).get(period.owner_id, [])


# ------------------------------------------------------------------ lock / unlock


def completeness(period: Period) -> tuple[int, int, list[str]]:
    """(cards not fully scored, leaves missing, a few of their names) — two queries."""
    scored = dict(
        LeafScore.objects.filter(
            scorecard__period=period,
            points__isnull=False,
            indicator__level=Indicator.Level.RULE,
        )
        .exclude(status=LeafScore.Status.RETURNED)
        .values("scorecard_id")
        .annotate(n=Count("id"))
        .values_list("scorecard_id", "n")
    )
    cards_missing = leaves_missing = 0
    names: list[str] = []
    rows = Scorecard.objects.filter(period=period).values_list("pk", "leaf_count", "target_name")
    for pk, leaf_count, name in rows.iterator(chunk_size=2000):
        missing = leaf_count - scored.get(pk, 0)
        if missing > 0:
            cards_missing += 1
            leaves_missing += missing
            if len(names) < 3:
                names.append(name)
    return cards_missing, leaves_missing, names


@transaction.atomic
def period_lock(*, actor, period: Period, now=None) -> Period:
    """审核锁定: refused while any card has an unscored (or returned) leaf; otherwise every
    card's totals are recomputed, ranks stored within each category, status LOCKED."""
    now = now or timezone.now()
    period = _locked(period)
    _require_manager(actor, period)
    _require_status(period, (Status.OPEN,), "锁定（只有自查评分中的考核可以锁定）")
    cards_missing, leaves_missing, names = completeness(period)
    if cards_missing:
        sample = "、".join(names) + ("等" if cards_missing > len(names) else "")
        raise ServiceError(
            f"还有 {cards_missing} 张考核表共 {leaves_missing} 项细则未评分或退回补充中"
            f"（{sample}），请全部评分后再锁定。"
        )
    count = engine.recompute_period(period)
    engine.rank_period(period)
    Scorecard.objects.filter(period=period).exclude(status=Scorecard.Status.SCORED).update(
        status=Scorecard.Status.SCORED
    )
    period.status = Status.LOCKED
    period.locked_at = now
    period.locked_by = actor
    period.scored_count = count
    period.save(update_fields=["status", "locked_at", "locked_by", "scored_count"])
    audit_log(
        actor=actor,
        action="assessment.period_lock",
        obj=period,
        organization=period.owner,
        after={"cards": count},
    )
    return period


@transaction.atomic
def period_unlock(*, actor, period: Period, reason: str) -> Period:
    """Back to scoring (before publication only), with the reason on record."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写解除锁定的原因（会记入审计日志）。")
    period = _locked(period)
    _require_manager(actor, period)
    _require_status(period, (Status.LOCKED,), "解除锁定（只有已锁定、未公示的考核可以解除）")
    period.status = Status.OPEN
    period.locked_at = None
    period.locked_by = None
    period.save(update_fields=["status", "locked_at", "locked_by"])
    audit_log(
        actor=actor,
        action="assessment.period_unlock",
        obj=period,
        organization=period.owner,
        message=reason[:500],
    )
    return period


# ------------------------------------------------------------------ publish / finalize


def appeal_deadline(start: dt.date, days: int) -> dt.datetime:
    """The end of the `days`-th working day after `start` (core.workdays)."""
    return _end_of_day(add_working_days(start, days))


@transaction.atomic
def period_publish(*, actor, period: Period, now=None) -> Period:
    """公示: the results become visible to the scope; the appeal window runs to the end of the
    `appeal_days`-th working day after today."""
    now = now or timezone.now()
    period = _locked(period)
    _require_manager(actor, period)
    _require_status(period, (Status.LOCKED,), "公示（请先审核锁定）")
    period.status = Status.PUBLISHED
    period.published_at = now
    period.appeal_until = appeal_deadline(timezone.localtime(now).date(), period.appeal_days)
    period.save(update_fields=["status", "published_at", "appeal_until"])
    audit_log(
        actor=actor,
        action="assessment.period_publish",
        obj=period,
        organization=period.owner,
        after={"appeal_until": period.appeal_until, "appeal_days": period.appeal_days},
    )
    until = timezone.localtime(period.appeal_until)
    org_ids, person_ids = _card_targets(period)
    _tell_targets(
        period,
        org_ids=org_ids,
        person_ids=person_ids,
        title=f"考核结果公示：{period.name}",
        body=f"对考核结果有异议的，可于 {until:%Y-%m-%d %H:%M} 前对扣分细则提出申诉。",
        url=_results_url(period) or _my_cards_url(),
        key=f"assessment-publish:{period.pk}",
    )
    return period


@transaction.atomic
def period_finalize(*, actor, period: Period, now=None) -> Period:
    """定档: after the appeal window, with every appeal decided."""
    now = now or timezone.now()
    period = _locked(period)
    _require_manager(actor, period)
    _require_status(period, (Status.PUBLISHED,), "定档（只有公示中的考核可以定档）")
    if period.appeal_until and now <= period.appeal_until:
        until = timezone.localtime(period.appeal_until)
        raise ServiceError(f"申诉期到 {until:%Y-%m-%d %H:%M} 才结束，请在申诉期结束后定档。")
    from dangjian.assessment.models import Appeal

    pending = Appeal.objects.filter(scorecard__period=period, status=Appeal.Status.PENDING).count()
    if pending:
        raise ServiceError(f"还有 {pending} 件申诉待裁定，请裁定后再定档。")
    period.status = Status.FINAL
    period.finalized_at = now
    period.save(update_fields=["status", "finalized_at"])
    audit_log(
        actor=actor,
        action="assessment.period_finalize",
        obj=period,
        organization=period.owner,
        after={"appeals": period.appeal_count},
    )
    return period


# ------------------------------------------------------------------ cards


@transaction.atomic
def card_set_category(*, actor, card: Scorecard, category: Category) -> Scorecard:
    card = (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("period__owner", "category")
        .get(pk=card.pk)
    )
    period = card.period
    _require_manager(actor, period)
    _require_status(period, (Status.OPEN,), "调整对比类别（锁定后类别不能再改）")
    if category is None or category.period_id != period.pk:
        raise ServiceError("请选择本期考核的对比类别。")
    if card.category_id == category.pk:
        return card
    before = {"category": card.category.name if card.category else ""}
    card.category = category
    card.save(update_fields=["category", "updated_at"])
    audit_log(
        actor=actor,
        action="assessment.card_category",
        obj=card,
        organization=card.organization,
        before=before,
        after={"category": category.name},
    )
    return card
