"""Tabs that other apps add to the member detail page (发展纪实, 组织关系转接, 党费, 民主评议 …).

An app declares its tab once in its own `member_tabs.py` (autodiscovered when the members app
is ready) with `add(MemberTab(...))`. The detail page lists a tab only when `visible(user,
member)` says so, and renders its `template` with `context(request, member)` merged into the
page's context. The member is already scope-checked by the detail page; `visible` decides
whether this user may see this app's data about the member (its own permission).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberTab:
    key: str
    label: str
    icon: str  # a Bootstrap icon name, without "bi-"
    template: str
    context: Callable  # (request, member) -> dict
    visible: Callable  # (user, member) -> bool
    order: int = 100


_TABS: dict[str, MemberTab] = {}


def add(tab: MemberTab) -> None:
    _TABS[tab.key] = tab


def extra_tabs(user, member) -> list[MemberTab]:
    return sorted(
        (tab for tab in _TABS.values() if tab.visible(user, member)),
        key=lambda tab: (tab.order, tab.key),
    )
