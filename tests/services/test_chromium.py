"""The browser fixtures: the system's Chromium through Playwright, offline, with screenshots of failures."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import REQUIRE_SERVICES_ENV, require_module
from tests.services.chromium import ARTIFACTS_ENV, HOW_TO_ENABLE, screenshot_stem

require_module("playwright", "Playwright", HOW_TO_ENABLE)

from playwright.sync_api import Error, Page  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><head><title>hello</title></head><body><h1 id='greeting'>Hello, browser</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hello_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hello"
    finally:
        server.shutdown()
        server.server_close()


def test_page_loads_a_loopback_page(browser_page: Page, hello_url: str) -> None:
    browser_page.goto(hello_url)
    assert browser_page.title() == "hello"
    assert browser_page.inner_text("#greeting") == "Hello, browser"


def test_each_test_gets_fresh_cookies(browser_page: Page, hello_url: str) -> None:
    browser_page.goto(hello_url)
    assert browser_page.context.cookies() == []
    browser_page.evaluate("document.cookie = 'seen=1; path=/'")
    assert [c["name"] for c in browser_page.context.cookies()] == ["seen"]


def test_the_browser_cannot_reach_the_network(browser_page: Page) -> None:
    with pytest.raises(Error, match="ERR_NAME_NOT_RESOLVED"):
        browser_page.goto("http://example.com/")


FAILING_BROWSER_TEST = """
def test_fails_with_a_page(browser_page):
    browser_page.set_content("<h1>what the test saw</h1>")
    assert browser_page.inner_text("h1") == "something else"

def test_passes_with_a_page(browser_page):
    browser_page.set_content("<h1>fine</h1>")
"""


@pytest.mark.usefixtures("browser")  # needs Chromium like every browser test (skips or fails the same way)
def test_a_failing_browser_test_leaves_a_screenshot(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    artifacts = tmp_path / "artifacts"
    monkeypatch.setenv(ARTIFACTS_ENV, str(artifacts))
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv(REQUIRE_SERVICES_ENV, "1")  # a missing browser must not turn this into a skip
    pytester.makepyfile(test_inner=FAILING_BROWSER_TEST)
    stale = artifacts / "screenshots" / f"{screenshot_stem('test_inner.py::test_passes_with_a_page')}.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"from an earlier failing run")

    result = pytester.runpytest_subprocess("-p", "tests.services.plugin", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, failed=1)
    shot = artifacts / "screenshots" / "test_inner.py__test_fails_with_a_page.png"
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    result.stdout.fnmatch_lines(["*- screenshots -*", f"{shot} (page at about:blank)"])
    assert not stale.exists()  # a test that passes now leaves no screenshot of an old failure
    assert sorted(p.name for p in shot.parent.iterdir()) == [shot.name]
