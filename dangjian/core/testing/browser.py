"""Browser tests: the system Chromium driven by Playwright against Django's live server.

Never a downloaded browser: Playwright launches `/usr/bin/chromium` (Debian package). Tests are
marked `browser` and skipped with a clear reason only when that binary is missing; `make test`
installs it when run as root, so CI always runs them.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DANGJIAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("DANGJIAN_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_world(transactional_db):
    from dangjian.core.testing.world import build_world

    return build_world()


class BrowserSession:
    """One browser context at a viewport size, with helpers for logging in and screenshots."""

    def __init__(self, browser, base_url: str, viewport: dict):
        self.context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.viewport = viewport
        self.outside_requests: list[str] = []
        self.page.on("request", self._watch_request)

    def _watch_request(self, request):
        url = request.url
        if not url.startswith((self.base_url, "data:", "blob:", "about:")):
            self.outside_requests.append(url)

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def settle(self):
        """Wait until no htmx request, swap or settle is under way. A field with hx-trigger
        "change" swaps new content into the page after a fill; a click aimed before the swap
        can land on whatever the layout shift moved under it (seen on a loaded CI machine)."""
        from playwright.sync_api import expect

        busy = self.page.locator(".htmx-request, .htmx-swapping, .htmx-settling")
        expect(busy).to_have_count(0)  # a locator, not a script: the CSP forbids eval

    def login(self, username: str, password: str):
        self.goto("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def sign_in(self, user):
        """Give the browser a session made by the test client (the login flow has its own
        browser tests); administrators get their verified second factor as at a real login."""
        from dangjian.core.testing.fixtures import VerifiedLoginClient

        client = VerifiedLoginClient()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        self.context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": self.base_url}]
        )

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{self.viewport['width']}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


def _session(chromium, live_server, viewport):
    session = BrowserSession(chromium, live_server.url, viewport)
    yield session
    session.close()
    assert not session.outside_requests, f"page loaded from outside: {session.outside_requests}"


@pytest.fixture(params=[DESKTOP, PHONE], ids=["1280", "390"])
def browser_session(request, chromium, live_server):
    yield from _session(chromium, live_server, request.param)


@pytest.fixture
def desktop_session(chromium, live_server):
    """At 1280 px only, for flows done at a desk (administrators, the 25-step development
    record, site management): a module overrides `browser_session` with it. The phone width
    stays on every flow a member or secretary does on a phone, and each page's layout at 390 px
    is checked by the screenshots of its part."""
    yield from _session(chromium, live_server, DESKTOP)
