"""Self-tests of the browser harness: a real Chromium through the interactive server's login and consent pages.

Only `requests` and a tiny `http.server` listener (no library code): the authorization code flow of the public
native client `client-public` (PKCE S256, any loopback port), the callback received by the listener because the
browser went there, the code exchanged at the token endpoint; and the denial path (`[ Cancel ]`).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import queue
import secrets
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.integration.browser import cancel, is_callback, log_in, sign_in
from tests.integration.harness import Harness

if TYPE_CHECKING:
    from playwright.sync_api import Page

TIMEOUT = 10
CLIENT_ID = "client-public"  # application_type native: any port of http://127.0.0.1/callback is accepted
SCOPES = ["openid", "profile", "email"]


class CallbackListener:
    """A one-page loopback server standing in for a native app's redirect_uri: it records what it receives."""

    def __init__(self) -> None:
        received: queue.Queue[str] = queue.Queue()
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                received.put(self.path)
                body = b"<html><body><p id='done'>You can close this window.</p></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.redirect_uri = f"{self.origin}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, timeout: float = TIMEOUT) -> str:
        """The URL of the first request received."""
        return self.origin + self.received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[CallbackListener]:
    server = CallbackListener()
    try:
        yield server
    finally:
        server.close()


def authorization_url(harness: Harness, redirect_uri: str, state: str, verifier: str) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": " ".join(SCOPES),
        "state": state,
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{harness.endpoint('authorization_endpoint')}?{urlencode(params)}"


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_code_flow_with_pkce_through_chromium(
    interactive_as_server: Harness, browser_page: Page, listener: CallbackListener
) -> None:
    harness = interactive_as_server
    assert harness.contract["interactions"] == "dev"
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    browser_page.goto(authorization_url(harness, listener.redirect_uri, state, verifier))

    callback_url = log_in(browser_page, harness, redirect_uri=listener.redirect_uri, client_id=CLIENT_ID, scopes=SCOPES)

    assert listener.wait() == callback_url  # the browser itself brought the code to the listener
    assert browser_page.locator("#done").inner_text() == "You can close this window."
    params = query(callback_url)
    assert params.keys() == {"code", "state", "iss"}
    assert params["state"] == state
    assert params["iss"] == harness.issuer

    resp = requests.post(
        harness.endpoint("token_endpoint"),
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": listener.redirect_uri,
            "client_id": CLIENT_ID,
            "code_verifier": verifier,
        },
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200, resp.text
    token = resp.json()
    assert token["token_type"] == "Bearer"
    assert token["id_token"].count(".") == 2
    assert set(token["scope"].split()) == set(SCOPES)

    userinfo = requests.get(
        harness.endpoint("userinfo_endpoint"),
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=TIMEOUT,
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["sub"] == harness.demo_user["username"]  # the user who signed in on the page


@pytest.mark.parametrize("where", ["login", "consent"])
def test_cancel_denies_the_request(
    interactive_as_server: Harness, browser_page: Page, listener: CallbackListener, where: str
) -> None:
    harness = interactive_as_server
    state = secrets.token_urlsafe(16)
    browser_page.goto(authorization_url(harness, listener.redirect_uri, state, secrets.token_urlsafe(48)))
    if where == "consent":
        sign_in(browser_page, **harness.demo_user)

    callback_url = cancel(browser_page, redirect_uri=listener.redirect_uri)

    assert listener.wait() == callback_url
    params = query(callback_url)
    assert params["error"] == "access_denied"
    assert params["state"] == state
    assert params["iss"] == harness.issuer
    assert "code" not in params


def test_is_callback_compares_everything_but_the_query() -> None:
    assert is_callback("http://127.0.0.1:5000/callback?code=x", "http://127.0.0.1:5000/callback")
    assert not is_callback("http://127.0.0.1:5001/callback?code=x", "http://127.0.0.1:5000/callback")
    assert not is_callback("http://127.0.0.1:5000/callbackx?code=x", "http://127.0.0.1:5000/callback")
    assert not is_callback("http://localhost:5000/callback?code=x", "http://127.0.0.1:5000/callback")
