"""The system's Chromium, driven through Playwright for Python (offline: no browser download).

Playwright's wheel bundles its driver, but `playwright install` downloads browsers from Playwright's own servers,
which is impossible here; the browser is the distribution's `chromium` package instead, given to Playwright as
`executable_path`. `RO2C_CHROMIUM` may name another Chromium or Chrome executable.

    playwright, browser = launch_chromium()      # raises ServiceUnavailable when something is missing
    try:
        context = browser.new_context()          # fresh cookies and storage
        page = context.new_page()
        ...
    finally:
        stop_chromium(playwright, browser)

Each launch gets a fresh temporary profile (Playwright's `launch()` creates and deletes one). The browser cannot
reach the network: every host but `localhost` and `127.0.0.1` resolves to nothing, so the pages of the local
authorization server load while their external font never does, and a test can never leak out.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from tests.services import TESTS_EXTRA, ServiceStartError, ServiceUnavailable

if TYPE_CHECKING:  # Playwright is an optional test dependency: imported when a browser is launched
    from playwright.sync_api import Browser, BrowserContext, Playwright

CHROMIUM_ENV = "RO2C_CHROMIUM"
"""An explicit Chromium/Chrome executable (path or name on PATH), used instead of looking one up."""

ARTIFACTS_ENV = "RO2C_TEST_ARTIFACTS"
"""Where failing browser tests save their screenshots (default: test-artifacts/ in the repository)."""

EXECUTABLE_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
CHROMIUM_ARGS = (
    "--no-sandbox",  # the sandbox cannot start as root, which CI is
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
)
DEFAULT_TIMEOUT_MS = 15_000
HOW_TO_ENABLE = (
    f"apt-get install chromium (or set {CHROMIUM_ENV} to a Chromium/Chrome executable) and {TESTS_EXTRA} "
    "for Playwright; `playwright install` is not needed"
)
REPO_ROOT = Path(__file__).resolve().parents[2]


def chromium_path() -> str:
    """The Chromium executable: `RO2C_CHROMIUM` if set, else the first of `EXECUTABLE_NAMES` on PATH.

    Raises:
        ServiceUnavailable: none was found.
    """
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        path = shutil.which(explicit)
        if path is None:
            raise ServiceUnavailable("Chromium", f"{CHROMIUM_ENV}={explicit!r} is not an executable", HOW_TO_ENABLE)
        return path
    for name in EXECUTABLE_NAMES:
        path = shutil.which(name)
        if path is not None:
            return path
    raise ServiceUnavailable("Chromium", f"none of {', '.join(EXECUTABLE_NAMES)} is on PATH", HOW_TO_ENABLE)


def launch_chromium() -> tuple[Playwright, Browser]:
    """Start Playwright and a headless Chromium; stop both with `stop_chromium()`.

    Raises:
        ServiceUnavailable: Chromium is not installed (check for Playwright first: `require_module()`).
        ServiceStartError: both are there but the browser did not start.
    """
    executable = chromium_path()
    from playwright.sync_api import Error, sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))
    except Error as exc:
        playwright.stop()
        raise ServiceStartError(f"{executable} did not start under Playwright: {exc}") from exc
    return playwright, browser


def stop_chromium(playwright: Playwright, browser: Browser) -> None:
    """Close the browser, then stop Playwright's driver."""
    try:
        browser.close()
    finally:
        playwright.stop()


def new_context(browser: Browser) -> BrowserContext:
    """A fresh browser context (no cookies, no storage) with the tests' default timeout."""
    context = browser.new_context()
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


# ------------------------------------------------------------------ screenshots


def screenshots_dir() -> Path:
    """`$RO2C_TEST_ARTIFACTS/screenshots`, by default `test-artifacts/screenshots` in the repository."""
    return Path(os.environ.get(ARTIFACTS_ENV) or REPO_ROOT / "test-artifacts") / "screenshots"


def screenshot_stem(nodeid: str) -> str:
    """A file name stem for a test id: `tests/a/test_b.py::test_c[x]` -> `tests_a_test_b.py__test_c_x_`."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", nodeid)[-180:]


def screenshot_paths(nodeid: str, count: int) -> list[Path]:
    """Where the screenshots of a test's `count` open pages go: `<stem>.png`, then `<stem>.page2.png`..."""
    stem = screenshot_stem(nodeid)
    return [screenshots_dir() / (f"{stem}.png" if i == 0 else f"{stem}.page{i + 1}.png") for i in range(count)]


def remove_screenshots(nodeid: str) -> None:
    """Remove the screenshots a previous failing run of this test left (so none is ever stale)."""
    stem = screenshot_stem(nodeid)
    for path in [screenshots_dir() / f"{stem}.png", *screenshots_dir().glob(f"{stem}.page*.png")]:
        path.unlink(missing_ok=True)


def save_screenshots(context: BrowserContext, nodeid: str) -> list[str]:
    """Screenshot every open page of `context`; return one line per page: the path, or why there is none."""
    pages = list(context.pages)
    lines = []
    for page, path in zip(pages, screenshot_paths(nodeid, len(pages)), strict=True):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True, timeout=5_000)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            lines.append(f"no screenshot of {page.url}: {exc}")
        else:
            lines.append(f"{path} (page at {page.url})")
    return lines
