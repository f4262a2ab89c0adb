"""Data-quality checks of the member records (issue 3, item 8): the registry.

Each check has a stable code, a Chinese title, why it matters, how to fix it, a severity and a
function that yields `Finding`s for one subtree of the organisation tree. The checks only read;
`members.services.quality.quality_run` stores what they find as `QualityIssue` rows, replacing
the subtree's previous findings, so the page lists findings from the database.

Who is checked (decisions-quality.md):
- the ID-number checks (duplicate, invalid, gender, birth date) look at every person whose
  record lies in the subtree, member or not: a wrong or doubled ID number is wrong either way;
- the missing-data checks (ID number, photo, mobile) look at the members the organisation still
  holds (正常、停止党籍、恢复党籍), the 党员名册; an employee record without a photo is not a
  party-records problem;
- the membership checks look at the members whose membership lies in the subtree.

A finding's text never holds a full ID number, mobile or address: ID numbers are masked as on
every page, and a masked ID number is never put beside a birth date (the masked middle digits
*are* the birth date).

By sub-domain: `registry` (the checks, their severities and order), `subtree` (what one run
looks at), and the checks by theme in `identity`, `membership`, `completeness` and `deadlines`.
The names other modules use are re-exported here.
"""

from __future__ import annotations

from dangjian.members.quality.registry import (
    CHECKS,
    DANGER,
    FIX_DETAIL,
    FIX_EDIT,
    FIX_STATUS,
    INFO,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    WARNING,
    Check,
    Finding,
    check,
    ordered_checks,
    run_check,
)
from dangjian.members.quality.subtree import HELD, IdRow, Subtree

# Importing the check modules registers their checks. Among checks of one severity the page
# lists them in registration order (`ordered_checks`), so this order is kept by hand.
# isort: off
from dangjian.members.quality import identity  # noqa: F401
from dangjian.members.quality import membership  # noqa: F401
from dangjian.members.quality import completeness  # noqa: F401
from dangjian.members.quality import deadlines  # noqa: F401

# isort: on

__all__ = [
    "CHECKS",
    "DANGER",
    "FIX_DETAIL",
    "FIX_EDIT",
    "FIX_STATUS",
    "HELD",
    "INFO",
    "SEVERITY_LABELS",
    "SEVERITY_ORDER",
    "WARNING",
    "Check",
    "Finding",
    "IdRow",
    "Subtree",
    "check",
    "ordered_checks",
    "run_check",
]
