"""Progress of slow work (imports, exports, bulk dispatch) that a page shows as a progress bar.

    job = job_create(owner=user, kind="audit.export", title="导出审计日志", params={...})
    enqueue_on_commit(export_task, job.pk)   # core.tasks; the task takes the id
    return redirect("core:job_detail", job.pk)
    ...inside the task:
    job_start(job_id, total=n); job_advance(job_id, 100); job_finish(job_id, result_url=...)

The page `/jobs/<id>/` polls the job and shows the bar; only the job's owner can see it.
Updates use conditional UPDATEs with F(), so retries and concurrent workers never corrupt counts.
"""

from django.db.models import F
from django.db.models.functions import Least
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dangjian.core.models import Job


def job_create(*, owner, kind: str, title: str, params: dict | None = None) -> Job:
    return Job.objects.create(owner=owner, kind=kind, title=title, params=params or {})


def job_start(job_id, *, total: int, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.RUNNING, total=total, done=0, message=message, started_at=timezone.now()
    )


def job_advance(job_id, amount: int = 1, *, message: str | None = None) -> None:
    changes = {"done": Least(F("done") + amount, F("total"))}
    if message is not None:
        changes["message"] = message
    Job.objects.filter(pk=job_id).update(**changes)


def job_finish(job_id, *, result_url: str = "", message: str = "已完成") -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.DONE,
        done=F("total"),
        result_url=result_url,
        message=message,
        finished_at=timezone.now(),
    )


def job_fail(job_id, *, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, message=message[:500], finished_at=timezone.now()
    )


def jobs_fail_stale(*, created_before) -> int:
    """Fail jobs that never finished (their worker crashed or the enqueue was lost)."""
    return Job.objects.filter(
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING], created_at__lt=created_before
    ).update(
        status=Job.Status.FAILED,
        message="任务长时间未完成，已停止。请重新发起。",
        finished_at=timezone.now(),
    )


# Reads (selectors). A job is private to its owner: anyone else gets the same 404 as a
# missing job, so job ids reveal nothing.


def jobs_of(user):
    return Job.objects.filter(owner=user).order_by("-created_at")


def job_of_owner_or_404(user, job_id) -> Job:
    return get_object_or_404(Job, pk=job_id, owner=user)


def job_files_expire(*, kind: str, created_before) -> int:
    """Delete the files that finished jobs of one kind stored (`params["file"]`) before a time,
    and mark each job so its page says the file is gone; returns how many files went. Exports
    hold personal data, so they are not kept (等保 8.1.4.10, residual information)."""
    from django.core.files.storage import default_storage

    expired = Job.objects.filter(
        kind=kind, created_at__lt=created_before, params__has_key="file"
    ).exclude(result_url="")
    removed = 0
    for job in expired.only("pk", "params").iterator():
        name = job.params.get("file", "")
        if name and default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
        Job.objects.filter(pk=job.pk).update(
            result_url="", message="导出文件已超过保存期限，已删除"
        )
    return removed
