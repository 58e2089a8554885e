"""Tests for signed and encrypted endpoint responses (`requests_oauth2client._jose.jwt_responses`, `JoseSettings`): each
check of `verify_jwt_response()`, JWT introspection (RFC 9701), and `OAuth2Client.userinfo()` / `introspect_token()`
with mocked HTTP."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import jwskate
import pytest
import requests_mock
from binapy import BinaPy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_oauth2client import (
    BearerToken,
    ExpiredJwt,
    InvalidJwtClaim,
    InvalidJwtHeader,
    InvalidJwtIntrospectionResponse,
    InvalidJwtSignature,
    InvalidJwtUserinfoResponse,
    InvalidParam,
    JoseSettings,
    JwtDecryptionError,
    JwtIssuedInTheFuture,
    JwtSigningKeyNotFound,
    JwtValidationError,
    MalformedJwt,
    MismatchingJwtAlg,
    MismatchingJwtClaim,
    MismatchingUserinfoSubject,
    MissingJwtClaim,
    MissingJwtEncryption,
    OAuth2Client,
    UnexpectedJwtEncryption,
    UnsupportedJwtAlg,
    UnsupportedJwtEncryptionAlg,
    UnverifiableJwt,
)
from requests_oauth2client._jose.jwt_responses import (
    INTROSPECTION_KIND,
    USERINFO_KIND,
    verify_introspection_jwt,
    verify_jwt_response,
)
from requests_oauth2client.exceptions import InvalidUserinfoResponse

ISSUER = "https://as.example.com"
CLIENT_ID = "my_client_id"
CLIENT_SECRET = "my_client_secret_which_is_long_enough_for_hs256"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
NOW_TS = int(NOW.timestamp())
USERINFO_URL = f"{ISSUER}/userinfo"
INTROSPECTION_URL = f"{ISSUER}/introspect"


@pytest.fixture(scope="module")
def as_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="ES256", kid="as1")


@pytest.fixture(scope="module")
def jwks(as_key: jwskate.Jwk) -> jwskate.JwkSet:
    return jwskate.JwkSet(keys=[as_key.public_jwk()])


@pytest.fixture(scope="module")
def client_enc_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="ECDH-ES", crv="P-256", kid="client-enc")


def userinfo_claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "user1", "iat": NOW_TS - 1, "email": "a@b.c"}
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def introspection_claims(**overrides: Any) -> dict[str, Any]:
    return userinfo_claims(
        **{"sub": None, "email": None, "token_introspection": {"active": True, "sub": "user1"}, **overrides}
    )


def sign(claims: dict[str, Any], key: jwskate.Jwk, typ: str | None = None, alg: str | None = None) -> str:
    return str(jwskate.Jwt.sign(claims, key, alg=alg, typ=typ))


def verify(body: Any, jwks: Any, **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "kind": USERINFO_KIND,
        "client_id": CLIENT_ID,
        "issuer": ISSUER,
        "jwks": jwks,
        "signed_alg": "ES256",
        "now": NOW,
    }
    params.update(kwargs)
    return verify_jwt_response(body, **params)


def introspect(body: Any, jwks: Any, **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"client_id": CLIENT_ID, "issuer": ISSUER, "jwks": jwks, "signed_alg": "ES256"}
    params.update({"now": NOW, **kwargs})
    return verify_introspection_jwt(body, **params)


# ------------------------------------------------------------------------------------------- UserInfo checks


def test_signed_userinfo(as_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert verify(sign(userinfo_claims(), as_key), jwks) == userinfo_claims()
    assert verify(sign(userinfo_claims(iat=None), as_key).encode() + b"\n", jwks)["sub"] == "user1"  # iat optional


def test_signed_and_encrypted_userinfo(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, client_enc_key: jwskate.Jwk) -> None:
    signed = jwskate.SignedJwt(sign(userinfo_claims(), as_key))
    jwe = str(signed.encrypt(client_enc_key.public_jwk(), enc="A256GCM", alg="ECDH-ES"))
    keys = {"encrypted_alg": "ECDH-ES", "decryption_keys": client_enc_key}
    assert verify(jwe, jwks, **keys)["sub"] == "user1"
    assert verify(jwe, jwks, **keys, encrypted_enc="A256GCM")["sub"] == "user1"
    with pytest.raises(UnsupportedJwtEncryptionAlg):
        verify(jwe, jwks, **keys, encrypted_enc="A128GCM")
    with pytest.raises(UnexpectedJwtEncryption):
        verify(jwe, jwks)
    with pytest.raises(MissingJwtEncryption):
        verify(str(signed), jwks, **keys)
    with pytest.raises(JwtDecryptionError):
        verify(jwe, jwks, encrypted_alg="ECDH-ES", decryption_keys=jwskate.Jwk.generate(alg="ECDH-ES", crv="P-256"))
    with pytest.raises(UnverifiableJwt, match="no key to decrypt"):
        verify(jwe, jwks, encrypted_alg="ECDH-ES")


def test_encrypted_only_userinfo_is_json(client_enc_key: jwskate.Jwk) -> None:
    payload = json.dumps({"sub": "user1"}).encode()
    jwe = str(jwskate.JweCompact.encrypt(payload, client_enc_key.public_jwk(), enc="A256GCM", alg="ECDH-ES"))
    keys = {"signed_alg": None, "encrypted_alg": "ECDH-ES", "decryption_keys": client_enc_key}
    assert verify(jwe, None, **keys) == {"sub": "user1"}
    not_json = str(jwskate.JweCompact.encrypt(b"[1]", client_enc_key.public_jwk(), enc="A256GCM", alg="ECDH-ES"))
    with pytest.raises(InvalidJwtClaim):
        verify(not_json, None, **keys)
    garbage = str(jwskate.JweCompact.encrypt(b"{", client_enc_key.public_jwk(), enc="A256GCM", alg="ECDH-ES"))
    with pytest.raises(JwtDecryptionError):
        verify(garbage, None, **keys)
    with pytest.raises(MissingJwtEncryption):
        verify(sign({"sub": "user1"}, client_enc_key.__class__.generate(alg="ES256")), None, **keys)
    with pytest.raises(UnverifiableJwt, match="no signature nor encryption"):
        verify(jwe, None, signed_alg=None)


def test_hmac_signed_userinfo() -> None:
    key = jwskate.SymmetricJwk.from_bytes(CLIENT_SECRET.encode())
    body = sign(userinfo_claims(), key, alg="HS256")
    assert verify(body, None, signed_alg="HS256", client_secret=CLIENT_SECRET)["sub"] == "user1"
    with pytest.raises(InvalidJwtSignature):
        verify(body, None, signed_alg="HS256", client_secret="another secret that is long enough for hs256")


@pytest.mark.parametrize("body", ['{"sub": "user1"}', "", "a.b.c", b"\xff\xfe", "a.b.c.d.e"])
def test_not_a_jwt(body: Any, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MalformedJwt) as exc_info:
        verify(body, jwks)
    assert exc_info.value.kind == USERINFO_KIND


def test_unknown_issuer(as_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(UnverifiableJwt, match="issuer"):
        verify(sign(userinfo_claims(), as_key), jwks, issuer=None)


def test_wrong_signature(jwks: jwskate.JwkSet) -> None:
    forged = jwskate.Jwk.generate(alg="ES256", kid="as1")
    with pytest.raises(InvalidJwtSignature):
        verify(sign(userinfo_claims(), forged), jwks)
    with pytest.raises(JwtSigningKeyNotFound):
        verify(sign(userinfo_claims(), jwskate.Jwk.generate(alg="ES256", kid="unknown")), jwks)


def test_wrong_alg(as_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingJwtAlg) as exc_info:
        verify(sign(userinfo_claims(), as_key), jwks, signed_alg="RS256")
    assert (exc_info.value.received, exc_info.value.expected) == ("ES256", "RS256")
    header = BinaPy.serialize_to("json", {"alg": "none"}).to("b64u").decode()
    payload = BinaPy.serialize_to("json", userinfo_claims()).to("b64u").decode()
    with pytest.raises(UnsupportedJwtAlg):
        verify(f"{header}.{payload}.", jwks)


@pytest.mark.parametrize(("claim", "value"), [("iss", "https://other.example.com"), ("aud", "other_client")])
def test_wrong_iss_or_aud(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, claim: str, value: str) -> None:
    with pytest.raises(MismatchingJwtClaim) as exc_info:
        verify(sign(userinfo_claims(**{claim: value}), as_key), jwks)
    assert exc_info.value.claim == claim


@pytest.mark.parametrize("claim", ["iss", "aud"])
def test_missing_iss_or_aud(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, claim: str) -> None:
    with pytest.raises(MissingJwtClaim) as exc_info:
        verify(sign(userinfo_claims(**{claim: None}), as_key), jwks)
    assert exc_info.value.claim == claim


def test_dates(as_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(ExpiredJwt):
        verify(sign(userinfo_claims(exp=NOW_TS - 1), as_key), jwks)
    with pytest.raises(JwtIssuedInTheFuture):
        verify(sign(userinfo_claims(iat=NOW_TS + 3600), as_key), jwks)


@pytest.mark.parametrize("typ", ["at+jwt", "logout+jwt", "token-introspection+jwt"])
def test_userinfo_typed_as_another_token_is_refused(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, typ: str) -> None:
    assert verify(sign(userinfo_claims(), as_key, typ="JWT"), jwks)  # control
    with pytest.raises(InvalidJwtHeader):
        verify(sign(userinfo_claims(), as_key, typ=typ), jwks)


# -------------------------------------------------------------------------------------- introspection checks


def test_introspection_jwt(as_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    body = sign(introspection_claims(), as_key, typ="token-introspection+jwt")
    assert introspect(body, jwks) == {"active": True, "sub": "user1"}
    body = sign(introspection_claims(), as_key, typ="application/token-introspection+jwt")
    assert introspect(body, jwks)["active"] is True


@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt", "application/jwt"])
def test_introspection_wrong_typ(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, typ: str | None) -> None:
    with pytest.raises(InvalidJwtHeader) as exc_info:
        introspect(sign(introspection_claims(), as_key, typ=typ), jwks)
    assert exc_info.value.header == "typ"
    assert exc_info.value.expected == "token-introspection+jwt"
    assert exc_info.value.kind == INTROSPECTION_KIND


def test_introspection_iat_is_required(as_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingJwtClaim) as exc_info:
        introspect(sign(introspection_claims(iat=None), as_key, typ="token-introspection+jwt"), jwks)
    assert exc_info.value.claim == "iat"


@pytest.mark.parametrize(("claim", "value"), [("iss", "https://other.example.com"), ("aud", "resource_server")])
def test_introspection_wrong_iss_or_aud(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, claim: str, value: str) -> None:
    with pytest.raises(MismatchingJwtClaim):
        introspect(sign(introspection_claims(**{claim: value}), as_key, typ="token-introspection+jwt"), jwks)


@pytest.mark.parametrize("value", [None, "active", {"sub": "x"}, {"active": "true"}, [True]])
def test_introspection_claim(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, value: Any) -> None:
    body = sign(introspection_claims(token_introspection=value), as_key, typ="token-introspection+jwt")
    with pytest.raises(MissingJwtClaim if value is None else InvalidJwtClaim) as exc_info:
        introspect(body, jwks)
    assert exc_info.value.claim == "token_introspection"


# -------------------------------------------------------------------------------------------------- fuzzing

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
CLAIM_NAMES = st.sampled_from(["iss", "aud", "iat", "exp", "nbf", "sub", "token_introspection", "x"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    claims=st.dictionaries(CLAIM_NAMES, JSON_VALUES, max_size=6),
    typ=st.sampled_from([None, "JWT", "token-introspection+jwt", "at+jwt"]),
)
def test_any_signed_response_gives_claims_or_a_typed_error(
    as_key: jwskate.Jwk, jwks: jwskate.JwkSet, claims: dict[str, Any], typ: str | None
) -> None:
    body = sign(claims, as_key, typ=typ)
    for check in (verify, introspect):
        try:
            result = check(body, jwks)
        except JwtValidationError:
            continue
        assert isinstance(result, dict)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=80), st.binary(max_size=80)))
def test_any_body_gives_a_typed_error(body: Any) -> None:
    for check in (verify, introspect):
        with pytest.raises(JwtValidationError):
            check(body, {"keys": []})


# ------------------------------------------------------------------------------------------- JoseSettings


@pytest.mark.parametrize(
    "kwargs",
    [
        {"userinfo_signed_response_alg": "none"},
        {"introspection_signed_response_alg": "XX256"},
        {"userinfo_encrypted_response_alg": "RSA1_5"},
        {"request_object_encryption_alg": "RSA1_5"},
        {"userinfo_encrypted_response_enc": "A256GCM"},
        {"introspection_encrypted_response_alg": "RSA-OAEP-256"},  # RFC 9701: signed, then encrypted
    ],
)
def test_invalid_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidParam):
        JoseSettings(**kwargs)


def test_settings_as_keyword_arguments(client_enc_key: jwskate.Jwk) -> None:
    client = OAuth2Client(
        f"{ISSUER}/token",
        (CLIENT_ID, CLIENT_SECRET),
        userinfo_signed_response_alg="ES256",
        decryption_keys=client_enc_key,
    )
    assert client.jose.userinfo_signed_response_alg == "ES256"
    assert client.jose.decryption_keys is not None
    assert "userinfo_signed_response_alg" not in client.extra_metadata
    assert client.client_jwks.to_dict() == {"keys": [client_enc_key.public_jwk().to_dict()]}  # to register
    assert client_enc_key["d"] not in repr(client)  # no private key in the repr
    with pytest.raises(InvalidParam, match="not both"):
        OAuth2Client(
            f"{ISSUER}/token", (CLIENT_ID, CLIENT_SECRET), jose=JoseSettings(), userinfo_signed_response_alg="ES256"
        )
    assert OAuth2Client(f"{ISSUER}/token", (CLIENT_ID, CLIENT_SECRET)).jose == JoseSettings()


# ----------------------------------------------------------------------------------------- client, mocked HTTP


def client(jwks: jwskate.JwkSet, **settings: Any) -> OAuth2Client:
    return OAuth2Client(
        f"{ISSUER}/token",
        (CLIENT_ID, CLIENT_SECRET),
        issuer=ISSUER,
        userinfo_endpoint=USERINFO_URL,
        introspection_endpoint=INTROSPECTION_URL,
        authorization_server_jwks=jwks,
        **settings,
    )


def test_client_userinfo_jwt(as_key: jwskate.Jwk, jwks: jwskate.JwkSet, requests_mock: requests_mock.Mocker) -> None:
    claims = userinfo_claims(iat=None)
    requests_mock.post(USERINFO_URL, text=sign(claims, as_key), headers={"Content-Type": "application/jwt"})
    assert client(jwks, userinfo_signed_response_alg="ES256").userinfo("at") == claims
    assert requests_mock.last_request.headers["Accept"] == "application/jwt"
    # JSON where a JWT is expected: refused (no downgrade)
    requests_mock.post(USERINFO_URL, json=claims)
    with pytest.raises(InvalidJwtUserinfoResponse) as exc_info:
        client(jwks, userinfo_signed_response_alg="ES256").userinfo("at")
    assert isinstance(exc_info.value.reason, MalformedJwt)
    assert isinstance(exc_info.value, InvalidUserinfoResponse)
    assert exc_info.value.response.status_code == 200


def test_client_userinfo_jwt_sub_is_the_id_token_sub(
    as_key: jwskate.Jwk, jwks: jwskate.JwkSet, requests_mock: requests_mock.Mocker
) -> None:
    id_token = sign({"sub": "user1"}, as_key)
    requests_mock.post(USERINFO_URL, text=sign(userinfo_claims(sub="user2", iat=None), as_key))
    with pytest.raises(MismatchingUserinfoSubject):
        client(jwks, userinfo_signed_response_alg="ES256").userinfo(BearerToken("at", id_token=id_token))
    requests_mock.post(USERINFO_URL, text=sign(userinfo_claims(iat=None), as_key))
    assert client(jwks, userinfo_signed_response_alg="ES256").userinfo(BearerToken("at", id_token=id_token))


def test_client_userinfo_jwt_not_expected(
    as_key: jwskate.Jwk, jwks: jwskate.JwkSet, requests_mock: requests_mock.Mocker
) -> None:
    requests_mock.post(USERINFO_URL, text=sign(userinfo_claims(), as_key), headers={"Content-Type": "application/jwt"})
    with pytest.raises(InvalidUserinfoResponse, match="userinfo_signed_response_alg"):
        client(jwks).userinfo("at")


def test_client_userinfo_refreshes_the_keys_once(as_key: jwskate.Jwk, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(USERINFO_URL, text=sign(userinfo_claims(iat=None), as_key))
    requests_mock.get(f"{ISSUER}/jwks", json=jwskate.JwkSet(keys=[as_key.public_jwk()]).to_dict())
    rotating = client(jwskate.JwkSet(), userinfo_signed_response_alg="ES256", jwks_uri=f"{ISSUER}/jwks")
    assert rotating.userinfo("at")["sub"] == "user1"
    assert [r.method for r in requests_mock.request_history] == ["POST", "GET"]


def test_client_introspection_jwt(
    as_key: jwskate.Jwk, jwks: jwskate.JwkSet, requests_mock: requests_mock.Mocker
) -> None:
    body = sign(introspection_claims(iat=NOW_TS), as_key, typ="token-introspection+jwt")
    requests_mock.post(INTROSPECTION_URL, text=body, headers={"Content-Type": "application/token-introspection+jwt"})
    result = client(jwks, introspection_signed_response_alg="ES256").introspect_token(
        "at", requests_kwargs={"headers": {"X-Extra": "1"}}
    )
    assert result == {"active": True, "sub": "user1"}
    sent = requests_mock.last_request
    assert sent.headers["Accept"] == "application/token-introspection+jwt"
    assert sent.headers["X-Extra"] == "1"
    # without the setting: JSON is asked for
    requests_mock.post(INTROSPECTION_URL, json={"active": False})
    assert client(jwks).introspect_token("at") == {"active": False}
    assert requests_mock.last_request.headers["Accept"] == "application/json"
    # JSON where a JWT is expected: refused
    with pytest.raises(InvalidJwtIntrospectionResponse) as exc_info:
        client(jwks, introspection_signed_response_alg="ES256").introspect_token("at")
    assert isinstance(exc_info.value.reason, MalformedJwt)


def test_client_introspection_jwt_wrong_audience(
    as_key: jwskate.Jwk, jwks: jwskate.JwkSet, requests_mock: requests_mock.Mocker
) -> None:
    body = sign(introspection_claims(aud="another_client", iat=NOW_TS), as_key, typ="token-introspection+jwt")
    requests_mock.post(INTROSPECTION_URL, text=body)
    with pytest.raises(InvalidJwtIntrospectionResponse) as exc_info:
        client(jwks, introspection_signed_response_alg="ES256").introspect_token("at")
    assert isinstance(exc_info.value.reason, MismatchingJwtClaim)
    assert exc_info.value.reason.claim == "aud"
    assert body not in str(exc_info.value)
