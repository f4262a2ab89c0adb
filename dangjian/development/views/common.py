"""What the development pages share: the one way to a case, the one-time form token, and
turning a service's refusal into form errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404, has_permission
from dangjian.core.submit_once import SubmitOnce as BaseSubmitOnce
from dangjian.development.models import DevelopmentCase
from dangjian.development.permissions import VIEW_DEVELOPMENT

CASE_RELATED = ("person", "person__unit", "organization", "member")


def case_or_404(request, pk, permission: str = VIEW_DEVELOPMENT) -> DevelopmentCase:
    """The case in the user's scope for the permission, else 404 (exactly as missing)."""
    queryset = DevelopmentCase.objects.select_related(*CASE_RELATED)
    return get_visible_or_404(queryset, request.user, permission, pk=parse_id(pk))


def posted(request):
    """The POST data of a POST (even an empty one, which `request.POST or None` would treat
    as no submission at all), else None."""
    return request.POST if request.method == "POST" else None


def files(request):
    return request.FILES if request.method == "POST" else None


def require_anywhere(user, permission: str) -> None:
    """Pages without an object: a user holding the permission nowhere gets 404."""
    if not has_permission(user, permission):
        raise Http404


def case_url(case, anchor: str = "") -> str:
    url = reverse("development:case_detail", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


def errors_into(form, refused: ValidationError) -> None:
    """A service's refusal as a form error, on the field it names when the form has it."""
    field = getattr(refused, "field", None)
    if field not in form.fields:
        field = None
    for message in refused.messages:
        form.add_error(field, message)


def shown_blocks(blocks) -> list[dict]:
    """Blocked rules as the pages show them: the sentence without its trailing “（依据：…）”,
    which the page prints on its own line."""
    return [
        {
            "rule_key": block.rule_key,
            "label": block.label,
            "message": block.message.removesuffix(f"（依据：{block.source}）"),
            "source": block.source,
            "dates": block.dates,
            "earliest": block.earliest,
            "overridable": block.overridable,
        }
        for block in blocks
    ]


class SubmitOnce(BaseSubmitOnce):
    """The one-time form token (`core.submit_once`) with this app's cache keys."""

    def __init__(self, request, purpose: str):
        super().__init__(request, purpose, namespace="development")
