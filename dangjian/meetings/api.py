"""`/api/v1/meetings/` and related endpoints (scoped)."""

routes: list = []
