"""The pages of 公文 under `/documents/`. Each view module declares its routes."""

from dangjian.documents.views import outgoing, pdf, receiving, tracking

app_name = "documents"

# Tracking comes first: its `outgoing/<pk>/recipients/` and `outgoing/<pk>/chase/` would
# otherwise be taken by the outgoing part's `outgoing/<pk>/<action>/`.
urlpatterns = [
    *tracking.urlpatterns,
    *outgoing.urlpatterns,
    *receiving.urlpatterns,
    *pdf.urlpatterns,
]
