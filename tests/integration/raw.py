"""Small protocol helpers for the harness's own tests: plain `requests` and `jwskate`, never the library under test."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from jwskate import Jwk, Jwt, SignedJwt

from tests.integration.harness import Harness

TIMEOUT = 10
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """`(code_verifier, S256 code_challenge)`."""
    verifier = b64u(secrets.token_bytes(32))
    return verifier, b64u(hashlib.sha256(verifier.encode()).digest())


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **params: str) -> str:
    return url + "?" + urlencode(params)


class DPoPKey:
    """ES256 DPoP proofs (RFC 9449), made with jwskate."""

    def __init__(self) -> None:
        self.jwk = Jwk.generate(alg="ES256")
        self.jkt = self.jwk.thumbprint()

    def proof(self, method: str, url: str, access_token: str | None = None, nonce: str | None = None) -> str:
        claims: dict[str, Any] = {"htm": method, "htu": url, "iat": int(time.time()), "jti": str(uuid.uuid4())}
        if access_token:
            claims["ath"] = b64u(hashlib.sha256(access_token.encode()).digest())
        if nonce:
            claims["nonce"] = nonce
        return str(
            Jwt.sign(claims, self.jwk, alg="ES256", typ="dpop+jwt", extra_headers={"jwk": self.jwk.public_jwk()})
        )


def client_assertion(client_id: str, audience: str, key: dict[str, Any], *, lifetime: int = 60) -> dict[str, str]:
    """Form fields of a `private_key_jwt` client authentication (RFC 7523) signed with `key`."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + lifetime,
    }
    return {
        "client_id": client_id,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": str(Jwt.sign(claims, Jwk(key))),
    }


def signing_key(jwks: dict[str, Any], alg: str) -> dict[str, Any]:
    """The key of a private JWKS for `alg`."""
    return next(dict(k) for k in jwks["keys"] if k.get("alg") == alg)


def verify_server_jwt(h: Harness, token: str | SignedJwt, **expected: Any) -> SignedJwt:
    """Check a JWT's signature against the server's JWKS, and `expected` claims; returns the JWT."""
    jwt = token if isinstance(token, SignedJwt) else SignedJwt(token)
    keys = [Jwk(k) for k in h.server_jwks()["keys"] if k.get("use") != "enc"]
    assert any(jwt.verify_signature(k, alg=jwt.alg) for k in keys if k.kid == jwt.kid), f"bad signature: {jwt.kid}"
    for name, value in expected.items():
        assert jwt.claims.get(name) == value, (name, jwt.claims.get(name), value)
    return jwt


def password_grant(
    h: Harness, client_id: str, *, scope: str = "openid", auth: dict[str, str] | None = None, **extra: Any
) -> requests.Response:
    """Tokens for the demo user through the (custom) password grant.

    Authenticates with the client secret (Basic) unless `auth` gives other form fields (a client assertion).
    """
    data = {"grant_type": "password", "scope": scope, **h.demo_user, **(auth or {})}
    basic = None if auth else (client_id, h.client_secret(client_id))
    return requests.post(h.endpoint("token_endpoint"), data=data, auth=basic, timeout=TIMEOUT, verify=h.verify, **extra)
