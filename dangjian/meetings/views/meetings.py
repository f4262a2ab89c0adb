"""Pages: meetings (see meetings/urls.py)."""

urlpatterns: list = []
