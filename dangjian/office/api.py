"""`/api/v1/work-tasks/…`: tasks and submissions, scoped."""

routes: list = []
