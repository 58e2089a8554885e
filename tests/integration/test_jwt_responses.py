"""Signed and encrypted responses and requests against the real authorization server: UserInfo as a JWT, JWT
introspection (RFC 9701), and encrypted request objects (RFC 9101 §6.1), by value and through PAR.

`client-jwt-responses` has ES256 signed UserInfo and introspection responses; `client-encrypted` has them signed
(RS256) and encrypted to its RSA-OAEP-256 key (A256GCM), encrypted ID Tokens, and request objects it signs (ES256)
and encrypts to the server's keys.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import requests
from jwskate import Jwk, JwkSet

from requests_oauth2client import (
    BearerToken,
    ClientSecretBasic,
    EndpointError,
    IdToken,
    InvalidJwtIntrospectionResponse,
    InvalidJwtUserinfoResponse,
    JoseSettings,
    JwtDecryptionError,
    MismatchingJwtAlg,
    OAuth2Client,
    PrivateKeyJwt,
    UnverifiableJwt,
)
from requests_oauth2client.exceptions import InvalidUserinfoResponse
from tests.integration.harness import Harness

SIGNED = "client-jwt-responses"
ENCRYPTED = "client-encrypted"


@functools.cache
def foreign_key(alg: str) -> Jwk:
    """A private key that neither the server nor the clients hold (made once: RSA keys are slow to make)."""
    return Jwk.generate(alg=alg, **({"crv": "P-256"} if alg.startswith("ECDH") else {}))


def signed_client(h: Harness, **settings: Any) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=h.issuer,
        auth=ClientSecretBasic(SIGNED, h.client_secret(SIGNED)),
        redirect_uri=h.redirect_uri,
        testing=True,
        **settings,
    )


def encrypted_client(h: Harness, jose: JoseSettings | None = None, **settings: Any) -> OAuth2Client:
    """`client-encrypted`: private_key_jwt with its ES256 key, its RSA-OAEP-256 key for every encrypted answer."""
    keys = h.client_private_jwks(ENCRYPTED)["keys"]
    signing = Jwk(next(k for k in keys if k.get("use") != "enc"))
    decryption = Jwk(next(k for k in keys if k.get("use") == "enc"))
    if jose is None:
        jose = JoseSettings(
            userinfo_signed_response_alg="RS256",
            userinfo_encrypted_response_alg="RSA-OAEP-256",
            userinfo_encrypted_response_enc="A256GCM",
            introspection_signed_response_alg="RS256",
            introspection_encrypted_response_alg="RSA-OAEP-256",
            introspection_encrypted_response_enc="A256GCM",
            request_object_encryption_alg="RSA-OAEP-256",
            request_object_encryption_enc="A256GCM",
            decryption_keys=JwkSet(keys=keys),
        )
    return OAuth2Client.from_discovery_endpoint(
        issuer=h.issuer,
        auth=PrivateKeyJwt(ENCRYPTED, signing, alg="ES256"),
        redirect_uri=h.redirect_uri,
        id_token_encrypted_response_alg="RSA-OAEP-256",
        id_token_decryption_key=decryption,
        jose=jose,
        testing=True,
        **settings,
    )


def demo_user_token(h: Harness, client: OAuth2Client) -> BearerToken:
    user = h.demo_user
    return client.resource_owner_password(user["username"], user["password"], scope="openid")


# ------------------------------------------------------------------ signed


def test_signed_userinfo_is_verified(as_server: Harness) -> None:
    h = as_server
    client = signed_client(h, userinfo_signed_response_alg="ES256")
    token = demo_user_token(h, client)
    assert isinstance(token.id_token, IdToken)  # so the `sub` of the answer is compared with it
    claims = client.userinfo(token)
    assert claims["sub"] == h.demo_user["username"]
    assert claims["iss"] == h.issuer
    assert claims["aud"] == SIGNED
    # a client that expects another alg refuses the same answer
    wrong = signed_client(h, userinfo_signed_response_alg="RS256")
    with pytest.raises(InvalidJwtUserinfoResponse) as exc_info:
        wrong.userinfo(token)
    assert isinstance(exc_info.value.reason, MismatchingJwtAlg)
    assert (exc_info.value.reason.received, exc_info.value.reason.expected) == ("ES256", "RS256")
    # a client that expects JSON refuses the JWT (and says what to configure)
    with pytest.raises(InvalidUserinfoResponse, match="userinfo_signed_response_alg"):
        signed_client(h).userinfo(token)


def test_signed_introspection_is_verified(as_server: Harness) -> None:
    h = as_server
    client = signed_client(h, introspection_signed_response_alg="ES256")
    token = demo_user_token(h, client)
    introspection = client.introspect_token(token)
    assert introspection["active"] is True
    assert introspection["client_id"] == SIGNED
    assert introspection["sub"] == h.demo_user["username"]
    # control: without the setting, the same client gets JSON
    assert signed_client(h).introspect_token(token)["active"] is True
    # a client that expects another alg refuses the answer
    with pytest.raises(InvalidJwtIntrospectionResponse) as exc_info:
        signed_client(h, introspection_signed_response_alg="RS256").introspect_token(token)
    assert isinstance(exc_info.value.reason, MismatchingJwtAlg)


# --------------------------------------------------------------- encrypted


def test_encrypted_id_token_userinfo_and_introspection(as_server: Harness) -> None:
    h = as_server
    client = encrypted_client(h)
    token = demo_user_token(h, client)
    assert isinstance(token.id_token, IdToken)  # decrypted and validated
    assert token.id_token.subject == h.demo_user["username"]
    userinfo = client.userinfo(token)
    assert userinfo["sub"] == h.demo_user["username"]
    assert userinfo["aud"] == ENCRYPTED
    introspection = client.introspect_token(token)
    assert introspection["active"] is True
    assert introspection["client_id"] == ENCRYPTED


@pytest.mark.parametrize(
    ("keys", "error"),
    [
        # a key set without the key the JWE names (its `kid`): the client has no key for it
        (lambda kid: JwkSet(keys=[foreign_key("RSA-OAEP-256")]), UnverifiableJwt),
        # another key under the same `kid`: it does not decrypt
        (lambda kid: JwkSet(keys=[{**foreign_key("RSA-OAEP-256"), "kid": kid}]), JwtDecryptionError),
    ],
)
def test_encrypted_answers_need_the_client_key(as_server: Harness, keys: Any, error: type[Exception]) -> None:
    h = as_server
    token = demo_user_token(h, encrypted_client(h))  # positive control: the client's own key decrypts the ID Token
    settings = JoseSettings(
        userinfo_signed_response_alg="RS256",
        userinfo_encrypted_response_alg="RSA-OAEP-256",
        introspection_signed_response_alg="RS256",
        introspection_encrypted_response_alg="RSA-OAEP-256",
        decryption_keys=keys(next(k["kid"] for k in h.client_private_jwks(ENCRYPTED)["keys"] if k.get("use") == "enc")),
    )
    client = encrypted_client(h, settings)
    with pytest.raises(InvalidJwtUserinfoResponse) as userinfo_error:
        client.userinfo(token)
    assert isinstance(userinfo_error.value.reason, error)
    with pytest.raises(InvalidJwtIntrospectionResponse) as introspection_error:
        client.introspect_token(token)
    assert isinstance(introspection_error.value.reason, error)


# ------------------------------------------------------ encrypted requests


def redeem(h: Harness, client: OAuth2Client, request_uri: str, azr: Any) -> BearerToken:
    callback = h.authorize(request_uri, h.redirect_uri)
    return client.authorization_code(azr.validate_callback(callback))


@pytest.mark.parametrize("alg", ["RSA-OAEP-256", "ECDH-ES"])
def test_encrypted_request_object_by_value(as_server: Harness, alg: str) -> None:
    h = as_server
    client = encrypted_client(
        h, JoseSettings(request_object_encryption_alg=alg, request_object_encryption_enc="A256GCM")
    )
    azr = client.authorization_request(scope="openid")
    request = client.sign_authorization_request(azr)
    assert request.request.headers["alg"] == alg  # a JWE
    assert request.request.headers["kid"] in h.contract["server_encryption_kids"]
    token = redeem(h, client, request.uri, azr)
    assert isinstance(token.id_token, IdToken)
    assert token.id_token.nonce == azr.nonce  # the nonce came from inside the JWE
    # control: the same request encrypted to a key the server does not hold is refused by the server
    signing = client.auth.private_jwk  # type: ignore[attr-defined]
    foreign = azr.sign_and_encrypt(signing, foreign_key(alg).public_jwk(), enc_alg=alg, enc="A256GCM")
    refused = requests.get(foreign.uri, allow_redirects=False, timeout=10)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request_object"


def test_encrypted_request_object_through_par(as_server: Harness) -> None:
    h = as_server
    client = encrypted_client(h)
    azr = client.authorization_request(scope="openid")
    pushed = client.pushed_authorization_request(client.sign_authorization_request(azr))
    token = redeem(h, client, pushed.uri, azr)
    assert isinstance(token.id_token, IdToken)
    assert token.id_token.nonce == azr.nonce
    # control: encrypted to a foreign key, refused at the PAR endpoint
    signing = client.auth.private_jwk  # type: ignore[attr-defined]
    foreign = azr.sign_and_encrypt(signing, foreign_key("RSA-OAEP-256").public_jwk(), enc_alg="RSA-OAEP-256")
    with pytest.raises(EndpointError) as exc_info:
        client.pushed_authorization_request(foreign)
    assert exc_info.value.error == "invalid_request_object"
