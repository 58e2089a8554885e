"""Keycloak, Okta, Entra ID and Cognito helpers, and the Auth0 issuer, against copies of the providers' metadata.

The metadata documents are in tests/fixtures/metadata: the layout each provider publishes, with made-up tenants.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
import requests_mock
from jwskate import Jwk, Jwt, SignedJwt

from requests_oauth2client import (
    BearerToken,
    ClientSecretPost,
    InvalidParam,
    MismatchingIdTokenIssuer,
    OAuth2Client,
    PrivateKeyJwt,
)
from requests_oauth2client._protocol.metadata import ENDPOINT_KEYS
from requests_oauth2client.vendor_specific import Auth0, Cognito, Entra, Keycloak, Okta
from tests.fixtures import provider_metadata

ENTRA_TENANT = "aaaabbbb-0000-cccc-1111-dddd2222eeee"


@pytest.fixture(scope="module")
def as_key() -> Jwk:
    """The signing key of every mocked provider."""
    return Jwk.generate(alg="RS256", kid="provider-key")


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.fixture
def serve(http: requests_mock.Mocker, as_key: Jwk) -> Callable[..., dict[str, Any]]:
    """Serve a provider's metadata at its OIDC discovery URL (or `url`), and its keys at its `jwks_uri`."""

    def serve_metadata(name: str, url: str | None = None) -> dict[str, Any]:
        metadata = provider_metadata(name)
        url = url or metadata["issuer"].rstrip("/") + "/.well-known/openid-configuration"
        http.get(url, json=metadata)
        http.get(metadata["jwks_uri"], json={"keys": [as_key.public_jwk().to_dict()]})
        return metadata

    return serve_metadata


def sign_in(client: OAuth2Client, http: requests_mock.Mocker, key: Jwk, id_token_issuer: str) -> BearerToken:
    """Run an authorization code flow with `client`; the AS answers with an ID Token from `id_token_issuer`."""
    callback = "https://app.example.com/callback"
    az_request = client.authorization_request(scope="openid", redirect_uri=callback)
    params = {"code": "the_code", "state": az_request.state}
    if client.authorization_response_iss_parameter_supported:
        params["iss"] = str(client.issuer)
    az_response = az_request.validate_callback(f"{callback}?{urlencode(params)}")
    now = int(time.time())
    claims = {
        "iss": id_token_issuer,
        "sub": "user123",
        "aud": client.client_id,
        "iat": now,
        "exp": now + 300,
        "nonce": az_request.nonce,
    }
    id_token = str(Jwt.sign(claims, key, alg="RS256"))
    http.post(client.token_endpoint, json={"access_token": "at", "token_type": "Bearer", "id_token": id_token})
    return client.authorization_code(az_response)


# --------------------------------------------------------------- each helper, against its provider's metadata

HELPERS: list[tuple[str, Callable[..., OAuth2Client], str, str]] = [
    # (id, helper, metadata fixture, URL the helper must fetch the metadata from)
    (
        "keycloak",
        lambda **kw: Keycloak.client("https://sso.example.com", "myrealm", **kw),
        "keycloak",
        "https://sso.example.com/realms/myrealm/.well-known/openid-configuration",
    ),
    (
        "okta-default",
        lambda **kw: Okta.client("dev-123456.okta.com", **kw),
        "okta_default",
        "https://dev-123456.okta.com/oauth2/default/.well-known/openid-configuration",
    ),
    (
        "okta-org",
        lambda **kw: Okta.client("https://dev-123456.okta.com", authorization_server=None, **kw),
        "okta_org",
        "https://dev-123456.okta.com/.well-known/openid-configuration",
    ),
    (
        "entra",
        lambda **kw: Entra.client(ENTRA_TENANT.upper(), **kw),
        "entra_tenant",
        f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0/.well-known/openid-configuration",
    ),
    (
        "entra-consumers",
        lambda **kw: Entra.client("consumers", **kw),
        "entra_consumers",
        "https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration",
    ),
    (
        "cognito",
        lambda **kw: Cognito.client("eu-west-1", "eu-west-1_AbCdEf123", **kw),
        "cognito",
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/openid-configuration",
    ),
]


@pytest.mark.parametrize(("helper", "name", "url"), [h[1:] for h in HELPERS], ids=[h[0] for h in HELPERS])
def test_client_is_configured_from_the_provider_metadata(
    http: requests_mock.Mocker,
    serve: Callable[..., dict[str, Any]],
    as_key: Jwk,
    helper: Callable[..., OAuth2Client],
    name: str,
    url: str,
) -> None:
    metadata = serve(name, url)

    client = helper(client_id="my_client_id", client_secret="my_client_secret")

    assert [request.url for request in http.request_history] == [url, metadata["jwks_uri"]]
    assert client.issuer == metadata["issuer"]
    for key in ENDPOINT_KEYS:
        assert getattr(client, key) == metadata.get(key), key
    assert client.authorization_response_iss_parameter_supported is bool(
        metadata.get("authorization_response_iss_parameter_supported")
    )
    assert client.authorization_server_jwks.get_jwk_by_kid("provider-key") == as_key.public_jwk()


@pytest.mark.parametrize(("helper", "name", "url"), [h[1:] for h in HELPERS], ids=[h[0] for h in HELPERS])
def test_sign_in_id_tokens_are_validated_against_the_provider_issuer(
    http: requests_mock.Mocker,
    serve: Callable[..., dict[str, Any]],
    as_key: Jwk,
    helper: Callable[..., OAuth2Client],
    name: str,
    url: str,
) -> None:
    metadata = serve(name, url)
    client = helper(client_id="my_client_id", client_secret="my_client_secret")

    token = sign_in(client, http, as_key, metadata["issuer"])

    assert token.id_token is not None
    assert token.id_token.issuer == metadata["issuer"]
    assert http.last_request.url == metadata["token_endpoint"]
    assert metadata["authorization_endpoint"] == client.authorization_endpoint
    with pytest.raises(MismatchingIdTokenIssuer):
        sign_in(client, http, as_key, "https://evil.example.com")


def test_metadata_of_another_issuer_is_refused(http: requests_mock.Mocker, as_key: Jwk) -> None:
    """The helpers check the issuer: a metadata document for another realm is not used."""
    metadata = provider_metadata("keycloak")
    http.get("https://sso.example.com/realms/other/.well-known/openid-configuration", json=metadata)
    http.get(metadata["jwks_uri"], json={"keys": [as_key.public_jwk().to_dict()]})

    with pytest.raises(InvalidParam, match="Mismatching issuer"):
        Keycloak.client("https://sso.example.com", "other", client_id="c", client_secret="s")


# ------------------------------------------------------------------------------------------------------ Keycloak


@pytest.mark.parametrize(
    ("server_url", "realm", "issuer"),
    [
        ("https://sso.example.com", "myrealm", "https://sso.example.com/realms/myrealm"),
        ("https://sso.example.com/", "myrealm", "https://sso.example.com/realms/myrealm"),
        ("https://sso.example.com/auth", "myrealm", "https://sso.example.com/auth/realms/myrealm"),
        ("https://sso.example.com:8443", "my realm/x", "https://sso.example.com:8443/realms/my%20realm%2Fx"),
        ("http://localhost:8080", "master", "http://localhost:8080/realms/master"),
    ],
)
def test_keycloak_issuer(server_url: str, realm: str, issuer: str) -> None:
    assert Keycloak.issuer(server_url, realm) == issuer


@pytest.mark.parametrize(
    ("server_url", "realm", "message"),
    [
        ("sso.example.com", "myrealm", "must be an https URL"),
        ("ftp://sso.example.com", "myrealm", "must be an https URL"),
        ("https://", "myrealm", "must be an https URL"),
        ("https://sso.example.com/?x=1", "myrealm", "no query and no fragment"),
        ("https://sso.example.com/#x", "myrealm", "no query and no fragment"),
        ("https://sso.example.com", "", "realm name"),
    ],
)
def test_keycloak_invalid_arguments(server_url: str, realm: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Keycloak.issuer(server_url, realm)


def test_keycloak_local_server_over_http_with_testing(
    http: requests_mock.Mocker, serve: Callable[..., dict[str, Any]]
) -> None:
    metadata = provider_metadata("keycloak")
    local = {
        key: value.replace("https://sso.example.com", "http://localhost:8080")
        for key, value in metadata.items()
        if isinstance(value, str)
    }
    http.get("http://localhost:8080/realms/myrealm/.well-known/openid-configuration", json=local)
    http.get(local["jwks_uri"], json={"keys": []})

    client = Keycloak.client("http://localhost:8080", "myrealm", client_id="c", client_secret="s", testing=True)

    assert client.token_endpoint == "http://localhost:8080/realms/myrealm/protocol/openid-connect/token"


# ---------------------------------------------------------------------------------------------------------- Okta


@pytest.mark.parametrize(
    ("domain", "server", "issuer"),
    [
        ("dev-123456.okta.com", "default", "https://dev-123456.okta.com/oauth2/default"),
        ("https://dev-123456.okta.com/", "default", "https://dev-123456.okta.com/oauth2/default"),
        ("login.example.com", "aus1a2b3c4d5e6f7g8h9", "https://login.example.com/oauth2/aus1a2b3c4d5e6f7g8h9"),
        ("dev-123456.okta.com", None, "https://dev-123456.okta.com"),
    ],
)
def test_okta_issuer(domain: str, server: str | None, issuer: str) -> None:
    assert Okta.issuer(domain, authorization_server=server) == issuer


@pytest.mark.parametrize(
    ("domain", "server", "message"),
    [
        ("", "default", "You must specify the Okta domain"),
        ("http://dev-123456.okta.com", "default", "only reachable over https"),
        ("dev-123456.okta.com/oauth2/default", "default", "must be a domain name"),
        ("dev-123456.okta.com", "../admin", "Invalid Okta authorization server ID"),
        ("dev-123456.okta.com", "", "Invalid Okta authorization server ID"),
    ],
)
def test_okta_invalid_arguments(domain: str, server: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Okta.issuer(domain, authorization_server=server)


def test_okta_client_secret_is_sent_with_basic_by_default(
    http: requests_mock.Mocker, serve: Callable[..., dict[str, Any]]
) -> None:
    metadata = serve("okta_default")
    client = Okta.client("dev-123456.okta.com", client_id="my_client_id", client_secret="my:secret")
    http.post(metadata["token_endpoint"], json={"access_token": "at", "token_type": "Bearer"})

    client.client_credentials(scope="orders:read")

    request = http.last_request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"my_client_id:my%3Asecret").decode()
    assert parse_qs(request.text) == {"grant_type": ["client_credentials"], "scope": ["orders:read"]}


def test_okta_explicit_auth_is_used(http: requests_mock.Mocker, serve: Callable[..., dict[str, Any]]) -> None:
    serve("okta_default")
    auth = ClientSecretPost("my_client_id", "my_client_secret")

    assert Okta.client("dev-123456.okta.com", auth).auth is auth


def test_okta_private_key_jwt(http: requests_mock.Mocker, serve: Callable[..., dict[str, Any]]) -> None:
    metadata = serve("okta_default")
    key = Jwk.generate(alg="ES256", kid="client-key")

    client = Okta.client("dev-123456.okta.com", client_id="my_client_id", private_key=key)

    assert isinstance(client.auth, PrivateKeyJwt)
    assert client.auth.aud == metadata["issuer"]


# ------------------------------------------------------------------------------------------------------- Entra


@pytest.mark.parametrize("alias", ["common", "organizations", "Common"])
def test_entra_multi_tenant_aliases_are_refused(http: requests_mock.Mocker, alias: str) -> None:
    with pytest.raises(ValueError, match=r"is not a tenant: .*\{tenantid\}.*Give the tenant ID"):
        Entra.client(alias, client_id="c", client_secret="s")
    assert http.request_history == []  # refused before any request


@pytest.mark.parametrize("tenant", ["contoso.onmicrosoft.com", "aaaabbbb-0000-cccc-1111", "", "../common"])
def test_entra_tenant_must_be_a_tenant_id(tenant: str) -> None:
    with pytest.raises(ValueError, match="it must be the tenant ID, a GUID"):
        Entra.issuer(tenant)


def test_entra_issuers() -> None:
    assert Entra.issuer(ENTRA_TENANT) == f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0"
    assert Entra.issuer(ENTRA_TENANT.upper()) == f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0"
    assert Entra.issuer("consumers") == provider_metadata("entra_consumers")["issuer"]


def test_entra_common_metadata_names_a_template_issuer(http: requests_mock.Mocker) -> None:
    """Why `common` is refused: the library requires the document to name the expected issuer."""
    metadata = provider_metadata("entra_common")
    assert metadata["issuer"] == "https://login.microsoftonline.com/{tenantid}/v2.0"
    http.get("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration", json=metadata)
    http.get(metadata["jwks_uri"], json={"keys": []})

    with pytest.raises(InvalidParam, match="Mismatching issuer"):
        OAuth2Client.from_discovery_endpoint(
            issuer="https://login.microsoftonline.com/common/v2.0", client_id="c", client_secret="s"
        )


# ----------------------------------------------------------------------------------------------------- Cognito


def test_cognito_issuer_and_domain() -> None:
    assert (
        Cognito.issuer("us-east-1", "us-east-1_AbC123")
        == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"
    )
    assert Cognito.domain("eu-west-1", "myapp") == "myapp.auth.eu-west-1.amazoncognito.com"
    assert Cognito.domain("eu-west-1", "https://auth.example.com/") == "auth.example.com"
    assert Cognito.domain("eu-west-1", "myapp.auth.eu-west-1.amazoncognito.com") == (
        "myapp.auth.eu-west-1.amazoncognito.com"
    )


@pytest.mark.parametrize(
    ("region", "user_pool_id", "message"),
    [
        ("eu-west-1_AbCdEf123", "eu-west-1", "Invalid AWS region"),  # swapped
        ("Europe", "eu-west-1_AbCdEf123", "Invalid AWS region"),
        ("eu-west-1", "AbCdEf123", "Invalid Cognito user pool ID"),
        ("eu-west-1", "eu-west-1_", "Invalid Cognito user pool ID"),
        ("eu-west-1", "us-east-1_AbCdEf123", "is in the region 'us-east-1', not 'eu-west-1'"),
    ],
)
def test_cognito_invalid_arguments(region: str, user_pool_id: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Cognito.issuer(region, user_pool_id)


def test_cognito_domain_adds_the_revocation_endpoint(
    http: requests_mock.Mocker, serve: Callable[..., dict[str, Any]]
) -> None:
    metadata = serve("cognito")
    assert "revocation_endpoint" not in metadata

    client = Cognito.client("eu-west-1", "eu-west-1_AbCdEf123", domain="myapp", client_id="c", client_secret="s")

    assert client.revocation_endpoint == "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/revoke"
    http.post(client.revocation_endpoint, status_code=200)
    assert client.revoke_refresh_token("rt") is True

    explicit = Cognito.client(
        "eu-west-1",
        "eu-west-1_AbCdEf123",
        domain="myapp",
        client_id="c",
        client_secret="s",
        revocation_endpoint="https://auth.example.com/oauth2/revoke",
    )
    assert explicit.revocation_endpoint == "https://auth.example.com/oauth2/revoke"


def test_cognito_domain_is_checked() -> None:
    with pytest.raises(ValueError, match="Invalid Cognito domain"):
        Cognito.client("eu-west-1", "eu-west-1_AbCdEf123", domain="my app", client_id="c", client_secret="s")


# ------------------------------------------------------------------------------------------------------- Auth0


def test_auth0_issuer_has_the_trailing_slash_auth0_publishes() -> None:
    assert Auth0.issuer("mytenant.eu") == provider_metadata("auth0")["issuer"] == "https://mytenant.eu.auth0.com/"
    assert Auth0.issuer("https://login.example.com/") == "https://login.example.com/"


def test_auth0_sign_in_needs_the_issuer_with_its_slash(
    http: requests_mock.Mocker, serve: Callable[..., dict[str, Any]], as_key: Jwk
) -> None:
    """Auth0's ID Tokens carry `https://<tenant>/`: `Auth0.client()` (published issuer without `/`) refuses them,
    a client built from the metadata with `Auth0.issuer()` accepts them."""
    metadata = serve("auth0")

    static = Auth0.client("mytenant.eu", client_id="c", client_secret="s")
    assert static.issuer == "https://mytenant.eu.auth0.com"  # API.md §15.3, kept for compatibility
    with pytest.raises(MismatchingIdTokenIssuer):
        sign_in(static, http, as_key, metadata["issuer"])

    discovered = OAuth2Client.from_discovery_endpoint(
        issuer=Auth0.issuer("mytenant.eu"), client_id="c", client_secret="s"
    )
    assert discovered.issuer == metadata["issuer"]
    assert sign_in(discovered, http, as_key, metadata["issuer"]).id_token is not None


def test_auth0_client_assertion_audience_has_the_trailing_slash(http: requests_mock.Mocker) -> None:
    """Auth0 documents `https://<tenant>/` (with `/`) as the audience of private_key_jwt assertions."""
    key = Jwk.generate(alg="ES256", kid="client-key")
    client = Auth0.client("mytenant.eu", client_id="c", private_jwk=key)
    http.post("https://mytenant.eu.auth0.com/oauth/token", json={"access_token": "at", "token_type": "Bearer"})

    client.client_credentials(audience="https://api.example.com")

    assertion = SignedJwt(parse_qs(http.last_request.text)["client_assertion"][0])
    assert assertion.verify_signature(key.public_jwk())
    assert assertion.claims["aud"] == "https://mytenant.eu.auth0.com/"
    assert client.issuer == "https://mytenant.eu.auth0.com"


def test_helpers_never_send_a_request_for_invalid_arguments(http: requests_mock.Mocker) -> None:
    for call in (
        lambda: Keycloak.client("sso.example.com", "r", client_id="c"),
        lambda: Okta.client("http://dev-1.okta.com", client_id="c"),
        lambda: Entra.client("common", client_id="c"),
        lambda: Cognito.client("eu-west-1", "us-east-1_X1", client_id="c"),
    ):
        with pytest.raises(ValueError):
            call()
    assert http.request_history == []
