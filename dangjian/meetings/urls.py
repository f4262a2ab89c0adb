"""`/meetings/`: each view module declares the routes of its pages (`urlpatterns`)."""

from dangjian.meetings.views import (
    compliance,
    guides,
    hours,
    ledger,
    meetings,
    settings,
    signin,
    terms,
)

app_name = "meetings"

urlpatterns = [
    *signin.urlpatterns,
    *compliance.urlpatterns,
    *hours.urlpatterns,
    *settings.urlpatterns,
    *guides.urlpatterns,
    *terms.urlpatterns,
    *ledger.urlpatterns,
    *meetings.urlpatterns,
]
