"""Rules as data (DESIGN §4): every regulatory number lives in a versioned table with its source.

Apps declare each rule once in their `rules.py` with `define()` — key, default value, Chinese
label, source — and read it with `rule_value(key)`. Administrators change a value by adding a
new version (`core.services.rule_set`) that takes effect from a date; old versions stay, so a
record can always be judged by the rule in force on its own date.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    default: Any
    label: str
    source: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None

    def validate(self, value: Any) -> Any:
        """Coerce a submitted value to the default's type and check the bounds (Chinese errors)."""
        from dangjian.core.exceptions import ServiceError

        kind = type(self.default)
        try:
            coerced = kind(value) if kind is not bool else str(value).lower() in {"1", "true", "是"}
        except (TypeError, ValueError) as exc:
            raise ServiceError(f"“{self.label}”的值格式不正确：{value}") from exc
        if self.minimum is not None and coerced < self.minimum:
            raise ServiceError(f"“{self.label}”不能小于 {self.minimum}{self.unit}")
        if self.maximum is not None and coerced > self.maximum:
            raise ServiceError(f"“{self.label}”不能大于 {self.maximum}{self.unit}")
        return coerced


_DEFINITIONS: dict[str, RuleDefinition] = {}
_CACHE_PREFIX = "rules:v1:"


def define(key: str, default: Any, label: str, source: str, **extra: Any) -> str:
    _DEFINITIONS[key] = RuleDefinition(
        key=key, default=default, label=label, source=source, **extra
    )
    return key


def definition(key: str) -> RuleDefinition:
    return _DEFINITIONS[key]


def all_definitions() -> list[RuleDefinition]:
    return sorted(_DEFINITIONS.values(), key=lambda d: d.key)


def _versions(key: str) -> list[tuple[datetime.date, Any]]:
    cached = cache.get(_CACHE_PREFIX + key)
    if cached is None:
        from dangjian.core.models import RuleVersion

        cached = list(
            RuleVersion.objects.filter(key=key)
            .order_by("-valid_from", "-id")
            .values_list("valid_from", "value")
        )
        cache.set(_CACHE_PREFIX + key, cached, 300)
    return cached


def invalidate(key: str) -> None:
    cache.delete(_CACHE_PREFIX + key)


def rule_value(key: str, on: datetime.date | None = None) -> Any:
    """The value of a rule in force on a date (today by default)."""
    rule = _DEFINITIONS[key]
    day = on or timezone.localdate()
    for valid_from, value in _versions(key):
        if valid_from <= day:
            return value
    return rule.default


def rule_source(key: str, on: datetime.date | None = None) -> str:
    from dangjian.core.models import RuleVersion

    day = on or timezone.localdate()
    version = (
        RuleVersion.objects.filter(key=key, valid_from__lte=day)
        .order_by("-valid_from", "-id")
        .first()
    )
    return version.source if version and version.source else _DEFINITIONS[key].source
