"""`/api/v1/assessment/…` (being written this session)."""

routes: list = []
