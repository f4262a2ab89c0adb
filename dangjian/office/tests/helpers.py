"""Shared pieces of the office tests: real workbooks and a task opened the real way."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from dangjian.office import services
from dangjian.office.models import TaskFile
from dangjian.office.services import TargetSpec

HEADER = ["姓名", "性别", "入党时间", "备注"]
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def workbook(header=HEADER, rows=(), name="表格.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    book.save(output)
    return SimpleUploadedFile(name, output.getvalue(), content_type="application/octet-stream")


def pdf(name="材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def open_task(
    dw,
    title="报送2026年党员信息统计表",
    *,
    to=None,
    subtree=False,
    org_type="branch",
    form=False,
    files=False,
    deadline=None,
    now=None,
):
    """A task of the mine, created by oscar and opened to branch1 and branch2 (or `to`)."""
    now = now or timezone.now()
    task = services.task_create(
        actor=dw.oscar,
        organization=dw.mine,
        data={
            "title": title,
            "description": "请按模板填报。",
            "deadline": deadline or now + dt.timedelta(days=3),
            "requires_files": files,
            "requires_form": form,
        },
        now=now,
    )
    if form:
        services.task_file_add(
            actor=dw.oscar,
            task=task,
            file=workbook(name="模板.xlsx"),
            purpose=TaskFile.Purpose.FORM,
        )
    if subtree:
        targets = [TargetSpec(dw.mine, include_subtree=True, org_type=org_type)]
    else:
        targets = [TargetSpec(org) for org in (to or (dw.branch1, dw.branch2))]
    services.task_open(actor=dw.oscar, task=task, targets=targets, now=now)
    task.refresh_from_db()
    return task


def assignment_of(task, organization):
    return task.assignments.get(organization=organization)
