"""The retry policy that docs/usage/production.md recommends, run against a real HTTP server.

The documentation harness answers through `requests_mock`, which bypasses the transport adapters where urllib3
retries happen; so the page's policy (its `mount_retries()` block, taken from the page itself) is checked here
against a local HTTP server that answers with the failures the page talks about.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from requests_oauth2client import InvalidTokenResponse, OAuth2Client, OAuth2Error
from tests.docs.test_doc_examples import REPO_ROOT, extract_python_blocks

PAGE = REPO_ROOT / "docs" / "usage" / "production.md"
TOKEN = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 60}

Answer = tuple[int, dict[str, str], Any]


class FlakyServer:
    """A local HTTP server answering each path with queued answers (then the last one, forever)."""

    def __init__(self) -> None:
        self.answers: dict[str, deque[Answer]] = {}
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests.append((self.command, self.path))
                queue = server.answers.get(self.path)
                if not queue:
                    status, headers, body = 404, {}, {"error": "not found"}
                else:
                    status, headers, body = queue[0] if len(queue) == 1 else queue.popleft()
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def on(self, path: str, *answers: Answer) -> None:
        self.answers[path] = deque(answers)

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, path))


@pytest.fixture
def server() -> Iterator[FlakyServer]:
    flaky = FlakyServer()
    thread = threading.Thread(target=flaky.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield flaky
    flaky.httpd.shutdown()
    flaky.httpd.server_close()
    thread.join()


@pytest.fixture
def mount_retries(monkeypatch: pytest.MonkeyPatch) -> Callable[..., requests.Session]:
    """The page's `mount_retries()`, also mounted for http:// (the local server), with urllib3 not sleeping."""
    blocks = [block for block in extract_python_blocks(PAGE) if "def mount_retries" in block.code]
    assert len(blocks) == 1, "docs/usage/production.md must define mount_retries() in one block"
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0].code, str(PAGE), "exec"), namespace)  # noqa: S102 - our own documentation
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # urllib3's backoff

    def mount(session: requests.Session, *, retry_post: bool) -> requests.Session:
        namespace["mount_retries"](session, retry_post=retry_post)
        session.mount("http://", session.get_adapter("https://example.com/"))
        return session

    return mount


def make_client(server: FlakyServer, session: requests.Session) -> OAuth2Client:
    return OAuth2Client(f"{server.url}/token", client_id="c", client_secret="s", session=session, testing=True)


def test_client_credentials_are_retried_on_503_and_429(
    server: FlakyServer, mount_retries: Callable[..., requests.Session]
) -> None:
    server.on(
        "/token",
        (503, {"Retry-After": "0"}, None),
        (429, {"Retry-After": "0"}, {"error": "slow down"}),
        (200, {}, TOKEN),
    )
    client = make_client(server, mount_retries(requests.Session(), retry_post=True))

    token = client.client_credentials(scope="a")

    assert token.access_token == "at-1"
    assert server.count("POST", "/token") == 3


def test_posts_are_not_retried_without_retry_post(
    server: FlakyServer, mount_retries: Callable[..., requests.Session]
) -> None:
    """A code (or rotated refresh token) must not be sent twice: the GET-only policy sends it once."""
    server.on("/token", (502, {}, None), (200, {}, TOKEN))
    client = make_client(server, mount_retries(requests.Session(), retry_post=False))

    with pytest.raises(InvalidTokenResponse):
        client.authorization_code("the_code", redirect_uri="https://app.example.com/callback")

    assert server.count("POST", "/token") == 1


def test_discovery_and_keys_are_retried(server: FlakyServer, mount_retries: Callable[..., requests.Session]) -> None:
    metadata = {"issuer": server.url, "token_endpoint": f"{server.url}/token", "jwks_uri": f"{server.url}/jwks"}
    server.on("/.well-known/openid-configuration", (502, {}, None), (200, {}, metadata))
    server.on("/jwks", (500, {}, None), (504, {}, None), (200, {}, {"keys": []}))

    client = OAuth2Client.from_discovery_endpoint(
        issuer=server.url,
        client_id="c",
        client_secret="s",
        session=mount_retries(requests.Session(), retry_post=False),
        testing=True,
    )

    assert client.token_endpoint == f"{server.url}/token"
    assert server.count("GET", "/.well-known/openid-configuration") == 2
    assert server.count("GET", "/jwks") == 3


def test_after_the_last_attempt_the_library_raises_its_own_error(
    server: FlakyServer, mount_retries: Callable[..., requests.Session]
) -> None:
    """`raise_on_status=False`: the last error answer reaches the library (no `requests.RetryError`)."""
    server.on("/token", (503, {"Retry-After": "0"}, {"error": "temporarily_unavailable"}))
    client = make_client(server, mount_retries(requests.Session(), retry_post=True))

    with pytest.raises(OAuth2Error) as exc_info:
        client.client_credentials(scope="a")

    assert exc_info.value.response.status_code == 503  # type: ignore[attr-defined]
    assert server.count("POST", "/token") == 4  # the first attempt and 3 retries
