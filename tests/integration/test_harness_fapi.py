"""The FAPI 2.0 clients of the test server (oidc-provider's `fapi` feature, profile 2.0 for them only).

`client-fapi2` (plain instance): private_key_jwt, PAR required, PKCE S256, DPoP-bound tokens.
`client-fapi2-mtls` (TLS instance): tls_client_auth and certificate-bound tokens, PAR required.
Requests and jwskate only.
"""

from __future__ import annotations

from typing import Any

import requests
from jwskate import SignedJwt

from tests.integration.harness import Harness
from tests.integration.raw import (
    TIMEOUT,
    DPoPKey,
    client_assertion,
    pkce_pair,
    query,
    signing_key,
    verify_server_jwt,
    with_query,
)

FAPI = "client-fapi2"


def fapi_auth(h: Harness, audience: str | None = None, alg: str = "ES256") -> dict[str, str]:
    return client_assertion(FAPI, audience or h.issuer, signing_key(h.client_private_jwks(FAPI), alg))


def push(h: Harness, client_auth: dict[str, str], **params: str) -> requests.Response:
    return requests.post(
        h.endpoint("pushed_authorization_request_endpoint"),
        data={**client_auth, **params},
        verify=h.verify,
        timeout=TIMEOUT,
    )


def authorization_params(h: Harness, challenge: str | None, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "redirect_uri": h.redirect_uri,
        "scope": "openid",
        "state": "fapi-state",
        "nonce": "fapi-nonce",
        **extra,
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params


def test_fapi2_par_code_pkce_dpop(as_server: Harness) -> None:
    h = as_server
    assert h.clients[FAPI]["fapi_profile"] == "2.0"
    assert h.clients[FAPI]["require_pushed_authorization_requests"] is True
    verifier, challenge = pkce_pair()
    key = DPoPKey()
    par = push(h, fapi_auth(h), **authorization_params(h, challenge), dpop_jkt=key.jkt)
    assert par.status_code == 201, par.text
    request_uri = par.json()["request_uri"]
    callback = h.authorize(
        with_query(h.endpoint("authorization_endpoint"), client_id=FAPI, request_uri=request_uri), h.redirect_uri
    )
    params = query(callback)
    assert params["iss"] == h.issuer
    assert params["state"] == "fapi-state"
    token_url = h.endpoint("token_endpoint")
    exchange: dict[str, Any] = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": h.redirect_uri,
        "code_verifier": verifier,
    }
    tok = requests.post(
        token_url,
        data={**exchange, **fapi_auth(h, alg="PS256")},
        headers={"DPoP": key.proof("POST", token_url)},
        timeout=TIMEOUT,
    )
    assert tok.status_code == 200, tok.text
    body = tok.json()
    assert body["token_type"] == "DPoP"
    id_token = verify_server_jwt(h, body["id_token"], iss=h.issuer, aud=FAPI, nonce="fapi-nonce")
    assert id_token.alg == "ES256"
    at = body["access_token"]
    ok = requests.get(
        h.resource_url,
        headers={"Authorization": f"DPoP {at}", "DPoP": key.proof("GET", h.resource_url, at)},
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["client_id"] == FAPI


def test_fapi2_refuses_a_plain_authorization_request(as_server: Harness) -> None:
    h = as_server
    _, challenge = pkce_pair()
    plain = with_query(h.endpoint("authorization_endpoint"), client_id=FAPI, **authorization_params(h, challenge))
    params = query(h.authorize(plain, h.redirect_uri))
    assert params["error"] == "invalid_request"
    assert "Pushed Authorization Request" in params["error_description"]
    # positive control: the same parameters pushed first
    par = push(h, fapi_auth(h), **authorization_params(h, challenge))
    assert par.status_code == 201, par.text
    url = with_query(h.endpoint("authorization_endpoint"), client_id=FAPI, request_uri=par.json()["request_uri"])
    assert "code" in query(h.authorize(url, h.redirect_uri))


def test_fapi2_demands_pkce_and_issuer_audience(as_server: Harness) -> None:
    h = as_server
    _, challenge = pkce_pair()
    # no PKCE: refused for the FAPI client, while an ordinary confidential client may omit it
    refused = push(h, fapi_auth(h), **authorization_params(h, None))
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_request"
    ordinary = push(
        h,
        client_assertion("client-private-key-jwt", h.issuer, h.private_jwk("ES256")),
        **authorization_params(h, None),
    )
    assert ordinary.status_code == 201, ordinary.text
    # a client assertion whose aud is the PAR endpoint, not the issuer: refused (FAPI 2.0 5.3.2.1)...
    par_url = h.endpoint("pushed_authorization_request_endpoint")
    refused = push(h, fapi_auth(h, audience=par_url), **authorization_params(h, challenge))
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "invalid_client"
    # ...but accepted from an ordinary client
    ordinary = push(
        h,
        client_assertion("client-private-key-jwt", par_url, h.private_jwk("ES256")),
        **authorization_params(h, challenge),
    )
    assert ordinary.status_code == 201, ordinary.text
    # positive control
    assert push(h, fapi_auth(h), **authorization_params(h, challenge)).status_code == 201


def test_fapi2_demands_dpop_at_the_token_endpoint(as_server: Harness) -> None:
    h = as_server
    token_url = h.endpoint("token_endpoint")

    def code_and_verifier() -> tuple[str, str]:
        verifier, challenge = pkce_pair()
        par = push(h, fapi_auth(h), **authorization_params(h, challenge))
        assert par.status_code == 201, par.text
        url = with_query(h.endpoint("authorization_endpoint"), client_id=FAPI, request_uri=par.json()["request_uri"])
        return query(h.authorize(url, h.redirect_uri))["code"], verifier

    code, verifier = code_and_verifier()
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": h.redirect_uri}
    refused = requests.post(token_url, data={**exchange, "code_verifier": verifier, **fapi_auth(h)}, timeout=TIMEOUT)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"
    code, verifier = code_and_verifier()
    exchange["code"] = code
    ok = requests.post(
        token_url,
        data={**exchange, "code_verifier": verifier, **fapi_auth(h)},
        headers={"DPoP": DPoPKey().proof("POST", token_url)},
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200, ok.text


def test_fapi2_mtls_client(tls_server: Harness) -> None:
    """FAPI 2.0 with mTLS: PAR and token on the mTLS aliases, a certificate-bound access token."""
    h = tls_server
    assert h.tls is not None
    client_id = "client-fapi2-mtls"
    cert = h.tls.client_tls.pair
    verifier, challenge = pkce_pair()
    par = requests.post(
        h.mtls_endpoint("pushed_authorization_request_endpoint"),
        data={"client_id": client_id, **authorization_params(h, challenge)},
        cert=cert,
        verify=h.verify,
        timeout=TIMEOUT,
    )
    assert par.status_code == 201, par.text
    url = with_query(h.endpoint("authorization_endpoint"), client_id=client_id, request_uri=par.json()["request_uri"])
    params = query(h.authorize(url, h.redirect_uri))
    assert params["iss"] == h.issuer
    tok = requests.post(
        h.mtls_endpoint("token_endpoint"),
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": h.redirect_uri,
            "code_verifier": verifier,
            "client_id": client_id,
        },
        cert=cert,
        verify=h.verify,
        timeout=TIMEOUT,
    )
    assert tok.status_code == 200, tok.text
    assert SignedJwt(tok.json()["id_token"]).alg == "ES256"
    headers = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    ok = requests.get(h.mtls_resource_url, headers=headers, cert=cert, verify=h.verify, timeout=TIMEOUT)
    assert ok.status_code == 200, ok.text
    refused = requests.get(h.mtls_resource_url, headers=headers, verify=h.verify, timeout=TIMEOUT)
    assert refused.status_code == 401
    # and a plain authorization request is refused for this client too
    plain = with_query(h.endpoint("authorization_endpoint"), client_id=client_id, **authorization_params(h, challenge))
    assert query(h.authorize(plain, h.redirect_uri))["error"] == "invalid_request"
