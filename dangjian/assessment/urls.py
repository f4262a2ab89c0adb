"""The pages of the assessment system under `/assessment/`. Each view module declares its routes."""

from dangjian.assessment.views import periods, results, scoring, selfcheck, templates

app_name = "assessment"

urlpatterns = [
    *templates.urlpatterns,
    *periods.urlpatterns,
    *selfcheck.urlpatterns,
    *scoring.urlpatterns,
    *results.urlpatterns,
]
