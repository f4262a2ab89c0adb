"""Placeholder: filled in by the member-records work (issue 3)."""

urlpatterns: list = []
