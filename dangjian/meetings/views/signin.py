"""Pages: signin (see meetings/urls.py)."""

urlpatterns: list = []
