"""Tests for `requests_oauth2client.logout`: each check of back-channel logout token validation, and its refusal."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import jwskate
import pytest
from binapy import BinaPy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_oauth2client.logout import (
    BACKCHANNEL_LOGOUT_EVENT,
    DEFAULT_LOGOUT_TOKEN_MAX_AGE,
    ExpiredJwt,
    InvalidJwtClaim,
    InvalidJwtHeader,
    InvalidJwtSignature,
    JwtDecryptionError,
    JwtIssuedInTheFuture,
    JwtIssuedTooLongAgo,
    JwtNotYetValid,
    JwtSigningKeyNotFound,
    JwtValidationError,
    LogoutToken,
    MalformedJwt,
    MemoryReplayCache,
    MismatchingJwtAlg,
    MismatchingJwtClaim,
    MissingJwtClaim,
    MissingJwtEncryption,
    MissingLogoutEvent,
    MissingLogoutTokenSubject,
    NonceInLogoutToken,
    ReplayedLogoutToken,
    UnexpectedJwtEncryption,
    UnsupportedJwtAlg,
    UnsupportedJwtEncryptionAlg,
    UnverifiableJwt,
    validate_logout_token,
    validate_logout_token_with_client,
)

ISSUER = "https://as.example.com"
CLIENT_ID = "my_client_id"
CLIENT_SECRET = "my_client_secret_which_is_long_enough_for_hs256"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
NOW_TS = int(NOW.timestamp())


@pytest.fixture(scope="module")
def rsa_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="RS256", kid="rsa1")


@pytest.fixture(scope="module")
def jwks(rsa_key: jwskate.Jwk) -> jwskate.JwkSet:
    return jwskate.JwkSet(keys=[rsa_key.public_jwk()])


@pytest.fixture(scope="module")
def enc_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="ECDH-ES", crv="P-256", kid="enc1")


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid logout token claims at NOW; a None override removes the claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "iat": NOW_TS - 5,
        "exp": NOW_TS + 115,
        "jti": "jti-1",
        "sub": "user1",
        "sid": "session1",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def sign(key: jwskate.Jwk, typ: str | None = "logout+jwt", alg: str | None = None, **overrides: Any) -> str:
    return str(jwskate.Jwt.sign(claims(**overrides), key, alg=alg, typ=typ))


def validate(token: Any, jwks: Any = None, **kwargs: Any) -> LogoutToken:
    params: dict[str, Any] = {"client_id": CLIENT_ID, "issuer": ISSUER, "jwks": jwks, "now": NOW}
    params.update(kwargs)
    return validate_logout_token(token, **params)


def raw_jws(header: dict[str, Any], payload: bytes, key: jwskate.Jwk) -> str:
    """A JWS with any header and payload, signed with `key` (RS256)."""
    signing_input = f"{BinaPy.serialize_to('json', header).to('b64u').decode()}.{BinaPy(payload).to('b64u').decode()}"
    signature = key.sign(signing_input.encode(), alg="RS256")
    return f"{signing_input}.{BinaPy(signature).to('b64u').decode()}"


# --------------------------------------------------------------------------------------------- success paths


def test_valid_logout_token(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    result = validate(sign(rsa_key), jwks)
    assert result == LogoutToken(
        iss=ISSUER,
        jti="jti-1",
        sub="user1",
        sid="session1",
        issued_at=NOW - timedelta(seconds=5),
        claims=claims(),
        jwt=result.jwt,
    )
    assert "session1" in repr(result)
    assert str(result.jwt) not in repr(result)


@pytest.mark.parametrize(
    "overrides", [{"sub": None}, {"sid": None}, {"exp": None}, {"aud": [CLIENT_ID, "other"]}, {"nbf": NOW_TS - 5}]
)
def test_optional_claims(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, overrides: dict[str, Any]) -> None:
    result = validate(sign(rsa_key, **overrides), jwks)
    assert result.sub == overrides.get("sub", "user1")
    assert result.sid == overrides.get("sid", "session1")


@pytest.mark.parametrize("typ", [None, "logout+jwt", "application/logout+jwt", "Logout+JWT"])
def test_typ_absent_or_logout_jwt(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, typ: str | None) -> None:
    assert validate(sign(rsa_key, typ=typ), jwks).jti == "jti-1"


def test_hmac_with_the_client_secret() -> None:
    secret_key = jwskate.SymmetricJwk.from_bytes(CLIENT_SECRET.encode())
    token = sign(secret_key, alg="HS256")
    assert validate(token, expected_alg="HS256", client_secret=CLIENT_SECRET).sid == "session1"
    with pytest.raises(UnverifiableJwt, match="client secret"):
        validate(token, expected_alg="HS256")
    with pytest.raises(InvalidJwtSignature):
        validate(token, expected_alg="HS256", client_secret="another_secret_that_is_long_enough_too")


def test_encrypted_like_id_tokens(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, enc_key: jwskate.Jwk) -> None:
    signed = jwskate.SignedJwt(sign(rsa_key))
    jwe = str(signed.encrypt(enc_key.public_jwk(), enc="A256GCM", alg="ECDH-ES"))
    assert validate(jwe, jwks, encrypted_alg="ECDH-ES", decryption_key=enc_key).sid == "session1"
    assert validate(jwe, jwks, encrypted_alg="ECDH-ES", encrypted_enc="A256GCM", decryption_key=enc_key).jti
    # a key set: the key is chosen by the JWE kid
    keys = jwskate.JwkSet(keys=[enc_key, jwskate.Jwk.generate(alg="ECDH-ES", crv="P-256", kid="other")])
    assert validate(jwe, jwks, encrypted_alg="ECDH-ES", decryption_key=keys).jti
    with pytest.raises(UnexpectedJwtEncryption):
        validate(jwe, jwks)
    with pytest.raises(MissingJwtEncryption):
        validate(str(signed), jwks, encrypted_alg="ECDH-ES", decryption_key=enc_key)
    with pytest.raises(UnsupportedJwtEncryptionAlg) as exc_info:
        validate(jwe, jwks, encrypted_alg="ECDH-ES+A128KW", decryption_key=enc_key)
    assert (exc_info.value.received, exc_info.value.expected) == ("ECDH-ES", "ECDH-ES+A128KW")
    with pytest.raises(UnsupportedJwtEncryptionAlg):
        validate(jwe, jwks, encrypted_alg="ECDH-ES", encrypted_enc="A128GCM", decryption_key=enc_key)
    with pytest.raises(JwtDecryptionError):
        validate(jwe, jwks, encrypted_alg="ECDH-ES", decryption_key=jwskate.Jwk.generate(alg="ECDH-ES", crv="P-256"))
    with pytest.raises(UnverifiableJwt, match="no key to decrypt"):
        validate(jwe, jwks, encrypted_alg="ECDH-ES")


def test_rsa1_5_is_refused(jwks: jwskate.JwkSet, enc_key: jwskate.Jwk) -> None:
    # jwskate refuses to produce RSA1_5 JWEs, so build one from parts: it is refused before any decryption
    jwe = jwskate.JweCompact.from_parts(
        headers={"alg": "RSA1_5", "enc": "A128CBC-HS256"},
        cek=b"\x01" * 256,
        iv=b"\x02" * 16,
        ciphertext=b"\x03" * 32,
        tag=b"\x04" * 16,
    )
    with pytest.raises(UnsupportedJwtEncryptionAlg) as exc_info:
        validate(str(jwe), jwks, encrypted_alg="RSA1_5", decryption_key=enc_key)
    assert exc_info.value.received == "RSA1_5"


def test_refreshes_the_jwks_once_for_an_unknown_key(rsa_key: jwskate.Jwk) -> None:
    calls: list[int] = []
    new_jwks = jwskate.JwkSet(keys=[rsa_key.public_jwk()])

    def refresh() -> jwskate.JwkSet:
        calls.append(1)
        return new_jwks

    assert validate(sign(rsa_key), jwskate.JwkSet(), refresh_jwks=refresh).jti == "jti-1"
    assert calls == [1]
    with pytest.raises(JwtSigningKeyNotFound) as exc_info:
        validate(sign(jwskate.Jwk.generate(alg="RS256", kid="unknown")), jwskate.JwkSet(), refresh_jwks=refresh)
    assert exc_info.value.kid == "unknown"
    assert calls == [1, 1]


def test_with_client(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    client = SimpleNamespace(
        client_id=CLIENT_ID, issuer=ISSUER, authorization_server_jwks=jwks, id_token_signed_response_alg="RS256"
    )
    cache = MemoryReplayCache()
    result = validate_logout_token_with_client(sign(rsa_key), client, replay_cache=cache, now=NOW)  # type: ignore[arg-type]
    assert result.sid == "session1"
    with pytest.raises(ReplayedLogoutToken):
        validate_logout_token_with_client(sign(rsa_key), client, replay_cache=cache, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(UnverifiableJwt, match="client_id"):
        validate_logout_token_with_client(sign(rsa_key), SimpleNamespace(issuer=ISSUER), replay_cache=None)  # type: ignore[arg-type]
    with pytest.raises(MismatchingJwtClaim):  # another client: not the audience
        validate_logout_token_with_client(
            sign(rsa_key),
            SimpleNamespace(client_id="other", issuer=ISSUER, authorization_server_jwks=jwks),  # type: ignore[arg-type]
            replay_cache=None,
            now=NOW,
        )


# ------------------------------------------------------------------------------------ one refusal per check


@pytest.mark.parametrize("value", ["garbage", "", b"a.b.c", 42, None, "a.b.c.d.e"])
def test_malformed(value: Any, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MalformedJwt) as exc_info:
        validate(value, jwks)
    assert exc_info.value.kind == "logout token"
    assert str(exc_info.value) == "Invalid logout token: not a valid compact JWS or JWE"


def test_payload_that_is_not_an_object(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MalformedJwt):
        validate(raw_jws({"alg": "RS256", "kid": "rsa1"}, b"[1, 2]", rsa_key), jwks)


def test_unknown_issuer(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(UnverifiableJwt, match="issuer"):
        validate(sign(rsa_key), jwks, issuer=None)


def test_wrong_signature(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    other = jwskate.Jwk.generate(alg="RS256", kid="rsa1")  # same kid, another key
    with pytest.raises(InvalidJwtSignature):
        validate(sign(other), jwks)


def test_alg_none_is_refused(jwks: jwskate.JwkSet) -> None:
    header = BinaPy.serialize_to("json", {"alg": "none", "typ": "logout+jwt"}).to("b64u").decode()
    payload = BinaPy.serialize_to("json", claims()).to("b64u").decode()
    with pytest.raises(UnsupportedJwtAlg) as exc_info:
        validate(f"{header}.{payload}.", jwks)
    assert exc_info.value.alg == "none"


def test_other_alg_than_expected(jwks: jwskate.JwkSet) -> None:
    ec_key = jwskate.Jwk.generate(alg="ES256", kid="ec1")
    with pytest.raises(MismatchingJwtAlg) as exc_info:
        validate(sign(ec_key), jwskate.JwkSet(keys=[ec_key.public_jwk()]))
    assert (exc_info.value.received, exc_info.value.expected) == ("ES256", "RS256")


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", "token-introspection+jwt", "secevent+jwt"])
def test_wrong_typ(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, typ: str) -> None:
    with pytest.raises(InvalidJwtHeader) as exc_info:
        validate(sign(rsa_key, typ=typ), jwks)
    assert exc_info.value.header == "typ"
    assert (exc_info.value.received, exc_info.value.expected) == (typ, "logout+jwt")


@pytest.mark.parametrize(("header", "value"), [("kid", 12), ("crit", ["exp"]), ("typ", 1)])
def test_invalid_headers(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, header: str, value: Any) -> None:
    token = raw_jws({"alg": "RS256", header: value}, json.dumps(claims()).encode(), rsa_key)
    with pytest.raises(InvalidJwtHeader) as exc_info:
        validate(token, jwks)
    assert exc_info.value.header == header


@pytest.mark.parametrize(("claim", "value"), [("iss", "https://attacker.example.com"), ("aud", "other_client")])
def test_wrong_iss_or_aud(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, claim: str, value: str) -> None:
    with pytest.raises(MismatchingJwtClaim) as exc_info:
        validate(sign(rsa_key, **{claim: value}), jwks)
    assert exc_info.value.claim == claim
    received = exc_info.value.received
    assert received == (value if claim == "iss" else [value])
    assert exc_info.value.expected == (ISSUER if claim == "iss" else CLIENT_ID)


@pytest.mark.parametrize("claim", ["iss", "aud", "iat", "jti"])
def test_missing_required_claim(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, claim: str) -> None:
    with pytest.raises(MissingJwtClaim) as exc_info:
        validate(sign(rsa_key, **{claim: None}), jwks)
    assert exc_info.value.claim == claim


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", 1), ("aud", []), ("aud", [1]), ("iat", "now"), ("iat", True), ("exp", float("inf")), ("jti", 7)],
)
def test_claims_of_the_wrong_type(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, claim: str, value: Any) -> None:
    token = raw_jws({"alg": "RS256", "kid": "rsa1"}, json.dumps(claims(**{claim: value})).encode(), rsa_key)
    with pytest.raises(InvalidJwtClaim) as exc_info:
        validate(token, jwks)
    assert exc_info.value.claim == claim


def test_dates(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(ExpiredJwt) as expired:
        validate(sign(rsa_key, exp=NOW_TS - 1), jwks)
    assert expired.value.received == NOW - timedelta(seconds=1)
    assert validate(sign(rsa_key, exp=NOW_TS - 1), jwks, exp_leeway=10).jti  # leeway
    with pytest.raises(JwtIssuedInTheFuture):
        validate(sign(rsa_key, iat=NOW_TS + 61), jwks)
    assert validate(sign(rsa_key, iat=NOW_TS + 60), jwks).jti  # within iat_leeway
    old = NOW_TS - DEFAULT_LOGOUT_TOKEN_MAX_AGE - 1
    with pytest.raises(JwtIssuedTooLongAgo):
        validate(sign(rsa_key, iat=old, exp=None), jwks)
    assert validate(sign(rsa_key, iat=old, exp=None), jwks, max_iat_age=None).jti
    with pytest.raises(JwtNotYetValid):
        validate(sign(rsa_key, nbf=NOW_TS + 61), jwks)


@pytest.mark.parametrize(
    "events",
    [
        None,
        {},
        {"http://schemas.openid.net/event/backchannel-logout-other": {}},
        {BACKCHANNEL_LOGOUT_EVENT: "{}"},
        {BACKCHANNEL_LOGOUT_EVENT: None},
        [BACKCHANNEL_LOGOUT_EVENT],
        BACKCHANNEL_LOGOUT_EVENT,
    ],
)
def test_missing_event(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, events: Any) -> None:
    with pytest.raises(MissingLogoutEvent) as exc_info:
        validate(sign(rsa_key, events=events), jwks)
    assert exc_info.value.claim == "events"
    assert exc_info.value.received == events


def test_neither_sub_nor_sid(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingLogoutTokenSubject, match="neither `sub` nor `sid`"):
        validate(sign(rsa_key, sub=None, sid=None), jwks)


def test_sid_required(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key), jwks, session_required=True).sid == "session1"
    with pytest.raises(MissingJwtClaim) as exc_info:
        validate(sign(rsa_key, sid=None), jwks, session_required=True)
    assert exc_info.value.claim == "sid"


@pytest.mark.parametrize(("claim", "value"), [("sub", 1), ("sid", ["s"])])
def test_sub_or_sid_not_a_string(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, claim: str, value: Any) -> None:
    with pytest.raises(InvalidJwtClaim) as exc_info:
        validate(sign(rsa_key, **{claim: value}), jwks)
    assert exc_info.value.claim == claim


def test_nonce_is_refused(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(NonceInLogoutToken) as exc_info:
        validate(sign(rsa_key, nonce="n"), jwks)
    assert exc_info.value.claim == "nonce"


def test_an_id_token_is_not_a_logout_token(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    id_token = sign(rsa_key, typ=None, events=None, jti=None, nonce="n")
    with pytest.raises(JwtValidationError):
        validate(id_token, jwks)


# ------------------------------------------------------------------------------------------------ replays


def test_replayed_jti_is_refused(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    cache = MemoryReplayCache()
    token = sign(rsa_key)
    assert validate(token, jwks, replay_cache=cache).jti == "jti-1"
    with pytest.raises(ReplayedLogoutToken) as exc_info:
        validate(token, jwks, replay_cache=cache)
    assert exc_info.value.jti == "jti-1"
    # another token with the same jti is a replay too; another jti is not
    with pytest.raises(ReplayedLogoutToken):
        validate(sign(rsa_key, sid="session2"), jwks, replay_cache=cache)
    assert validate(sign(rsa_key, jti="jti-2"), jwks, replay_cache=cache).jti == "jti-2"
    # without a cache, no replay detection (the check is optional in the specification)
    assert validate(token, jwks).jti == "jti-1"


def test_only_valid_tokens_are_remembered(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    cache = MemoryReplayCache()
    with pytest.raises(NonceInLogoutToken):
        validate(sign(rsa_key, nonce="n"), jwks, replay_cache=cache)
    assert len(cache) == 0
    assert validate(sign(rsa_key), jwks, replay_cache=cache).jti == "jti-1"


class RecordingCache:
    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime | None, datetime]] = []

    def add_if_absent(self, key: str, *, expires_at: datetime | None, now: datetime) -> bool:
        self.calls.append((key, expires_at, now))
        return True


@pytest.mark.parametrize(
    ("overrides", "kwargs", "forget_at"),
    [
        ({}, {}, NOW + timedelta(seconds=115)),  # exp comes before iat + max_iat_age
        ({"exp": None}, {}, NOW + timedelta(seconds=DEFAULT_LOGOUT_TOKEN_MAX_AGE - 5 + 1)),
        ({"exp": NOW_TS + 3600}, {}, NOW + timedelta(seconds=DEFAULT_LOGOUT_TOKEN_MAX_AGE - 5 + 1)),
        ({}, {"exp_leeway": 10}, NOW + timedelta(seconds=125)),
        ({"exp": None}, {"max_iat_age": None}, None),
    ],
)
def test_jti_is_remembered_until_the_token_would_be_refused(
    rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, overrides: dict[str, Any], kwargs: dict[str, Any], forget_at: Any
) -> None:
    cache = RecordingCache()
    validate(sign(rsa_key, **overrides), jwks, replay_cache=cache, **kwargs)
    assert cache.calls == [(f"{ISSUER} jti-1", forget_at, NOW)]


# ------------------------------------------------------------------------------------- secrets and fuzzing


def test_messages_never_contain_the_token(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    token = sign(rsa_key, aud="other")
    with pytest.raises(JwtValidationError) as exc_info:
        validate(token, jwks)
    assert token not in str(exc_info.value)
    assert str(exc_info.value).startswith("Invalid logout token: ")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
CLAIM_NAMES = st.sampled_from(["iss", "aud", "iat", "exp", "nbf", "jti", "sub", "sid", "events", "nonce", "x"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    overrides=st.dictionaries(CLAIM_NAMES, JSON_VALUES | st.just(None), max_size=4),
    header=st.dictionaries(st.sampled_from(["typ", "kid", "crit", "cty"]), JSON_VALUES, max_size=2),
)
def test_any_claims_give_a_logout_token_or_a_typed_error(
    rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet, overrides: dict[str, Any], header: dict[str, Any]
) -> None:
    token = raw_jws({"kid": "rsa1", **header, "alg": "RS256"}, json.dumps(claims(**overrides)).encode(), rsa_key)
    try:
        result = validate(token, jwks, replay_cache=MemoryReplayCache())
    except JwtValidationError:
        return
    assert isinstance(result, LogoutToken)
    assert result.sub is not None or result.sid is not None


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.binary(max_size=80),
        st.from_regex(r"[A-Za-z0-9_\-]{0,20}(\.[A-Za-z0-9_\-]{0,20}){2,4}"),
    )
)
def test_any_input_gives_a_typed_error(value: Any) -> None:
    with pytest.raises(JwtValidationError):
        validate_logout_token(value, client_id=CLIENT_ID, issuer=ISSUER, jwks={"keys": []}, now=NOW)
