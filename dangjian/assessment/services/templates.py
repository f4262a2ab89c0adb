"""Writes of indicator templates (指标体系, issue 8 item 1). Every function is keyword-only,
atomic, checks MANAGE_TEMPLATE over the template's owner, validates, writes an audit entry and
raises `ServiceError` with a Chinese message (changing nothing) on refusal.

    template_create → indicator_create / indicator_update / indicator_move / indicator_delete
    / template_import (replaces the tree from Excel) → a period uses it (`used_at`, frozen)
    template_copy (new version or next year; the copy is editable), template_update (settings),
    template_delete (only unused)

The tree: 类别 (level 1) → 项目 (2) → 细则 (3). The services keep `code` ("2", "2.3", "2.3.1")
and `position` — the pre-order index over the whole tree, so leaves sort in sheet order by
`position` alone (engine.template_leaves, LeafScore ordering) — after every change.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from dangjian.accounts.models import Role
from dangjian.assessment import sources
from dangjian.assessment.models import Indicator, RuleType, TargetKind, Template
from dangjian.assessment.permissions import MANAGE_TEMPLATE, SCORE
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of

FROZEN = "该指标体系已用于考核，不能修改；请复制为新版本后修改。"
MAX_POINTS = Decimal("1000")
TWO = Decimal("0.01")

# Evidence kinds a leaf may ask for (Indicator.evidence_kinds), with the labels of the form
# and the Excel column. services/selfcheck maps them onto core.uploads kinds.
EVIDENCE_KINDS = {"image": "图片", "pdf": "PDF", "docx": "Word", "xlsx": "Excel"}

# Sources named by the contract; accepted before their module registers them (a leaf with an
# unregistered source is simply not computed), so sheets and imports do not depend on the
# order in which the source modules land.
PLANNED_SOURCES = {
    "meetings.sanhui_yike": "三会一课落实情况",
    "meetings.member_attendance": "党员参加组织生活情况",
    "documents.sign_timeliness": "公文按时签收",
    "documents.reply_rate": "公文按时回复",
    "dues.on_time": "党费按时交纳",
    "development.deadlines": "发展党员时限",
    "completeness.member_records": "党员信息完整",
}
PLANNED_KINDS = {"meetings.member_attendance": TargetKind.MEMBER}

SETTING_FIELDS = (
    "description",
    "base_points",
    "bonus_cap",
    "min_total",
    "max_total",
    "grade_bands",
    "veto_effect",
    "annual_method",
    "annual_weights",
)
LEAF_FIELDS = (
    "max_points",
    "rule_type",
    "unit_points",
    "unit_label",
    "floor_at_zero",
    "levels",
    "bonus_cap",
    "veto",
    "evidence_kinds",
    "evidence_note",
    "scorer_role",
    "source",
)
NODE_FIELDS = ("title", "scoring_note")
WEIGHT_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}


# ------------------------------------------------------------------ choices and parsing


def source_choices(target_kind: str | None = None) -> list[tuple[str, str]]:
    """Registered sources, plus the contract's planned keys not registered yet."""
    found = dict(sources.choices(target_kind))
    for key, label in PLANNED_SOURCES.items():
        kind = PLANNED_KINDS.get(key, TargetKind.ORGANIZATION)
        if key not in found and sources.get(key) is None and target_kind in (None, kind):
            found[key] = label
    return sorted(found.items())


def source_label(key: str) -> str:
    source = sources.get(key)
    return source.label if source else PLANNED_SOURCES.get(key, key)


def scorer_roles() -> list[Role]:
    """Roles whose holders score leaves (their permissions include SCORE)."""
    return [role for role in Role.objects.order_by("name") if SCORE in (role.permissions or [])]


def parse_levels(text: str) -> list[dict]:
    """ "好:5, 较好:3, 一般:1" → [{"label": "好", "points": 5}, …]; ValueError with a Chinese
    message when a part is not "名称:分值"."""
    levels = []
    for part in re.split(r"[,，、;；\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"[:：]", part, maxsplit=1)
        if len(pieces) != 2:
            raise ValueError(f"档次“{part}”应写成“名称:分值”，例如“好:5”")
        label, value = pieces[0].strip(), pieces[1]
        number = parse_number(value)
        if not label or number is None:
            raise ValueError(f"档次“{part}”应写成“名称:分值”，例如“好:5”")
        levels.append({"label": label, "points": _plain(number)})
    return levels


def levels_text(levels) -> str:
    return ", ".join(f"{level['label']}:{_fmt(level['points'])}" for level in levels or [])


def parse_bands(text: str) -> list[dict]:
    """ "优秀:90, 良好:80, 合格:60, 不合格:0" → [{"min": 90, "label": "优秀"}, …]."""
    return [{"min": level["points"], "label": level["label"]} for level in parse_levels(text)]


def bands_text(bands) -> str:
    return ", ".join(f"{band['label']}:{_fmt(band['min'])}" for band in bands or [])


def parse_number(value) -> Decimal | None:
    """A number from a form or a cell ("2", "2分", "+0.5", 2.0); None when blank or not one."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip().removesuffix("分").strip().removeprefix("+")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _fmt(value) -> str:
    text = f"{Decimal(str(value)).normalize():f}"
    return "0" if text in ("-0", "") else text


def _plain(number: Decimal):
    """JSON-friendly: an int when whole, else a float with two places."""
    number = number.quantize(TWO)
    return int(number) if number == number.to_integral_value() else float(number)


# ------------------------------------------------------------------ permission and state


def _require_manager(actor, owner) -> None:
    if not scope_of(actor).covers(MANAGE_TEMPLATE, owner.path):
        raise ServiceError(f"您没有管理{owner.display_name}考核指标体系的权限。")


def _require_editable(template: Template) -> None:
    if template.used_at is not None:
        raise ServiceError(FROZEN)


def _locked(template: Template) -> Template:
    return Template.objects.select_for_update().select_related("owner").get(pk=template.pk)


# ------------------------------------------------------------------ validation


def _points(value, label: str, *, allow_none=False, negative=False) -> Decimal | None:
    if value in (None, ""):
        if allow_none:
            return None
        raise ServiceError(f"{label}须为数字。")
    number = parse_number(value)
    if number is None:
        raise ServiceError(f"{label}须为数字。")
    if number != number.quantize(TWO):
        raise ServiceError(f"{label}最多两位小数。")
    if not negative and number < 0:
        raise ServiceError(f"{label}不能为负数。")
    if abs(number) > MAX_POINTS:
        raise ServiceError(f"{label}不能超过{MAX_POINTS}。")
    return number.quantize(TWO)


def clean_settings(values: dict, *, current: Template | None = None) -> dict:
    """Validated template settings (only the keys given, merged with `current` for the
    cross-field checks)."""
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ServiceError(f"不能修改的设置：{'、'.join(sorted(unknown))}。")
    result = {}
    if "description" in values:
        result["description"] = (values["description"] or "").strip()
    if "base_points" in values:
        result["base_points"] = _points(values["base_points"], "基础分")
    for name, label in (
        ("bonus_cap", "加分上限"),
        ("min_total", "总分下限"),
        ("max_total", "总分上限"),
    ):
        if name in values:
            result[name] = _points(values[name], label, allow_none=True)
    merged = {
        name: result.get(name, getattr(current, name, None))
        for name in ("base_points", "min_total", "max_total")
    }
    low, high = merged["min_total"], merged["max_total"]
    if low is not None and high is not None and low > high:
        raise ServiceError("总分下限不能高于总分上限。")
    if high is not None and merged["base_points"] is not None and merged["base_points"] > high:
        raise ServiceError("基础分不能高于总分上限。")
    if "grade_bands" in values:
        result["grade_bands"] = _clean_bands(values["grade_bands"])
    if "veto_effect" in values:
        if values["veto_effect"] not in Template.VetoEffect.values:
            raise ServiceError("请选择一票否决的后果。")
        result["veto_effect"] = values["veto_effect"]
    if "annual_method" in values:
        if values["annual_method"] not in Template.AnnualMethod.values:
            raise ServiceError("请选择年度结果的计算方法。")
        result["annual_method"] = values["annual_method"]
    if "annual_weights" in values:
        result["annual_weights"] = _clean_weights(values["annual_weights"] or {})
    method = result.get("annual_method", getattr(current, "annual_method", None))
    weights = result.get("annual_weights", getattr(current, "annual_weights", None)) or {}
    if method == Template.AnnualMethod.WEIGHTED and not any(weights.values()):
        raise ServiceError("按各期加权求和计算年度结果时，请至少填写一种周期的权重。")
    return result


def _clean_bands(bands) -> list[dict]:
    if isinstance(bands, str):
        try:
            bands = parse_bands(bands)
        except ValueError as exc:
            raise ServiceError(f"等次划分：{exc}。") from exc
    cleaned, labels, mins = [], set(), set()
    for band in bands or []:
        label = str(band.get("label", "")).strip()
        minimum = parse_number(band.get("min"))
        if not label or minimum is None:
            raise ServiceError("等次划分的每一档须有名称和最低分，例如“优秀:90”。")
        if label in labels or minimum in mins:
            raise ServiceError(f"等次划分中“{label}”重复：每一档的名称和最低分须各不相同。")
        labels.add(label)
        mins.add(minimum)
        cleaned.append({"min": _plain(minimum), "label": label})
    if not cleaned:
        return []
    cleaned.sort(key=lambda band: Decimal(str(band["min"])), reverse=True)
    if Decimal(str(cleaned[-1]["min"])) > 0:
        raise ServiceError("等次划分的最后一档最低分须为0（不及最低档的总分也要有等次）。")
    return cleaned


def _clean_weights(weights: dict) -> dict:
    cleaned = {}
    for key, value in weights.items():
        if key not in WEIGHT_KINDS:
            raise ServiceError(f"未知的年度权重“{key}”。")
        if value in (None, ""):
            continue
        number = parse_number(value)
        if number is None or number < 0 or number > 100:
            raise ServiceError(f"{WEIGHT_KINDS[key]}权重须为0～100之间的数字。")
        if number:
            cleaned[key] = float(number)
    return cleaned


def clean_leaf(values: dict, *, template: Template) -> dict:
    """Validated fields of a leaf (细则): the complete set, with defaults for what is absent."""
    rule = values.get("rule_type") or RuleType.DEDUCTION
    if rule not in RuleType.values:
        raise ServiceError("请选择评分方式（按次扣分、达标得分、分档评分或加分）。")
    veto = bool(values.get("veto"))
    result = {"rule_type": rule, "veto": veto}
    result["unit_label"] = (values.get("unit_label") or "次").strip()[:10]
    result["floor_at_zero"] = bool(values.get("floor_at_zero", True))
    result["levels"] = []
    result["bonus_cap"] = None
    result["unit_points"] = Decimal("0")
    max_points = _points(values.get("max_points") or 0, "分值")
    if rule == RuleType.DEDUCTION:
        result["unit_points"] = _unit(values.get("unit_points"), "每次扣分")
        if result["floor_at_zero"] and max_points <= 0:
            raise ServiceError("按次扣分且“扣完为止”的细则，分值须大于0。")
    elif rule == RuleType.BINARY:
        if max_points <= 0 and not veto:
            raise ServiceError("达标得分的细则，分值须大于0。")
    elif rule == RuleType.GRADED:
        levels = values.get("levels") or []
        if isinstance(levels, str):
            try:
                levels = parse_levels(levels)
            except ValueError as exc:
                raise ServiceError(f"{exc}。") from exc
        if not levels:
            raise ServiceError("分档评分的细则须填写档次，例如“好:5, 较好:3, 一般:1”。")
        seen = set()
        for level in levels:
            label = str(level.get("label", "")).strip()
            points = _points(level.get("points"), f"档次“{label}”的分值")
            if label in seen:
                raise ServiceError(f"档次“{label}”重复。")
            seen.add(label)
            result["levels"].append({"label": label, "points": _plain(points)})
        top = max(Decimal(str(level["points"])) for level in result["levels"])
        if max_points and top != max_points:
            raise ServiceError(
                f"分档评分的最高档（{_fmt(top)}分）须等于细则分值（{_fmt(max_points)}分）。"
            )
        max_points = top.quantize(TWO)
    else:  # BONUS
        result["unit_points"] = _unit(values.get("unit_points"), "每次加分")
        cap = _points(values.get("bonus_cap"), "加分上限", allow_none=True)
        if cap is None or cap <= 0:
            raise ServiceError("加分细则须填写大于0的加分上限。")
        if cap < result["unit_points"]:
            raise ServiceError("加分上限不能小于每次加分。")
        result["bonus_cap"] = cap
        max_points = Decimal("0.00")
    if veto and rule in (RuleType.BONUS,):
        raise ServiceError("加分细则不能设为一票否决。")
    result["max_points"] = max_points
    kinds = list(values.get("evidence_kinds") or [])
    unknown = [kind for kind in kinds if kind not in EVIDENCE_KINDS]
    if unknown:
        raise ServiceError(f"未知的佐证材料类型：{'、'.join(unknown)}。")
    result["evidence_kinds"] = [kind for kind in EVIDENCE_KINDS if kind in kinds]
    result["evidence_note"] = (values.get("evidence_note") or "").strip()
    if len(result["evidence_note"]) > 300:
        raise ServiceError("佐证材料要求不能超过300字。")
    role = values.get("scorer_role")
    if role is not None and not isinstance(role, Role):
        role = Role.objects.filter(pk=role).first()
        if role is None:
            raise ServiceError("评分部门不存在。")
    if role is not None and SCORE not in (role.permissions or []):
        raise ServiceError(f"“{role.name}”没有评分权限，不能作为评分部门。")
    result["scorer_role"] = role
    source = (values.get("source") or "").strip()
    if source and source not in dict(source_choices(template.target_kind)):
        raise ServiceError(f"自动计算来源“{source}”不存在或不适用于本考核对象。")
    if source and rule == RuleType.GRADED:
        raise ServiceError("分档评分的细则不能自动计算，请改为按次扣分或达标得分。")
    result["source"] = source
    return result


def _unit(value, label: str) -> Decimal:
    number = _points(value, label, allow_none=True)
    if number is None or number <= 0:
        raise ServiceError(f"{label}须大于0。")
    return number


def _clean_node(values: dict, *, partial=False) -> dict:
    result = {}
    if "title" in values or not partial:
        title = (values.get("title") or "").strip()
        if not title:
            raise ServiceError("请填写名称。")
        if len(title) > 200:
            raise ServiceError("名称不能超过200字。")
        result["title"] = title
    if "scoring_note" in values or not partial:
        result["scoring_note"] = (values.get("scoring_note") or "").strip()
    return result


# ------------------------------------------------------------------ templates


def _next_version(owner, year: int, name: str) -> int:
    current = Template.objects.filter(owner=owner, year=year, name=name).aggregate(
        top=Max("version")
    )["top"]
    return (current or 0) + 1


def _clean_header(name, year) -> tuple[str, int]:
    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写指标体系名称。")
    if len(name) > 100:
        raise ServiceError("名称不能超过100字。")
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise ServiceError("年度须为四位数字。") from exc
    if not 2000 <= year <= 2100:
        raise ServiceError("年度须在2000～2100之间。")
    return name, year


def _insert(**fields) -> Template:
    """Create with the version computed just before; two people creating the same name and
    year at the same moment meet the unique constraint: the second is told to try again."""
    try:
        with transaction.atomic():
            return Template.objects.create(**fields)
    except IntegrityError as exc:
        raise ServiceError(
            f"{fields['year']}年“{fields['name']}”的第{fields['version']}版刚刚由他人建立，"
            "请刷新后重试。"
        ) from exc


@transaction.atomic
def template_create(*, actor, owner, name, year, target_kind=TargetKind.ORGANIZATION, **settings):
    _require_manager(actor, owner)
    name, year = _clean_header(name, year)
    if target_kind not in TargetKind.values:
        raise ServiceError("请选择考核对象（党组织或党员）。")
    fields = clean_settings(settings)
    template = _insert(
        owner=owner,
        name=name,
        year=year,
        version=_next_version(owner, year, name),
        target_kind=target_kind,
        created_by=actor,
        **fields,
    )
    audit_log(
        actor=actor,
        action="assessment.template_create",
        obj=template,
        organization=owner,
        after={"name": name, "year": year, "version": template.version},
    )
    return template


@transaction.atomic
def template_update(*, actor, template, **fields):
    """Settings (SETTING_FIELDS), `name` and `is_active`. Only `is_active` may change once the
    template is used (retiring an old version)."""
    template = _locked(template)
    _require_manager(actor, template.owner)
    if set(fields) - {"is_active"}:
        _require_editable(template)
    before = {name: getattr(template, name) for name in fields}
    if "name" in fields:
        name, _year = _clean_header(fields.pop("name"), template.year)
        if (
            name != template.name
            and Template.objects.filter(
                owner=template.owner, year=template.year, name=name, version=template.version
            ).exists()
        ):
            raise ServiceError(f"{template.year}年已有同名同版本的指标体系“{name}”。")
        template.name = name
    if "is_active" in fields:
        template.is_active = bool(fields.pop("is_active"))
    for name, value in clean_settings(fields, current=template).items():
        setattr(template, name, value)
    template.save()
    audit_log(
        actor=actor,
        action="assessment.template_update",
        obj=template,
        organization=template.owner,
        before=before,
        after={name: getattr(template, name) for name in before},
    )
    return template


@transaction.atomic
def template_copy(*, actor, template, year=None, name=None):
    """A new editable template with the settings and the whole tree: the same year and name
    make the next version; another year or name starts at the version after the highest there
    (1 when none)."""
    source = Template.objects.select_related("owner").get(pk=template.pk)
    _require_manager(actor, source.owner)
    name, year = _clean_header(name or source.name, year or source.year)
    copy = _insert(
        owner=source.owner,
        name=name,
        year=year,
        version=_next_version(source.owner, year, name),
        target_kind=source.target_kind,
        description=source.description,
        base_points=source.base_points,
        bonus_cap=source.bonus_cap,
        min_total=source.min_total,
        max_total=source.max_total,
        grade_bands=source.grade_bands,
        veto_effect=source.veto_effect,
        annual_method=source.annual_method,
        annual_weights=source.annual_weights,
        copied_from=source,
        created_by=actor,
    )
    count = _copy_tree(source, copy)
    renumber(copy)
    audit_log(
        actor=actor,
        action="assessment.template_copy",
        obj=copy,
        organization=copy.owner,
        before={"template": source.pk, "name": str(source)},
        after={"name": name, "year": year, "version": copy.version, "indicators": count},
    )
    return copy


def _copy_tree(source: Template, target: Template) -> int:
    """Copy level by level (a bulk insert per level; the new parents' ids come back)."""
    nodes = list(Indicator.objects.filter(template=source).order_by("level", "position", "id"))
    new_of: dict[int, Indicator] = {}
    skip = {"id", "template", "parent"}
    names = [f.attname for f in Indicator._meta.concrete_fields if f.name not in skip]
    for level in (1, 2, 3):
        batch, olds = [], []
        for node in nodes:
            if node.level != level:
                continue
            copy = Indicator(template=target, **{n: getattr(node, n) for n in names})
            if node.parent_id:
                parent = new_of.get(node.parent_id)
                if parent is None:
                    continue
                copy.parent = parent
            batch.append(copy)
            olds.append(node)
        created = Indicator.objects.bulk_create(batch)
        for old, new in zip(olds, created, strict=True):
            new_of[old.pk] = new
    return len(new_of)


@transaction.atomic
def template_delete(*, actor, template) -> None:
    template = _locked(template)
    _require_manager(actor, template.owner)
    if template.used_at is not None or template.periods.exists():
        raise ServiceError("该指标体系已用于考核，不能删除；可以停用。")
    before = {"name": str(template), "indicators": template.indicators.count()}
    audit_log(
        actor=actor,
        action="assessment.template_delete",
        obj=template,
        organization=template.owner,
        before=before,
    )
    template.delete()


# ------------------------------------------------------------------ indicators


def renumber(template: Template) -> None:
    """Codes and positions from the tree order (siblings by position, then id)."""
    nodes = list(Indicator.objects.filter(template=template).order_by("position", "id"))
    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    changed = []
    counter = 0

    def walk(parent_id, prefix):
        nonlocal counter
        for index, node in enumerate(children.get(parent_id, []), start=1):
            code = f"{prefix}{index}"
            if node.code != code or node.position != counter:
                node.code, node.position = code, counter
                changed.append(node)
            counter += 1
            walk(node.pk, f"{code}.")

    walk(None, "")
    if changed:
        Indicator.objects.bulk_update(changed, ["code", "position"], batch_size=500)


def _audit_indicator(actor, action, indicator, template, before=None, after=None):
    audit_log(
        actor=actor,
        action=action,
        obj=indicator,
        organization=template.owner,
        before=before,
        after=after,
    )


def _snapshot(indicator: Indicator) -> dict:
    data = {"code": indicator.code, "title": indicator.title}
    if indicator.is_leaf:
        data.update(
            max_points=indicator.max_points,
            rule_type=indicator.rule_type,
            unit_points=indicator.unit_points,
            levels=indicator.levels,
            bonus_cap=indicator.bonus_cap,
            veto=indicator.veto,
            scorer_role=indicator.scorer_role_id,
            source=indicator.source,
        )
    return data


@transaction.atomic
def indicator_create(*, actor, template, parent=None, after=None, **fields) -> Indicator:
    """A new node under `parent` (None: a 类别), placed last among its siblings, or right after
    the sibling `after`."""
    template = _locked(template)
    _require_manager(actor, template.owner)
    _require_editable(template)
    if parent is not None and parent.template_id != template.pk:
        raise ServiceError("上级指标不属于这个指标体系。")
    level = 1 if parent is None else parent.level + 1
    if level > Indicator.Level.RULE:
        raise ServiceError("细则下不能再添加下级指标。")
    data = _clean_node(fields)
    if level == Indicator.Level.RULE:
        data.update(clean_leaf(fields, template=template))
    siblings = Indicator.objects.filter(template=template, parent=parent)
    if after is not None and after.parent_id == (parent.pk if parent else None):
        position = after.position
        # Behind `after` and before its next sibling: move the later siblings one step on.
        siblings.filter(position__gt=position).update(position=F("position") + 1)
        position += 1
    else:
        last = (
            Indicator.objects.filter(template=template).aggregate(top=Max("position"))["top"] or 0
        )
        position = last + 1
    indicator = Indicator.objects.create(
        template=template, parent=parent, level=level, position=position, **data
    )
    renumber(template)
    indicator.refresh_from_db()
    _audit_indicator(
        actor, "assessment.indicator_create", indicator, template, after=_snapshot(indicator)
    )
    return indicator


@transaction.atomic
def indicator_update(*, actor, indicator, **fields) -> Indicator:
    indicator = Indicator.objects.select_related("template__owner", "scorer_role").get(
        pk=indicator.pk
    )
    template = _locked(indicator.template)
    _require_manager(actor, template.owner)
    _require_editable(template)
    before = _snapshot(indicator)
    data = _clean_node(fields, partial=True)
    if indicator.is_leaf:
        current = {name: getattr(indicator, name) for name in LEAF_FIELDS}
        current.update({k: v for k, v in fields.items() if k in LEAF_FIELDS})
        if "levels" in fields and "max_points" not in fields:
            current["max_points"] = None  # a graded leaf is worth its top level
        data.update(clean_leaf(current, template=template))
    else:
        extra = set(fields) & set(LEAF_FIELDS)
        if extra:
            raise ServiceError("类别和项目没有分值和评分方式；分值由下属细则合计。")
    for name, value in data.items():
        setattr(indicator, name, value)
    indicator.save()
    _audit_indicator(
        actor,
        "assessment.indicator_update",
        indicator,
        template,
        before=before,
        after=_snapshot(indicator),
    )
    return indicator


@transaction.atomic
def indicator_delete(*, actor, indicator) -> int:
    """Delete the node and its subtree; returns the number of nodes removed."""
    indicator = Indicator.objects.select_related("template__owner").get(pk=indicator.pk)
    template = _locked(indicator.template)
    _require_manager(actor, template.owner)
    _require_editable(template)
    before = _snapshot(indicator)
    count = 1 + Indicator.objects.filter(parent=indicator).count()
    count += Indicator.objects.filter(parent__parent=indicator).count()
    _audit_indicator(actor, "assessment.indicator_delete", indicator, template, before=before)
    indicator.delete()
    renumber(template)
    return count


@transaction.atomic
def indicator_move(*, actor, indicator, direction: str) -> Indicator:
    """Swap with the previous ("up") or next ("down") sibling; codes follow."""
    if direction not in ("up", "down"):
        raise ServiceError("请选择上移或下移。")
    indicator = Indicator.objects.select_related("template__owner").get(pk=indicator.pk)
    template = _locked(indicator.template)
    _require_manager(actor, template.owner)
    _require_editable(template)
    siblings = Indicator.objects.filter(template=template, parent_id=indicator.parent_id)
    if direction == "up":
        other = siblings.filter(position__lt=indicator.position).order_by("-position").first()
    else:
        other = siblings.filter(position__gt=indicator.position).order_by("position").first()
    if other is None:
        raise ServiceError("已经在最前面了。" if direction == "up" else "已经在最后面了。")
    before = indicator.code
    mine, theirs = indicator.position, other.position
    Indicator.objects.filter(pk=indicator.pk).update(position=theirs)
    Indicator.objects.filter(pk=other.pk).update(position=mine)
    renumber(template)
    indicator.refresh_from_db()
    _audit_indicator(
        actor,
        "assessment.indicator_move",
        indicator,
        template,
        before={"code": before},
        after={"code": indicator.code},
    )
    return indicator


# ------------------------------------------------------------------ building a whole tree


def build_tree(template: Template, categories: list[dict]) -> int:
    """Replace the template's tree by `categories` (already validated):
    [{"title", "scoring_note", "items": [{"title", "scoring_note", "leaves": [fields…]}]}].
    Three bulk inserts. Returns the number of leaves."""
    Indicator.objects.filter(template=template).delete()
    position = 0
    level1, level2, level3 = [], [], []
    for c_index, category in enumerate(categories, start=1):
        node = Indicator(
            template=template,
            level=1,
            position=position,
            code=str(c_index),
            title=category["title"],
            scoring_note=category.get("scoring_note", ""),
        )
        position += 1
        level1.append(node)
        for i_index, item in enumerate(category["items"], start=1):
            item_node = Indicator(
                template=template,
                level=2,
                position=position,
                code=f"{c_index}.{i_index}",
                title=item["title"],
                scoring_note=item.get("scoring_note", ""),
            )
            item_node._parent_ref = node
            position += 1
            level2.append(item_node)
            for l_index, leaf in enumerate(item["leaves"], start=1):
                leaf_node = Indicator(
                    template=template,
                    level=3,
                    position=position,
                    code=f"{c_index}.{i_index}.{l_index}",
                    **leaf,
                )
                leaf_node._parent_ref = item_node
                position += 1
                level3.append(leaf_node)
    Indicator.objects.bulk_create(level1)
    for node in level2:
        node.parent = node._parent_ref
    Indicator.objects.bulk_create(level2)
    for node in level3:
        node.parent = node._parent_ref
    Indicator.objects.bulk_create(level3)
    return len(level3)


@transaction.atomic
def template_import(*, actor, template, file) -> int:
    """Replace the tree of an editable template by an Excel sheet in the clerks' layout
    (excel.py). Any bad row: one ServiceError listing every bad row, nothing written.
    Returns the number of leaves imported."""
    from dangjian.assessment import excel
    from dangjian.core.uploads import MB, SPREADSHEETS, check_upload

    template = _locked(template)
    _require_manager(actor, template.owner)
    _require_editable(template)
    try:
        check_upload(file, kinds=SPREADSHEETS, max_bytes=5 * MB, what="指标表格")
    except ValidationError as exc:
        raise ServiceError(exc.messages[0]) from exc
    categories = excel.read_sheet(file, template=template)
    before = template.indicators.filter(level=Indicator.Level.RULE).count()
    count = build_tree(template, categories)
    audit_log(
        actor=actor,
        action="assessment.template_import",
        obj=template,
        organization=template.owner,
        before={"leaves": before},
        after={"leaves": count, "file": getattr(file, "name", "")[:100]},
    )
    return count


def can_manage(user) -> bool:
    return scope_of(user).has(MANAGE_TEMPLATE)
