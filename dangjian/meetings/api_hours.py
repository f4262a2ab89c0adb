"""API: hours (routes collected by meetings/api.py)."""

routes: list = []
