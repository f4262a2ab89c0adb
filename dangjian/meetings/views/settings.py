"""Pages: settings (see meetings/urls.py)."""

urlpatterns: list = []
