"""Pages: hours (see meetings/urls.py)."""

urlpatterns: list = []
