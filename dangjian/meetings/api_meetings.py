"""API: meetings (routes collected by meetings/api.py)."""

routes: list = []
