"""API: terms (routes collected by meetings/api.py)."""

routes: list = []
