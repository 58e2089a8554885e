"""Play the user in a real browser at the interactive authorization server (`interactive_as_server`).

That server shows oidc-provider's own pages: a login form ("Sign-in": any login and password), then a consent
page ("Authorize") listing the scopes the client asks for, with a Continue button; both have a "[ Cancel ]" link
that denies the request. These helpers take a Playwright page that has been sent to an authorization URL of
that server, check what the pages show, fill them in like a person, and return the URL the browser was finally
sent to: the `redirect_uri` with `code` (or `error`), `state` and `iss`. They never request the callback
themselves: the browser does, so whatever listens there (the library's loopback listener, a web app, a test's
own server) receives it; the returned URL is read from the browser's request.

    page.goto(authorization_url)
    callback_url = log_in(page, interactive_as_server, redirect_uri=..., client_id="client-public",
                          scopes=["openid", "profile"])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from tests.services import require_module
from tests.services.chromium import HOW_TO_ENABLE

require_module("playwright", "Playwright", HOW_TO_ENABLE)  # skips (or, in CI, fails) the importing test module

from playwright.sync_api import Locator, Page, Request, expect  # noqa: E402

from tests.integration.harness import Harness  # noqa: E402

LOGIN_HEADING = "Sign-in"
CONSENT_HEADING = "Authorize"
# The consent page lists scopes except these two (and says nothing for a scope that was already granted).
UNLISTED_SCOPES = frozenset({"openid", "offline_access"})
REDIRECT_TIMEOUT_MS = 15_000


def _strip_query(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path


def is_callback(url: str, redirect_uri: str) -> bool:
    """Whether `url` is `redirect_uri` with some query (same scheme, host, port and path)."""
    return _strip_query(url) == _strip_query(redirect_uri)


def sign_in(page: Page, *, username: str, password: str) -> None:
    """On the login page: check that it is one, type the credentials, press Sign-in."""
    expect(page.locator(".login-card h1")).to_have_text(LOGIN_HEADING)
    expect(page.locator('input[name="login"]')).to_be_visible()
    page.locator('input[name="login"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    page.get_by_role("button", name="Sign-in").click()


def check_consent_page(page: Page, *, client_id: str, scopes: Iterable[str]) -> None:
    """On the consent page: check the heading, that each scope is listed, and (in its details) the client."""
    card = page.locator(".login-card")
    expect(card.locator("h1")).to_have_text(CONSENT_HEADING)
    listed = [text.strip() for text in card.locator("li").all_inner_texts()]
    for scope in scopes:
        if scope not in UNLISTED_SCOPES:
            assert scope in listed, f"scope {scope!r} is not listed on the consent page: {listed}"
    # the client is named in the page's details section; open it as a user would
    page.locator(".grant-debug summary").click()
    expect(page.locator(".grant-debug")).to_contain_text(f"client_id: '{client_id}'")


def _click_to_callback(page: Page, target: Locator, redirect_uri: str) -> str:
    """Click `target`; return the URL of the browser's request to `redirect_uri` (after any redirects)."""

    def reaches_callback(request: Request) -> bool:
        return is_callback(request.url, redirect_uri)

    with page.expect_request(reaches_callback, timeout=REDIRECT_TIMEOUT_MS) as info:
        target.click()
    return info.value.url


def give_consent(page: Page, *, redirect_uri: str, client_id: str, scopes: Iterable[str]) -> str:
    """On the consent page: check it (`check_consent_page`), press Continue, wait for the redirect to the client.

    Returns:
        The callback URL the browser was sent to (with `code`, `state`, `iss`).
    """
    check_consent_page(page, client_id=client_id, scopes=scopes)
    return _click_to_callback(page, page.get_by_role("button", name="Continue"), redirect_uri)


def cancel(page: Page, *, redirect_uri: str) -> str:
    """On the login or consent page: follow "[ Cancel ]"; return the callback URL (with `error=access_denied`)."""
    expect(page.locator(".login-card h1")).to_have_text(re.compile(f"^({LOGIN_HEADING}|{CONSENT_HEADING})$"))
    return _click_to_callback(page, page.get_by_role("link", name="[ Cancel ]"), redirect_uri)


def log_in(
    page: Page,
    harness: Harness,
    *,
    redirect_uri: str,
    client_id: str,
    scopes: Iterable[str],
    username: str | None = None,
    password: str | None = None,
) -> str:
    """Sign in (as the harness's demo user unless told otherwise), consent, and return the callback URL.

    The page must have been sent to an authorization URL of `harness` (the interactive server) for a browser
    without a session there (the test's fresh `browser_page` fixture), so that both pages are shown.
    """
    user = harness.demo_user
    sign_in(page, username=username or user["username"], password=password or user["password"])
    return give_consent(page, redirect_uri=redirect_uri, client_id=client_id, scopes=scopes)
