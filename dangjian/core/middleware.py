from dangjian.core.request_context import reset_current_request, set_current_request


class RequestContextMiddleware:
    """Makes the current request available to services (audit IP, actor)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_request(request)
        try:
            return self.get_response(request)
        finally:
            reset_current_request(token)


class HtmxLoginRedirectMiddleware:
    """An HTMX request that is sent to the login page reloads the whole page there.

    Without it, a partial request made after the session ended (logout in another tab, expiry)
    would swap the login form into a fragment of the old page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or response.status_code != 302:
            return response
        from django.conf import settings
        from django.http import HttpResponse
        from django.shortcuts import resolve_url

        location = response.get("Location", "")
        if not location.startswith(resolve_url(settings.LOGIN_URL)):
            return response
        reload = HttpResponse(status=204)
        reload["HX-Redirect"] = location
        return reload
