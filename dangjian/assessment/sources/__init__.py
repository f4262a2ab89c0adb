"""Indicators computed from live data (issue 8 item 5): a registry of sources.

A source computes, for one leaf and many targets of a period at once, the rule input of each
target (occurrences for a deduction or bonus leaf, achieved for a binary one, or points
directly) and the explanation lines the assessor sees:

    @register("meetings.sanhui_yike", "三会一课落实情况", target_kind=TargetKind.ORGANIZATION)
    def sanhui_yike(indicator, period, cards) -> dict[int, Computed]:
        ...   # keyed by scorecard id; a fixed number of queries whatever len(cards)

Sources live in this package, one module per app they read (meetings.py, documents.py, dues.py,
development.py, completeness.py), and read only that app's selectors — the assessment app
depends on the others, never the reverse. `autodiscover()` imports them at start-up.

Guardrail (domain §6): no source may score clicks, likes, shares, learning time or time online.
Sources score outcomes and required organisational acts only.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from dangjian.assessment.models import TargetKind


@dataclass(frozen=True)
class Computed:
    occurrences: Decimal | None = None
    achieved: bool | None = None
    points: Decimal | None = None
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    target_kind: str
    compute: Callable  # (indicator, period, cards) -> dict[int, Computed]
    description: str = ""


_REGISTRY: dict[str, Source] = {}


def register(key: str, label: str, *, target_kind: str = TargetKind.ORGANIZATION, description=""):
    def decorator(function):
        _REGISTRY[key] = Source(key, label, target_kind, function, description)
        return function

    return decorator


def get(key: str) -> Source | None:
    return _REGISTRY.get(key)


def choices(target_kind: str | None = None) -> list[tuple[str, str]]:
    return [
        (source.key, source.label)
        for source in sorted(_REGISTRY.values(), key=lambda s: s.key)
        if target_kind is None or source.target_kind == target_kind
    ]


def autodiscover() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
