"""The platform's search-backed select: a `<select>` that renders only a short head of its
choices, with a search box above it that fetches matching `<option>`s over HTMX.

A form field is made searchable with `searchable(form, name, url, placeholder)` and drawn with
`templates/includes/search_select.html`; the option endpoint answers with
`options_response(request, options, empty_label=…)` (the `includes/search_options.html`
partial). `static/core/search-select.js` adds the two comforts (Enter searches instead of
submitting; a single match chooses itself) to every box marked `data-search-select`.
The field still accepts any object of its queryset, so a page without JavaScript works for a
small scope, and a value outside the queryset is refused by the field's `invalid_choice`.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render

from dangjian.core.forms import limit_rendered_choices

OPTION_LIMIT = 30  # options rendered at once; the search box fetches the rest


def searchable(
    form: forms.Form, name: str, url: str, placeholder: str, limit: int = OPTION_LIMIT
) -> None:
    """Make a model choice field of the form a search-backed select."""
    field = form.fields[name]
    field.search_url = url
    field.search_placeholder = placeholder
    field.search_limit = limit
    limit_rendered_choices(form, name, limit)
    field.search_truncated = sum(1 for value, _ in field.widget.choices if value) >= limit


def options_response(
    request,
    options: list[tuple],
    *,
    empty_label: str,
    no_match: str = "没有匹配的结果",
    selected="",
    limit: int = OPTION_LIMIT,
):
    """`<option>`s (value, label) for a search box to swap into its select."""
    context = {
        "options": options,
        "empty_label": empty_label,
        "no_match": no_match,
        "selected": str(selected or ""),
        "limit": limit,
    }
    return render(request, "includes/search_options.html", context)
