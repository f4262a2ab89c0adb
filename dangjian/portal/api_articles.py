"""Portal API (filled in by its part)."""

routes: list = []
