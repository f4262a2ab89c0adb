"""`/appraisals/`: each view module declares the routes of its pages."""

from dangjian.appraisals.views import grading, mine, rounds

app_name = "appraisals"

urlpatterns = [*mine.urlpatterns, *rounds.urlpatterns, *grading.urlpatterns]
