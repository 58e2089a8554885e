"""`OAuth2Client.login_with_browser()` against the real server: automatically (`as_server`), and in headless
Chromium through the interactive server's login and consent pages, where the browser itself brings the code to the
library's loopback listener."""

from __future__ import annotations

import queue
from typing import TYPE_CHECKING

import pytest

from requests_oauth2client import (
    ApiClient,
    AuthorizationResponseError,
    BearerToken,
    DPoPToken,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    TokenSerializer,
)
from tests.integration.harness import Harness
from tests.integration.native_app import AutomaticUser, Background, redirect_uri_of

if TYPE_CHECKING:
    from playwright.sync_api import Page

CLIENT_ID = "client-public"  # native: any port of http://127.0.0.1/callback is accepted
SCOPES = ["openid", "profile", "email"]


def public_client(harness: Harness) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(issuer=harness.issuer, client_id=CLIENT_ID, testing=True)


def test_login_with_an_automatic_user(as_server: Harness) -> None:
    client = public_client(as_server)
    user = AutomaticUser(as_server)

    token = client.login_with_browser(open_browser=user, scope=" ".join(SCOPES), timeout=30)

    assert isinstance(token, BearerToken)
    assert token.id_token is not None  # validated: signature, iss, aud, nonce...
    assert token.id_token.subject == as_server.demo_user["username"]
    assert token.refresh_token is not None
    assert client.userinfo(token)["email"] == f"{as_server.demo_user['username']}@example.test"
    assert redirect_uri_of(user.urls[0]).startswith("http://127.0.0.1:")
    ((status, body),) = user.pages
    assert status == 200
    assert "Login complete" in body


def test_login_with_par_and_dpop(as_server: Harness) -> None:
    client = public_client(as_server)
    redirect_uri = as_server.public_redirect_uri()
    user = AutomaticUser(as_server, redirect_uri=redirect_uri)

    token = client.login_with_browser(open_browser=user, use_par=True, dpop=True, redirect_uri=redirect_uri)

    assert "request_uri=" in user.urls[0]
    assert "redirect_uri" not in user.urls[0]  # pushed: the browser only carries the reference
    assert isinstance(token, DPoPToken)
    assert ApiClient(as_server.resource_url, auth=token).get().json()["token_type"] == "DPoP"


def test_log_in_once_then_keep_the_token_fresh_and_stored(as_server: Harness, tmp_path: object) -> None:
    """The documented pattern: login_with_browser once, OAuth2AccessTokenAuth refreshes, TokenSerializer stores."""
    client = public_client(as_server)
    serializer = TokenSerializer()
    token = client.login_with_browser(open_browser=AutomaticUser(as_server), scope="openid offline_access")
    stored = serializer.dumps(token)

    # later, in another run of the program: load the token, use it, and let the handler refresh it when needed
    auth = OAuth2AccessTokenAuth(client, serializer.loads(stored))
    auth.renew_token()  # as the handler does once the token is about to expire
    assert auth.token is not None
    assert auth.token.access_token != token.access_token
    assert ApiClient(as_server.resource_url, auth=auth).get().json()["sub"] == as_server.demo_user["username"]
    assert serializer.loads(serializer.dumps(auth.token)) == auth.token


def login_in_background(harness: Harness) -> tuple[OAuth2Client, Background[BearerToken], str]:
    """Start `login_with_browser` in a thread; return the client, the thread and the URL it sends the browser to."""
    urls: queue.Queue[str] = queue.Queue()
    client = public_client(harness)
    login = Background(lambda: client.login_with_browser(open_browser=urls.put, scope=" ".join(SCOPES), timeout=60))
    return client, login, urls.get(timeout=30)


def test_login_in_chromium(interactive_as_server: Harness, browser_page: Page) -> None:
    from playwright.sync_api import expect

    from tests.integration.browser import log_in

    harness = interactive_as_server
    client, login, url = login_in_background(harness)

    browser_page.goto(url)
    log_in(browser_page, harness, redirect_uri=redirect_uri_of(url), client_id=CLIENT_ID, scopes=SCOPES)
    token = login.result()

    assert token.id_token is not None
    assert token.id_token.subject == harness.demo_user["username"]
    assert client.userinfo(token)["email"] == f"{harness.demo_user['username']}@example.test"
    # the page the listener answered, in the browser
    expect(browser_page.locator("h1")).to_have_text("Login complete")
    expect(browser_page.locator("body")).to_contain_text("You can close this window")


def test_cancel_in_chromium_raises_access_denied(interactive_as_server: Harness, browser_page: Page) -> None:
    from playwright.sync_api import expect

    from tests.integration.browser import cancel, sign_in

    harness = interactive_as_server
    _, login, url = login_in_background(harness)

    browser_page.goto(url)
    sign_in(browser_page, **harness.demo_user)
    cancel(browser_page, redirect_uri=redirect_uri_of(url))

    with pytest.raises(AuthorizationResponseError) as exc_info:
        login.result()
    assert exc_info.value.error == "access_denied"
    expect(browser_page.locator("h1")).to_have_text("Login failed")
    expect(browser_page.locator("#message")).to_contain_text("access_denied")
