"""The pages of 公文 under `/documents/`. Each view module declares its routes."""

from dangjian.documents.views import outgoing, pdf, receiving, tracking

app_name = "documents"

urlpatterns = [
    *outgoing.urlpatterns,
    *receiving.urlpatterns,
    *tracking.urlpatterns,
    *pdf.urlpatterns,
]
