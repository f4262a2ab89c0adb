"""Pages: ledger (see meetings/urls.py)."""

urlpatterns: list = []
