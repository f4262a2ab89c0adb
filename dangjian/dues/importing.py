"""The yearly bases from a salary Excel (domain §2.2: fixed at the start of the year).

Sheet 1, one header row (the first row that names 姓名), any column order:
    工号 | 身份证号 | 姓名 | 计算基数 (税后月收入; or 税后工资) | 党费类别 (optional) | 备注
Each row names a person by 工号 or 身份证号 and repeats the 姓名 to cross-check. Every row is
checked first (`BaseImport.errors`, one Chinese message per bad row); only a file without errors
can be applied, all-or-nothing, in one transaction. Large files are checked in a task.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangjian.audit.services import audit_log
from dangjian.core.crypto import lookup_hash
from dangjian.core.exceptions import ServiceError
from dangjian.core.idnumbers import mask_id_number
from dangjian.core.idnumbers import normalise as normalise_id
from dangjian.core.jobs import job_advance, job_create, job_fail, job_finish, job_start
from dangjian.core.rules import rule_value
from dangjian.core.scope import scope_of
from dangjian.core.tasks import enqueue_on_commit
from dangjian.core.uploads import MB, SPREADSHEETS, check_upload
from dangjian.dues import rules
from dangjian.dues.calculation import CalculationError, parse_money
from dangjian.dues.models import SCALE_OF_CATEGORY, BaseCategory, BaseImport, BaseSource, DuesBase
from dangjian.dues.permissions import MANAGE_DUES
from dangjian.dues.services.bases import (
    category_for_employment,
    check_year,
    priced_fields,
    reprice_open_months,
)
from dangjian.dues.services.common import Pricing, actor_or_none, require_manage
from dangjian.members.models import IN_GOOD_STANDING, Person

MAX_BYTES = 10 * MB
MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10
CHUNK = 900
HEADERS = {
    "工号": "work_number",
    "职工号": "work_number",
    "身份证号": "id_number",
    "公民身份号码": "id_number",
    "身份证号码": "id_number",
    "姓名": "name",
    "计算基数": "base",
    "税后工资": "base",
    "税后月收入": "base",
    "党费基数": "base",
    "党费类别": "category",
    "类别": "category",
    "备注": "note",
}
CATEGORY_LABELS = {
    **{str(label).split("（")[0]: value for value, label in BaseCategory.choices},
    **{str(label): value for value, label in BaseCategory.choices},
    "在职": BaseCategory.EMPLOYED,
    "退休": BaseCategory.RETIRED,
    "离休": BaseCategory.RETIRED,
    "个体": BaseCategory.SELF_EMPLOYED,
    "下岗": BaseCategory.UNEMPLOYED,
    "失业": BaseCategory.UNEMPLOYED,
    "低保": BaseCategory.SUBSISTENCE,
}
TEMPLATE_NOTES = [
    "填写说明",
    "1. 每行一名党员：工号或身份证号至少填一项，姓名必须与系统一致（用于核对）。",
    "2. 计算基数：税后月收入（元），按比例交纳的党员必填，保留两位小数。",
    "3. 党费类别可不填：离退休人员默认“离退休”，其他人员默认“在职”；"
    "学生、下岗失业、依靠抚恤或救济生活、领取最低生活保障金、农民按定额交纳，可不填基数。",
    "4. 导入前系统逐行校验，有任何一行错误时不导入，请按提示修改后重新上传。",
]


class ImportFileError(ServiceError):
    """The file as a whole cannot be read; the message says what to fix."""


@dataclass
class ParsedRow:
    number: int
    work_number: str
    id_number: str
    name: str
    base: str
    category: str
    note: str


# ---------------------------------------------------------------- template


def base_import_template() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "党费基数"
    sheet.append(["工号", "身份证号", "姓名", "计算基数", "党费类别", "备注"])
    sheet.append(["T000001", "", "张三（示例，导入前请删除）", "4500.00", "在职", ""])
    for letter, width in zip("ABCDEF", (12, 22, 14, 12, 22, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet("填写说明")
    for line in TEMPLATE_NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _money_text(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return _text(value)


def read_rows(content: bytes) -> list[ParsedRow]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError("文件无法读取，请用 Excel 另存为 .xlsx 后重新上传。") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    columns, header_number = None, 0
    for number, values in enumerate(rows, 1):
        names = [_text(value).replace(" ", "") for value in values]
        if "姓名" in names:
            columns = {index: HEADERS[name] for index, name in enumerate(names) if name in HEADERS}
            header_number = number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if columns is None:
        raise ImportFileError(
            "找不到表头：第一行应为“工号、身份证号、姓名、计算基数…”，请使用模板。"
        )
    found = set(columns.values())
    if "work_number" not in found and "id_number" not in found:
        raise ImportFileError("表头缺少“工号”或“身份证号”列（至少要有一列用来识别人员）。")
    parsed = []
    for number, values in enumerate(rows, header_number + 1):
        cells = {
            "work_number": "",
            "id_number": "",
            "name": "",
            "base": "",
            "category": "",
            "note": "",
        }
        for index, key in columns.items():
            if index < len(values) and not cells[key]:
                value = values[index]
                cells[key] = _money_text(value) if key == "base" else _text(value)
        if not any(cells.values()):
            continue
        parsed.append(ParsedRow(number=number, **cells))
        if len(parsed) > MAX_ROWS:
            raise ImportFileError(f"一次最多导入 {MAX_ROWS} 行，请拆分文件。")
    book.close()
    if not parsed:
        raise ImportFileError("文件里没有数据行。")
    return parsed


# ---------------------------------------------------------------- checking


def _people(rows: list[ParsedRow]):
    """Persons by 工号 and by ID hash, with their membership (a few queries in chunks)."""
    numbers = sorted({row.work_number for row in rows if row.work_number})
    hashes = sorted({lookup_hash(normalise_id(row.id_number)) for row in rows if row.id_number})
    by_number, by_hash = {}, {}
    fields = ("pk", "name", "work_number", "id_number_hash", "employment")
    member_fields = ("membership__pk", "membership__status", "membership__organization__path")
    for start in range(0, len(numbers), CHUNK):
        for values in Person.objects.filter(work_number__in=numbers[start : start + CHUNK]).values(
            *fields, *member_fields
        ):
            by_number[values["work_number"]] = values
    for start in range(0, len(hashes), CHUNK):
        for values in Person.objects.filter(
            id_number_hash__in=hashes[start : start + CHUNK]
        ).values(*fields, *member_fields):
            by_hash[values["id_number_hash"]] = values
    return by_number, by_hash


def check_rows(actor, organization, rows: list[ParsedRow], progress=None):
    """(errors, clean rows). Every row is checked; nothing is written."""
    by_number, by_hash = _people(rows)
    manage_paths = scope_of(actor).paths_for(MANAGE_DUES)
    errors, clean, seen = [], [], {}
    for index, row in enumerate(rows):
        try:
            clean.append(_check_row(row, organization, manage_paths, by_number, by_hash, seen))
        except ServiceError as exc:
            errors.append({"row": row.number, "message": f"第 {row.number} 行：{exc.message}"})
        if progress and index % 500 == 499:
            progress(500)
    return errors, clean


def _person_of(row: ParsedRow, by_number, by_hash):
    person = None
    if row.work_number:
        person = by_number.get(row.work_number)
        if person is None:
            raise ServiceError(f"找不到工号为“{row.work_number}”的人员。")
    if row.id_number:
        other = by_hash.get(lookup_hash(normalise_id(row.id_number)))
        if other is None:
            raise ServiceError(
                f"找不到身份证号为 {mask_id_number(normalise_id(row.id_number))} 的人员。"
            )
        if person is not None and other["pk"] != person["pk"]:
            raise ServiceError("工号和身份证号对应的不是同一个人，请核对。")
        person = other
    if person is None:
        raise ServiceError("请填写工号或身份证号。")
    return person


def _check_row(row, organization, manage_paths, by_number, by_hash, seen) -> dict:
    person = _person_of(row, by_number, by_hash)
    if not row.name:
        raise ServiceError("请填写姓名（用于核对）。")
    if row.name.replace(" ", "") != person["name"]:
        raise ServiceError(f"姓名“{row.name}”与系统中该人员的姓名“{person['name']}”不一致。")
    path = person["membership__organization__path"]
    if (
        person["membership__pk"] is None
        or person["membership__status"] not in IN_GOOD_STANDING
        or not path.startswith(organization.path)
        or not any(path.startswith(prefix) for prefix in manage_paths)
    ):
        raise ServiceError(f"{person['name']} 不是{organization.name}（含下级）在册的党员。")
    member_id = person["membership__pk"]
    if member_id in seen:
        raise ServiceError(f"与第 {seen[member_id]} 行是同一人，请删除重复行。")
    seen[member_id] = row.number
    category = _category(row.category, person)
    base = None
    if row.base:
        try:
            base = parse_money(row.base)
        except CalculationError as exc:
            raise ServiceError(str(exc)) from exc
    if category in SCALE_OF_CATEGORY and base is None:
        raise ServiceError("请填写计算基数（税后月收入）。")
    return {
        "row": row.number,
        "member": member_id,
        "name": person["name"],
        "category": category,
        "base": str(base) if base is not None else None,
        "note": row.note[:200],
    }


def _category(text: str, person) -> str:
    if not text:
        return category_for_employment(person["employment"])
    category = CATEGORY_LABELS.get(text.replace(" ", ""))
    if category is None:
        allowed = "、".join(str(label).split("（")[0] for _, label in BaseCategory.choices)
        raise ServiceError(f"党费类别“{text}”不认识，请填写：{allowed}。")
    return category


# ---------------------------------------------------------------- services


def base_import_upload(*, actor, organization, year: int, file) -> BaseImport:
    """Store the file and check every row (in a task when it is large)."""
    require_manage(actor, organization)
    check_year(year)
    try:
        check_upload(file, kinds=SPREADSHEETS, max_bytes=MAX_BYTES, what="工资表")
    except ValidationError as exc:
        raise ServiceError(exc.messages[0]) from exc
    file.seek(0)
    content = file.read()
    rows = read_rows(content)
    with transaction.atomic():
        record = BaseImport(
            organization=organization,
            year=year,
            file_name=(getattr(file, "name", "") or "工资表.xlsx")[:200],
            row_count=len(rows),
            created_by=actor_or_none(actor),
        )
        record.file.save("bases.xlsx", ContentFile(content), save=False)
        record.save()
        audit_log(
            actor=actor,
            action="dues.base_import_upload",
            obj=record,
            organization=organization,
            after={"year": year, "rows": len(rows), "file": record.file_name},
        )
        if len(rows) > rule_value(rules.BASE_IMPORT_TASK_ROWS):
            from dangjian.dues.tasks import base_import_check_task

            record.job = job_create(
                owner=actor, kind="dues.base_import", title=f"校验党费基数：{record.file_name}"
            )
            record.save(update_fields=["job"])
            enqueue_on_commit(base_import_check_task, record.pk)
            return record
        _store_check(record, actor, rows)
    return record


def base_import_check(import_id: int) -> None:
    """The task body: check a stored file's rows (once; a checked import is left alone)."""
    record = (
        BaseImport.objects.select_related("organization", "created_by").filter(pk=import_id).first()
    )
    if record is None or record.status != BaseImport.Status.CHECKING:
        return
    try:
        with record.file.open("rb") as stored:
            rows = read_rows(stored.read())
        if record.job_id:
            job_start(record.job_id, total=len(rows), message="正在逐行校验")
        _store_check(record, record.created_by, rows)
        if record.job_id:
            job_finish(record.job_id, message=_check_summary(record))
    except ServiceError as exc:
        BaseImport.objects.filter(pk=record.pk).update(
            status=BaseImport.Status.FAILED, errors=[{"row": 0, "message": exc.message}]
        )
        if record.job_id:
            job_fail(record.job_id, message=exc.message)


def _check_summary(record: BaseImport) -> str:
    if record.errors:
        return f"{len(record.errors)} 行有错误，请修改后重新上传"
    return f"校验通过，共 {len(record.rows)} 行，可以导入"


def _store_check(record: BaseImport, actor, rows) -> None:
    progress = (lambda n: job_advance(record.job_id, n)) if record.job_id else None
    errors, clean = check_rows(actor, record.organization, rows, progress)
    record.errors = errors
    record.rows = [] if errors else clean
    record.status = BaseImport.Status.INVALID if errors else BaseImport.Status.READY
    record.save(update_fields=["errors", "rows", "status"])


def base_import_apply(*, actor, base_import: BaseImport) -> int:
    """Write every checked row's base for the year, all-or-nothing; returns the rows written."""
    require_manage(actor, base_import.organization)
    with transaction.atomic():
        record = BaseImport.objects.select_for_update().get(pk=base_import.pk)
        if record.status != BaseImport.Status.READY:
            raise ServiceError(f"该文件{record.get_status_display()}，不能导入。")
        pricing = Pricing.for_year(record.year)
        priced = {}
        for row in record.rows:
            base = Decimal(row["base"]) if row["base"] is not None else None
            try:
                priced[row["member"]] = (row, priced_fields(pricing, row["category"], base))
            except ServiceError as exc:
                raise ServiceError(f"第 {row['row']} 行：{exc.message}") from exc
        written = _write_bases(record, priced, actor)
        record.status = BaseImport.Status.APPLIED
        record.applied_at = timezone.now()
        record.save(update_fields=["status", "applied_at"])
        audit_log(
            actor=actor,
            action="dues.base_import_apply",
            obj=record,
            organization=record.organization,
            after={"year": record.year, "rows": written},
        )
    return written


def _write_bases(record: BaseImport, priced: dict, actor) -> int:
    member_ids = list(priced)
    existing = {}
    for start in range(0, len(member_ids), CHUNK):
        for base in DuesBase.objects.filter(
            year=record.year, member_id__in=member_ids[start : start + CHUNK]
        ):
            existing[base.member_id] = base
    updates, creates = [], []
    for member_id, (row, fields) in priced.items():
        base = existing.get(member_id) or DuesBase(member_id=member_id, year=record.year)
        for name, value in fields.items():
            setattr(base, name, value)
        base.source = BaseSource.IMPORT
        base.note = row["note"] or f"工资表导入：{record.file_name}"[:200]
        base.updated_by = actor_or_none(actor)
        base.updated_at = timezone.now()
        (updates if base.pk else creates).append(base)
    DuesBase.objects.bulk_create(creates, batch_size=1000)
    fields = ["category", "base", "rate", "monthly_amount", "rate_table", "source", "note"]
    DuesBase.objects.bulk_update(updates, [*fields, "updated_by", "updated_at"], batch_size=1000)
    for base in updates:  # only re-imports touch existing ledger rows
        reprice_open_months(base)
    return len(creates) + len(updates)
