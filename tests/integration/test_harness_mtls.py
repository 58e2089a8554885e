"""The TLS instance of the test server: mutual-TLS client authentication and certificate-bound tokens (RFC 8705).

Requests only (and `cryptography` for the certificates), never the library under test. Every refusal has its
positive control in the same test.
"""

from __future__ import annotations

import hashlib

import requests

from tests.integration.harness import Harness
from tests.integration.raw import TIMEOUT, DPoPKey, b64u, pkce_pair, query, with_query


def cc_request(h: Harness, url: str, client_id: str, cert: tuple[str, str] | None) -> requests.Response:
    return requests.post(
        url,
        data={"grant_type": "client_credentials", "client_id": client_id},
        cert=cert,
        verify=h.verify,
        timeout=TIMEOUT,
    )


def x5t_s256(der: bytes) -> str:
    return b64u(hashlib.sha256(der).digest())


def test_tls_instance_discovery(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    assert h.issuer == f"https://127.0.0.1:{h.port}"
    meta = h.discovery()
    assert meta["issuer"] == h.issuer
    assert meta["token_endpoint"] == h.issuer + "/token"
    assert {"tls_client_auth", "self_signed_tls_client_auth"} <= set(meta["token_endpoint_auth_methods_supported"])
    assert meta["tls_client_certificate_bound_access_tokens"] is True
    aliases = meta["mtls_endpoint_aliases"]
    assert h.mtls_origin != h.issuer
    for name in ("token_endpoint", "introspection_endpoint", "revocation_endpoint", "userinfo_endpoint"):
        assert aliases[name] == meta[name].replace(h.issuer, h.mtls_origin), name
    assert h.mtls_endpoint("pushed_authorization_request_endpoint") == h.mtls_origin + "/request"
    # the plain-HTTP instance has no mTLS at all
    assert h.contract["tls"]["client_subject_dn"] == h.tls.client_tls.subject_dn
    # the certificate is checked: without the test CA, the connection is refused
    try:
        requests.get(h.discovery_url, timeout=TIMEOUT)
    except requests.exceptions.SSLError:
        pass
    else:
        raise AssertionError("the server certificate was accepted without the test CA")


def test_tls_client_auth(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    token_alias = h.mtls_endpoint("token_endpoint")
    ok = cc_request(h, token_alias, "client-tls", h.tls.client_tls.pair)
    assert ok.status_code == 200, ok.text
    assert ok.json()["token_type"] == "Bearer"
    # CA-issued but another subject DN; the right DN but not issued by the CA; no certificate at all
    for cert in (h.tls.client_other.pair, h.tls.rogue.pair, None):
        refused = cc_request(h, token_alias, "client-tls", cert)
        assert refused.status_code == 401, (cert, refused.text)
        assert refused.json()["error"] == "invalid_client"
    # the issuer's own listener does not ask for a certificate: the same call is refused there
    refused = cc_request(h, h.endpoint("token_endpoint"), "client-tls", h.tls.client_tls.pair)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "invalid_client"


def test_self_signed_tls_client_auth(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    token_alias = h.mtls_endpoint("token_endpoint")
    ok = cc_request(h, token_alias, "client-self-signed-tls", h.tls.client_self_signed.pair)
    assert ok.status_code == 200, ok.text
    for cert in (h.tls.client_other.pair, h.tls.rogue.pair, None):
        refused = cc_request(h, token_alias, "client-self-signed-tls", cert)
        assert refused.status_code == 401, (cert, refused.text)
        assert refused.json()["error"] == "invalid_client"


def test_certificate_bound_token_at_the_resource(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    for client_id, right in (("client-tls", h.tls.client_tls), ("client-self-signed-tls", h.tls.client_self_signed)):
        tok = cc_request(h, h.mtls_endpoint("token_endpoint"), client_id, right.pair)
        assert tok.status_code == 200, tok.text
        at = tok.json()["access_token"]
        headers = {"Authorization": f"Bearer {at}"}
        # introspection records the binding
        intro = requests.post(
            h.mtls_endpoint("introspection_endpoint"),
            data={"token": at, "client_id": client_id},
            cert=right.pair,
            verify=h.verify,
            timeout=TIMEOUT,
        )
        assert intro.status_code == 200, intro.text
        assert intro.json()["cnf"] == {"x5t#S256": x5t_s256(right.der())}
        ok = requests.get(h.mtls_resource_url, headers=headers, cert=right.pair, verify=h.verify, timeout=TIMEOUT)
        assert ok.status_code == 200, ok.text
        assert ok.json()["client_id"] == client_id
        assert ok.json()["cnf"] == {"x5t#S256": x5t_s256(right.der())}
        # another certificate, no certificate, or the listener that never asks for one
        for url, cert in (
            (h.mtls_resource_url, h.tls.client_other.pair),
            (h.mtls_resource_url, None),
            (h.resource_url, right.pair),
        ):
            refused = requests.get(url, headers=headers, cert=cert, verify=h.verify, timeout=TIMEOUT)
            assert refused.status_code == 401, (url, cert, refused.text)
            assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_authorization_code_with_tls_client_auth(tls_server: Harness) -> None:
    """Authorization on the issuer's listener, then code exchange and UserInfo on the mTLS aliases."""
    h = tls_server
    assert h.tls is not None
    verifier, challenge = pkce_pair()
    url = with_query(
        h.endpoint("authorization_endpoint"),
        client_id="client-tls",
        response_type="code",
        redirect_uri=h.redirect_uri,
        scope="openid",
        state="st",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    params = query(h.authorize(url, h.redirect_uri))
    assert params["iss"] == h.issuer
    tok = requests.post(
        h.mtls_endpoint("token_endpoint"),
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": h.redirect_uri,
            "code_verifier": verifier,
            "client_id": "client-tls",
        },
        cert=h.tls.client_tls.pair,
        verify=h.verify,
        timeout=TIMEOUT,
    )
    assert tok.status_code == 200, tok.text
    at = tok.json()["access_token"]
    headers = {"Authorization": f"Bearer {at}"}
    userinfo = h.mtls_endpoint("userinfo_endpoint")
    ok = requests.get(userinfo, headers=headers, cert=h.tls.client_tls.pair, verify=h.verify, timeout=TIMEOUT)
    assert ok.status_code == 200, ok.text
    assert ok.json()["sub"] == h.demo_user["username"]
    refused = requests.get(userinfo, headers=headers, verify=h.verify, timeout=TIMEOUT)
    assert refused.status_code == 401, refused.text


def test_dpop_over_https(tls_server: Harness) -> None:
    """DPoP works on the https issuer too (htu with the https scheme)."""
    h = tls_server
    key = DPoPKey()
    token_url = h.endpoint("token_endpoint")
    tok = requests.post(
        token_url,
        data={"grant_type": "client_credentials"},
        auth=("client-basic", h.client_secret("client-basic")),
        headers={"DPoP": key.proof("POST", token_url)},
        verify=h.verify,
        timeout=TIMEOUT,
    )
    assert tok.status_code == 200, tok.text
    assert tok.json()["token_type"] == "DPoP"
    at = tok.json()["access_token"]
    ok = requests.get(
        h.resource_url,
        headers={"Authorization": f"DPoP {at}", "DPoP": key.proof("GET", h.resource_url, at)},
        verify=h.verify,
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200, ok.text
    wrong_scheme = key.proof("GET", h.resource_url.replace("https://", "http://"), at)
    refused = requests.get(
        h.resource_url, headers={"Authorization": f"DPoP {at}", "DPoP": wrong_scheme}, verify=h.verify, timeout=TIMEOUT
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_dpop_proof"
