"""Every audit action this app writes has its Chinese label; every permission and rule is known."""

import re
from pathlib import Path


def test_every_audit_action_has_a_label():
    from dangjian.audit.actions import LABELS

    app = Path(__file__).resolve().parent.parent
    codes = set()
    for source in app.rglob("*.py"):
        if "tests" not in source.parts:
            codes |= set(re.findall(r'action="(appraisals\.[a-z_]+)"', source.read_text()))
    missing = sorted(code for code in codes if code not in LABELS)
    assert len(codes) >= 7 and not missing, missing


def test_rules_carry_their_source():
    from dangjian.appraisals import rules
    from dangjian.core.rules import definition

    for key in (rules.EXCELLENT_DENOMINATOR, rules.EXCELLENT_ROUNDING, rules.REMIND_DAYS_BEFORE):
        assert definition(key).source
