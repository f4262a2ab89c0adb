"""Pages: compliance (see meetings/urls.py)."""

urlpatterns: list = []
