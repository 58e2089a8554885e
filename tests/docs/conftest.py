"""Fixtures for the documentation tests: a fake Authorization Server and API behind `requests_mock`.

The documentation examples (README.md and docs/**/*.md) talk to an Authorization Server at
`https://as.example.com` and to an API at `https://api.example.com/`. These fixtures make both exist:

- `fake_as` — a `tests.docs.fake_as.FakeAuthorizationServer` for issuer `https://as.example.com`, installed in a
  `requests_mock.Mocker` that refuses every other URL. Its standard endpoints:

      https://as.example.com/.well-known/openid-configuration   discovery document (also RFC 8414 location)
      https://as.example.com/jwks                               the AS public keys (RS256, kid "fake-as-key-1")
      https://as.example.com/authorize                          authorization endpoint (see "browser" below)
      https://as.example.com/token                              token endpoint, every standard grant
      https://as.example.com/revoke                             revocation (RFC 7009)
      https://as.example.com/introspect                         introspection (RFC 7662)
      https://as.example.com/userinfo                           OpenID Connect UserInfo
      https://as.example.com/device_authorization               device authorization (RFC 8628)
      https://as.example.com/bc-authorize                       CIBA backchannel authentication
      https://as.example.com/par                                pushed authorization requests (RFC 9126)
      https://as.example.com/logout                             RP-initiated logout (see "browser" below)
      https://api.example.com/...                               an API echoing each request as JSON

  Read the docstring of `tests/docs/fake_as.py` for what each endpoint checks and answers.

- The "browser": `webbrowser.open(url)` is patched to play the user at the fake AS (log in, consent) and
  `input()` returns the redirect URL the user would paste. So an example written like a real program,

      webbrowser.open(az_request.uri)
      callback_url = input("Paste the URL you were redirected to: ")
      az_response = az_request.validate_callback(callback_url)

  runs end to end. `fake_as.authorize(url)` does the same explicitly in tests. When the redirect URI is on
  `http://127.0.0.1:` (the listener of `OAuth2Client.login_with_browser()`), the browser also brings the redirect
  there, so that native-app examples run too. An RP-initiated logout URL (`end_session_endpoint`) is played the
  same way: `input()` then returns the `post_logout_redirect_uri`.

- `time.sleep` is patched to record the requested durations (in the `sleeps` list fixture) without waiting, so
  polling examples (device authorization, CIBA) run instantly.

- `providers`: fake Keycloak, Okta (org and `default` authorization servers), Entra ID, Google, Cognito and Auth0
  servers, each serving a copy of the metadata that provider publishes (`tests/fixtures/metadata/`), at the real
  provider's URLs with made-up tenants: `https://sso.example.com/realms/myrealm`, `https://dev-123456.okta.com`,
  `https://login.microsoftonline.com/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0`, `https://accounts.google.com`,
  `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123` (domain `myapp`),
  `https://mytenant.eu.auth0.com/`. Where a provider answers in its own way, its fake does too
  (`PROVIDER_QUIRKS`: Google names the device verification URL `verification_url`).

- `unreachable_host`: `https://unreachable.example.com/` cannot be reached (`requests.ConnectionError`), as a
  host whose name does not resolve.

- `http_mock` is the `requests_mock.Mocker` itself (to add routes or inspect `request_history`);
  `make_fake_as(issuer, paths=...)` installs one more fake AS with another issuer and paths on the same mocker,
  `make_fake_as(metadata=document)` one that serves a copy of a real provider's metadata.
"""

from __future__ import annotations

import builtins
import re
import time
import webbrowser
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.request import ProxyHandler, build_opener

import pytest
import requests
import requests_mock

from tests.docs.fake_as import FakeAuthorizationServer
from tests.fixtures import provider_metadata

LOOPBACK = "http://127.0.0.1:"
_NO_PROXY = build_opener(ProxyHandler({}))


def deliver(callback: str) -> None:
    """Bring a callback to a listener on this machine, as the browser would (urllib: not intercepted by the mock)."""
    with _NO_PROXY.open(callback, timeout=10) as response:
        response.read()


@pytest.fixture
def http_mock() -> Iterator[requests_mock.Mocker]:
    """A `requests_mock.Mocker` that refuses any URL without a registered route."""
    with requests_mock.Mocker(real_http=False) as mocker:
        yield mocker


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Patch `time.sleep` to record durations instead of sleeping; returns the list of recorded durations."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def make_fake_as(
    http_mock: requests_mock.Mocker, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., FakeAuthorizationServer]:
    """A factory installing fake Authorization Servers on `http_mock`; the browser goes to the last one."""
    servers: list[FakeAuthorizationServer] = []
    callbacks: list[str] = []  # the redirect URLs the browser got, the last one is what the user pastes

    def browser_open(url: str, *args: Any, **kwargs: Any) -> bool:
        for server in reversed(servers):
            endpoint = url.split("?", maxsplit=1)[0]
            if endpoint == server.endpoints.get("authorization_endpoint"):
                callback = server.authorize(url)
                callbacks.append(callback)
                if callback.startswith(LOOPBACK):  # a native app listens there (`login_with_browser`)
                    deliver(callback)
                return True
            if endpoint == server.endpoints.get("end_session_endpoint"):
                callbacks.append(server.end_session(url))
                return True
        raise AssertionError(f"webbrowser.open() called with an unexpected URL: {url}")

    def fake_input(prompt: object = "") -> str:
        if not callbacks:
            raise AssertionError("input() called before any authorization request was sent to the browser")
        return callbacks[-1]

    monkeypatch.setattr(webbrowser, "open", browser_open)
    monkeypatch.setattr(builtins, "input", fake_input)

    def factory(
        issuer: str = "https://as.example.com", *, metadata: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> FakeAuthorizationServer:
        if metadata is not None:
            server = FakeAuthorizationServer.from_metadata(metadata, **kwargs)
        else:
            server = FakeAuthorizationServer(issuer, **kwargs)
        servers.append(server.install(http_mock))
        return server

    return factory


@pytest.fixture
def fake_as(make_fake_as: Callable[..., FakeAuthorizationServer], sleeps: list[float]) -> FakeAuthorizationServer:
    """The fake Authorization Server at https://as.example.com, with its API at https://api.example.com/."""
    return make_fake_as()


# the providers of docs/usage/providers.md, each a fake AS serving a copy of the provider's metadata
PROVIDERS = ("keycloak", "okta_org", "okta_default", "entra_tenant", "google", "cognito", "auth0")
# what the fake of a provider does as the real one does, beyond its metadata
PROVIDER_QUIRKS: dict[str, dict[str, Any]] = {
    "google": {
        "device_answer_names": {
            "verification_uri": "verification_url",
            "verification_uri_complete": "verification_url_complete",
        }
    },
}


@pytest.fixture
def providers(make_fake_as: Callable[..., FakeAuthorizationServer]) -> dict[str, FakeAuthorizationServer]:
    """Fake Keycloak, Okta, Entra ID, Google, Cognito and Auth0 servers, by name of their metadata fixture."""
    return {
        name: make_fake_as(metadata=provider_metadata(name), api_url=None, **PROVIDER_QUIRKS.get(name, {}))
        for name in PROVIDERS
    }


@pytest.fixture
def unreachable_host(http_mock: requests_mock.Mocker) -> str:
    """`https://unreachable.example.com/`: every request to it fails as when the host cannot be reached."""
    url = "https://unreachable.example.com/"
    error = requests.ConnectionError("Failed to resolve 'unreachable.example.com' (Name or service not known)")
    http_mock.register_uri(requests_mock.ANY, re.compile("^" + re.escape(url)), exc=error)
    return url
