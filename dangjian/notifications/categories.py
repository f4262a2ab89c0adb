"""Notification categories. An app registers its own so users can mute them by name:

    from dangjian.notifications.categories import register
    register("meetings", "会议活动")

An unregistered category still works (its key is shown as its label) but cannot be muted.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    mutable: bool = True  # security notices reach the user whatever they chose


_CATEGORIES: dict[str, Category] = {}


def register(key: str, label: str, *, mutable: bool = True) -> None:
    _CATEGORIES[key] = Category(key, label, mutable)


def label_of(key: str) -> str:
    category = _CATEGORIES.get(key)
    return category.label if category else key


def mutable_choices() -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in _CATEGORIES.values() if c.mutable]


def all_choices() -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in _CATEGORIES.values()]


def is_mutable(key: str) -> bool:
    category = _CATEGORIES.get(key)
    return bool(category and category.mutable)


register("system", "系统通知")
register("security", "账号安全", mutable=False)
register("reminder", "到期提醒")
register("task", "工作任务")
