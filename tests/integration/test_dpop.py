"""DPoP (RFC 9449) against the real authorization server, with a client that demands nonces."""

from __future__ import annotations

import pytest
import requests

from requests_oauth2client import (
    ApiClient,
    BearerToken,
    ClientSecretBasic,
    DPoPKey,
    DPoPToken,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
)
from tests.integration.harness import Harness


@pytest.fixture
def dpop_client(as_server: Harness) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-dpop", as_server.client_secret("client-dpop")),
        redirect_uri=as_server.redirect_uri,
        dpop_bound_access_tokens=True,
        testing=True,
    )


def test_client_credentials_with_nonce(dpop_client: OAuth2Client) -> None:
    token = dpop_client.client_credentials(scope="api:read")
    assert isinstance(token, DPoPToken)
    assert token.token_type == "DPoP"
    assert token.dpop_key.as_nonce  # the server demanded a nonce, the client retried with it
    introspection = dpop_client.introspect_token(token)
    assert introspection["active"] is True
    assert introspection["cnf"] == {"jkt": token.dpop_key.dpop_jkt}


@pytest.mark.parametrize("alg", ["ES256", "RS256", "PS256", "EdDSA"])
def test_explicit_keys_of_several_algs(dpop_client: OAuth2Client, alg: str) -> None:
    key = DPoPKey.generate(alg=alg)
    token = dpop_client.client_credentials(scope="api:read", dpop_key=key)
    assert isinstance(token, DPoPToken)
    assert token.dpop_key is key
    assert dpop_client.introspect_token(token)["cnf"] == {"jkt": key.dpop_jkt}


def test_authorization_code_refresh_userinfo(as_server: Harness, dpop_client: OAuth2Client) -> None:
    azr = dpop_client.authorization_request(scope="openid profile offline_access", prompt="consent")
    assert azr.dpop_key is not None
    assert azr.args["dpop_jkt"] == azr.dpop_key.dpop_jkt
    response = azr.validate_callback(as_server.authorize(azr.uri, as_server.redirect_uri))
    token = dpop_client.authorization_code(response)
    assert isinstance(token, DPoPToken)
    assert token.dpop_key is azr.dpop_key
    assert token.id_token is not None

    assert dpop_client.userinfo(token)["sub"] == as_server.demo_user["username"]
    # the same access token sent as a Bearer token is refused
    bearer = requests.get(
        dpop_client.userinfo_endpoint or "", headers={"Authorization": f"Bearer {token.access_token}"}, timeout=10
    )
    assert bearer.status_code == 401

    refreshed = dpop_client.refresh_token(token)
    assert isinstance(refreshed, DPoPToken)
    assert refreshed.dpop_key is token.dpop_key
    assert dpop_client.introspect_token(refreshed)["cnf"] == {"jkt": token.dpop_key.dpop_jkt}
    assert dpop_client.userinfo(refreshed)["sub"] == as_server.demo_user["username"]


def test_par_with_dpop(as_server: Harness, dpop_client: OAuth2Client) -> None:
    azr = dpop_client.authorization_request(scope="openid")
    par = dpop_client.pushed_authorization_request(azr)
    response = azr.validate_callback(as_server.authorize(par.uri, as_server.redirect_uri))
    token = dpop_client.authorization_code(response)
    assert isinstance(token, DPoPToken)
    assert token.dpop_key is azr.dpop_key


def test_resource_server_nonce_retry(as_server: Harness, dpop_client: OAuth2Client) -> None:
    token = dpop_client.client_credentials(scope="api:read")
    assert isinstance(token, DPoPToken)
    response = requests.get(as_server.resource_nonce_url, auth=token, timeout=10)
    assert response.status_code == 200
    assert response.json()["token_type"] == "DPoP"
    assert token.dpop_key.rs_nonce  # learned from the resource server's 401 use_dpop_nonce
    assert len(response.history) == 1  # exactly one retry


def test_api_client_with_dpop_handler(as_server: Harness, dpop_client: OAuth2Client) -> None:
    api = ApiClient(as_server.resource_url, auth=OAuth2ClientCredentialsAuth(dpop_client, scope="api:read"))
    for _ in range(3):
        assert api.get("x").json()["token_type"] == "DPoP"


def test_dpop_on_demand_for_a_client_without_dpop_default(as_server: Harness) -> None:
    # client-basic does not ask for DPoP by default; `dpop=True` on one request binds that token only.
    client = OAuth2Client(
        as_server.endpoint("token_endpoint"),
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        testing=True,
    )
    bound = client.client_credentials(scope="api:read", dpop=True)
    assert isinstance(bound, DPoPToken)
    plain = client.client_credentials(scope="api:read")
    assert type(plain) is BearerToken
    assert requests.get(as_server.resource_url, auth=bound, timeout=10).status_code == 200
    assert requests.get(as_server.resource_url, auth=plain, timeout=10).status_code == 200


def test_a_token_response_without_token_type_keeps_the_dpop_binding(as_server: Harness) -> None:
    """A DPoP-bound token whose `token_type` is lost (a proxy, a lax AS) still works, with its proofs."""
    import json

    session = requests.Session()

    def drop_token_type(response: requests.Response, *args: object, **kwargs: object) -> None:
        if response.request.method == "POST" and response.url == as_server.endpoint("token_endpoint") and response.ok:
            body = response.json()
            assert body.pop("token_type") == "DPoP"
            response._content = json.dumps(body).encode()

    session.hooks["response"].append(drop_token_type)
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        session=session,
        testing=True,
    )
    user = as_server.demo_user
    token = client.resource_owner_password(user["username"], user["password"], scope="openid", dpop=True)
    assert isinstance(token, DPoPToken)
    assert client.introspect_token(token)["cnf"] == {"jkt": token.dpop_key.dpop_jkt}
    assert client.userinfo(token)["sub"] == user["username"]  # sent with `Authorization: DPoP` and a proof


def test_proofs_with_a_lifetime(as_server: Harness, dpop_client: OAuth2Client) -> None:
    key = DPoPKey.generate(exp=60)
    token = dpop_client.client_credentials(scope="api:read", dpop_key=key)
    assert isinstance(token, DPoPToken)
    assert dpop_client.introspect_token(token)["cnf"] == {"jkt": key.dpop_jkt}
    assert key.proof("GET", as_server.resource_url).claims["exp"] > 0
    api = ApiClient(as_server.resource_url, auth=token)
    assert api.get().status_code == 200
