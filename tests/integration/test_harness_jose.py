"""Signed and encrypted responses of the test server, and encrypted request objects.

`client-jwt-responses`: UserInfo as a JWT, JWT introspection (RFC 9701), ES256.
`client-encrypted`: ID Token, UserInfo, introspection encrypted to its RSA-OAEP-256 key (A256GCM), and request
objects it signs (ES256) then encrypts to the server's encryption keys (RFC 9101 section 6.1).
Requests and jwskate only.
"""

from __future__ import annotations

import functools
import time
import uuid

import pytest
import requests
from jwskate import JweCompact, Jwk, Jwt, SignedJwt

from tests.integration.harness import Harness
from tests.integration.raw import (
    TIMEOUT,
    client_assertion,
    password_grant,
    pkce_pair,
    query,
    signing_key,
    verify_server_jwt,
    with_query,
)

SIGNED = "client-jwt-responses"
ENCRYPTED = "client-encrypted"
JWT_INTROSPECTION = "application/token-introspection+jwt"


def encrypted_client_auth(h: Harness, audience: str | None = None) -> dict[str, str]:
    return client_assertion(
        ENCRYPTED, audience or h.endpoint("token_endpoint"), signing_key(h.client_private_jwks(ENCRYPTED), "ES256")
    )


def encryption_key(h: Harness) -> Jwk:
    return Jwk(next(k for k in h.client_private_jwks(ENCRYPTED)["keys"] if k.get("use") == "enc"))


def decrypt(h: Harness, value: str) -> SignedJwt:
    """Decrypt a JWE sent to `client-encrypted`, checking its header, and return the nested signed JWT."""
    jwe = JweCompact(value)
    key = encryption_key(h)
    assert (jwe.alg, jwe.enc, jwe.headers.get("kid")) == ("RSA-OAEP-256", "A256GCM", key.kid)
    return SignedJwt(jwe.decrypt(key))


def userinfo(h: Harness, access_token: str) -> requests.Response:
    return requests.get(
        h.endpoint("userinfo_endpoint"), headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT
    )


def introspect(
    h: Harness, token: str, accept: str, *, basic: tuple[str, str] | None = None, data: dict[str, str] | None = None
) -> requests.Response:
    return requests.post(
        h.endpoint("introspection_endpoint"),
        data={"token": token, **(data or {})},
        auth=basic,
        headers={"Accept": accept},
        timeout=TIMEOUT,
    )


# ------------------------------------------------------------------ signed


def test_signed_userinfo(as_server: Harness) -> None:
    h = as_server
    assert "ES256" in h.discovery()["userinfo_signing_alg_values_supported"]
    tok = password_grant(h, SIGNED)
    assert tok.status_code == 200, tok.text
    resp = userinfo(h, tok.json()["access_token"])
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/jwt")
    jwt = verify_server_jwt(h, resp.text, iss=h.issuer, aud=SIGNED, sub=h.demo_user["username"])
    assert jwt.alg == "ES256"
    # control: an ordinary client gets JSON from the same endpoint
    plain = password_grant(h, "client-basic")
    resp = userinfo(h, plain.json()["access_token"])
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["sub"] == h.demo_user["username"]


def test_signed_introspection(as_server: Harness) -> None:
    h = as_server
    meta = h.discovery()
    assert "ES256" in meta["introspection_signing_alg_values_supported"]
    at = password_grant(h, SIGNED).json()["access_token"]
    basic = (SIGNED, h.client_secret(SIGNED))
    resp = introspect(h, at, JWT_INTROSPECTION, basic=basic)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith(JWT_INTROSPECTION)
    jwt = verify_server_jwt(h, resp.text, iss=h.issuer)
    assert jwt.typ == "token-introspection+jwt"
    assert jwt.alg == "ES256"
    assert jwt.issued_at is not None
    assert jwt.claims["aud"] == SIGNED  # RFC 9701 section 5: the client that asked
    claims = jwt.claims["token_introspection"]
    assert claims["active"] is True
    assert claims["client_id"] == SIGNED
    # a token with an audience of its own (client_credentials: urn:harness:api)
    cc = requests.post(
        h.endpoint("token_endpoint"), data={"grant_type": "client_credentials"}, auth=basic, timeout=TIMEOUT
    )
    resp = introspect(h, cc.json()["access_token"], JWT_INTROSPECTION, basic=basic)
    jwt = verify_server_jwt(h, resp.text, iss=h.issuer, aud=SIGNED)
    assert jwt.claims["token_introspection"]["aud"] == "urn:harness:api"
    # control: asked for JSON, the same client gets JSON
    resp = introspect(h, at, "application/json", basic=basic)
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["active"] is True


# --------------------------------------------------------------- encrypted


def test_encrypted_id_token_and_userinfo(as_server: Harness) -> None:
    h = as_server
    meta = h.discovery()
    assert "RSA-OAEP-256" in meta["id_token_encryption_alg_values_supported"]
    assert "RSA-OAEP-256" in meta["userinfo_encryption_alg_values_supported"]
    tok = password_grant(h, ENCRYPTED, auth=encrypted_client_auth(h))
    assert tok.status_code == 200, tok.text
    id_token = tok.json()["id_token"]
    assert id_token.count(".") == 4  # JWE compact
    nested = verify_server_jwt(h, decrypt(h, id_token), iss=h.issuer, aud=ENCRYPTED, sub=h.demo_user["username"])
    assert nested.alg == "RS256"
    resp = userinfo(h, tok.json()["access_token"])
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/jwt")
    verify_server_jwt(h, decrypt(h, resp.text), iss=h.issuer, aud=ENCRYPTED, sub=h.demo_user["username"])
    # control: a key that is not the client's cannot open it
    with pytest.raises(ValueError):  # jwskate: the content key cannot be unwrapped
        JweCompact(resp.text).decrypt(foreign_key("RSA-OAEP-256"))


def test_encrypted_introspection(as_server: Harness) -> None:
    h = as_server
    at = password_grant(h, ENCRYPTED, auth=encrypted_client_auth(h)).json()["access_token"]
    audience = h.endpoint("introspection_endpoint")
    resp = introspect(h, at, JWT_INTROSPECTION, data=encrypted_client_auth(h, audience))
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith(JWT_INTROSPECTION)
    nested = verify_server_jwt(h, decrypt(h, resp.text), iss=h.issuer)
    assert nested.typ == "token-introspection+jwt"
    assert nested.claims["token_introspection"]["active"] is True
    # a client with encrypted introspection must ask for the JWT form (oidc-provider's rule)
    resp = introspect(h, at, "application/json", data=encrypted_client_auth(h, audience))
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"


# ------------------------------------------------------ encrypted requests


def server_encryption_jwk(h: Harness, alg: str) -> Jwk:
    keys = [k for k in h.server_jwks()["keys"] if k.get("use") == "enc" and k.get("alg") == alg]
    assert len(keys) == 1, keys
    assert keys[0]["kid"] in h.contract["server_encryption_kids"]
    return Jwk(keys[0])


@functools.cache
def foreign_key(alg: str) -> Jwk:
    """A private encryption key the server and the clients do not hold (made once: RSA keys are slow to make)."""
    return Jwk.generate(alg=alg, **({"crv": "P-256"} if alg.startswith("ECDH") else {}))


def request_object(h: Harness, enc_key: Jwk, challenge: str, state: str) -> str:
    now = int(time.time())
    claims = {
        "iss": ENCRYPTED,
        "aud": h.issuer,
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
        "client_id": ENCRYPTED,
        "response_type": "code",
        "redirect_uri": h.redirect_uri,
        "scope": "openid",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    sign_key = Jwk(signing_key(h.client_private_jwks(ENCRYPTED), "ES256"))
    signed = Jwt.sign(claims, sign_key, typ="oauth-authz-req+jwt")
    return str(JweCompact.encrypt(bytes(signed), enc_key, enc="A256GCM", extra_headers={"cty": "JWT"}))


def redeem(h: Harness, callback: str, verifier: str) -> requests.Response:
    return requests.post(
        h.endpoint("token_endpoint"),
        data={
            "grant_type": "authorization_code",
            "code": query(callback)["code"],
            "redirect_uri": h.redirect_uri,
            "code_verifier": verifier,
            **encrypted_client_auth(h),
        },
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize("alg", ["RSA-OAEP-256", "ECDH-ES"])
def test_encrypted_request_object_by_value(as_server: Harness, alg: str) -> None:
    h = as_server
    assert alg in h.discovery()["request_object_encryption_alg_values_supported"]
    verifier, challenge = pkce_pair()
    request = request_object(h, server_encryption_jwk(h, alg), challenge, state="by-value")
    url = with_query(h.endpoint("authorization_endpoint"), client_id=ENCRYPTED, request=request)
    callback = h.authorize(url, h.redirect_uri)
    assert query(callback)["state"] == "by-value"  # the state came from inside the JWE
    assert redeem(h, callback, verifier).status_code == 200
    # control: the same request encrypted to a key that is not the server's is refused, at the server
    # (it cannot trust a redirect_uri it could not read)
    foreign = request_object(h, foreign_key(alg).public_jwk(), challenge, state="foreign")
    url = with_query(h.endpoint("authorization_endpoint"), client_id=ENCRYPTED, request=foreign)
    refused = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_request_object"


def test_encrypted_request_object_through_par(as_server: Harness) -> None:
    h = as_server
    verifier, challenge = pkce_pair()
    par_url = h.endpoint("pushed_authorization_request_endpoint")

    def push(request: str) -> requests.Response:
        return requests.post(par_url, data={"request": request, **encrypted_client_auth(h, h.issuer)}, timeout=TIMEOUT)

    pushed = push(request_object(h, server_encryption_jwk(h, "RSA-OAEP-256"), challenge, state="par"))
    assert pushed.status_code == 201, pushed.text
    url = with_query(
        h.endpoint("authorization_endpoint"), client_id=ENCRYPTED, request_uri=pushed.json()["request_uri"]
    )
    callback = h.authorize(url, h.redirect_uri)
    assert query(callback)["state"] == "par"
    assert redeem(h, callback, verifier).status_code == 200
    # control: encrypted to a foreign key, refused at the PAR endpoint
    refused = push(request_object(h, foreign_key("RSA-OAEP-256").public_jwk(), challenge, state="x"))
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_request_object"
