"""Vendor helpers: Auth0 tenant names, Auth0 client and Management API client, PingFederate client."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
import requests_mock
from jwskate import Jwk, SignedJwt

from requests_oauth2client.api_client import ApiClient
from requests_oauth2client.auth import OAuth2ClientCredentialsAuth
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.client_authentication import ClientSecretBasic, ClientSecretPost, PrivateKeyJwt
from requests_oauth2client.vendor_specific import Auth0, Ping


@pytest.fixture(scope="module")
def private_jwk() -> Jwk:
    return Jwk.generate(alg="ES256", kid="client-key")


# ----------------------------------------------------------------------------------------------- Auth0.tenant


@pytest.mark.parametrize(
    ("tenant", "expected"),
    [
        ("mytenant", "mytenant.auth0.com"),
        ("mytenant.eu", "mytenant.eu.auth0.com"),
        ("mytenant.us", "mytenant.us.auth0.com"),
        ("mytenant.au", "mytenant.au.auth0.com"),
        ("mytenant.jp", "mytenant.jp.auth0.com"),
        ("MyTenant.EU", "MyTenant.EU.auth0.com"),
        ("my-tenant", "my-tenant.auth0.com"),
        ("mytenant.eu.auth0.com", "mytenant.eu.auth0.com"),
        ("custom.domain.com", "custom.domain.com"),
        ("https://mytenant.eu.auth0.com", "mytenant.eu.auth0.com"),
        ("https://mytenant.eu.auth0.com/", "mytenant.eu.auth0.com"),
        ("https://mytenant", "mytenant.auth0.com"),
        ("HTTPS://login.example.com", "login.example.com"),
    ],
)
def test_auth0_tenant(tenant: str, expected: str) -> None:
    assert Auth0.tenant(tenant) == expected


@pytest.mark.parametrize(
    ("tenant", "message"),
    [
        ("", "You must specify the tenant name"),
        ("http://mytenant.eu.auth0.com", "only reachable over https"),
        ("ftp://mytenant", "only reachable over https"),
        ("mytenant.eu.auth0.com/path", "Invalid tenant"),
        ("my tenant", "Invalid tenant"),
        ("evil.com?x=", "Invalid tenant"),
        ("user@evil.com", "Invalid tenant"),
        ("-tenant", "Invalid tenant"),
        ("https://", "Invalid tenant"),
    ],
)
def test_auth0_tenant_errors(tenant: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Auth0.tenant(tenant)


# ----------------------------------------------------------------------------------------------- Auth0.client


def test_auth0_client_endpoints() -> None:
    client = Auth0.client("mytenant.eu", client_id="client_id", client_secret="client_secret")

    assert isinstance(client, OAuth2Client)
    assert client.issuer == "https://mytenant.eu.auth0.com"
    assert client.token_endpoint == "https://mytenant.eu.auth0.com/oauth/token"
    assert client.authorization_endpoint == "https://mytenant.eu.auth0.com/authorize"
    assert client.revocation_endpoint == "https://mytenant.eu.auth0.com/oauth/revoke"
    assert client.userinfo_endpoint == "https://mytenant.eu.auth0.com/userinfo"
    assert client.jwks_uri == "https://mytenant.eu.auth0.com/.well-known/jwks.json"
    assert client.auth == ClientSecretPost("client_id", "client_secret")


def test_auth0_client_credentials_request() -> None:
    client = Auth0.client("mytenant.eu", client_id="client_id", client_secret="client_secret")

    with requests_mock.Mocker() as mock:
        mock.post(
            "https://mytenant.eu.auth0.com/oauth/token",
            json={"access_token": "at", "token_type": "Bearer", "expires_in": 86400},
        )
        token = client.client_credentials(audience="audience")

    assert token.access_token == "at"
    assert parse_qs(mock.last_request.text) == {
        "grant_type": ["client_credentials"],
        "audience": ["audience"],
        "client_id": ["client_id"],
        "client_secret": ["client_secret"],
    }


def test_auth0_client_private_jwk_configures_private_key_jwt(private_jwk: Jwk) -> None:
    client = Auth0.client("mytenant", client_id="client_id", private_jwk=private_jwk)

    assert isinstance(client.auth, PrivateKeyJwt)
    assert client.auth.private_jwk == private_jwk
    assert "private_jwk" not in client.extra_metadata

    with requests_mock.Mocker() as mock:
        mock.post("https://mytenant.auth0.com/oauth/token", json={"access_token": "at", "token_type": "Bearer"})
        client.client_credentials(audience="a")
    form = parse_qs(mock.last_request.text)
    assert "client_secret" not in form
    assertion = SignedJwt(form["client_assertion"][0])
    assert assertion.verify_signature(private_jwk.public_jwk())
    assert assertion.issuer == "client_id"


def test_auth0_client_auth_and_kwargs_are_forwarded() -> None:
    session = requests.Session()
    auth = ClientSecretBasic("client_id", "client_secret")

    client = Auth0.client("mytenant", auth, session=session, redirect_uri="https://rp/cb", custom_meta="x")

    assert client.auth is auth
    assert client.session is session
    assert client.redirect_uri == "https://rp/cb"
    assert client.extra_metadata == {"custom_meta": "x"}


def test_auth0_client_invalid_tenant() -> None:
    with pytest.raises(ValueError, match="https"):
        Auth0.client("http://mytenant", client_id="c", client_secret="s")


# ----------------------------------------------------------------------------------------------- Auth0 management API


def test_auth0_management_api_client() -> None:
    api = Auth0.management_api_client("mytenant.eu", client_id="client_id", client_secret="client_secret")

    assert isinstance(api, ApiClient)
    assert api.base_url == "https://mytenant.eu.auth0.com/api/v2/"
    assert isinstance(api.auth, OAuth2ClientCredentialsAuth)
    assert api.auth.token_kwargs == {"audience": "https://mytenant.eu.auth0.com/api/v2/"}
    assert api.auth.client.token_endpoint == "https://mytenant.eu.auth0.com/oauth/token"

    with requests_mock.Mocker() as mock:
        mock.post(
            "https://mytenant.eu.auth0.com/oauth/token",
            json={"access_token": "mgmt_at", "token_type": "Bearer", "expires_in": 86400},
        )
        mock.get("https://mytenant.eu.auth0.com/api/v2/users", json=[{"user_id": "u1"}])
        assert api.get("users").json() == [{"user_id": "u1"}]
        assert api.get("users").json() == [{"user_id": "u1"}]

    token_request, users_request, users_request2 = mock.request_history
    assert parse_qs(token_request.text) == {
        "grant_type": ["client_credentials"],
        "audience": ["https://mytenant.eu.auth0.com/api/v2/"],
        "client_id": ["client_id"],
        "client_secret": ["client_secret"],
    }
    assert users_request.headers["Authorization"] == "Bearer mgmt_at"
    assert users_request2.headers["Authorization"] == "Bearer mgmt_at"


def test_auth0_management_api_client_options(private_jwk: Jwk) -> None:
    session = requests.Session()

    api = Auth0.management_api_client(
        "https://login.example.com", client_id="c", private_jwk=private_jwk, session=session, timeout=5
    )

    assert api.base_url == "https://login.example.com/api/v2/"
    assert api.timeout == 5
    assert api.session is session
    assert isinstance(api.auth, OAuth2ClientCredentialsAuth)
    assert api.auth.client.session is session
    assert isinstance(api.auth.client.auth, PrivateKeyJwt)


def test_auth0_management_api_client_invalid_tenant() -> None:
    with pytest.raises(ValueError, match="tenant"):
        Auth0.management_api_client("", client_id="c", client_secret="s")


# ----------------------------------------------------------------------------------------------- Ping


@pytest.mark.parametrize("issuer", ["ping.example.com", "https://ping.example.com", "https://ping.example.com/"])
def test_ping_client(issuer: str) -> None:
    client = Ping.client(issuer, client_id="client_id", client_secret="client_secret")

    assert client.token_endpoint == "https://ping.example.com/as/token.oauth2"
    assert client.authorization_endpoint == "https://ping.example.com/as/authorization.oauth2"
    assert client.revocation_endpoint == "https://ping.example.com/as/revoke_token.oauth2"
    assert client.userinfo_endpoint == "https://ping.example.com/idp/userinfo.openid"
    assert client.introspection_endpoint == "https://ping.example.com/as/introspect.oauth2"
    assert client.jwks_uri == "https://ping.example.com/pf/JWKS"
    assert client.device_authorization_endpoint == "https://ping.example.com/as/device_authz.oauth2"
    assert client.registration_endpoint == "https://ping.example.com/as/clients.oauth2"
    assert client.issuer is None
    assert client.extra_metadata == {
        "ping_revoked_sris_endpoint": "https://ping.example.com/pf-ws/rest/sessionMgmt/revokedSris",
        "ping_session_management_sris_endpoint": "https://ping.example.com/pf-ws/rest/sessionMgmt/sessions",
        "ping_session_management_users_endpoint": "https://ping.example.com/pf-ws/rest/sessionMgmt/users",
        "ping_end_session_endpoint": "https://ping.example.com/idp/startSLO.ping",
    }


def test_ping_client_positional_arguments_and_token_request() -> None:
    session = requests.Session()
    client = Ping.client("ping.example.com", None, "client_id", "client_secret", None, session)

    assert client.session is session
    with requests_mock.Mocker() as mock:
        mock.post("https://ping.example.com/as/token.oauth2", json={"access_token": "at", "token_type": "Bearer"})
        token = client.client_credentials(scope="s")
    assert token.access_token == "at"
    assert parse_qs(mock.last_request.text)["scope"] == ["s"]


def test_ping_client_private_jwk(private_jwk: Jwk) -> None:
    client = Ping.client("ping.example.com", client_id="c", private_jwk=private_jwk)

    assert isinstance(client.auth, PrivateKeyJwt)
    assert "private_jwk" not in client.extra_metadata


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://x.y", "must use https"),
        ("ftp://x.y", "must use https"),
        ("nodot", "domain name"),
        ("https://nodot", "domain name"),
        ("", "must specify"),
        ("https://[::1", "Invalid PingFederate server URL"),
    ],
)
def test_ping_client_errors(issuer: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Ping.client(issuer, client_id="c", client_secret="s")
