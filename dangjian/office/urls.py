"""The pages of 工作任务 under `/office/`."""

from dangjian.office.views import tasks

app_name = "office"

urlpatterns = [
    *tasks.urlpatterns,
]
