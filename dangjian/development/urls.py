"""`/development/`: each view module declares the routes of its pages."""

from dangjian.development.views import cases, home, printing, quota, records, steps

app_name = "development"

urlpatterns = [
    *home.urlpatterns,
    *cases.urlpatterns,
    *steps.urlpatterns,
    *records.urlpatterns,
    *printing.urlpatterns,
    *quota.urlpatterns,
]
