"""The loopback login (`login_with_browser`): a real listener on 127.0.0.1, a fake browser (urllib), a mocked AS.

The "browser" here is the `open_browser` callable: it reads the authorization URL, and requests the callback URL
that an AS would redirect to, as a browser would, with urllib (so that `requests_mock` does not intercept it).
"""

from __future__ import annotations

import socket
import time
import webbrowser
from collections.abc import Callable, Iterator
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import ProxyHandler, Request, build_opener

import pytest
import requests_mock
from jwskate import Jwk, Jwt

from requests_oauth2client import (
    AuthorizationResponseError,
    BearerToken,
    InvalidIdToken,
    InvalidParam,
    LoginTimeout,
    LoopbackPortUnavailable,
    MismatchingIssuer,
    MismatchingState,
    OAuth2Client,
)
from requests_oauth2client.loopback import DEFAULT_CALLBACK_PATH, listen_address, login_with_browser

ISSUER = "https://as.example.com"
TOKEN_ENDPOINT = f"{ISSUER}/token"
PAR_ENDPOINT = f"{ISSUER}/par"
CODE = "the-authorization-code-0123456789"
_OPENER = build_opener(ProxyHandler({}))  # never through a proxy: the listener is on this machine


def browse(url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
    """What a browser gets for `url`: status, body, headers."""
    try:
        with _OPENER.open(Request(url, method=method), timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def callback_for(authorization_url: str, **params: str) -> str:
    """The URL the AS would send the browser back to, with `params` (default: a code, the state and iss)."""
    request = query(authorization_url)
    response = params or {"code": CODE, "state": request["state"], "iss": ISSUER}
    return f"{request['redirect_uri']}?{urlencode(response)}"


class Browser:
    """The `open_browser` callable: records the URL, then runs `script(url)` (the user's actions)."""

    def __init__(self, script: Callable[[str], Any] | None = None) -> None:
        self.script = script
        self.urls: list[str] = []
        self.pages: list[tuple[int, str, dict[str, str]]] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        if self.script is not None:
            self.script(url)

    def visit(self, url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
        page = browse(url, method)
        self.pages.append(page)
        return page


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(
        TOKEN_ENDPOINT,
        client_id="native-app",
        authorization_endpoint=f"{ISSUER}/authorize",
        pushed_authorization_request_endpoint=PAR_ENDPOINT,
        issuer=ISSUER,
        authorization_response_iss_parameter_supported=True,
    )


@pytest.fixture
def as_mock() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker() as mocker:
        mocker.post(TOKEN_ENDPOINT, json={"access_token": "access-token-1", "token_type": "Bearer", "expires_in": 60})
        yield mocker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_whole_flow(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    browser = Browser(lambda url: browser.visit(callback_for(url)))

    token = client.login_with_browser(open_browser=browser, scope="openid profile", login_hint="jane")

    assert isinstance(token, BearerToken)
    assert token.access_token == "access-token-1"
    (url,) = browser.urls
    request = query(url)
    assert url.startswith(f"{ISSUER}/authorize?")
    redirect = urlsplit(request["redirect_uri"])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", DEFAULT_CALLBACK_PATH)
    assert redirect.port not in (None, 0)
    assert request["login_hint"] == "jane"
    assert request["scope"] == "openid profile"
    assert request["code_challenge_method"] == "S256"
    assert {"state", "nonce", "code_challenge"} <= request.keys()
    # the browser was told it worked, and that the window can be closed
    ((status, body, headers),) = browser.pages
    assert status == 200
    assert "Login complete" in body
    assert "close this window" in body
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert CODE not in body
    # the code was exchanged with the PKCE verifier and the same redirect_uri
    form = parse_qs(as_mock.last_request.text)
    assert form["grant_type"] == ["authorization_code"]
    assert form["code"] == [CODE]
    assert form["redirect_uri"] == [request["redirect_uri"]]
    assert len(form["code_verifier"][0]) >= 43


def test_the_listener_stops_and_its_port_can_be_used_again(as_mock: requests_mock.Mocker) -> None:
    port = free_port()
    client = OAuth2Client(
        TOKEN_ENDPOINT,
        client_id="native-app",
        authorization_endpoint=f"{ISSUER}/authorize",
        redirect_uri=f"http://127.0.0.1:{port}/callback",
    )
    browser = Browser(lambda url: browser.visit(callback_for(url, code=CODE, state=query(url)["state"])))
    client.login_with_browser(open_browser=browser)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nothing listens anymore

    client.login_with_browser(open_browser=browser)  # a second login on the same fixed port

    assert [page[0] for page in browser.pages] == [200, 200]


def test_stray_requests_are_ignored(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    answers: dict[str, tuple[int, str, dict[str, str]]] = {}

    def user(url: str) -> None:
        callback = callback_for(url)
        origin = callback.split("/callback")[0]
        answers["favicon"] = browse(f"{origin}/favicon.ico")
        answers["other path"] = browse(f"{origin}/callback/x?{urlsplit(callback).query}")
        answers["POST"] = browse(callback, "POST")
        answers["HEAD"] = browse(callback, "HEAD")
        answers["callback"] = browse(callback)
        answers["again"] = browse(callback)

    token = client.login_with_browser(open_browser=user)

    assert token.access_token == "access-token-1"
    assert answers["favicon"][0] == 404
    assert answers["other path"][0] == 404
    assert answers["POST"][0] == 405
    assert answers["POST"][2]["Allow"] == "GET"
    assert answers["HEAD"][0] == 405
    assert answers["callback"][0] == 200
    assert answers["again"][0] == 404  # one shot: a second callback is not taken
    assert as_mock.call_count == 1


def test_a_callback_with_a_wrong_state_is_refused(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    browser = Browser(lambda url: browser.visit(callback_for(url, code=CODE, state="forged-state", iss=ISSUER)))

    with pytest.raises(MismatchingState) as exc_info:
        client.login_with_browser(open_browser=browser)

    assert exc_info.value.received == "forged-state"
    ((status, body, _),) = browser.pages
    assert status == 400
    assert "Login failed" in body
    assert "MismatchingState" in body
    assert exc_info.value.expected is not None
    assert exc_info.value.expected not in body  # the page does not tell the expected state
    assert not as_mock.called  # no code exchange


def test_a_callback_from_another_issuer_is_refused(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    browser = Browser(
        lambda url: browser.visit(callback_for(url, code=CODE, state=query(url)["state"], iss="https://evil"))
    )
    with pytest.raises(MismatchingIssuer):
        client.login_with_browser(open_browser=browser)
    assert browser.pages[0][0] == 400
    assert not as_mock.called


def test_denial_raises_the_authorization_response_error(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    def deny(url: str) -> None:
        params = {
            "error": "access_denied",
            "error_description": "<script>alert(1)</script> said no",
            "state": query(url)["state"],
            "iss": ISSUER,
        }
        browser.visit(callback_for(url, **params))

    browser = Browser(deny)
    with pytest.raises(AuthorizationResponseError) as exc_info:
        client.login_with_browser(open_browser=browser)

    assert exc_info.value.error == "access_denied"
    ((status, body, headers),) = browser.pages
    assert status == 400
    assert "access_denied" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; said no" in body  # the AS's words, escaped
    assert "<script>" not in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert not as_mock.called


def test_no_answer_in_time_raises_login_timeout(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    browser = Browser()  # the user never comes back
    with pytest.raises(LoginTimeout) as exc_info:
        client.login_with_browser(open_browser=browser, timeout=0.2)
    redirect_uri = query(browser.urls[0])["redirect_uri"]
    assert exc_info.value.redirect_uri == redirect_uri
    assert exc_info.value.timeout == 0.2
    assert redirect_uri in str(exc_info.value)
    assert isinstance(exc_info.value, TimeoutError)
    assert not as_mock.called
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", urlsplit(redirect_uri).port or 0)) != 0  # nothing listens anymore


def test_timeout_counts_from_the_opening_of_the_browser(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    """A callable that blocks until after the callback (an embedded browser driven synchronously) works."""

    def slow_user(url: str) -> None:
        browse(callback_for(url))
        time.sleep(0.3)  # longer than the timeout: the callback is already there

    token = client.login_with_browser(open_browser=slow_user, timeout=0.1)
    assert token.access_token == "access-token-1"


def test_a_port_in_use_is_reported(client: OAuth2Client) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(LoopbackPortUnavailable) as exc_info:
            client.login_with_browser(open_browser=Browser(), redirect_uri=f"http://127.0.0.1:{port}/cb", timeout=1)
    assert exc_info.value.port == port
    assert f"127.0.0.1:{port}" in str(exc_info.value)
    assert isinstance(exc_info.value.__cause__, OSError)


def test_the_client_redirect_uri_gives_port_and_path(as_mock: requests_mock.Mocker) -> None:
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth/done"
    client = OAuth2Client(
        TOKEN_ENDPOINT, client_id="native-app", authorization_endpoint=f"{ISSUER}/authorize", redirect_uri=redirect_uri
    )
    browser = Browser(lambda url: browser.visit(callback_for(url, code=CODE, state=query(url)["state"])))

    client.login_with_browser(open_browser=browser)

    assert query(browser.urls[0])["redirect_uri"] == redirect_uri
    assert browser.pages[0][0] == 200


@pytest.mark.parametrize(
    ("redirect_uri", "expected"),
    [
        (None, (0, "/callback")),
        ("http://127.0.0.1:8400/cb", (8400, "/cb")),
        ("http://127.0.0.1:0/cb", (0, "/cb")),
        ("http://127.0.0.1/callback", (0, "/callback")),  # no port: any port (native clients, RFC 8252 §7.3)
        ("http://127.0.0.1:8400", (8400, "/")),
        ("http://localhost:8400/cb", (0, "/callback")),  # not the IP literal (RFC 8252 §8.3)
        ("http://[::1]:8400/cb", (0, "/callback")),
        ("https://127.0.0.1:8400/cb", (0, "/callback")),
        ("https://app.example.com/callback", (0, "/callback")),
        ("com.example.app:/callback", (0, "/callback")),
    ],
)
def test_listen_address(redirect_uri: str | None, expected: tuple[int, str]) -> None:
    assert listen_address(redirect_uri) == expected


def test_listen_address_refuses_an_invalid_port() -> None:
    with pytest.raises(InvalidParam):
        listen_address("http://127.0.0.1:99999/cb")


def test_a_redirect_uri_argument_replaces_the_client_one(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    port = free_port()
    browser = Browser(lambda url: browser.visit(callback_for(url)))
    client.login_with_browser(open_browser=browser, redirect_uri=f"http://127.0.0.1:{port}/here")
    assert query(browser.urls[0])["redirect_uri"] == f"http://127.0.0.1:{port}/here"


def test_one_resource_is_sent_again_in_the_token_request(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    """RFC 8707 §2.2: the access token is for the resource the user authorized (an API found by `login_to_api`)."""
    browser = Browser(lambda url: browser.visit(callback_for(url)))
    client.login_with_browser(open_browser=browser, scope="openid api", resource="https://api.example.com/v1")
    assert query(browser.urls[0])["resource"] == "https://api.example.com/v1"
    assert parse_qs(as_mock.last_request.text)["resource"] == ["https://api.example.com/v1"]
    # several resources: the token request names none (the AS decides, or the caller refreshes for each)
    client.login_with_browser(open_browser=browser, resource=["https://a.example.com", "https://b.example.com"])
    assert "resource" not in parse_qs(as_mock.last_request.text)


def test_par(client: OAuth2Client, as_mock: requests_mock.Mocker) -> None:
    as_mock.post(PAR_ENDPOINT, json={"request_uri": "urn:ietf:params:oauth:request_uri:abc", "expires_in": 60})
    pushed: dict[str, list[str]] = {}

    def user(url: str) -> None:
        pushed.update(parse_qs(as_mock.request_history[0].text))
        state = pushed["state"][0]
        browser.visit(f"{pushed['redirect_uri'][0]}?{urlencode({'code': CODE, 'state': state, 'iss': ISSUER})}")

    browser = Browser(user)
    token = client.login_with_browser(open_browser=browser, use_par=True, scope="openid")

    assert token.access_token == "access-token-1"
    assert query(browser.urls[0]) == {"client_id": "native-app", "request_uri": "urn:ietf:params:oauth:request_uri:abc"}
    assert pushed["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert "code_challenge" in pushed
    assert parse_qs(as_mock.last_request.text)["code"] == [CODE]


def test_the_id_token_is_validated(as_mock: requests_mock.Mocker) -> None:
    signing_key = Jwk.generate(alg="ES256", kid="as-key")
    client = OAuth2Client(
        TOKEN_ENDPOINT,
        client_id="native-app",
        authorization_endpoint=f"{ISSUER}/authorize",
        issuer=ISSUER,
        id_token_signed_response_alg="ES256",
        authorization_server_jwks={"keys": [signing_key.public_jwk().to_dict()]},
    )
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "native-app", "sub": "jane", "iat": now, "exp": now + 60, "nonce": "not-it"}
    id_token = str(Jwt.sign(claims, signing_key, alg="ES256"))
    as_mock.post(TOKEN_ENDPOINT, json={"access_token": "at", "token_type": "Bearer", "id_token": id_token})
    browser = Browser(lambda url: browser.visit(callback_for(url, code=CODE, state=query(url)["state"], iss=ISSUER)))

    with pytest.raises(InvalidIdToken):
        client.login_with_browser(open_browser=browser, scope="openid")


def test_the_code_is_never_logged_nor_printed(
    client: OAuth2Client, as_mock: requests_mock.Mocker, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    browser = Browser(lambda url: browser.visit(callback_for(url)))
    client.login_with_browser(open_browser=browser)
    out, err = capfd.readouterr()
    assert CODE not in caplog.text
    assert CODE not in out
    assert CODE not in err


@pytest.mark.parametrize("opened", [False, True])
def test_the_url_is_printed_when_no_browser_opens(
    client: OAuth2Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], opened: bool
) -> None:
    opened_urls: list[str] = []

    def fake_open(url: str, *args: object, **kwargs: object) -> bool:
        opened_urls.append(url)
        return opened

    monkeypatch.setattr(webbrowser, "open", fake_open)
    with pytest.raises(LoginTimeout):
        client.login_with_browser(timeout=0)
    (url,) = opened_urls
    assert (url in capsys.readouterr().err) is not opened


def test_open_browser_false_only_prints_the_url(
    client: OAuth2Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda *args, **kwargs: pytest.fail("no browser must be opened"))
    with pytest.raises(LoginTimeout):
        client.login_with_browser(open_browser=False, timeout=0)
    err = capsys.readouterr().err
    assert "Open this URL in your browser" in err
    assert f"{ISSUER}/authorize?" in err


def test_the_module_function_takes_any_client_with_the_protocol(
    client: OAuth2Client, as_mock: requests_mock.Mocker
) -> None:
    browser = Browser(lambda url: browser.visit(callback_for(url)))
    token = login_with_browser(client, open_browser=browser, timeout=10, prompt="login")
    assert token.access_token == "access-token-1"
    assert query(browser.urls[0])["prompt"] == "login"


def test_the_module_does_not_import_the_client() -> None:
    """`client` imports `loopback` for its facade method: the other way round would be an import cycle."""
    import ast
    from pathlib import Path

    from requests_oauth2client import loopback

    tree = ast.parse(Path(loopback.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "requests_oauth2client.exceptions" in imported
    assert not {
        name for name in imported if name.endswith(".client") or name.startswith("requests_oauth2client._client")
    }
