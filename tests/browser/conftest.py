"""Fixtures for the annotator's path in a real browser: headless Chromium driven by Playwright.

The browser is Debian's Chromium at /usr/bin/chromium (`scripts/install-browser` installs
it; QUOTEGOLD_TEST_CHROMIUM names another binary); Playwright's own browser download cannot
work on these machines. Without Chromium or Playwright the tests are skipped with the reason,
except in CI (CI set), where they fail.

The admin logs in once through the login form; every test then gets a fresh browser context
with that session and an `Editor` for one labelling screen. Screenshots go to
test-artifacts/screenshots/ (git-ignored); a failing test leaves `FAILED-<test>.png` there.

With an external server (QUOTEGOLD_TEST_SERVER_URL), set QUOTEGOLD_TEST_USERNAME and
QUOTEGOLD_TEST_PASSWORD as well: the browser logs in with a password, not the API key.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from quotegold.labelstudio.local.server import ServerInfo

from .editor import Editor

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("QUOTEGOLD_TEST_CHROMIUM") or "/usr/bin/chromium")
# --no-sandbox: we run as root in a container. The rest stop Chromium's own calls out to
# Google, which this machine's closed network refuses (and which slow every start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 45_000  # generous: Label Studio's dev server on 2 cores can be slow

_HERE = Path(__file__).parent
_FAILED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


# Lines a browser test wants shown at the end of the run (the action counts), even when
# pytest captures its output.
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("annotator actions")
        for line in SUMMARY:
            terminalreporter.write_line(line)


def _unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI: a CI run must never go green without the browser tests."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for these tests, closed when the last of them is done."""
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing: run scripts/install-browser (needs root)")
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the playwright package is missing: run scripts/setup (test extras)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def admin_credentials(server: ServerInfo) -> tuple[str, str]:
    """The admin's username and password: from the environment, else the credentials file."""
    username = os.environ.get("QUOTEGOLD_TEST_USERNAME")
    password = os.environ.get("QUOTEGOLD_TEST_PASSWORD")
    if username and password:
        return username, password
    try:
        stored = json.loads(server.credentials_file.read_text(encoding="utf-8"))
        return str(stored["username"]), str(stored["password"])
    except (OSError, ValueError, KeyError) as exc:
        _unavailable(
            f"no admin password for {server.url} ({exc}); set QUOTEGOLD_TEST_USERNAME and "
            "QUOTEGOLD_TEST_PASSWORD for an external server"
        )


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", **options)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(90_000)
    return context


def log_in(context: BrowserContext, url: str, username: str, password: str) -> str:
    """Log in through Label Studio's login form; returns the URL it lands on."""
    page = context.new_page()
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    landed = page.url
    page.close()
    return landed


@pytest.fixture(scope="package")
def admin_session(chromium: Browser, label_studio: ServerInfo) -> dict[str, Any]:
    """The admin's logged-in browser state (cookies), made once through the login form."""
    username, password = admin_credentials(label_studio)
    context = new_context(chromium)
    try:
        landed = log_in(context, label_studio.url, username, password)
        assert "/user/login" not in landed, f"logging in as {username} failed: still at {landed}"
        state = context.storage_state()
    finally:
        context.close()
    return dict(state)


@pytest.fixture
def editor(
    request: pytest.FixtureRequest,
    chromium: Browser,
    admin_session: dict[str, Any],
    label_studio: ServerInfo,
    screenshots: Path,
) -> Generator[Editor, None, None]:
    """A logged-in page in a fresh context; a failing test leaves a screenshot behind."""
    context = new_context(chromium, storage_state=admin_session)
    page = context.new_page()
    try:
        yield Editor(page, label_studio.url, screenshots)
        if request.node.stash.get(_FAILED, False):
            page.screenshot(path=str(screenshots / f"FAILED-{request.node.name}.png"))
    finally:
        context.close()
