"""login_to_api with mocked HTTP: which URLs it trusts, what it registers, what it asks the user for."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from requests_oauth2client import (
    BearerToken,
    DiscoveryHTTPError,
    InsufficientScope,
    InvalidDiscoveryDocument,
    InvalidParam,
    MismatchingAuthorizationServerIdentifier,
    MismatchingDiscoveryIssuer,
    OAuth2Client,
    login_to_api,
)
from requests_oauth2client.api_login import DEFAULT_CLIENT_METADATA, DeviceFlowLogin
from requests_oauth2client.utils import InvalidUri
from requests_oauth2client.www_authenticate import Challenge

API = "https://api.example.com/v1"
METADATA_URL = "https://api.example.com/.well-known/oauth-protected-resource/v1"
CHALLENGE_METADATA_URL = "https://meta.example.com/prm"
ISSUER = "https://as.example.com"
RFC8414_URL = "https://as.example.com/.well-known/oauth-authorization-server"
OIDC_URL = "https://as.example.com/.well-known/openid-configuration"
AS_METADATA: dict[str, Any] = {
    "issuer": ISSUER,
    "token_endpoint": f"{ISSUER}/token",
    "authorization_endpoint": f"{ISSUER}/authorize",
    "registration_endpoint": f"{ISSUER}/register",
    "scopes_supported": ["openid", "read", "write"],
}
RESOURCE_METADATA = {"resource": API, "authorization_servers": [ISSUER], "scopes_supported": ["read", "write"]}


class FakeLogin:
    """Records what it is asked for, returns a token."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, client: OAuth2Client, **params: Any) -> BearerToken:
        self.calls.append(params)
        return BearerToken(f"at{len(self.calls)}", expires_in=3600)


@pytest.fixture
def server(requests_mock: Any) -> Any:
    requests_mock.get(API, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    requests_mock.get(METADATA_URL, json=RESOURCE_METADATA)
    requests_mock.get(RFC8414_URL, json=AS_METADATA)
    requests_mock.post(
        f"{ISSUER}/register",
        status_code=201,
        json={
            "client_id": "registered",
            "token_endpoint_auth_method": "none",
            "redirect_uris": ["http://127.0.0.1/cb"],
        },
    )
    return requests_mock


def test_without_a_metadata_url_in_the_challenge_the_well_known_url_is_used(server: Any) -> None:
    login = FakeLogin()
    result = login_to_api(API, login=login)
    assert [request.url for request in server.request_history[:4]] == [
        API,
        METADATA_URL,
        RFC8414_URL,
        f"{ISSUER}/register",
    ]
    # a public native client with PKCE is registered by default
    assert server.request_history[3].json() == DEFAULT_CLIENT_METADATA
    assert result.client.client_id == "registered"
    assert result.client.redirect_uri == "http://127.0.0.1/cb"
    assert login.calls == [{"scope": "openid read write", "resource": API}]
    assert result.scope == ("openid", "read", "write")
    server.get(API + "/x", json={})
    result.api.get("x")
    assert server.last_request.headers["Authorization"] == "Bearer at1"


def test_the_challenge_gives_the_metadata_url_and_the_scope(server: Any) -> None:
    server.get(
        API,
        status_code=401,
        headers={"WWW-Authenticate": f'Bearer resource_metadata="{CHALLENGE_METADATA_URL}", scope="read"'},
    )
    server.get(CHALLENGE_METADATA_URL, json=RESOURCE_METADATA)
    login = FakeLogin()
    login_to_api(API, login=login, prompt="login")
    assert server.request_history[1].url == CHALLENGE_METADATA_URL
    assert login.calls == [{"prompt": "login", "scope": "openid read", "resource": API}]


def test_no_probe_explicit_scope_and_a_registered_client(server: Any) -> None:
    login = FakeLogin()
    result = login_to_api(
        API,
        login=login,
        probe=False,
        client_id="mine",
        client_secret="secret",
        client_metadata={"redirect_uris": ["https://app/cb"]},
        scope=["read"],
    )
    assert [request.url for request in server.request_history] == [METADATA_URL, RFC8414_URL]
    assert result.registration is None
    assert result.client.client_id == "mine"
    assert result.client.redirect_uri == "https://app/cb"
    assert login.calls == [{"scope": "read", "resource": API}]


def test_oidc_discovery_when_there_is_no_rfc8414_metadata(server: Any) -> None:
    server.get(RFC8414_URL, status_code=404)
    server.get(OIDC_URL, json=AS_METADATA)
    assert login_to_api(API, login=FakeLogin()).client.issuer == ISSUER
    server.get(OIDC_URL, status_code=404)
    with pytest.raises(DiscoveryHTTPError):
        login_to_api(API, login=FakeLogin())


def test_what_is_refused(server: Any) -> None:
    with pytest.raises(InvalidUri):
        login_to_api("http://api.example.com/v1", login=FakeLogin())
    server.get(API, status_code=401, headers={"WWW-Authenticate": 'Bearer resource_metadata="http://meta/prm"'})
    with pytest.raises(InvalidUri):
        login_to_api(API, login=FakeLogin())
    server.get(API, status_code=401)
    server.get(RFC8414_URL, json={**AS_METADATA, "issuer": "https://evil.example.com"})
    with pytest.raises(MismatchingDiscoveryIssuer):
        login_to_api(API, login=FakeLogin())
    server.get(RFC8414_URL, json={key: value for key, value in AS_METADATA.items() if key != "registration_endpoint"})
    with pytest.raises(InvalidParam, match="no registration endpoint"):
        login_to_api(API, login=FakeLogin())
    with pytest.raises(MismatchingAuthorizationServerIdentifier):
        login_to_api(API, login=FakeLogin(), issuer="https://other.example.com")
    server.get(METADATA_URL, json={"resource": API})
    with pytest.raises(InvalidDiscoveryDocument, match="names no authorization server"):
        login_to_api(API, login=FakeLogin())
    assert not any(request.method == "POST" for request in server.request_history)


def test_scope_up(server: Any) -> None:
    login = FakeLogin()
    result = login_to_api(API, login=login, scope="read", login_hint="u")
    response = requests.Response()
    response.status_code = 403
    error = InsufficientScope(response, Challenge("Bearer", {"error": "insufficient_scope", "scope": "write read"}))
    token = result.step_up(error)
    assert login.calls[-1] == {"login_hint": "u", "scope": "read write", "resource": API}
    assert result.token is token
    assert result.scope == ("read", "write")


def test_device_flow_registers_the_device_grant() -> None:
    assert DeviceFlowLogin.client_metadata["grant_types"] == [
        "urn:ietf:params:oauth:grant-type:device_code",
        "refresh_token",
    ]


@pytest.mark.parametrize("timeout", [3.5, None])
def test_the_timeout_applies_to_every_request_and_to_the_client(server: Any, timeout: float | None) -> None:
    result = login_to_api(API, login=FakeLogin(), timeout=timeout)
    assert [request.timeout for request in server.request_history] == [timeout] * 4
    assert result.client.timeout == timeout


def test_the_default_timeout_is_the_clients(server: Any) -> None:
    result = login_to_api(API, login=FakeLogin())
    assert {request.timeout for request in server.request_history} == {10}
    assert result.client.timeout == 10
