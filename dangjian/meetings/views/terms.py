"""Pages: terms (see meetings/urls.py)."""

urlpatterns: list = []
