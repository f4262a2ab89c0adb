"""`/api/v1/articles/`, `/api/v1/columns/`, `/api/v1/search/`: published items readable by
the caller, for the mobile client. Each part keeps its viewsets in its own module."""

from dangjian.portal import api_articles, api_search

routes = [
    *api_search.routes,
    *api_articles.routes,
]
