from django.urls import path

from dangjian.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("<int:entry_id>/", views.entry_detail, name="detail"),
    path("verify/", views.verify_start, name="verify"),
    path("export/", views.export_start, name="export"),
    path("exports/<uuid:job_id>/", views.export_download, name="export_download"),
]
