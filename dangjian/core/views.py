from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 with database and worker status; 503 when the database does not answer."""
    from dangjian.core.models import Heartbeat

    body = {"status": "ok", "time": timezone.now().isoformat()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["database"] = "ok"
        beats = {beat.name: beat.seen_at for beat in Heartbeat.objects.all()}
    except Exception as exc:
        return JsonResponse(
            {"status": "error", "database": "error", "detail": exc.__class__.__name__}, status=503
        )
    now = timezone.now()
    for name in ("worker", "scheduler"):
        seen = beats.get(name)
        body[name] = {
            "last_heartbeat": seen.isoformat() if seen else None,
            "age_seconds": int((now - seen).total_seconds()) if seen else None,
        }
    return JsonResponse(body)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
