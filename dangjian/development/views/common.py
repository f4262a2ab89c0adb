"""What the development pages share: the one way to a case, the one-time form token, and
turning a service's refusal into form errors."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404, has_permission
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


class SubmitOnce:
    """A hidden one-time token: the first POST claims it (atomically, in the cache); a repeated
    POST of the same form goes to the first one's result instead of writing again."""

    FIELD = "form_token"
    TIMEOUT = 6 * 3600

    def __init__(self, request, purpose: str):
        posted = request.POST.get(self.FIELD, "") if request.method == "POST" else ""
        self.token = posted if _is_token(posted) else uuid.uuid4().hex
        self.key = f"development:once:{request.user.pk}:{purpose}:{self.token}"

    def claim(self) -> bool:
        return cache.add(self.key, "", self.TIMEOUT)

    def done(self, url: str) -> None:
        cache.set(self.key, url, self.TIMEOUT)

    def release(self) -> None:
        cache.delete(self.key)

    def repeated(self, request, fallback: str):
        messages.info(request, "这份表单已经提交过，没有重复保存。")
        return redirect(cache.get(self.key) or fallback)


def _is_token(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)
