"""The registry of the data-quality checks: a check's code, title, why and how to fix, its
severity and the page that fixes it, the `@check` decorator that registers a finder under its
code, the `Finding` a finder yields, and the order in which the page shows the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dangjian.members.quality.subtree import Subtree

DANGER, WARNING, INFO = "danger", "warning", "info"  # Bootstrap contextual colours
SEVERITY_LABELS = {DANGER: "错误", WARNING: "待核实", INFO: "待完善"}
SEVERITY_ORDER = {DANGER: 0, WARNING: 1, INFO: 2}

# Fix pages, by the URL name the finding links to (resolved by the page, guarded there).
FIX_EDIT, FIX_STATUS, FIX_DETAIL = "members:edit", "members:status_change", "members:detail"


@dataclass(frozen=True)
class Finding:
    """One record failing one check: whose, where, and what (never a full personal value)."""

    person_id: int | None
    organization_id: int
    detail: str


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    why: str
    fix: str
    severity: str
    find: Callable[[Subtree], Iterator[Finding]]
    fix_url: str = FIX_EDIT
    # False when the check looks only at members not in good standing (a per-check
    # completeness share over the members in good standing would always read 100 %).
    scored: bool = True

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


CHECKS: dict[str, Check] = {}


def check(code, title, *, severity, why, fix, fix_url=FIX_EDIT, scored=True):
    """Register the decorated finder as the check `code`."""

    def register(find):
        CHECKS[code] = Check(code, title, why, fix, severity, find, fix_url, scored)
        return find

    return register


def run_check(code: str, subtree: Subtree) -> list[Finding]:
    return list(CHECKS[code].find(subtree))


def ordered_checks() -> list[Check]:
    """The checks as the page shows them: errors first, then in registration order."""
    return sorted(CHECKS.values(), key=lambda item: SEVERITY_ORDER[item.severity])
