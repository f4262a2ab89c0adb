"""Database pagination for list pages, matching `templates/includes/pagination.html`."""

from django.core.paginator import Paginator

PER_PAGE = 20


def paginate(request, queryset, per_page: int = PER_PAGE) -> dict:
    """`page_obj` (one COUNT and one LIMIT/OFFSET query) and the query string without `page`."""
    page_obj = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return {"page_obj": page_obj, "query_without_page": f"{encoded}&" if encoded else ""}
