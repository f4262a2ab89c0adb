"""Excel export of audit entries: streamed rows in openpyxl's write-only mode."""

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from dangjian.audit import actions
from dangjian.audit.selectors import organization_names

CHUNK_SIZE = 2000
HEADERS = (
    "编号",
    "时间",
    "操作人",
    "IP",
    "操作",
    "操作代码",
    "对象类型",
    "对象编号",
    "对象名称",
    "所属组织",
    "结果",
    "说明",
    "修改前",
    "修改后",
    "哈希",
)
WIDTHS = (10, 20, 22, 16, 18, 26, 20, 12, 30, 24, 8, 40, 40, 40, 20)


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _text(sheet, value) -> WriteOnlyCell:
    # Always a text cell: a value starting with "=" must never become a formula in Excel.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _row(sheet, entry, org_names: dict) -> list:
    texts = (
        entry.actor_display,
        entry.ip,
        actions.label(entry.action),
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        org_names.get(entry.organization_path, entry.organization_path),
        entry.get_result_display(),
        entry.message,
        _json(entry.before),
        _json(entry.after),
        entry.hash,
    )
    created = timezone.localtime(entry.created_at).replace(tzinfo=None, microsecond=0)
    return [entry.pk, created, *(_text(sheet, str(value)) for value in texts)]


def write_workbook(entries, target, progress: Callable[[int], None] | None = None) -> int:
    """Write the entries (a queryset, newest first) to `target`; returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(list(HEADERS))
    count = 0
    for chunk in _chunks(entries.order_by("-id").iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        names = organization_names(entry.organization_path for entry in chunk)
        for entry in chunk:
            sheet.append(_row(sheet, entry, names))
        count += len(chunk)
        if progress:
            progress(len(chunk))
    workbook.save(target)
    return count


def store_workbook(entries, name: str, progress=None) -> tuple[str, int]:
    """Write the workbook to a temporary file and put it into the default storage as `name`."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        count = write_workbook(entries, handle.name, progress)
        handle.seek(0)
        if default_storage.exists(name):  # a retried task replaces its own earlier file
            default_storage.delete(name)
        stored = default_storage.save(name, File(handle))
    return stored, count
