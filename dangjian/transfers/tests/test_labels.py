"""Every audit action the transfers code writes has a Chinese label on the audit page."""

import re
from pathlib import Path

from dangjian.audit.actions import LABELS


def test_every_transfers_audit_action_has_a_label():
    app = Path(__file__).resolve().parent.parent
    sources = [
        p
        for p in app.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and p.name != "rules.py"
    ]
    sources.append(app.parent / "members" / "services" / "status" / "transfer.py")
    codes = set()
    for path in sources:
        text = path.read_text()
        codes |= set(re.findall(r'"(transfers\.[a-z_]+)"', text))
        codes |= {f"transfers.transfer_{verb}" for verb in re.findall(r'verb="([a-z_]+)"', text)}
    codes = {code for code in codes if not code.startswith("transfers.view_")}
    codes -= {"transfers.request_transfer", "transfers.approve_transfer", "transfers.alerts"}
    codes = {code for code in codes if not code.startswith("transfers.validity_")}
    assert codes, "no action codes found"
    assert sorted(code for code in codes if code not in LABELS) == []
