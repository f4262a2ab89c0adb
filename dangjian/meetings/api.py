"""`/api/v1/meetings/` and the related endpoints, all scoped. Each part keeps its viewsets in
its own module; the fixed prefixes (compliance, class hours …) come before the meeting detail
routes, whose lookup accepts digits only."""

from dangjian.meetings import api_compliance, api_hours, api_meetings, api_terms

routes = [
    *api_compliance.routes,
    *api_hours.routes,
    *api_terms.routes,
    *api_meetings.routes,
]
