"""A one-time form token, so a double click or a reload of a POST never writes twice.

The form carries a hidden `form_token`; the first POST claims it atomically in the cache, and a
repeated POST of the same form is sent to the first one's result instead of writing again.
`namespace` keeps the keys of different apps apart (e.g. "members", "development").
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect


class SubmitOnce:
    FIELD = "form_token"
    TIMEOUT = 6 * 3600

    def __init__(self, request, purpose: str, *, namespace: str):
        posted = request.POST.get(self.FIELD, "") if request.method == "POST" else ""
        self.token = posted if _is_token(posted) else uuid.uuid4().hex
        self.key = f"{namespace}:once:{request.user.pk}:{purpose}:{self.token}"

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
