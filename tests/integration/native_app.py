"""Helpers for the tests of native-app logins (the library's `login_with_browser`, the CLI's `login`).

- `browse(url)`: what a browser does with a URL on this machine (urllib, never through a proxy; not `requests`, so
  that nothing the library's HTTP mocks or hooks do applies).
- `automatic_user(harness)`: an `open_browser` callable for the automatic server (`as_server`): it follows the
  authorization URL to the redirect URI (login and consent are automatic there) and brings the callback to the
  loopback listener, as the browser would.
- `Background`: runs a blocking call (a login that waits for the browser) in a thread, so that the test's own
  thread can drive Chromium meanwhile (Playwright's sync API stays in the thread that created it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import ProxyHandler, Request, build_opener

from tests.integration.harness import Harness

T = TypeVar("T")
TIMEOUT = 30.0
_OPENER = build_opener(ProxyHandler({}))


def browse(url: str, method: str = "GET") -> tuple[int, str]:
    """GET (or `method`) `url` like a browser: returns the status and the body."""
    try:
        with _OPENER.open(Request(url, method=method), timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except HTTPError as exc:
        return exc.code, exc.read().decode()


def redirect_uri_of(authorization_url: str) -> str:
    """The `redirect_uri` parameter of an authorization URL."""
    return parse_qs(urlsplit(authorization_url).query)["redirect_uri"][0]


class AutomaticUser:
    """An `open_browser` callable for the automatic server: log in, consent, and come back to the redirect URI."""

    def __init__(self, harness: Harness, redirect_uri: str | None = None) -> None:
        self.harness = harness
        self.redirect_uri = redirect_uri
        self.urls: list[str] = []
        self.pages: list[tuple[int, str]] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        redirect_uri = self.redirect_uri or redirect_uri_of(url)
        callback = self.harness.authorize(url, redirect_uri)
        self.pages.append(browse(callback))


class Background(Generic[T]):
    """Run `call()` in a thread; `result()` waits for it and returns its value or raises its exception."""

    def __init__(self, call: Callable[[], T]) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], T]) -> None:
        try:
            self._value = call()
        except BaseException as exc:
            self._error = exc

    def result(self, timeout: float = TIMEOUT) -> T:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"the background call did not finish within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
