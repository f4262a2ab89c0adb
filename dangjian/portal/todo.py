"""The "my todo" extension point of the portal home page (我的待办).

An app with work waiting for a user adds a `portal_todo.py` module that registers a provider;
the portal never imports the app:

    # dangjian/<app>/portal_todo.py
    from dangjian.portal.todo import TodoItem, register

    @register
    def meetings_to_attend(user, request) -> list[TodoItem]: ...

Modules named `portal_todo` are discovered on first use. A provider runs a fixed, small number
of queries however much work is waiting (the home page calls every provider on each visit of a
logged-in user), returns items with a zero count freely (they are dropped), and must not fail
the page: a provider that raises is logged and skipped.

It is the platform's only todo registry: the workbench (`dashboard`) lists the same items.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TodoItem:
    label: str
    url: str
    count: int
    icon: str = "check2-square"
    kind: str = ""  # who made it ("meetings", "portal.review" …): tests and styling
    urgent: bool = False


_PROVIDERS: list[Callable] = []
_discovered = False


def register(provider: Callable) -> Callable:
    """Add a provider `(user, request) -> list[TodoItem]`; usable as a decorator."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def providers() -> list[Callable]:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("portal_todo")
        _discovered = True
    return list(_PROVIDERS)


def items_for(user, request=None) -> list[TodoItem]:
    """The user's waiting work, urgent first, then by label. Anonymous users have none."""
    if user is None or not user.is_authenticated:
        return []
    items: list[TodoItem] = []
    for provider in providers():
        try:
            items.extend(item for item in provider(user, request) if item.count)
        except Exception:  # one broken provider must not take the home page down
            logger.exception("portal todo provider %r failed", provider)
    return sorted(items, key=lambda item: (not item.urgent, item.label))
