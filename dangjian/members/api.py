"""`/api/v1/people/`, `/api/v1/members/`, `/api/v1/member-imports/`."""

routes: list = []
