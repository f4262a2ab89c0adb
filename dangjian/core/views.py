from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from dangjian.core.health import database_answers, process_report
from dangjian.core.jobs import job_of_owner_or_404, jobs_of
from dangjian.core.links import safe_local_path
from dangjian.core.paging import paginate


@never_cache
@require_GET
def healthz(request):
    """200 with database status and the worker's and scheduler's last heartbeats; 503 when the
    database does not answer (the detail names the error class only, never connection data)."""
    try:
        database_answers()
        processes = process_report()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "error", "detail": exc.__class__.__name__}, status=503
        )
    return JsonResponse(
        {"status": "ok", "time": timezone.now().isoformat(), "database": "ok", **processes}
    )


@login_required
@require_GET
def job_list(request):
    context = paginate(request, jobs_of(request.user))
    return render(request, "core/job_list.html", context)


@never_cache
@vary_on_headers("HX-Request")
@login_required
@require_GET
def job_detail(request, job_id):
    """The job's progress; HTMX polls the partial every second until the job has finished."""
    job = job_of_owner_or_404(request.user, job_id)
    template = "core/_job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job, "result_url": safe_local_path(job.result_url)})


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
