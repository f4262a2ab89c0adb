"""Who is acting and from where, for the audit log and the lockout.

The request is kept in a context variable for the span of one request so that services called
deep inside a view can record the client address without every caller passing it along.
"""

from contextvars import ContextVar

from django.conf import settings

_current_request: ContextVar = ContextVar("dangjian_current_request", default=None)


def set_current_request(request):
    return _current_request.set(request)


def reset_current_request(token) -> None:
    _current_request.reset(token)


def current_request():
    return _current_request.get()


def client_ip(request) -> str:
    """The client address, trusting X-Forwarded-For only for the configured proxy count."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or ""


def current_ip() -> str:
    request = current_request()
    return client_ip(request) if request is not None else ""
