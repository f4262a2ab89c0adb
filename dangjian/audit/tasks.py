"""Background work of the audit app: Excel exports and chain verification runs.

Tasks take the job id, look everything else up, report progress through `core.jobs`, and are
safe to run twice.
"""

from django.urls import reverse
from django_tasks import task

from dangjian.audit.models import AuditEntry
from dangjian.audit.permissions import EXPORT_LOG
from dangjian.core.jobs import job_advance, job_fail, job_finish, job_start
from dangjian.core.models import Job
from dangjian.core.scope import has_permission


@task()
def export_entries_task(job_id: str) -> None:
    from dangjian.audit.exports import store_workbook
    from dangjian.audit.forms import AuditFilterForm
    from dangjian.audit.selectors import filtered_entries

    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    owner = job.owner
    if owner is None or not owner.is_active or not has_permission(owner, EXPORT_LOG):
        job_fail(job_id, message="导出失败：发起人已没有导出审计日志的权限。")
        return
    form = AuditFilterForm(owner, data=job.params.get("filters", {}))
    if not form.is_valid():
        job_fail(job_id, message="导出失败：筛选条件无效，请回到审计日志页面重新选择后再导出。")
        return
    entries = filtered_entries(owner, form.cleaned_data)
    if "until_id" in job.params:
        entries = entries.filter(id__lte=job.params["until_id"])
    job_start(job_id, total=entries.count(), message="正在导出…")
    try:
        stored, count = store_workbook(
            entries, job.params["file"], progress=lambda n: job_advance(job_id, n)
        )
    except Exception:
        job_fail(job_id, message="导出失败：写入文件时出错，请稍后重试。")
        raise
    if stored != job.params["file"]:
        Job.objects.filter(pk=job_id).update(params={**job.params, "file": stored})
    download = reverse("audit:export_download", args=[job.pk])
    job_finish(job_id, result_url=download, message=f"已导出 {count} 条审计记录")


@task()
def verify_chain_task(job_id: str) -> None:
    from dangjian.audit.services import audit_verify

    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    job_start(job_id, total=AuditEntry.objects.count(), message="正在校验审计链…")
    try:
        verification = audit_verify(actor=job.owner, progress=lambda n: job_advance(job_id, n))
    except Exception:
        job_fail(job_id, message="校验未能完成，请稍后重试。")
        raise
    job_finish(job_id, result_url=reverse("audit:list"), message=verification.message)
