"""The Flask example app (examples/flask_app/app.py) against the real server: with Flask's test client and the
automatic server, then for real in headless Chromium through the interactive server's login and consent pages.

The app is a confidential web client whose redirect URI names its own port: each test registers one at the server
(RFC 7591 dynamic registration, open there) rather than relying on a fixed port.
"""

from __future__ import annotations

import importlib.util
import secrets
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.integration.harness import REPO_ROOT, Harness, free_port

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient
    from playwright.sync_api import Page

SCOPES = ["openid", "profile", "email"]


def example_app_module() -> ModuleType:
    """Import examples/flask_app/app.py (not part of the package)."""
    spec = importlib.util.spec_from_file_location("flask_example_app", REPO_ROOT / "examples" / "flask_app" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def register_web_client(harness: Harness, redirect_uri: str) -> dict[str, Any]:
    """Register a confidential web client with this redirect URI (RFC 7591); returns the server's answer."""
    response = requests.post(
        harness.endpoint("registration_endpoint"),
        json={
            "application_type": "web",
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_app(harness: Harness, redirect_uri: str) -> tuple[Flask, str]:
    client = register_web_client(harness, redirect_uri)
    app = example_app_module().create_app(
        {
            "ISSUER": harness.issuer,
            "CLIENT_ID": client["client_id"],
            "CLIENT_SECRET": client["client_secret"],
            "REDIRECT_URI": redirect_uri,
            "API_URL": harness.resource_url.rsplit("/", 1)[0],
            "SECRET_KEY": secrets.token_urlsafe(32),
            "TESTING": "1",
        }
    )
    return app, client["client_id"]


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# -------------------------------------------------------------------------------- with Flask's test client


@pytest.fixture
def web(as_server: Harness) -> Iterator[tuple[FlaskClient, str]]:
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    app, _ = make_app(as_server, redirect_uri)
    with app.test_client() as browser:
        yield browser, redirect_uri


def start_login(browser: FlaskClient) -> str:
    response = browser.get("/login")
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_login_api_and_logout(as_server: Harness, web: tuple[FlaskClient, str]) -> None:
    browser, redirect_uri = web
    assert "Log in" in browser.get("/").text

    authorization_url = start_login(browser)
    assert authorization_url.startswith(as_server.endpoint("authorization_endpoint"))
    params = query(authorization_url)
    assert params["redirect_uri"] == redirect_uri
    assert {"state", "nonce", "code_challenge"} <= params.keys()

    callback = as_server.authorize(authorization_url, redirect_uri)  # the AS part, automated
    response = browser.get("/callback?" + urlsplit(callback).query)
    assert response.status_code == 302
    home = browser.get("/").text
    assert f"Logged in as Demo {as_server.demo_user['username']}" in home  # the name, from UserInfo

    api = browser.get("/api")
    assert api.status_code == 200
    assert f"&#34;sub&#34;: &#34;{as_server.demo_user['username']}&#34;" in api.text  # JSON, HTML-escaped

    assert browser.post("/logout").status_code == 302
    assert "Log in" in browser.get("/").text
    assert browser.get("/api").status_code == 302  # back to /login


def test_a_replayed_or_unexpected_callback_is_refused(as_server: Harness, web: tuple[FlaskClient, str]) -> None:
    browser, redirect_uri = web
    callback = as_server.authorize(start_login(browser), redirect_uri)
    assert browser.get("/callback?" + urlsplit(callback).query).status_code == 302

    replayed = browser.get("/callback?" + urlsplit(callback).query)
    assert replayed.status_code == 400
    assert "No login is in progress" in replayed.text


def test_a_callback_with_a_wrong_state_is_refused(as_server: Harness, web: tuple[FlaskClient, str]) -> None:
    browser, redirect_uri = web
    callback = as_server.authorize(start_login(browser), redirect_uri)
    params = {**query(callback), "state": "forged"}
    response = browser.get("/callback?" + urlencode(params))
    assert response.status_code == 400
    assert "MismatchingState" in response.text
    assert "Logged in" not in browser.get("/").text


def test_a_denied_login(as_server: Harness, web: tuple[FlaskClient, str]) -> None:
    browser, redirect_uri = web
    authorization_url = start_login(browser) + "&login_hint=" + as_server.contract["deny_login_hint"]
    callback = as_server.authorize(authorization_url, redirect_uri)
    response = browser.get("/callback?" + urlsplit(callback).query)
    assert response.status_code == 403
    assert "The authorization server said: access_denied" in response.text


def test_the_api_page_refreshes_an_expired_token(as_server: Harness, web: tuple[FlaskClient, str]) -> None:
    from requests_oauth2client import TokenSerializer

    browser, redirect_uri = web
    callback = as_server.authorize(start_login(browser), redirect_uri)
    browser.get("/callback?" + urlsplit(callback).query)
    serializer = TokenSerializer()
    with browser.session_transaction() as session:
        token = serializer.loads(session["token"])
        # the same token, but expired: the handler must refresh it before calling the API
        expired = token.__class__(
            access_token=token.access_token,
            expires_in=-10,
            refresh_token=token.refresh_token,
            scope=token.scope,
            token_type=token.token_type,
        )
        session["token"] = serializer.dumps(expired).decode()

    assert browser.get("/api").status_code == 200
    with browser.session_transaction() as session:
        renewed = serializer.loads(session["token"])
    assert renewed.access_token != token.access_token
    assert not renewed.is_expired()


# ---------------------------------------------------------------------------------------------- in Chromium


class RunningApp:
    """The app served on 127.0.0.1 by werkzeug in a thread; its redirect URI names the port it got."""

    def __init__(self, make: Callable[[str], Flask]) -> None:
        from werkzeug.serving import make_server

        holder: dict[str, Flask] = {}
        self.server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start_response=start))
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        holder["app"] = make(f"{self.origin}/callback")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()


def test_the_app_in_chromium(interactive_as_server: Harness, browser_page: Page) -> None:
    from playwright.sync_api import expect

    from tests.integration.browser import log_in

    harness = interactive_as_server
    client_ids: list[str] = []

    def make(redirect_uri: str) -> Flask:
        app, client_id = make_app(harness, redirect_uri)
        client_ids.append(client_id)
        return app

    running = RunningApp(make)
    try:
        browser_page.goto(running.origin + "/")
        expect(browser_page.locator("h1")).to_have_text("Home")
        browser_page.get_by_role("link", name="Log in").click()

        callback = log_in(
            browser_page, harness, redirect_uri=f"{running.origin}/callback", client_id=client_ids[0], scopes=SCOPES
        )
        assert query(callback).keys() == {"code", "state", "iss"}

        # the browser brought the code to the app, which sent it home
        expect(browser_page.locator("#user")).to_have_text(f"Logged in as Demo {harness.demo_user['username']}")
        assert browser_page.url == running.origin + "/"

        browser_page.get_by_role("link", name="Call the API").click()
        expect(browser_page.locator("h1")).to_have_text("API")
        expect(browser_page.locator("#data")).to_contain_text(f'"sub": "{harness.demo_user["username"]}"')
        expect(browser_page.locator("#data")).to_contain_text(f'"client_id": "{client_ids[0]}"')

        browser_page.get_by_role("button", name="Log out").click()
        expect(browser_page.locator("h1")).to_have_text("Home")
        expect(browser_page.get_by_role("link", name="Log in")).to_be_visible()
        expect(browser_page.locator("#user")).to_have_count(0)
    finally:
        running.close()
