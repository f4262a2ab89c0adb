"""Background work of the assessment system: opening a period for many targets (a job with a
progress bar, `core.jobs`). The view starts it when the period has more than
`OPEN_INLINE_LIMIT` targets; smaller periods open in the request.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django_tasks import task as background

from dangjian.assessment.models import Period
from dangjian.core.exceptions import ServiceError
from dangjian.core.jobs import job_create, job_fail, job_finish, job_start
from dangjian.core.models import Job
from dangjian.core.tasks import enqueue_on_commit

OPEN_INLINE_LIMIT = 2000
JOB_KIND = "assessment.period_open"


def start_open_job(*, actor, period: Period, request_key: str = "") -> Job:
    """Mark the draft OPENING (so nobody opens it twice) and queue the opening. The same
    `request_key` answers the job already started."""
    from dangjian.assessment.services.periods import _locked, _require_manager, _require_status

    if request_key:
        existing = Job.objects.filter(
            owner=actor, kind=JOB_KIND, params__request_key=request_key
        ).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        locked = _locked(period)
        _require_manager(actor, locked)
        _require_status(locked, (Period.Status.DRAFT,), "开启")
        Period.objects.filter(pk=locked.pk).update(status=Period.Status.OPENING)
        job = job_create(
            owner=actor,
            kind=JOB_KIND,
            title=f"开启考核：{locked.name[:80]}",
            params={"period": locked.pk, "request_key": request_key},
        )
        enqueue_on_commit(open_period_task, job.pk)
    return job


@background()
def open_period_task(job_id: str) -> None:
    from dangjian.assessment.services.periods import period_open, target_estimate

    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status in (Job.Status.DONE, Job.Status.FAILED):
        return
    period = Period.objects.select_related("template", "target_root", "owner")
    period = period.filter(pk=job.params.get("period")).first()
    if period is None:
        job_fail(job_id, message="开启失败：考核周期已不存在。")
        return
    if period.status != Period.Status.OPENING:
        job_finish(job_id, result_url=reverse("assessment:period_detail", args=[period.pk]))
        return
    job_start(job_id, total=max(target_estimate(period), 1), message="正在生成考核表…")

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job_id).update(done=done, message=f"已生成 {done}/{total} 张考核表")

    try:
        count = period_open(actor=job.owner, period=period, progress=progress)
    except ServiceError as exc:
        Period.objects.filter(pk=period.pk, status=Period.Status.OPENING).update(
            status=Period.Status.DRAFT
        )
        job_fail(job_id, message=f"开启失败：{exc.messages[0]}")
        return
    job_finish(
        job_id,
        result_url=reverse("assessment:period_detail", args=[period.pk]),
        message=f"已开启，生成 {count} 张考核表",
    )
