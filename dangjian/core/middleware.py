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


class ControlCharacterQueryMiddleware:
    """A query string carrying control characters (NUL, which PostgreSQL refuses in any text
    parameter, and the other C0 codes) never reaches a view: the page answers 400 in Chinese, the
    API its usual JSON error naming the parameters. One guard instead of a check in every search
    box and filter."""

    MESSAGE = "地址里含有不可见的控制字符，请检查后重试。"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        names = [
            name
            for name, values in request.GET.lists()
            if any(ord(character) < 32 for value in values for character in value)
        ]
        if names:
            return self._refuse(request, names)
        return self.get_response(request)

    def _refuse(self, request, names):
        from django.http import JsonResponse
        from django.shortcuts import render

        if request.path.startswith("/api/"):
            from dangjian.core.api import error_body

            details = {name: [self.MESSAGE] for name in names}
            return JsonResponse(error_body("invalid", self.MESSAGE, details), status=400)
        return render(request, "errors/400.html", status=400)
