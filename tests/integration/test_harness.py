"""Tests of the integration harness itself: the server, its contract and the helpers.

They use `requests` (and `cryptography` for DPoP proofs) only, not the library.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.integration.harness import Harness, pid_exists, port_is_free, start_server, stop_server

TIMEOUT = 10


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(obj: dict[str, Any]) -> str:
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


class DPoPKey:
    """Minimal ES256 DPoP proof signer (RFC 9449), independent of the library."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        nums = self.key.public_key().public_numbers()
        self.jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64u(nums.x.to_bytes(32, "big")),
            "y": b64u(nums.y.to_bytes(32, "big")),
        }
        canon = json.dumps(dict(sorted(self.jwk.items())), separators=(",", ":"))
        self.jkt = b64u(hashlib.sha256(canon.encode()).digest())

    def proof(self, method: str, url: str, access_token: str | None = None, nonce: str | None = None) -> str:
        claims: dict[str, Any] = {"htm": method, "htu": url, "iat": int(time.time()), "jti": str(uuid.uuid4())}
        if access_token:
            claims["ath"] = b64u(hashlib.sha256(access_token.encode()).digest())
        if nonce:
            claims["nonce"] = nonce
        signing_input = b64u_json({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk}) + "." + b64u_json(claims)
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def pkce_pair() -> tuple[str, str]:
    verifier = b64u(secrets.token_bytes(32))
    return verifier, b64u(hashlib.sha256(verifier.encode()).digest())


def client_credentials(h: Harness, client_id: str, **data: str) -> requests.Response:
    return requests.post(
        h.endpoint("token_endpoint"),
        data={"grant_type": "client_credentials", **data},
        auth=(client_id, h.client_secret(client_id)),
        timeout=TIMEOUT,
    )


def authorization_url(h: Harness, **params: str) -> str:
    return h.endpoint("authorization_endpoint") + "?" + urlencode(params)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# ------------------------------------------------------------------ server


def test_discovery_and_jwks(as_server: Harness) -> None:
    h = as_server
    assert h.issuer == f"http://127.0.0.1:{h.port}"
    meta = h.discovery()
    assert meta["issuer"] == h.issuer
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "userinfo_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
        "device_authorization_endpoint",
        "pushed_authorization_request_endpoint",
        "end_session_endpoint",
    ):
        assert meta[name].startswith(h.issuer + "/"), name
    rfc8414 = requests.get(h.issuer + "/.well-known/oauth-authorization-server", timeout=TIMEOUT)
    assert rfc8414.status_code == 200
    assert rfc8414.json()["issuer"] == h.issuer
    jwks = requests.get(meta["jwks_uri"], timeout=TIMEOUT).json()
    assert {k["kid"] for k in jwks["keys"]} >= {"as-rs256", "as-es256"}
    assert all("d" not in k for k in jwks["keys"])


def test_contract(as_server: Harness) -> None:
    h = as_server
    assert set(h.clients) >= {
        "client-basic",
        "client-post",
        "client-secret-jwt",
        "client-private-key-jwt",
        "client-dpop",
        "client-public",
        "client-short-ttl",
    }
    assert h.client_secret("client-basic") == h.clients["client-basic"]["client_secret"]
    with pytest.raises(KeyError):
        h.client_secret("client-public")
    assert h.redirect_uri in h.clients["client-basic"]["redirect_uris"]
    jwks = h.private_jwks()
    assert {k["alg"] for k in jwks["keys"]} == {"RS256", "ES256"}
    assert all("d" in k for k in jwks["keys"])
    assert h.private_jwk("ES256")["kid"] == "client-es256"
    assert "d" in h.trusted_issuer_jwk()
    assert h.resource_url == f"{h.issuer}/api/resource"
    assert h.clients[h.short_ttl_client_id]["access_token_ttl"] == 2
    assert h.clients["client-dpop"]["dpop_nonce_required"] is True
    assert h.server is not None
    assert h.pid == h.server.pid
    assert h.server.startup_seconds < 10


def test_integration_marker_is_added(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("integration") is not None


# -------------------------------------------------------- protected resource


def test_resource_accepts_client_credentials_token(as_server: Harness) -> None:
    h = as_server
    tok = client_credentials(h, "client-basic", scope="api:read")
    assert tok.status_code == 200, tok.text
    at = tok.json()["access_token"]
    r = requests.get(h.resource_url, headers={"Authorization": f"Bearer {at}"}, params={"x": "1"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["client_id"] == "client-basic"
    assert body["sub"] == "client-basic"
    assert body["scope"] == "api:read"
    assert body["aud"] == "urn:harness:api"
    assert body["query"] == {"x": "1"}
    r = requests.post(
        h.resource_url + "/items", json={"a": 1}, headers={"Authorization": f"Bearer {at}"}, timeout=TIMEOUT
    )
    assert r.status_code == 200, r.text
    assert r.json()["body"] == {"a": 1}
    assert r.json()["path"] == "/api/resource/items"
    # a revoked token is refused
    revoked = requests.post(
        h.endpoint("revocation_endpoint"),
        data={"token": at},
        auth=("client-basic", h.client_secret("client-basic")),
        timeout=TIMEOUT,
    )
    assert revoked.status_code == 200, revoked.text
    r = requests.get(h.resource_url, headers={"Authorization": f"Bearer {at}"}, timeout=TIMEOUT)
    assert r.status_code == 401


def test_resource_rejects_missing_and_bad_tokens(as_server: Harness) -> None:
    h = as_server
    r = requests.get(h.resource_url, timeout=TIMEOUT)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer ")
    assert "error=" not in r.headers["WWW-Authenticate"]  # RFC 6750 3.1: no error without credentials
    r = requests.get(h.resource_url, headers={"Authorization": "Bearer not-a-token"}, timeout=TIMEOUT)
    assert r.status_code == 401
    assert 'Bearer realm="/api/resource", error="invalid_token"' in r.headers["WWW-Authenticate"]
    assert r.json()["error"] == "invalid_token"


def test_resource_accepts_jwt_access_token(as_server: Harness) -> None:
    h = as_server
    tok = client_credentials(h, "client-basic", resource="urn:harness:jwt-api")
    assert tok.status_code == 200, tok.text
    at = tok.json()["access_token"]
    assert at.count(".") == 2
    r = requests.get(h.resource_url, headers={"Authorization": f"Bearer {at}"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["aud"] == "urn:harness:jwt-api"


def test_short_ttl_client_token_expires(as_server: Harness) -> None:
    h = as_server
    tok = client_credentials(h, h.short_ttl_client_id)
    assert tok.status_code == 200, tok.text
    assert tok.json()["expires_in"] == 2
    at = tok.json()["access_token"]
    headers = {"Authorization": f"Bearer {at}"}
    assert requests.get(h.resource_url, headers=headers, timeout=TIMEOUT).status_code == 200
    time.sleep(2.1)
    r = requests.get(h.resource_url, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_resource_dpop(as_server: Harness) -> None:
    h = as_server
    key = DPoPKey()
    token_url = h.endpoint("token_endpoint")
    tok = requests.post(
        token_url,
        data={"grant_type": "client_credentials"},
        auth=("client-basic", h.client_secret("client-basic")),
        headers={"DPoP": key.proof("POST", token_url)},
        timeout=TIMEOUT,
    )
    assert tok.status_code == 200, tok.text
    assert tok.json()["token_type"] == "DPoP"
    at = tok.json()["access_token"]

    def call(url: str, nonce: str | None = None, scheme: str = "DPoP", method: str = "GET") -> requests.Response:
        headers = {"Authorization": f"{scheme} {at}"}
        if scheme == "DPoP":
            headers["DPoP"] = key.proof(method, url, at, nonce)
        return requests.request(method, url, headers=headers, timeout=TIMEOUT)

    r = call(h.resource_url)
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "DPoP"
    r = call(h.resource_url, method="POST")
    assert r.status_code == 200, r.text
    # a DPoP-bound token is refused as a Bearer token
    r = call(h.resource_url, scheme="Bearer")
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    # a proof made with another key, or for another URL, is refused
    other = DPoPKey()
    r = requests.get(
        h.resource_url,
        timeout=TIMEOUT,
        headers={"Authorization": f"DPoP {at}", "DPoP": other.proof("GET", h.resource_url, at)},
    )
    assert r.status_code == 401
    assert 'DPoP realm="/api/resource"' in r.headers["WWW-Authenticate"]
    assert r.json()["error"] == "invalid_token"
    r = requests.get(
        h.resource_url,
        timeout=TIMEOUT,
        headers={"Authorization": f"DPoP {at}", "DPoP": key.proof("GET", h.issuer + "/elsewhere", at)},
    )
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_dpop_proof"
    # nonce demanded by the resource server
    r = call(h.resource_nonce_url)
    assert r.status_code == 401
    assert 'error="use_dpop_nonce"' in r.headers["WWW-Authenticate"]
    nonce = r.headers["DPoP-Nonce"]
    r = call(h.resource_nonce_url, nonce=nonce)
    assert r.status_code == 200, r.text
    # replayed proof
    proof = key.proof("GET", h.resource_url, at)
    headers = {"Authorization": f"DPoP {at}", "DPoP": proof}
    assert requests.get(h.resource_url, headers=headers, timeout=TIMEOUT).status_code == 200
    r = requests.get(h.resource_url, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 401
    assert "replay" in r.json()["error_description"]


# -------------------------------------------------------------- the browser


def test_authorize_public_client_and_use_token(as_server: Harness) -> None:
    h = as_server
    redirect_uri = h.public_redirect_uri()
    verifier, challenge = pkce_pair()
    url = authorization_url(
        h,
        client_id="client-public",
        response_type="code",
        redirect_uri=redirect_uri,
        scope="openid profile",
        state="st",
        nonce="nn",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    callback = h.authorize(url, redirect_uri)
    assert callback.startswith(redirect_uri + "?")
    params = query(callback)
    assert params["state"] == "st"
    assert params["iss"] == h.issuer
    tok = requests.post(
        h.endpoint("token_endpoint"),
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": "client-public",
        },
        timeout=TIMEOUT,
    )
    assert tok.status_code == 200, tok.text
    at = tok.json()["access_token"]
    r = requests.get(h.resource_url, headers={"Authorization": f"Bearer {at}"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["sub"] == "demo-user"
    assert r.json()["client_id"] == "client-public"


def test_authorize_confidential_client_denied(as_server: Harness) -> None:
    h = as_server
    _, challenge = pkce_pair()
    url = authorization_url(
        h,
        client_id="client-basic",
        response_type="code",
        redirect_uri=h.redirect_uri,
        scope="openid",
        state="st",
        login_hint="deny",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    params = query(h.authorize(url, h.redirect_uri))
    assert params["error"] == "access_denied"
    assert params["state"] == "st"


def test_authorize_fails_clearly_when_redirect_uri_not_reached(as_server: Harness) -> None:
    h = as_server
    url = authorization_url(
        h, client_id="client-basic", response_type="code", redirect_uri="http://127.0.0.1:1/nope", scope="openid"
    )
    with pytest.raises(AssertionError, match="did not reach"):
        h.authorize(url, "http://127.0.0.1:1/nope")


def test_approve_device(as_server: Harness) -> None:
    h = as_server
    da = requests.post(
        h.endpoint("device_authorization_endpoint"),
        data={"client_id": "client-public", "scope": "openid"},
        timeout=TIMEOUT,
    ).json()
    poll = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": da["device_code"],
        "client_id": "client-public",
    }
    token_url = h.endpoint("token_endpoint")
    assert requests.post(token_url, data=poll, timeout=TIMEOUT).json()["error"] == "authorization_pending"
    h.approve_device(da["verification_uri_complete"])
    tok = requests.post(token_url, data=poll, timeout=TIMEOUT)
    assert tok.status_code == 200, tok.text
    assert "access_token" in tok.json()
    # the plain verification_uri with an explicit user_code works too
    da = requests.post(
        h.endpoint("device_authorization_endpoint"),
        data={"client_id": "client-public", "scope": "openid"},
        timeout=TIMEOUT,
    ).json()
    h.approve_device(da["verification_uri"], da["user_code"])


# ------------------------------------------------------------ start / stop


def test_stop_server_leaves_nothing_behind(tmp_path: Path) -> None:
    server = start_server(tmp_path / "as")
    try:
        pid, port = server.pid, server.port
        assert pid_exists(pid)
        assert not port_is_free(port)
        r = requests.get(server.issuer + "/.well-known/openid-configuration", timeout=TIMEOUT)
        assert r.json()["issuer"] == server.issuer
    finally:
        stop_server(server)
    assert server.proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert port_is_free(port)
    stop_server(server)  # idempotent


def test_server_exits_when_parent_pipe_closes(tmp_path: Path) -> None:
    """The stdin watchdog: if the test process dies, the server follows."""
    server = start_server(tmp_path / "as")
    try:
        assert server.proc.stdin is not None
        server.proc.stdin.close()
        server.proc.wait(5)
        assert not pid_exists(server.pid)
    finally:
        stop_server(server)
