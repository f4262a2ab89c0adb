"""Pages: guides (see meetings/urls.py)."""

urlpatterns: list = []
