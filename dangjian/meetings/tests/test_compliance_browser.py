"""The compliance pages in Chromium at 1280 and 390 px: the heat-map draws, a 党委 row drills
down to its branches, and nothing is loaded from outside."""

import datetime
import os
from pathlib import Path

import pytest

from dangjian.core.testing.world import grant, make_user
from dangjian.meetings.tests.compliance_helpers import meetings

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("COMPLIANCE_SHOTS", "/tmp/compliance-shots"))


def _shot(session, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-{session.viewport['width']}.png"
    session.page.screenshot(path=str(path), full_page=True)


def test_heatmap_draws_and_drills_down(browser_session, live_world):
    world = live_world
    today = datetime.date.today()
    for month in range(1, today.month):
        meetings(world.branch1, "theme_day", datetime.date(today.year, month, 5))
    meetings(world.branch1, "congress", datetime.date(today.year, 2, 5))
    meetings(world.branch3, "lecture", datetime.date(today.year, 5, 5))
    admin = make_user("gina", "吉娜")
    grant(admin, "org_department", world.group)
    browser_session.sign_in(admin)
    page = browser_session.page
    browser_session.goto("/meetings/compliance/")
    assert page.locator("[data-testid=compliance-scope]").inner_text().startswith("中共某煤业集团")
    if browser_session.viewport["width"] >= 768:
        page.wait_for_selector("[data-heatmap][data-rendered=true]")
    _shot(browser_session, "heatmap-group")
    page.locator("[data-testid=heatmap-grid] a", has_text="一矿党委").first.click() if (
        browser_session.viewport["width"] < 768
    ) else browser_session.goto(f"/meetings/compliance/?organization={world.mine.pk}")
    page.wait_for_load_state("networkidle")
    assert "中共一矿委员会" in page.locator("[data-testid=compliance-scope]").inner_text()
    _shot(browser_session, "heatmap-mine")
    # The grid scrolls inside its card; the page itself never scrolls sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    browser_session.goto(f"/meetings/compliance/?organization={world.mine.pk}&view=table")
    assert page.locator("[data-testid=compliance-table-org]").count() == 4
    _shot(browser_session, "table-mine")
    browser_session.goto(f"/meetings/compliance/missing/?organization={world.mine.pk}")
    assert page.locator("[data-testid=missing-table] tbody tr").count() > 0
    _shot(browser_session, "missing-mine")
