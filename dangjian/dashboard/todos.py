"""The "my todo" extension point of the workbench.

Each app that has work waiting for a user registers a provider in its `todos.py` module:

    @todo_provider
    def unsigned_documents(user) -> list[TodoItem]: ...

A provider must run a fixed, small number of queries (typically one COUNT) however much work is
waiting, because the home page calls every provider on each visit.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TodoItem:
    label: str
    count: int
    url: str
    icon: str = "check2-square"
    urgent: bool = False


_PROVIDERS: list[Callable] = []


def todo_provider(function: Callable) -> Callable:
    if function not in _PROVIDERS:
        _PROVIDERS.append(function)
    return function


def todos_for(user) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _PROVIDERS:
        items.extend(item for item in provider(user) if item.count)
    return sorted(items, key=lambda item: (not item.urgent, item.label))
