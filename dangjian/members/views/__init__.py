"""Pages of the member records; each module lists its own `urlpatterns` (see members/urls.py)."""
