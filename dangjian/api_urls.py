"""`/api/v1/`: each app lists its viewsets in `api.py` as `routes`; add the module to API_MODULES.

The schema (`/api/v1/schema/`, OpenAPI 3) and the docs UI (`/api/v1/docs/`, Swagger UI served
from the drf-spectacular-sidecar static files, so nothing is loaded from the internet) are public:
they describe the API and hold no data. Everything else requires a session or a token.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dangjian.accounts import api as accounts_api
from dangjian.appraisals import api as appraisals_api
from dangjian.assessment import api as assessment_api
from dangjian.core.api import api_not_found
from dangjian.development import api as development_api
from dangjian.documents import api as documents_api
from dangjian.dues import api as dues_api
from dangjian.meetings import api as meetings_api
from dangjian.members import api as members_api
from dangjian.office import api as office_api
from dangjian.orgs import api as orgs_api
from dangjian.portal import api as portal_api
from dangjian.transfers import api as transfers_api

app_name = "api"

API_MODULES = (
    orgs_api,
    accounts_api,
    members_api,
    development_api,
    transfers_api,
    dues_api,
    appraisals_api,
    meetings_api,
    portal_api,
    documents_api,
    office_api,
    assessment_api,
)

router = DefaultRouter()
for module in API_MODULES:
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, as the CSP forbids inline scripts.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    *router.urls,
    re_path(r"^", api_not_found),
]
