"""Indicator templates as Excel in the layout clerks already use (issue 8 item 1):

    目标 | 项目 | 内容 | 评分说明 | 分值 | 评分方式 | 每次分值 | 计量单位 | 扣完为止 | 档次 |
    加分上限 | 一票否决 | 佐证材料 | 佐证要求 | 评分部门 | 自动计算

One row per 细则 (内容); 目标 (类别) and 项目 are merged down over their rows, as on paper. On
import a blank 目标 or 项目 continues the one above (merged cells read blank), so both the
merged layout and one repeated on every row are read. A row with 目标/项目 and no 内容 makes an
empty 类别 or 项目; a 合计 row is skipped. The extra columns to the right are optional: a
clerk's sheet with only the first five columns imports as 按次扣分 leaves, the deduction per
occurrence taken from the 评分说明 ("每缺一次扣1分") or else the whole 分值 — the assessor can
then score any value within the leaf's range.
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from dangjian.assessment.models import Indicator, RuleType, Template
from dangjian.assessment.services import templates as services
from dangjian.core.exceptions import ServiceError

COLUMNS = [
    "目标",
    "项目",
    "内容",
    "评分说明",
    "分值",
    "评分方式",
    "每次分值",
    "计量单位",
    "扣完为止",
    "档次",
    "加分上限",
    "一票否决",
    "佐证材料",
    "佐证要求",
    "评分部门",
    "自动计算",
]
REQUIRED = ("目标", "项目", "内容", "分值")
WIDTHS = [14, 16, 34, 40, 8, 10, 9, 9, 9, 22, 9, 9, 16, 24, 12, 18]
HEADER_SCAN_ROWS = 10
MAX_LISTED = 30
YES, NO = "是", "否"
RULE_LABELS = {value: str(label) for value, label in RuleType.choices}
EVIDENCE_LABELS = services.EVIDENCE_KINDS
UNIT_IN_NOTE = re.compile(r"扣\s*(\d+(?:\.\d+)?)\s*分")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _num(value):
    return float(value) if Decimal(value) != Decimal(value).to_integral_value() else int(value)


# ------------------------------------------------------------------ export


def template_workbook(template: Template) -> bytes:
    nodes = list(
        Indicator.objects.filter(template=template)
        .select_related("scorer_role")
        .order_by("position", "id")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "评分细则"
    width = len(COLUMNS)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(wrap_text=True, vertical="center", horizontal="center")

    sheet.append([f"{template.year}年{template.name}（第{template.version}版）评分细则"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.append(COLUMNS)
    for column in range(1, width + 1):
        cell = sheet.cell(2, column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB" if column <= 5 else "E7E6E6")
        cell.alignment = centre
        cell.border = border
    for index, size in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = size

    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    row = 3
    spans = []  # (column, first row, last row) to merge
    for category in children.get(None, []):
        first_of_category = row
        items = children.get(category.pk, [])
        if not items:
            sheet.append([category.title])
            row += 1
        for item in items:
            first_of_item = row
            leaves = children.get(item.pk, [])
            if not leaves:
                sheet.append([category.title if row == first_of_category else None, item.title])
                row += 1
            for l_index, leaf in enumerate(leaves):
                values = [
                    category.title if row == first_of_category else None,
                    item.title if l_index == 0 else None,
                    *_leaf_cells(leaf),
                ]
                sheet.append(values)
                row += 1
            if row - first_of_item > 1:
                spans.append((2, first_of_item, row - 1))
        if row - first_of_category > 1:
            spans.append((1, first_of_category, row - 1))
    total = sum(
        (node.max_points for node in nodes if node.level == 3 and node.rule_type != "bonus"),
        Decimal("0"),
    )
    sheet.append(["合计", None, None, _total_note(template, nodes), _num(total)])
    last = row
    for column, first, end in spans:
        sheet.merge_cells(start_row=first, start_column=column, end_row=end, end_column=column)
    for line in range(3, last + 1):
        for column in range(1, width + 1):
            cell = sheet.cell(line, column)
            cell.border = border
            cell.alignment = centre if column in (1, 2, 5, 6, 7, 8, 9, 11, 12) else wrap
    sheet.cell(last, 1).font = Font(bold=True)
    sheet.freeze_panes = "C3"
    _notes_sheet(book)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _leaf_cells(leaf: Indicator) -> list:
    rule = leaf.rule_type
    uses_unit = rule in (RuleType.DEDUCTION, RuleType.BONUS)
    return [
        leaf.title,
        leaf.scoring_note,
        _num(leaf.max_points),
        RULE_LABELS.get(rule, rule),
        _num(leaf.unit_points) if uses_unit else None,
        leaf.unit_label if uses_unit else None,
        (YES if leaf.floor_at_zero else NO) if rule == RuleType.DEDUCTION else None,
        services.levels_text(leaf.levels) if rule == RuleType.GRADED else None,
        _num(leaf.bonus_cap) if leaf.bonus_cap is not None else None,
        YES if leaf.veto else None,
        "、".join(EVIDENCE_LABELS[k] for k in leaf.evidence_kinds if k in EVIDENCE_LABELS) or None,
        leaf.evidence_note or None,
        leaf.scorer_role.name if leaf.scorer_role_id else None,
        services.source_label(leaf.source) if leaf.source else None,
    ]


def _total_note(template: Template, nodes) -> str:
    bonus = [n for n in nodes if n.level == 3 and n.rule_type == RuleType.BONUS]
    parts = []
    if template.base_points:
        parts.append(f"基础分{_num(template.base_points)}分")
    if bonus:
        cap = f"，加分合计不超过{_num(template.bonus_cap)}分" if template.bonus_cap else ""
        parts.append(f"另有加分项目{len(bonus)}项{cap}")
    return "；".join(parts)


def _notes_sheet(book) -> None:
    notes = book.create_sheet("填写说明")
    lines = [
        "第一个工作表按“目标 | 项目 | 内容 | 评分说明 | 分值”填写，每行一条细则；"
        "目标、项目可合并单元格，也可每行重复填写。",
        "评分方式：按次扣分、达标得分、分档评分、加分；不填时按“按次扣分”导入，每次扣分取评分说明中的"
        "“扣X分”，没有则取分值。",
        "每次分值：按次扣分为每次扣的分，加分为每次加的分；扣完为止：是/否（不填为是）。",
        "档次：分档评分填写，如“好:5, 较好:3, 一般:1”，最高档须等于分值。",
        "加分上限：加分细则必填；一票否决：填“是”。",
        "佐证材料：图片、PDF、Word、Excel，用顿号分隔；评分部门：角色名称，如组织部、宣传部长、党委办公室；"
        "不填由考核组织部门评分。",
        "自动计算：系统可按实时数据计算的来源名称（见系统中的指标编辑页），不填为人工评分。",
        "导入会替换指标体系中现有的全部指标；任何一行有误都不会导入，并列出需要修改的行。",
    ]
    notes.column_dimensions["A"].width = 110
    for line in lines:
        notes.append([line])


# ------------------------------------------------------------------ import


def read_sheet(file, *, template: Template) -> list[dict]:
    """The validated tree of the first worksheet, for `services.templates.build_tree`.
    Raises one ServiceError listing every bad row ("第5行：分值须为数字")."""
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ServiceError("无法读取这个Excel文件，请用Excel另存为.xlsx后重新上传。") from exc
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    header_at, columns = _find_header(rows)
    roles = {role.name: role for role in services.scorer_roles()}
    roles.update({role.code: role for role in roles.values()})
    sources = {}
    for key, label in services.source_choices(template.target_kind):
        sources[key] = key
        sources[label] = key
    evidence = {label.lower(): key for key, label in services.EVIDENCE_KINDS.items()}
    evidence.update({"图片": "image", "照片": "image", "pdf": "pdf", "word": "docx"})
    evidence.update({"excel": "xlsx", "docx": "docx", "xlsx": "xlsx", "image": "image"})

    categories: list[dict] = []
    errors: list[str] = []
    category = item = None
    for offset, raw in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = {name: raw[index] if index < len(raw) else None for name, index in columns.items()}
        text = {name: _text(value) for name, value in cells.items()}
        if not any(text.values()):
            continue
        if text.get("目标", "").replace(" ", "").startswith("合计"):
            continue
        if text.get("目标") and (category is None or text["目标"] != category["title"]):
            category = {"title": text["目标"][:200], "items": []}
            categories.append(category)
            item = None
        if text.get("项目") and (item is None or text["项目"] != item["title"]):
            if category is None:
                errors.append(f"第{offset}行：请先填写“目标”（类别）")
                continue
            item = {"title": text["项目"][:200], "leaves": []}
            category["items"].append(item)
        if not text.get("内容"):
            continue
        if item is None:
            errors.append(f"第{offset}行：细则“{text['内容'][:20]}”上面没有“项目”，请填写项目")
            continue
        problems: list[str] = []
        values = _leaf_values(cells, text, problems, roles, sources, evidence)
        if not problems:
            try:
                values = services.clean_leaf(values, template=template)
            except ServiceError as exc:
                problems.append(exc.messages[0].rstrip("。"))
        if problems:
            errors.append(f"第{offset}行：" + "；".join(problems))
            continue
        item["leaves"].append(
            {"title": text["内容"][:200], "scoring_note": text.get("评分说明", ""), **values}
        )
    if errors:
        listed = errors[:MAX_LISTED]
        if len(errors) > MAX_LISTED:
            listed.append(f"……另有{len(errors) - MAX_LISTED}行有问题")
        raise ServiceError(listed)
    if not any(item["leaves"] for category in categories for item in category["items"]):
        raise ServiceError("表格中没有细则（“内容”列为空）：请按导出的模板填写后再导入。")
    return categories


def _find_header(rows) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = [_text(value).replace(" ", "").replace("\n", "") for value in row]
        if all(name in names for name in REQUIRED):
            return index, {name: names.index(name) for name in COLUMNS if name in names}
    raise ServiceError(
        "表格前10行中找不到表头“目标 | 项目 | 内容 | 评分说明 | 分值”：请使用导出的表格填写，"
        "不要删除或改动表头。"
    )


def _leaf_values(cells, text, problems, roles, sources, evidence) -> dict:
    values: dict = {}
    numbers = {}
    for column in ("分值", "每次分值", "加分上限"):
        if text.get(column):
            number = services.parse_number(cells[column])
            if number is None:
                problems.append(f"{column}须为数字")
            numbers[column] = number
    if problems:
        return values
    rule_text = text.get("评分方式", "")
    by_label = {label: value for value, label in RULE_LABELS.items()}
    if rule_text:
        rule = by_label.get(rule_text) or (rule_text if rule_text in RULE_LABELS else None)
        if rule is None:
            problems.append(f"评分方式“{rule_text}”应为按次扣分、达标得分、分档评分或加分")
            return values
    elif text.get("档次"):
        rule = RuleType.GRADED
    elif text.get("加分上限"):
        rule = RuleType.BONUS
    else:
        rule = RuleType.DEDUCTION
    values["rule_type"] = rule
    values["max_points"] = numbers.get("分值") or Decimal("0")
    unit = numbers.get("每次分值")
    if unit is None and rule == RuleType.DEDUCTION:
        match = UNIT_IN_NOTE.search(text.get("评分说明", ""))
        unit = Decimal(match.group(1)) if match else values["max_points"]
    values["unit_points"] = unit
    values["unit_label"] = text.get("计量单位") or "次"
    values["floor_at_zero"] = _yes_no(text.get("扣完为止"), True, "扣完为止", problems)
    values["veto"] = _yes_no(text.get("一票否决"), False, "一票否决", problems)
    values["bonus_cap"] = numbers.get("加分上限")
    values["levels"] = []
    if text.get("档次"):
        try:
            values["levels"] = services.parse_levels(text["档次"])
        except ValueError as exc:
            problems.append(str(exc))
    kinds = []
    for part in re.split(r"[、,，/;；\s]+", text.get("佐证材料", "")):
        if not part:
            continue
        kind = evidence.get(part.lower())
        if kind is None:
            problems.append(f"佐证材料“{part}”应为图片、PDF、Word或Excel")
        elif kind not in kinds:
            kinds.append(kind)
    values["evidence_kinds"] = kinds
    values["evidence_note"] = text.get("佐证要求", "")
    role_text = text.get("评分部门", "")
    values["scorer_role"] = None
    if role_text:
        role = roles.get(role_text)
        if role is None:
            names = "、".join(sorted({r.name for r in roles.values()}))
            problems.append(f"评分部门“{role_text}”不存在（可填：{names}）")
        values["scorer_role"] = role
    source_text = text.get("自动计算", "")
    values["source"] = ""
    if source_text:
        key = sources.get(source_text)
        if key is None:
            problems.append(f"自动计算来源“{source_text}”不存在")
        values["source"] = key or ""
    return values


def _yes_no(value: str, default: bool, column: str, problems: list[str]) -> bool:
    if not value:
        return default
    if value in (YES, "Y", "y", "1", "TRUE", "True", "true", "√"):
        return True
    if value in (NO, "N", "n", "0", "FALSE", "False", "false", "×"):
        return False
    problems.append(f"{column}须填“是”或“否”")
    return default
