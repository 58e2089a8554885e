"""requests auth handlers and ApiClient against the real authorization server and its protected resource."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from requests_oauth2client import (
    ApiClient,
    BearerToken,
    ClientSecretBasic,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    OAuth2ResourceOwnerPasswordAuth,
)
from tests.integration.harness import Harness


def short_ttl_client(as_server: Harness) -> OAuth2Client:
    client_id = as_server.short_ttl_client_id
    return OAuth2Client(
        as_server.endpoint("token_endpoint"),
        auth=ClientSecretBasic(client_id, as_server.client_secret(client_id)),
        testing=True,
    )


def test_api_client_renews_across_token_expiry(as_server: Harness) -> None:
    token_requests: list[str] = []
    client = short_ttl_client(as_server)
    client.session.hooks["response"].append(lambda r, *a, **k: token_requests.append(r.url))
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read", leeway=0)
    api = ApiClient(as_server.resource_url, auth=auth)

    first = api.get("items")
    assert first.status_code == 200
    assert first.json()["client_id"] == as_server.short_ttl_client_id
    first_token = auth.token
    assert isinstance(first_token, BearerToken)
    assert first_token.expires_in is not None
    assert first_token.expires_in <= 2

    time.sleep(first_token.expires_in + 0.5)  # the token expires on the server and in the handler
    second = api.get("items")  # renewed before sending: no failed call
    assert second.status_code == 200
    assert auth.token is not first_token
    assert len(token_requests) == 2


def test_sub_clients_keep_the_auth(as_server: Harness) -> None:
    client = short_ttl_client(as_server)
    api = ApiClient(as_server.issuer, auth=OAuth2ClientCredentialsAuth(client, scope="api:read"))
    assert api.api.resource.get().json()["path"] == "/api/resource"
    assert api["api"]["resource"].get("x").json()["path"] == "/api/resource/x"


def test_concurrent_requests_share_one_token(as_server: Harness) -> None:
    token_requests: list[str] = []
    client = short_ttl_client(as_server)
    client.session.hooks["response"].append(lambda r, *a, **k: token_requests.append(r.url))
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read", leeway=0)
    session = requests.Session()
    session.auth = auth
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: session.get(as_server.resource_url).status_code, range(16)))
    assert statuses == [200] * 16
    assert len(token_requests) == 1


def test_refreshing_handler_and_password_handler(as_server: Harness) -> None:
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        testing=True,
    )
    user = as_server.demo_user
    password_auth = OAuth2ResourceOwnerPasswordAuth(
        client, username=user["username"], password=user["password"], scope="openid offline_access"
    )
    assert requests.get(client.userinfo_endpoint or "", auth=password_auth).json()["sub"] == user["username"]
    assert "password" not in repr(password_auth) or user["password"] not in repr(password_auth)

    # a token that expires within the leeway is refreshed with its refresh token before use
    token = password_auth.token
    assert isinstance(token, BearerToken)
    almost_expired = BearerToken(
        token.access_token, refresh_token=token.refresh_token, expires_in=5, scope=token.scope, id_token=None
    )
    refresh_auth = OAuth2AccessTokenAuth(client, almost_expired, leeway=30)
    assert requests.get(client.userinfo_endpoint or "", auth=refresh_auth).json()["sub"] == user["username"]
    assert refresh_auth.token is not almost_expired
    assert refresh_auth.token is not None
    assert refresh_auth.token.access_token != token.access_token


def test_iterable_paths_with_slashes_around_parts(as_server: Harness) -> None:
    client = short_ttl_client(as_server)
    api = ApiClient(as_server.issuer, auth=OAuth2ClientCredentialsAuth(client, scope="api:read"))
    assert api.get(["/api", "/resource/", 42]).json()["path"] == "/api/resource/42"
    assert api.get(["/api/", "resource", "a/b"]).json()["path"] == "/api/resource/a%2Fb"
