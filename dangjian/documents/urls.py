"""The pages of 公文 under `/documents/`. Each view module declares its routes."""

from dangjian.documents.views import outgoing, pdf, receiving, tracking

app_name = "documents"

# Tracking and the PDFs come first: their `outgoing/<pk>/recipients/`, `outgoing/<pk>/chase/`,
# `outgoing/<pk>/pdf/` and `inbox/<pk>/pdf/` would otherwise be taken by the outgoing part's
# `outgoing/<pk>/<action>/` and the receiving part's `inbox/<pk>/<action>/`.
urlpatterns = [
    *pdf.urlpatterns,
    *tracking.urlpatterns,
    *outgoing.urlpatterns,
    *receiving.urlpatterns,
]
