"""API: compliance (routes collected by meetings/api.py)."""

routes: list = []
