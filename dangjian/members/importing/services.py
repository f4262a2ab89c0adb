"""Import batches: upload (validation starts as a task), confirm (the write as a task), undo,
discard — and `import_file`, the same work run synchronously for the benchmark.

    batch = batch_upload(actor=bob, organization=branch, upload=request.FILES["file"])
    ... the validation task fills batch.errors and the counts; status 待确认
    batch_confirm(actor=bob, batch=batch)       # a second call says it is already done
    batch_undo(actor=bob, batch=batch)          # refused if someone changed the people since
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.jobs import job_advance, job_create, job_fail, job_finish, job_start
from dangjian.core.rules import rule_value
from dangjian.core.scope import get_visible_or_404, require_in_scope
from dangjian.core.tasks import enqueue_on_commit
from dangjian.core.uploads import MB, OLE, SPREADSHEETS, check_upload, sniff
from dangjian.members.importing.reader import RosterError, read_roster
from dangjian.members.importing.template import rejected_workbook_from, template_workbook
from dangjian.members.importing.validate import Plan, plan_import
from dangjian.members.importing.write import undo_records, write_plan
from dangjian.members.models import ImportBatch
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.rules import IMPORT_MAX_ROWS

__all__ = [
    "batch_confirm",
    "batch_discard",
    "batch_for_user",
    "batch_rejected_export",
    "batch_undo",
    "batch_upload",
    "batches_visible_to",
    "import_file",
    "rejected_workbook",
    "template_workbook",
]

MAX_BYTES = 10 * MB
Status = ImportBatch.Status
VALIDATE_JOB, CONFIRM_JOB = "members.import_validate", "members.import_confirm"


# ------------------------------------------------------------------ reads


def batches_visible_to(user):
    """The batches of the organisations where the user may manage members, newest first."""
    return (
        ImportBatch.objects.visible_to(user, MANAGE_MEMBER)
        .select_related("organization", "created_by")
        .order_by("-created_at")
    )


def batch_for_user(user, batch_id) -> ImportBatch:
    """The batch if it lies in the user's scope; 404 exactly like a missing one otherwise."""
    return get_visible_or_404(
        ImportBatch.objects.select_related("organization", "created_by", "undone_by", "job"),
        user,
        MANAGE_MEMBER,
        pk=batch_id,
    )


# ------------------------------------------------------------------ upload and validation


def check_roster_upload(upload) -> None:
    """File type and size, with the fix a clerk needs for the usual wrong files."""
    try:
        check_upload(upload, kinds=SPREADSHEETS, max_bytes=MAX_BYTES, what="名册文件")
    except ValidationError as exc:
        kind = sniff(upload) if upload is not None and upload.size else ""
        if kind == OLE:
            raise ServiceError(
                "这是旧版 Excel 97-2003 文件（.xls），无法导入。请用 Excel 打开，"
                "选择“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”后再上传。"
            ) from exc
        if upload is not None and upload.size and not kind:
            raise ServiceError(
                "名册文件不是 Excel 工作簿（.xlsx）。如果是 CSV、WPS 或改过扩展名的文件，"
                "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）再上传。"
            ) from exc
        raise ServiceError(exc.messages[0]) from exc


@transaction.atomic
def batch_upload(*, actor, organization, upload) -> ImportBatch:
    require_in_scope(actor, MANAGE_MEMBER, organization.path)
    if not organization.is_active:
        raise ServiceError(f"“{organization.name}”已撤销，不能再导入党员。")
    check_roster_upload(upload)
    name = Path(upload.name or "名册.xlsx").name[:200]
    batch = _new_batch(actor, organization, name)
    batch.file.save("roster.xlsx", upload, save=False)
    batch.job = job_create(owner=actor, kind=VALIDATE_JOB, title=f"校验党员名册：{name}")
    batch.save()
    audit_log(
        actor=actor,
        action="members.import_upload",
        obj=batch,
        organization=organization,
        message=name,
    )
    from dangjian.members.importing.tasks import validate_batch_task

    enqueue_on_commit(validate_batch_task, batch.pk)
    return batch


def _new_batch(actor, organization, name: str) -> ImportBatch:
    return ImportBatch(
        organization=organization,
        file_name=name,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        status=Status.VALIDATING,
    )


def _read(batch: ImportBatch, job_id=None):
    progress = (lambda n: job_advance(job_id, n)) if job_id else None
    with batch.file.open("rb") as handle:
        return read_roster(handle, max_rows=rule_value(IMPORT_MAX_ROWS), progress=progress)


def batch_validate(batch_id) -> None:
    """The dry run (the validation task's body): the preview counts and every problem."""
    batch = ImportBatch.objects.select_related("organization", "created_by").filter(pk=batch_id)
    batch = batch.first()
    if batch is None or batch.status != Status.VALIDATING:
        return  # a retried task after the work was done
    job_id = batch.job_id
    if job_id:
        job_start(job_id, total=0, message="正在读取文件…")
    try:
        roster = _read(batch)
        if job_id:
            job_start(job_id, total=len(roster.rows), message="正在逐行检查…")
        plan = plan_import(
            roster,
            actor=batch.created_by,
            organization=batch.organization,
            progress=(lambda n: job_advance(job_id, n)) if job_id else None,
        )
    except RosterError as exc:
        _failed(batch, str(exc))
        return
    except Exception:
        _failed(
            batch, "检查名册时出错，没有写入任何数据。请稍后重新上传；如仍出错请联系系统管理员。"
        )
        raise
    _previewed(batch, plan, roster.ignored)


def _previewed(batch: ImportBatch, plan: Plan, ignored: list[str]) -> None:
    message = f"以下列不是导入模板中的列，已忽略：{'、'.join(ignored)}。" if ignored else ""
    ImportBatch.objects.filter(pk=batch.pk, status=Status.VALIDATING).update(
        status=Status.PREVIEWED,
        total_rows=plan.total,
        valid_rows=len(plan.rows),
        rejected_rows=plan.rejected,
        created_count=plan.to_create,
        updated_count=plan.to_update,
        errors=plan.errors,
        message=message[:500],
    )
    if batch.job_id:
        job_finish(
            batch.job_id,
            result_url=reverse("members:import_detail", args=[batch.pk]),
            message=f"检查完成：{plan.total} 行，{len(plan.rows)} 行有效，{plan.rejected} 行有问题",
        )


def _failed(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.FAILED, message=message[:500])
    if batch.job_id:
        job_fail(batch.job_id, message=message)


# ------------------------------------------------------------------ confirm


class AlreadyConfirmed(ServiceError):
    """A second confirmation of a batch being imported or imported (a double click)."""


def batch_confirm(*, actor, batch: ImportBatch) -> ImportBatch:
    """Start writing the valid rows (as a task). Confirming twice does nothing the second time
    and says so (AlreadyConfirmed)."""
    with transaction.atomic():
        locked = _locked(actor, batch)
        if locked.status in (Status.IMPORTING, Status.IMPORTED):
            raise AlreadyConfirmed("本批次已经确认导入，不会重复导入。")
        if locked.status != Status.PREVIEWED:
            raise ServiceError(f"本批次的状态是“{locked.get_status_display()}”，不能确认导入。")
        if not locked.valid_rows:
            raise ServiceError("本批次没有可以导入的有效行。请修改问题行后重新上传。")
        locked.status = Status.IMPORTING
        locked.job = job_create(
            owner=actor, kind=CONFIRM_JOB, title=f"导入党员名册：{locked.file_name}"
        )
        locked.save(update_fields=["status", "job"])
        from dangjian.members.importing.tasks import confirm_batch_task

        enqueue_on_commit(confirm_batch_task, locked.pk)
    return locked


def _locked(actor, batch: ImportBatch) -> ImportBatch:
    locked = ImportBatch.objects.select_for_update().select_related("organization").get(pk=batch.pk)
    require_in_scope(actor, MANAGE_MEMBER, locked.organization.path)
    return locked


def batch_write(batch_id) -> None:
    """The confirm task's body: read the file again, check every row against the database as
    it is now, and write the valid rows in one transaction."""
    batch = ImportBatch.objects.select_related("job__owner").filter(pk=batch_id).first()
    if batch is None or batch.status != Status.IMPORTING:
        return
    job_id, actor = batch.job_id, batch.job.owner if batch.job else batch.created_by
    if job_id:
        job_start(job_id, total=0, message="正在读取文件…")
    try:
        roster = _read(batch)
        if job_id:
            job_start(job_id, total=len(roster.rows), message="正在检查并写入数据…")
        created, updated = _write(batch_id, actor, roster)
    except Exception as exc:
        message = str(exc) if isinstance(exc, RosterError | ServiceError) else "写入时出错"
        ImportBatch.objects.filter(pk=batch_id, status=Status.IMPORTING).update(
            status=Status.PREVIEWED
        )
        if job_id:
            job_fail(
                job_id, message=f"导入没有完成，没有写入任何数据（{message}）。可以重新确认导入。"
            )
        if isinstance(exc, RosterError | ServiceError):
            return
        raise
    if job_id and created is not None:
        job_finish(
            job_id,
            result_url=reverse("members:import_detail", args=[batch_id]),
            message=f"导入完成：新增 {created} 人，更新 {updated} 人",
        )


@transaction.atomic
def _write(batch_id, actor, roster) -> tuple[int | None, int | None]:
    batch = ImportBatch.objects.select_for_update().select_related("organization").get(pk=batch_id)
    if batch.status != Status.IMPORTING:
        return None, None  # another run of this task got here first
    require_in_scope(actor, MANAGE_MEMBER, batch.organization.path)
    job_id = batch.job_id
    plan = plan_import(
        roster,
        actor=actor,
        organization=batch.organization,
        progress=(lambda n: job_advance(job_id, n)) if job_id else None,
    )
    created, updated = write_plan(actor=actor, batch=batch, plan=plan)
    batch.status = Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.total_rows, batch.valid_rows = plan.total, len(plan.rows)
    batch.rejected_rows, batch.errors = plan.rejected, plan.errors
    batch.created_count, batch.updated_count = created, updated
    batch.save()
    audit_log(
        actor=actor,
        action="members.import_confirm",
        obj=batch,
        organization=batch.organization,
        after={
            "rows": plan.total,
            "created": created,
            "updated": updated,
            "rejected": plan.rejected,
        },
        message=batch.file_name,
    )
    return created, updated


# ------------------------------------------------------------------ undo, discard


@transaction.atomic
def batch_undo(*, actor, batch: ImportBatch) -> ImportBatch:
    """Undo the whole batch: its new people deleted, the updated ones restored."""
    locked = _locked(actor, batch)
    if locked.status == Status.UNDONE:
        raise AlreadyConfirmed("本批次已经撤销过了。")
    if locked.status != Status.IMPORTED:
        raise ServiceError(f"本批次的状态是“{locked.get_status_display()}”，没有可撤销的导入。")
    deleted, restored = undo_records(actor=actor, batch=locked)
    locked.status = Status.UNDONE
    locked.undone_by = actor
    locked.undone_at = timezone.now()
    locked.save(update_fields=["status", "undone_by", "undone_at"])
    audit_log(
        actor=actor,
        action="members.import_undo",
        obj=locked,
        organization=locked.organization,
        after={"deleted": deleted, "restored": restored},
        message=locked.file_name,
    )
    return locked


@transaction.atomic
def batch_discard(*, actor, batch: ImportBatch) -> ImportBatch:
    """Give up a previewed (or failed) batch; the uploaded file is deleted."""
    locked = _locked(actor, batch)
    if locked.status not in (Status.PREVIEWED, Status.FAILED):
        raise ServiceError(f"本批次的状态是“{locked.get_status_display()}”，不能放弃。")
    locked.status = Status.DISCARDED
    locked.save(update_fields=["status"])
    file = locked.file
    if file:
        transaction.on_commit(lambda: file.storage.delete(file.name))
    audit_log(
        actor=actor,
        action="members.import_discard",
        obj=locked,
        organization=locked.organization,
        message=locked.file_name,
    )
    return locked


# ------------------------------------------------------------------ rejected rows


def rejected_workbook(batch: ImportBatch) -> bytes:
    """The rows with problems, as the user wrote them, with a 问题说明 column."""
    reasons: dict[int, list[str]] = {}
    for error in batch.errors:
        reasons.setdefault(error["row"], []).append(f"{error['column']}：{error['message']}")
    roster = _read(batch)
    headers = roster.headers
    while headers and not headers[-1]:
        headers = headers[:-1]
    rows = [
        (raw.number, raw.values[: len(headers)], "；".join(reasons[raw.number]))
        for raw in roster.rows
        if raw.number in reasons
    ]
    return rejected_workbook_from(headers, rows)


def batch_rejected_export(*, actor, batch: ImportBatch) -> bytes:
    """The rejected rows for download; an export of personal data, so it is audited."""
    if not batch.errors or not batch.file or batch.status == Status.DISCARDED:
        raise ServiceError("本批次没有问题行可以下载。")
    content = rejected_workbook(batch)
    audit_log(
        actor=actor,
        action="members.import_rejected_export",
        obj=batch,
        organization=batch.organization,
        after={"rows": batch.rejected_rows},
        message=batch.file_name,
    )
    return content


# ------------------------------------------------------------------ synchronous (benchmark)


def import_file(*, actor, organization, path) -> ImportBatch:
    """Validate and confirm a roster file in this process, without tasks (benchmark, shell)."""
    require_in_scope(actor, MANAGE_MEMBER, organization.path)
    path = Path(path)
    batch = _new_batch(actor, organization, path.name[:200])
    with path.open("rb") as handle:
        batch.file.save("roster.xlsx", File(handle), save=False)
    batch.save()
    batch_validate(batch.pk)
    batch.refresh_from_db()
    if batch.status != Status.PREVIEWED or not batch.valid_rows:
        return batch
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.IMPORTING)
    batch.status = Status.IMPORTING
    _write(batch.pk, actor, _read(batch))
    batch.refresh_from_db()
    return batch
