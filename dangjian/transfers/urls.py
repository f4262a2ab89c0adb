from dangjian.transfers.views import urlpatterns

app_name = "transfers"

__all__ = ["app_name", "urlpatterns"]
