"""The site's URLconf plus one bare view: the floor every other timing is compared with."""

from django.http import HttpResponse
from django.urls import path

from dangjian import urls as site


def floor(request):
    """Does nothing: its time is the cost of Django and the middleware stack alone."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/floor/", floor, name="bench-floor"), *site.urlpatterns]

handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
