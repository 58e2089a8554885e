"""pytest fixtures and hooks for the real services (registered for every test by tests/conftest.py).

Fixtures:
    redis_server    session: a `RedisServer` (`.url` = `redis://127.0.0.1:<port>/0`, `.flush()`)
    redis_url       function: the same server's URL, flushed before the test
    browser         session: a headless Chromium (`playwright.sync_api.Browser`)
    browser_context function: a fresh `BrowserContext` (no cookies), closed after the test
    browser_page    function: a `Page` of `browser_context`

A test using `redis_server`/`redis_url` is marked `redis`, one using the browser is marked `browser`
(`pytest -m browser`). When the service is missing these fixtures skip the test, or fail it when
`RO2C_REQUIRE_SERVICES=1` (see tests/services/__init__.py). When a test using `browser_context`/`browser_page` fails,
every open page of its context is saved as a PNG under test-artifacts/screenshots/ (`RO2C_TEST_ARTIFACTS`
moves it), and the failure report names the file.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.services import require_module, start_service
from tests.services.chromium import HOW_TO_ENABLE as CHROMIUM_HOW_TO_ENABLE
from tests.services.chromium import (
    launch_chromium,
    new_context,
    remove_screenshots,
    save_screenshots,
    stop_chromium,
)
from tests.services.redis_server import HOW_TO_ENABLE as REDIS_HOW_TO_ENABLE
from tests.services.redis_server import RedisServer, start_redis, stop_redis

if TYPE_CHECKING:  # Playwright is an optional test dependency: imported when a browser is launched
    from playwright.sync_api import Browser, BrowserContext, Page

BROWSER_FIXTURES = frozenset({"browser", "browser_context", "browser_page"})
REDIS_FIXTURES = frozenset({"redis_server", "redis_url"})

_CONTEXT_KEY = pytest.StashKey["BrowserContext"]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs Chromium and Playwright (the browser fixtures)")
    config.addinivalue_line("markers", "redis: needs redis-server and redis-py (the redis fixtures)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that use a service fixture (directly or through another fixture)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if names & REDIS_FIXTURES:
            item.add_marker(pytest.mark.redis)


# ------------------------------------------------------------------------ Redis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A `redis-server` on a free loopback port for the whole session, without persistence."""
    require_module("redis", "redis-py", REDIS_HOW_TO_ENABLE)
    server = start_service(lambda: start_redis(tmp_path_factory.mktemp("redis")))
    try:
        yield server
    finally:
        stop_redis(server)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis URL, with every key deleted before the test."""
    redis_server.flush()
    return redis_server.url


# ---------------------------------------------------------------------- Browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the whole session (the system's, through Playwright)."""
    require_module("playwright", "Playwright", CHROMIUM_HOW_TO_ENABLE)
    playwright, chromium = start_service(launch_chromium)
    try:
        yield chromium
    finally:
        stop_chromium(playwright, chromium)


@pytest.fixture
def browser_context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A fresh browser context for one test; its pages are screenshot if the test fails."""
    remove_screenshots(request.node.nodeid)
    context = new_context(browser)
    request.node.stash[_CONTEXT_KEY] = context
    try:
        yield context
    finally:
        del request.node.stash[_CONTEXT_KEY]
        context.close()


@pytest.fixture
def browser_page(browser_context: BrowserContext) -> Page:
    """A page of the test's fresh browser context."""
    return browser_context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, save a screenshot of each open page of the test's browser context and name it."""
    report: pytest.TestReport = yield
    context = item.stash.get(_CONTEXT_KEY, None)
    if report.failed and report.when in ("setup", "call") and context is not None:
        report.sections.append(("screenshots", "\n".join(save_screenshots(context, item.nodeid))))
    return report
