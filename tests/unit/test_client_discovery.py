"""Discovery that meets real servers: RFC 8414-only metadata, and the client authentication method the AS lists."""

from __future__ import annotations

from typing import Any

import pytest
import requests_mock

from requests_oauth2client import (
    ClientSecretBasic,
    ClientSecretPost,
    DiscoveryHTTPError,
    OAuth2Client,
    PrivateKeyJwt,
)
from requests_oauth2client._protocol.metadata import client_secret_method, oauth_authorization_server_url

AS = "https://as.example.com"


def metadata(issuer: str = AS, **extra: Any) -> dict[str, Any]:
    return {"issuer": issuer, "token_endpoint": f"{issuer}/token", **extra}


# ------------------------------------------------------------------------------------------- RFC 8414-only servers


def test_an_rfc8414_only_server_is_discovered(requests_mock: requests_mock.Mocker) -> None:
    oidc = requests_mock.get(f"{AS}/.well-known/openid-configuration", status_code=404, text="Not Found")
    rfc8414 = requests_mock.get(f"{AS}/.well-known/oauth-authorization-server", json=metadata())
    client = OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")
    assert oidc.call_count == 1 and rfc8414.call_count == 1
    assert (client.issuer, client.token_endpoint) == (AS, f"{AS}/token")


def test_an_rfc8414_only_server_is_discovered_from_the_oidc_url(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(f"{AS}/.well-known/openid-configuration", status_code=404)
    requests_mock.get(f"{AS}/.well-known/oauth-authorization-server", json=metadata())
    client = OAuth2Client.from_discovery_endpoint(f"{AS}/.well-known/openid-configuration", client_id="c")
    assert client.issuer == AS


def test_the_rfc8414_document_is_checked_like_any_other(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(f"{AS}/.well-known/openid-configuration", status_code=404)
    requests_mock.get(f"{AS}/.well-known/oauth-authorization-server", json=metadata("https://evil.example.com"))
    with pytest.raises(Exception, match="issuer"):
        OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")


def test_with_an_issuer_path_the_error_says_which_url_to_try(requests_mock: requests_mock.Mocker) -> None:
    issuer = f"{AS}/tenant"
    requests_mock.get(f"{issuer}/.well-known/openid-configuration", status_code=404)
    root = requests_mock.get(f"{AS}/.well-known/oauth-authorization-server", json=metadata())
    with pytest.raises(DiscoveryHTTPError) as exc_info:
        OAuth2Client.from_discovery_endpoint(issuer=issuer, client_id="c")
    assert not root.called  # the root document is another issuer's: not tried
    assert exc_info.value.response.status_code == 404
    message = str(exc_info.value)
    assert message.startswith(f"The document at '{issuer}/.well-known/openid-configuration' could not be fetched")
    assert f"pass `url='{AS}/.well-known/oauth-authorization-server/tenant'`" in message
    requests_mock.get(f"{AS}/.well-known/oauth-authorization-server/tenant", json=metadata(issuer))
    client = OAuth2Client.from_discovery_endpoint(f"{AS}/.well-known/oauth-authorization-server/tenant", client_id="c")
    assert client.issuer == issuer


def test_when_neither_document_is_found_both_urls_are_named(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(f"{AS}/.well-known/openid-configuration", status_code=404)
    requests_mock.get(f"{AS}/.well-known/oauth-authorization-server", status_code=404)
    with pytest.raises(DiscoveryHTTPError) as exc_info:
        OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")
    message = str(exc_info.value)
    assert f"'{AS}/.well-known/oauth-authorization-server' could not be fetched: HTTP status 404" in message
    assert f"'{AS}/.well-known/openid-configuration' answered HTTP 404 before" in message


@pytest.mark.parametrize("status", [401, 403, 500, 503])
def test_other_errors_are_not_a_reason_to_look_elsewhere(requests_mock: requests_mock.Mocker, status: int) -> None:
    requests_mock.get(f"{AS}/.well-known/openid-configuration", status_code=status)
    rfc8414 = requests_mock.get(f"{AS}/.well-known/oauth-authorization-server", json=metadata())
    with pytest.raises(DiscoveryHTTPError):
        OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")
    assert not rfc8414.called


def test_a_url_that_is_not_the_oidc_one_is_not_replaced(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(f"{AS}/metadata.json", status_code=404)
    rfc8414 = requests_mock.get(f"{AS}/.well-known/oauth-authorization-server", json=metadata())
    with pytest.raises(DiscoveryHTTPError):
        OAuth2Client.from_discovery_endpoint(f"{AS}/metadata.json", client_id="c")
    assert not rfc8414.called


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{AS}/.well-known/openid-configuration", f"{AS}/.well-known/oauth-authorization-server"),
        (f"{AS}/t/.well-known/openid-configuration", f"{AS}/.well-known/oauth-authorization-server/t"),
        (f"{AS}/.well-known/oauth-authorization-server", None),
        (f"{AS}/.well-known/openid-configuration/t", None),
        (f"{AS}/other", None),
        ("http://[::1", None),
    ],
)
def test_oauth_authorization_server_url(url: str, expected: str | None) -> None:
    assert oauth_authorization_server_url(url) == expected


# --------------------------------------------------------------------------------- the method of the client secret


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        (["client_secret_basic", "private_key_jwt"], ClientSecretBasic),
        (["client_secret_basic"], ClientSecretBasic),
        (["private_key_jwt"], ClientSecretBasic),
        (["client_secret_basic", "client_secret_post"], ClientSecretPost),
        (["client_secret_post"], ClientSecretPost),
        (None, ClientSecretPost),  # no list: the documented default
        ("client_secret_basic", ClientSecretPost),  # not a list: not trusted
    ],
)
def test_a_client_secret_is_sent_the_way_the_as_lists(methods: Any, expected: type) -> None:
    document = metadata() if methods is None else metadata(token_endpoint_auth_methods_supported=methods)
    client = OAuth2Client.from_discovery_document(document, client_id="c", client_secret="s")
    assert type(client.auth) is expected
    assert (client.client_id, client.client_secret) == ("c", "s")
    assert client_secret_method(document) == (
        "client_secret_basic" if expected is ClientSecretBasic else "client_secret_post"
    )


def test_an_explicit_method_is_kept() -> None:
    document = metadata(token_endpoint_auth_methods_supported=["client_secret_basic"])
    assert (
        type(OAuth2Client.from_discovery_document(document, auth=ClientSecretPost("c", "s")).auth) is ClientSecretPost
    )
    assert type(OAuth2Client.from_discovery_document(document, auth=("c", "s")).auth) is ClientSecretPost
    explicit = OAuth2Client.from_discovery_document(
        document, client_id="c", client_secret="s", token_endpoint_auth_method="client_secret_post"
    )
    assert type(explicit.auth) is ClientSecretPost
    key = {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
           "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",
           "kid": "k"}  # fmt: skip
    assert type(OAuth2Client.from_discovery_document(document, client_id="c", private_key=key).auth) is PrivateKeyJwt


def test_the_constructor_keeps_its_default() -> None:
    assert type(OAuth2Client(f"{AS}/token", client_id="c", client_secret="s").auth) is ClientSecretPost


def test_discovery_endpoint_chooses_the_method_too(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(
        f"{AS}/.well-known/openid-configuration",
        json=metadata(token_endpoint_auth_methods_supported=["client_secret_basic"]),
    )
    requests_mock.post(f"{AS}/token", json={"access_token": "at", "token_type": "Bearer"})
    client = OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c", client_secret="s")
    client.client_credentials()
    assert requests_mock.last_request.headers["Authorization"].startswith("Basic ")
    assert "client_secret" not in requests_mock.last_request.text
