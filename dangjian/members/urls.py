"""`/members/`: each view module declares the routes of its pages."""

from dangjian.members.views import (
    exports,
    files,
    imports,
    listing,
    quality,
    records,
    retirees,
    statistics,
    status,
)

app_name = "members"

urlpatterns = [
    *listing.urlpatterns,
    *records.urlpatterns,
    *status.urlpatterns,
    *retirees.urlpatterns,
    *files.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
    *statistics.urlpatterns,
    *quality.urlpatterns,
]
