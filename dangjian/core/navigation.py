"""The top navigation by the book's systems; apps add their entries in `navigation.py`.

A section with no entry the user may open is shown greyed out ("尚未开通") so the layout of the
platform stays the same as systems are added issue by issue.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    icon: str


@dataclass(frozen=True)
class Entry:
    section: str
    label: str
    url_name: str
    permission: str | None = None  # None: every logged-in user
    order: int = 100
    any_of: tuple[str, ...] = ()  # shown if the user holds any of these permissions
    # A finer test when holding the permission somewhere is not enough (e.g. it must be global).
    # It must not query the database: the menu is built on every page.
    visible: Callable | None = None


SECTIONS = (
    Section("home", "首页", "house"),
    Section("assessment", "考核", "clipboard-check"),
    Section("office", "网上办公", "briefcase"),
    Section("exchange", "信息交流", "newspaper"),
    Section("interaction", "互动", "chat-dots"),
    Section("admin", "管理", "gear"),
)

_ENTRIES: list[Entry] = []


def add(entry: Entry) -> None:
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)


def _allowed(entry: Entry, user, scope) -> bool:
    needed = ((entry.permission,) if entry.permission else ()) + entry.any_of
    if needed and not any(scope.has(code) for code in needed):
        return False
    return entry.visible is None or entry.visible(user)


def menu_for(user, current_path: str = "") -> list[dict]:
    from dangjian.core.scope import scope_of

    scope = scope_of(user)
    menu = []
    for section in SECTIONS:
        items = []
        for entry in sorted(
            (e for e in _ENTRIES if e.section == section.key), key=lambda e: (e.order, e.label)
        ):
            if not _allowed(entry, user, scope):
                continue
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": entry.label, "url": url, "active": current_path == url})
        active = any(
            item["url"] != "/" and current_path.startswith(item["url"]) for item in items
        ) or (section.key == "home" and current_path == "/")
        menu.append({"section": section, "items": items, "active": active})
    return menu


def _maintains_calendar(user) -> bool:
    from dangjian.core.services import CALENDAR_PERMISSION, holds_globally

    return holds_globally(user, CALENDAR_PERMISSION)


# The holiday calendar is a core table; its page sits under /manage/ next to the rules.
add(
    Entry(
        "admin",
        "节假日与调休",
        "manage:calendar",
        "orgs.manage_organization",
        order=45,
        visible=_maintains_calendar,
    )
)
