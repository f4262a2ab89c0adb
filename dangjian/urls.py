from django.urls import include, path

from dangjian.core import views as core_views

urlpatterns = [
    path("workbench/", include("dangjian.dashboard.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("manage/", include("dangjian.accounts.manage_urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("development/", include("dangjian.development.urls")),
    path("transfers/", include("dangjian.transfers.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("appraisals/", include("dangjian.appraisals.urls")),
    path("meetings/", include("dangjian.meetings.urls")),
    path("documents/", include("dangjian.documents.urls")),
    path("office/", include("dangjian.office.urls")),
    path("assessment/", include("dangjian.assessment.urls")),
    path("audit/", include("dangjian.audit.urls")),
    path("inbox/", include("dangjian.notifications.urls")),
    path("jobs/", include("dangjian.core.urls")),
    path("api/v1/", include("dangjian.api_urls")),
    path("healthz", core_views.healthz, name="healthz"),
    # Last: the portal owns the site root (`/`, `/s/<code>/`, `/a/<id>/`, `/search/` …).
    path("", include("dangjian.portal.urls")),
]

handler403 = "dangjian.core.views.permission_denied"
handler404 = "dangjian.core.views.page_not_found"
handler500 = "dangjian.core.views.server_error"
