"""Tests for `requests_oauth2client.id_token`: every check of ID Token validation, and its precise refusal."""

from __future__ import annotations

import math
import warnings
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import jwskate
import pytest
from binapy import BinaPy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_oauth2client.id_token import (
    DEFAULT_MAX_IAT_AGE,
    _cached_public_verifier,
    validate_id_token,
    validate_id_token_with_client,
)
from requests_oauth2client.tokens import (
    ExpiredIdToken,
    IdToken,
    IdTokenAuthTimeTooOld,
    IdTokenDecryptionError,
    IdTokenIssuedInTheFuture,
    IdTokenIssuedTooLongAgo,
    IdTokenSigningKeyNotFound,
    InvalidIdToken,
    InvalidIdTokenClaim,
    InvalidIdTokenEncryption,
    InvalidIdTokenHeader,
    InvalidIdTokenSignature,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAlg,
    MismatchingIdTokenAudience,
    MismatchingIdTokenAzp,
    MismatchingIdTokenHash,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MismatchingIdTokenSubject,
    MissingIdToken,
    MissingIdTokenClaim,
    MissingIdTokenEncryption,
    UnexpectedIdTokenEncryption,
    UnsupportedIdTokenAlg,
    UnsupportedIdTokenEncryptionAlg,
    UnverifiableIdToken,
)

ISSUER = "https://as.example.com"
CLIENT_ID = "my_client_id"
CLIENT_SECRET = "my_client_secret_which_is_long_enough_for_hs256"
NONCE = "a_nonce_value"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
NOW_TS = int(NOW.timestamp())


@pytest.fixture(scope="module")
def rsa_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="RS256", kid="rsa1")


@pytest.fixture(scope="module")
def ec_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="ES256", kid="ec1")


@pytest.fixture(scope="module")
def jwks(rsa_key: jwskate.Jwk, ec_key: jwskate.Jwk) -> jwskate.JwkSet:
    return jwskate.JwkSet(keys=[rsa_key.public_jwk(), ec_key.public_jwk()])


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid ID Token claims at NOW; a None override removes the claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "user1",
        "aud": CLIENT_ID,
        "exp": NOW_TS + 300,
        "iat": NOW_TS - 10,
        "nonce": NONCE,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def sign(
    key: jwskate.Jwk, alg: str | None = None, extra_headers: dict[str, Any] | None = None, **overrides: Any
) -> str:
    return str(jwskate.Jwt.sign(claims(**overrides), key, alg=alg, extra_headers=extra_headers))


def validate(id_token: Any, jwks: Any = None, **kwargs: Any) -> IdToken:
    params: dict[str, Any] = {"client_id": CLIENT_ID, "issuer": ISSUER, "jwks": jwks, "nonce": NONCE, "now": NOW}
    params.update(kwargs)
    return validate_id_token(id_token, **params)


# --------------------------------------------------------------------------------------------- success paths


def test_valid_rs256(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key)
    result = validate(raw, jwks)
    assert isinstance(result, IdToken)
    assert result == raw
    assert result.subject == "user1"


def test_valid_es256(ec_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(ec_key), jwks, expected_alg="ES256").alg == "ES256"


def test_valid_eddsa() -> None:
    key = jwskate.Jwk.generate(alg="EdDSA", kid="ed")
    result = validate(sign(key), jwskate.JwkSet(keys=[key.public_jwk()]), expected_alg="EdDSA")
    assert result.alg == "EdDSA"


def test_valid_hs256_with_client_secret(jwks: jwskate.JwkSet) -> None:
    secret_key = jwskate.SymmetricJwk.from_bytes(CLIENT_SECRET.encode())
    raw = sign(secret_key, alg="HS256")
    assert validate(raw, jwks, expected_alg="HS256", client_secret=CLIENT_SECRET) == raw


def test_expected_alg_none_means_rs256(rsa_key: jwskate.Jwk, ec_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key), jwks, expected_alg=None).alg == "RS256"
    with pytest.raises(MismatchingIdTokenAlg):
        validate(sign(ec_key), jwks, expected_alg=None)


def test_accepts_idtoken_and_bytes(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key)
    assert validate(IdToken(raw), jwks) == raw
    assert validate(raw.encode(), jwks) == raw


def test_accepts_jwks_as_dict(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key), jwks.to_dict()) == sign(rsa_key)


def test_private_key_in_jwks_is_used_as_public(rsa_key: jwskate.Jwk) -> None:
    raw = sign(rsa_key)
    assert validate(raw, jwskate.JwkSet(keys=[rsa_key])) == raw
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # jwskate warns when verifying with a private key: its public part is used
        assert validate(raw, jwskate.JwkSet(keys=[rsa_key])) == raw


# --------------------------------------------------------------------------------------------- verifier cache


def test_rotated_key_under_the_same_kid_is_honoured() -> None:
    """Verifiers are cached by key content, not by kid: a new key published under the old kid replaces it."""
    old, new = jwskate.Jwk.generate(alg="RS256", kid="same"), jwskate.Jwk.generate(alg="RS256", kid="same")
    old_token, new_token = sign(old), sign(new)
    assert validate(old_token, jwskate.JwkSet(keys=[old.public_jwk()])) == old_token
    for rotated in (jwskate.JwkSet(keys=[new.public_jwk()]), {"keys": [dict(new.public_jwk())]}):
        assert validate(new_token, rotated) == new_token
        with pytest.raises(InvalidIdTokenSignature):
            validate(old_token, rotated)


def test_jwkset_rotated_in_place_is_honoured() -> None:
    old, new = jwskate.Jwk.generate(alg="ES256", kid="same"), jwskate.Jwk.generate(alg="ES256", kid="same")
    keyset = jwskate.JwkSet(keys=[old.public_jwk()])
    assert validate(sign(old), keyset, expected_alg="ES256")
    keyset.remove_jwk("same")
    keyset.add_jwk(new.public_jwk())
    assert validate(sign(new), keyset, expected_alg="ES256")
    with pytest.raises(InvalidIdTokenSignature):
        validate(sign(old), keyset, expected_alg="ES256")


def test_verifier_is_reused_for_the_same_key_content(rsa_key: jwskate.Jwk) -> None:
    raw = sign(rsa_key)
    validate(raw, {"keys": [dict(rsa_key.public_jwk())]})
    before = _cached_public_verifier.cache_info()
    # a new Jwk object (a dict JWKS is parsed again), and a private key: both reuse the verifier of the public key
    validate(raw, {"keys": [dict(rsa_key.public_jwk())]})
    validate(raw, jwskate.JwkSet(keys=[rsa_key]))
    after = _cached_public_verifier.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (2, 0)
    assert after.maxsize is not None  # bounded


def test_client_secret_is_never_cached(jwks: jwskate.JwkSet) -> None:
    raw = sign(jwskate.SymmetricJwk.from_bytes(CLIENT_SECRET.encode()), alg="HS256")
    before = _cached_public_verifier.cache_info()
    assert validate(raw, jwks, expected_alg="HS256", client_secret=CLIENT_SECRET) == raw
    after = _cached_public_verifier.cache_info()
    assert (after.hits, after.misses, after.currsize) == (before.hits, before.misses, before.currsize)


# --------------------------------------------------------------------------------------------- presence / format


def test_missing_id_token() -> None:
    with pytest.raises(MissingIdToken):
        validate(None)


@pytest.mark.parametrize("garbage", ["garbage", "a.b", "", "a.b.c.d", "é.é.é"])
def test_garbage_id_token(garbage: str, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdToken):
        validate(garbage, jwks)


def test_payload_not_an_object(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = jwskate.Jwt.sign_arbitrary(claims=["not", "an", "object"], headers={"alg": "RS256"}, key=rsa_key)  # type: ignore[arg-type]
    with pytest.raises(InvalidIdToken):
        validate(str(raw), jwks)


# --------------------------------------------------------------------------------------------- alg and headers


def test_alg_none_always_refused(jwks: jwskate.JwkSet) -> None:
    unsigned = str(jwskate.Jwt.unprotected(claims()))
    with pytest.raises(UnsupportedIdTokenAlg) as exc_info:
        validate(unsigned, jwks)
    assert exc_info.value.alg == "none"
    with pytest.raises(UnsupportedIdTokenAlg):
        validate(unsigned, jwks, expected_alg="none")


def test_unknown_alg_refused(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    token = jwskate.Jwt.sign_arbitrary(claims=claims(), headers={"alg": "XYZ", "kid": "rsa1"}, key=rsa_key, alg="RS256")
    with pytest.raises(UnsupportedIdTokenAlg):
        validate(str(token), jwks)


def test_unsupported_expected_alg(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(UnsupportedIdTokenAlg):
        validate(sign(rsa_key), jwks, expected_alg="foo")


def test_mismatching_alg(ec_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenAlg) as exc_info:
        validate(sign(ec_key), jwks, expected_alg="RS256")
    assert exc_info.value.received == "ES256"
    assert exc_info.value.expected == "RS256"


def test_alg_confusion_public_key_as_hmac_secret(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    """A token 'signed' with HS256 keyed by the AS public key must never verify."""
    public_pem = rsa_key.public_jwk().to_pem().encode()
    forged = sign(jwskate.SymmetricJwk.from_bytes(public_pem), alg="HS256", extra_headers={"kid": "rsa1"})
    with pytest.raises(MismatchingIdTokenAlg):
        validate(forged, jwks)  # RS256 expected
    with pytest.raises(InvalidIdTokenSignature):
        validate(forged, jwks, expected_alg="HS256", client_secret=CLIENT_SECRET)
    with pytest.raises(UnverifiableIdToken):
        validate(forged, jwks, expected_alg="HS256")  # no client secret: never fall back to a JWKS key


def test_hmac_key_of_jwks_never_used(jwks: jwskate.JwkSet) -> None:
    oct_key = jwskate.SymmetricJwk.from_bytes(b"x" * 32, kid="oct1", alg="HS256")
    raw = sign(oct_key)
    with pytest.raises(InvalidIdTokenSignature):
        validate(raw, jwskate.JwkSet(keys=[oct_key]), expected_alg="HS256", client_secret=CLIENT_SECRET)


def test_non_string_alg_header(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    token = jwskate.Jwt.sign_arbitrary(claims=claims(), headers={"alg": 256, "kid": "rsa1"}, key=rsa_key, alg="RS256")
    with pytest.raises(InvalidIdTokenHeader) as exc_info:
        validate(str(token), jwks)
    assert exc_info.value.claim == "alg"


def test_non_string_kid_header(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    token = jwskate.Jwt.sign_arbitrary(claims=claims(), headers={"alg": "RS256", "kid": 1}, key=rsa_key, alg="RS256")
    with pytest.raises(InvalidIdTokenHeader):
        validate(str(token), jwks)


def test_crit_header_refused(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenHeader) as exc_info:
        validate(sign(rsa_key, extra_headers={"crit": ["exp"], "exp": 1}), jwks)
    assert exc_info.value.claim == "crit"


# --------------------------------------------------------------------------------------------- keys and signature


def without_kid(key: jwskate.Jwk) -> jwskate.Jwk:
    return jwskate.Jwk({name: value for name, value in key.items() if name != "kid"})


def test_bad_signature(jwks: jwskate.JwkSet) -> None:
    other = jwskate.Jwk.generate(alg="ES256", kid="ec1")  # same kid, another key
    with pytest.raises(InvalidIdTokenSignature):
        validate(sign(other), jwks, expected_alg="ES256")


def test_tampered_payload(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    header, _, signature = sign(rsa_key).split(".")
    payload = BinaPy.serialize_to("json", claims(sub="admin")).to("b64u").ascii()
    with pytest.raises(InvalidIdTokenSignature):
        validate(f"{header}.{payload}.{signature}", jwks)


def test_truncated_signature(ec_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(ec_key)
    with pytest.raises(InvalidIdTokenSignature):
        validate(raw[:-10], jwks, expected_alg="ES256")


def test_kid_absent_single_suitable_key(rsa_key: jwskate.Jwk, ec_key: jwskate.Jwk) -> None:
    raw = sign(without_kid(rsa_key))
    assert "kid" not in IdToken(raw).headers
    # the JWKS also holds an EC key, which is not suitable for RS256
    keyset = jwskate.JwkSet(keys=[without_kid(rsa_key).public_jwk(), ec_key.public_jwk()])
    assert validate(raw, keyset) == raw


def test_kid_absent_several_suitable_keys(ec_key: jwskate.Jwk) -> None:
    key = jwskate.Jwk.generate(alg="ES256")
    keyset = jwskate.JwkSet(keys=[key.public_jwk(), ec_key.public_jwk()])
    with pytest.raises(IdTokenSigningKeyNotFound):
        validate(sign(key), keyset, expected_alg="ES256")


def test_unusable_keys_are_skipped(rsa_key: jwskate.Jwk) -> None:
    public = dict(rsa_key.public_jwk())
    for unusable in (
        jwskate.Jwk(dict(public, use="enc")),
        jwskate.Jwk(dict(public, alg="PS256")),  # another alg
        jwskate.Jwk(dict(public, key_ops=["encrypt"])),
        jwskate.Jwk.generate(alg="ES256", kid="rsa1"),  # right kid, wrong key type
    ):
        with pytest.raises(IdTokenSigningKeyNotFound):
            validate(sign(rsa_key), jwskate.JwkSet(keys=[unusable]))


def test_x25519_key_not_used_for_eddsa() -> None:
    key = jwskate.Jwk.generate(alg="EdDSA", kid="k")
    encryption_key = jwskate.OKPJwk.generate(crv="X25519", kid="k")
    with pytest.raises(IdTokenSigningKeyNotFound):
        validate(sign(key), jwskate.JwkSet(keys=[encryption_key.public_jwk()]), expected_alg="EdDSA")


def test_empty_jwks(rsa_key: jwskate.Jwk) -> None:
    for empty in (None, jwskate.JwkSet(), {}):
        with pytest.raises(IdTokenSigningKeyNotFound):
            validate(sign(rsa_key), empty)


def test_malformed_jwks(rsa_key: jwskate.Jwk) -> None:
    with pytest.raises(UnverifiableIdToken):
        validate(sign(rsa_key), {"keys": [{"kty": "foo"}]})


def test_unknown_kid_refreshes_jwks_once(jwks: jwskate.JwkSet) -> None:
    rotated = jwskate.Jwk.generate(alg="ES256", kid="rotated")
    calls: list[int] = []

    def refresh() -> jwskate.JwkSet:
        calls.append(1)
        return jwskate.JwkSet(keys=[rotated.public_jwk()])

    raw = sign(rotated)
    assert validate(raw, jwks, expected_alg="ES256", refresh_jwks=refresh) == raw
    assert calls == [1]


def test_unknown_kid_refused_after_one_refresh(jwks: jwskate.JwkSet) -> None:
    unknown = jwskate.Jwk.generate(alg="ES256", kid="unknown")
    calls: list[int] = []

    def refresh() -> jwskate.JwkSet:
        calls.append(1)
        return jwks

    with pytest.raises(IdTokenSigningKeyNotFound) as exc_info:
        validate(sign(unknown), jwks, expected_alg="ES256", refresh_jwks=refresh)
    assert exc_info.value.kid == "unknown"
    assert calls == [1]


def test_known_kid_does_not_refresh(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    def refresh() -> jwskate.JwkSet:
        raise AssertionError

    assert validate(sign(rsa_key), jwks, refresh_jwks=refresh)


def test_refresh_failure_is_a_refusal(jwks: jwskate.JwkSet) -> None:
    def refresh() -> jwskate.JwkSet:
        raise AttributeError("no jwks_uri")

    with pytest.raises(IdTokenSigningKeyNotFound) as exc_info:
        validate(sign(jwskate.Jwk.generate(alg="ES256", kid="x")), jwks, expected_alg="ES256", refresh_jwks=refresh)
    assert isinstance(exc_info.value.__cause__, AttributeError)


# --------------------------------------------------------------------------------------------- iss / aud / azp


def test_missing_iss(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key, iss=None), jwks)
    assert exc_info.value.claim == "iss"


def test_mismatching_iss(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenIssuer) as exc_info:
        validate(sign(rsa_key, iss="https://evil.example.com"), jwks)
    assert exc_info.value.received == "https://evil.example.com"
    assert exc_info.value.expected == ISSUER


def test_unknown_expected_issuer_only_requires_iss(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key, iss="https://other"), jwks, issuer=None).issuer == "https://other"
    with pytest.raises(MissingIdTokenClaim):
        validate(sign(rsa_key, iss=None), jwks, issuer=None)


def test_missing_aud(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key, aud=None), jwks)
    assert exc_info.value.claim == "aud"


@pytest.mark.parametrize("aud", [3, [], [CLIENT_ID, 3], {"a": 1}, True])
def test_invalid_aud(aud: object, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenClaim) as exc_info:
        validate(sign(rsa_key, aud=aud), jwks)
    assert exc_info.value.claim == "aud"


def test_mismatching_aud(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenAudience) as exc_info:
        validate(sign(rsa_key, aud=["other_client"]), jwks)
    assert exc_info.value.received == ["other_client"]
    assert exc_info.value.expected == CLIENT_ID


def test_several_audiences_require_azp(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key, aud=[CLIENT_ID, "other"]), jwks)
    assert exc_info.value.claim == "azp"
    assert validate(sign(rsa_key, aud=[CLIENT_ID, "other"], azp=CLIENT_ID), jwks).authorized_party == CLIENT_ID


def test_mismatching_azp(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenAzp) as exc_info:
        validate(sign(rsa_key, azp="other"), jwks)
    assert (exc_info.value.received, exc_info.value.expected) == ("other", CLIENT_ID)


def test_invalid_azp_type(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenClaim):
        validate(sign(rsa_key, azp=["x"]), jwks)


# --------------------------------------------------------------------------------------------- dates


def test_missing_exp(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key, exp=None), jwks)
    assert exc_info.value.claim == "exp"


@pytest.mark.parametrize("exp", ["x", "2000000000", True, [1], math.nan, math.inf])
def test_invalid_exp(exp: object, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenClaim) as exc_info:
        validate(sign(rsa_key, exp=exp), jwks)
    assert exc_info.value.claim == "exp"


def test_expired(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(ExpiredIdToken) as exc_info:
        validate(sign(rsa_key, exp=NOW_TS - 1), jwks)
    assert exc_info.value.received == NOW - timedelta(seconds=1)
    assert exc_info.value.expected == NOW
    with pytest.raises(ExpiredIdToken):
        validate(sign(rsa_key, exp=NOW_TS), jwks)  # exp must be in the future


def test_exp_leeway(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key, exp=NOW_TS - 5)
    assert validate(raw, jwks, exp_leeway=10) == raw
    with pytest.raises(ExpiredIdToken):
        validate(raw, jwks, exp_leeway=5)


def test_huge_exp_is_not_a_crash(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(ExpiredIdToken):
        validate(sign(rsa_key, exp=-(10**20)), jwks)
    assert validate(sign(rsa_key, exp=10**20), jwks)


def test_missing_iat(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key, iat=None), jwks)
    assert exc_info.value.claim == "iat"


def test_iat_a_week_in_the_past(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    week_ago = NOW_TS - 7 * 24 * 3600
    raw = sign(rsa_key, iat=week_ago)  # exp still in the future
    with pytest.raises(IdTokenIssuedTooLongAgo) as exc_info:
        validate(raw, jwks)
    assert exc_info.value.received == NOW - timedelta(days=7)
    assert exc_info.value.expected == NOW - timedelta(seconds=DEFAULT_MAX_IAT_AGE)
    assert validate(raw, jwks, max_iat_age=None) == raw
    assert validate(raw, jwks, max_iat_age=8 * 24 * 3600) == raw


def test_iat_in_the_future(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key, iat=NOW_TS + 3600)
    with pytest.raises(IdTokenIssuedInTheFuture):
        validate(raw, jwks)
    assert validate(sign(rsa_key, iat=NOW_TS + 30), jwks) is not None  # within the default leeway
    with pytest.raises(IdTokenIssuedInTheFuture):
        validate(sign(rsa_key, iat=NOW_TS + 30), jwks, iat_leeway=0)


def test_float_dates_accepted(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key, exp=NOW_TS + 60.5, iat=NOW_TS - 0.5), jwks)


def test_now_defaults_to_system_clock(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    real_now = int(datetime.now(tz=timezone.utc).timestamp())
    raw = sign(rsa_key, exp=real_now + 60, iat=real_now)
    assert validate(raw, jwks, now=None) == raw


# --------------------------------------------------------------------------------------------- sub / nonce / acr


def test_missing_sub(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key, sub=None), jwks)
    assert exc_info.value.claim == "sub"


def test_invalid_sub(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenClaim):
        validate(sign(rsa_key, sub=1), jwks)


def test_missing_nonce_when_expected(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenNonce) as exc_info:
        validate(sign(rsa_key, nonce=None), jwks)
    assert exc_info.value.received is None
    assert exc_info.value.expected == NONCE


def test_mismatching_nonce(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenNonce) as exc_info:
        validate(sign(rsa_key, nonce="another_nonce"), jwks)
    assert exc_info.value.received == "another_nonce"
    assert "another_nonce" not in str(exc_info.value)
    assert NONCE not in str(exc_info.value)


def test_invalid_nonce_type(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenClaim):
        validate(sign(rsa_key, nonce=1), jwks)


def test_nonce_not_expected(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key, nonce="whatever"), jwks, nonce=None)
    assert validate(sign(rsa_key, nonce=None), jwks, nonce=None)


def test_acr(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key, acr="loa2"), jwks, acr_values=("loa1", "loa2"))
    assert validate(sign(rsa_key, acr="loa2"), jwks, acr_values="loa1 loa2")
    assert validate(sign(rsa_key), jwks, acr_values=())  # nothing requested
    with pytest.raises(MismatchingIdTokenAcr) as exc_info:
        validate(sign(rsa_key, acr="loa0"), jwks, acr_values=["loa1", "loa2"])
    assert (exc_info.value.received, exc_info.value.expected) == ("loa0", ["loa1", "loa2"])
    # acr_values is a voluntary request: an ID Token without `acr` is accepted (the real AS does that)
    assert validate(sign(rsa_key), jwks, acr_values=["loa1"])
    with pytest.raises(InvalidIdTokenClaim):
        validate(sign(rsa_key, acr=2), jwks, acr_values=["loa1"])


# --------------------------------------------------------------------------------------------- hashes


@pytest.mark.parametrize(("claim", "param"), [("at_hash", "access_token"), ("c_hash", "code"), ("s_hash", "state")])
def test_hashes(claim: str, param: str, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    value = "the_protected_value"
    good = IdToken.hash_method(rsa_key, "RS256")(value)
    assert validate(sign(rsa_key, **{claim: good}), jwks, **{param: value})
    with pytest.raises(MismatchingIdTokenHash) as exc_info:
        validate(sign(rsa_key, **{claim: good}), jwks, **{param: "another_value"})
    assert exc_info.value.claim == claim
    with pytest.raises(InvalidIdTokenClaim):
        validate(sign(rsa_key, **{claim: 5}), jwks, **{param: value})


def test_hashes_with_es256(ec_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    at_hash = IdToken.hash_method(ec_key)("at")
    assert validate(sign(ec_key, at_hash=at_hash), jwks, expected_alg="ES256", access_token="at")
    with pytest.raises(MismatchingIdTokenHash):
        validate(sign(ec_key, at_hash=at_hash), jwks, expected_alg="ES256", access_token="other")


def test_hashes_with_hs256(jwks: jwskate.JwkSet) -> None:
    key = jwskate.SymmetricJwk.from_bytes(CLIENT_SECRET.encode())
    c_hash = IdToken.hash_method(key, "HS256")("code")
    assert validate(
        sign(key, alg="HS256", c_hash=c_hash), None, expected_alg="HS256", client_secret=CLIENT_SECRET, code="code"
    )


def test_hash_without_value_to_compare(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    # at_hash / c_hash cannot be checked without the value (e.g. refresh responses): accepted
    assert validate(sign(rsa_key, at_hash="x", c_hash="y"), jwks)
    # s_hash without a known state is refused
    with pytest.raises(MismatchingIdTokenHash):
        validate(sign(rsa_key, s_hash="x"), jwks)


def test_required_claims(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key), jwks, required_claims=["c_hash"])
    assert exc_info.value.claim == "c_hash"


# --------------------------------------------------------------------------------------------- auth_time / max_age


def test_max_age(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    assert validate(sign(rsa_key, auth_time=NOW_TS - 100), jwks, max_age=100)
    assert validate(sign(rsa_key, auth_time=NOW_TS - 110), jwks, max_age=100)  # default leeway is 10 s
    with pytest.raises(IdTokenAuthTimeTooOld) as exc_info:
        validate(sign(rsa_key, auth_time=NOW_TS - 111), jwks, max_age=100)
    assert exc_info.value.received == NOW - timedelta(seconds=111)
    with pytest.raises(IdTokenAuthTimeTooOld):
        validate(sign(rsa_key, auth_time=NOW_TS - 101), jwks, max_age=100, auth_time_leeway=0)


def test_max_age_requires_auth_time(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenClaim) as exc_info:
        validate(sign(rsa_key), jwks, max_age=0)
    assert exc_info.value.claim == "auth_time"
    with pytest.raises(InvalidIdTokenClaim):
        validate(sign(rsa_key, auth_time="yesterday"), jwks, max_age=100)
    # without max_age, auth_time is not checked
    assert validate(sign(rsa_key, auth_time="yesterday"), jwks)


def test_invalid_max_age(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(UnverifiableIdToken):
        validate(sign(rsa_key, auth_time=NOW_TS), jwks, max_age="soon")


# --------------------------------------------------------------------------------------------- encryption


@pytest.fixture(scope="module")
def enc_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="RSA-OAEP-256", kid="enc1")


def encrypt(signed: str, key: jwskate.Jwk, alg: str | None = None, enc: str = "A256GCM") -> str:
    return str(jwskate.JweCompact.encrypt(signed.encode(), key.public_jwk(), enc=enc, alg=alg))


def test_encrypted_id_token(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    signed = sign(rsa_key)
    result = validate(encrypt(signed, enc_key), jwks, encrypted_alg="RSA-OAEP-256", decryption_key=enc_key)
    assert isinstance(result, IdToken)
    assert result == signed


def test_encrypted_id_token_ecdh(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    key = jwskate.Jwk.generate(alg="ECDH-ES+A256KW", crv="P-256")
    signed = sign(rsa_key)
    assert validate(encrypt(signed, key), jwks, encrypted_alg="ECDH-ES+A256KW", decryption_key=dict(key)) == signed


def test_encrypted_enc_checked(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    jwe = encrypt(sign(rsa_key), enc_key, enc="A128GCM")
    with pytest.raises(UnsupportedIdTokenEncryptionAlg):
        validate(jwe, jwks, encrypted_alg="RSA-OAEP-256", encrypted_enc="A256GCM", decryption_key=enc_key)


def test_jwe_when_not_expected(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(UnexpectedIdTokenEncryption):
        validate(encrypt(sign(rsa_key), enc_key), jwks, decryption_key=enc_key)


def test_jws_when_encryption_expected(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MissingIdTokenEncryption):
        validate(sign(rsa_key), jwks, encrypted_alg="RSA-OAEP-256", decryption_key=enc_key)


def test_rsa1_5_refused(enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    # jwskate refuses to produce RSA1_5 JWEs, so build one from parts: it is refused before any decryption
    jwe = jwskate.JweCompact.from_parts(
        headers={"alg": "RSA1_5", "enc": "A128CBC-HS256", "kid": "old"},
        cek=b"\x01" * 256,
        iv=b"\x02" * 16,
        ciphertext=b"\x03" * 32,
        tag=b"\x04" * 16,
    )
    with pytest.raises(UnsupportedIdTokenEncryptionAlg) as exc_info:
        validate(str(jwe), jwks, encrypted_alg="RSA1_5", decryption_key=enc_key)
    assert exc_info.value.alg == "RSA1_5"
    with pytest.raises(UnsupportedIdTokenEncryptionAlg):
        validate(str(jwe), jwks, encrypted_alg="RSA-OAEP", decryption_key=enc_key)


def test_jwe_alg_mismatch(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    no_alg = jwskate.Jwk({name: value for name, value in enc_key.public_jwk().items() if name != "alg"})
    jwe = encrypt(sign(rsa_key), no_alg, alg="RSA-OAEP")
    with pytest.raises(UnsupportedIdTokenEncryptionAlg):
        validate(jwe, jwks, encrypted_alg="RSA-OAEP-256", decryption_key=enc_key)


def test_jwe_without_decryption_key(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(UnverifiableIdToken):
        validate(encrypt(sign(rsa_key), enc_key), jwks, encrypted_alg="RSA-OAEP-256")


def test_jwe_wrong_decryption_key(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    other = jwskate.Jwk.generate(alg="ECDH-ES+A256KW", crv="P-256")
    jwe = encrypt(sign(rsa_key), other)
    with pytest.raises(IdTokenDecryptionError):
        validate(
            jwe,
            jwks,
            encrypted_alg="ECDH-ES+A256KW",
            decryption_key=jwskate.Jwk.generate(alg="ECDH-ES+A256KW", crv="P-256"),
        )
    with pytest.raises(IdTokenDecryptionError):
        validate(jwe, jwks, encrypted_alg="ECDH-ES+A256KW", decryption_key=enc_key)  # an RSA key


def test_jwe_with_non_jwt_content(enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    jwe = str(jwskate.JweCompact.encrypt(b"hello", enc_key.public_jwk(), enc="A256GCM"))
    with pytest.raises(IdTokenDecryptionError) as exc_info:
        validate(jwe, jwks, encrypted_alg="RSA-OAEP-256", decryption_key=enc_key)
    assert isinstance(exc_info.value, InvalidIdTokenEncryption)


def test_decrypted_token_is_still_validated(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    jwe = encrypt(sign(rsa_key, aud="other"), enc_key)
    with pytest.raises(MismatchingIdTokenAudience):
        validate(jwe, jwks, encrypted_alg="RSA-OAEP-256", decryption_key=enc_key)


# --------------------------------------------------------------------------------------------- refresh (OIDC 12.2)


def test_refreshed_id_token(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    original = sign(rsa_key)
    refreshed = sign(rsa_key, nonce=None, iat=NOW_TS)
    assert validate(refreshed, jwks, nonce=None, previous_id_token=original) == refreshed
    assert validate(refreshed, jwks, nonce=None, previous_id_token=IdToken(original)) == refreshed


def test_refreshed_id_token_other_sub(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenSubject) as exc_info:
        validate(sign(rsa_key, sub="user2"), jwks, nonce=None, previous_id_token=sign(rsa_key))
    assert (exc_info.value.received, exc_info.value.expected) == ("user2", "user1")


def test_refreshed_id_token_other_iss(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    previous = sign(rsa_key, iss="https://old.example.com")
    with pytest.raises(MismatchingIdTokenIssuer):
        validate(sign(rsa_key), jwks, nonce=None, previous_id_token=previous)


def test_refreshed_id_token_encrypted_previous(
    rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    previous = jwskate.JweCompact(encrypt(sign(rsa_key, sub="user2"), enc_key))
    new = encrypt(sign(rsa_key), enc_key)
    with pytest.raises(MismatchingIdTokenSubject):
        validate(
            new, jwks, nonce=None, encrypted_alg="RSA-OAEP-256", decryption_key=enc_key, previous_id_token=previous
        )
    with pytest.raises(UnverifiableIdToken):
        validate(sign(rsa_key), jwks, nonce=None, previous_id_token=previous)  # no key to read the previous one
    with pytest.raises(UnverifiableIdToken):
        validate(sign(rsa_key), jwks, nonce=None, previous_id_token="garbage")


# --------------------------------------------------------------------------------------------- with a client


def make_client(jwks: jwskate.JwkSet, **overrides: Any) -> SimpleNamespace:
    attributes: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "issuer": ISSUER,
        "authorization_server_jwks": jwks,
        "id_token_signed_response_alg": "RS256",
        "id_token_encrypted_response_alg": None,
        "id_token_decryption_key": None,
    }
    attributes.update(overrides)
    return SimpleNamespace(**attributes)


def make_azr(**overrides: Any) -> SimpleNamespace:
    attributes: dict[str, Any] = {
        "code": "code",
        "state": "state",
        "nonce": NONCE,
        "acr_values": None,
        "max_age": None,
        "issuer": None,
    }
    attributes.update(overrides)
    return SimpleNamespace(**attributes)


def test_with_client(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key, c_hash=IdToken.hash_method(rsa_key)("code"), s_hash=IdToken.hash_method(rsa_key)("state"))
    assert validate_id_token_with_client(raw, make_client(jwks), azr=make_azr(), now=NOW) == raw
    with pytest.raises(MismatchingIdTokenHash):
        validate_id_token_with_client(raw, make_client(jwks), azr=make_azr(code="other"), now=NOW)
    with pytest.raises(MismatchingIdTokenNonce):
        validate_id_token_with_client(raw, make_client(jwks), azr=make_azr(nonce="other"), now=NOW)


def test_with_client_azr_issuer_wins(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key)
    with pytest.raises(MismatchingIdTokenIssuer):
        validate_id_token_with_client(raw, make_client(jwks), azr=make_azr(issuer="https://other"), now=NOW)
    with pytest.raises(MismatchingIdTokenIssuer):
        validate_id_token_with_client(raw, make_client(jwks, issuer="https://other"), azr=make_azr(), now=NOW)
    client = make_client(jwks, issuer="https://other")
    assert validate_id_token_with_client(raw, client, azr=make_azr(issuer=ISSUER), now=NOW) == raw


def test_with_client_missing_attributes(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    class NoClientId:
        @property
        def client_id(self) -> str:
            raise AttributeError("no client_id")

    with pytest.raises(UnverifiableIdToken):
        validate_id_token_with_client(sign(rsa_key), NoClientId(), azr=make_azr(), now=NOW)  # type: ignore[arg-type]
    minimal = SimpleNamespace(client_id=CLIENT_ID)
    with pytest.raises(IdTokenSigningKeyNotFound):
        validate_id_token_with_client(sign(rsa_key), minimal, azr=make_azr(), now=NOW)  # type: ignore[arg-type]


def test_with_client_refreshes_jwks(rsa_key: jwskate.Jwk) -> None:
    keyset = jwskate.JwkSet()
    calls: list[int] = []

    def update() -> jwskate.JwkSet:
        calls.append(1)
        keyset.add_jwk(rsa_key.public_jwk())
        return keyset

    client = make_client(keyset, update_authorization_server_public_keys=update)
    raw = sign(rsa_key)
    assert validate_id_token_with_client(raw, client, azr=make_azr(), now=NOW) == raw
    assert validate_id_token_with_client(raw, client, azr=make_azr(), now=NOW) == raw
    assert calls == [1]


def test_with_client_default_alg_and_hmac(rsa_key: jwskate.Jwk, ec_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingIdTokenAlg):
        validate_id_token_with_client(
            sign(ec_key), make_client(jwks, id_token_signed_response_alg=None), azr=make_azr(), now=NOW
        )
    hs = sign(jwskate.SymmetricJwk.from_bytes(CLIENT_SECRET.encode()), alg="HS256")
    client = make_client(jwks, id_token_signed_response_alg="HS256")
    assert validate_id_token_with_client(hs, client, azr=make_azr(), now=NOW) == hs


def test_with_client_without_azr_is_for_refresh(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key, nonce=None)
    assert validate_id_token_with_client(raw, make_client(jwks), previous_id_token=sign(rsa_key), now=NOW) == raw
    with pytest.raises(MismatchingIdTokenSubject):
        validate_id_token_with_client(raw, make_client(jwks), previous_id_token=sign(rsa_key, sub="x"), now=NOW)


def test_with_client_encryption(rsa_key: jwskate.Jwk, enc_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    client = make_client(jwks, id_token_encrypted_response_alg="RSA-OAEP-256", id_token_decryption_key=enc_key)
    signed = sign(rsa_key)
    assert validate_id_token_with_client(encrypt(signed, enc_key), client, azr=make_azr(), now=NOW) == signed
    with pytest.raises(MissingIdTokenEncryption):
        validate_id_token_with_client(signed, client, azr=make_azr(), now=NOW)


# --------------------------------------------------------------------------------------------- robustness

_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=5,
)
_CLAIM_NAMES = ("iss", "sub", "aud", "exp", "iat", "nonce", "azp", "acr", "at_hash", "c_hash", "s_hash", "auth_time")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(st.sampled_from(_CLAIM_NAMES), _ANY_JSON, max_size=4))
def test_wrongly_typed_claims_only_raise_invalid_id_token(
    overrides: dict[str, Any], ec_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    raw = str(jwskate.Jwt.sign({**claims(), **overrides}, ec_key))
    try:
        result = validate(
            raw, jwks, expected_alg="ES256", acr_values=["loa1"], max_age=60, access_token="at", code="c", state="s"
        )
    except InvalidIdToken:
        return
    assert isinstance(result, IdToken)


@settings(max_examples=100, deadline=None)
@given(value=st.text(max_size=60) | st.binary(max_size=60))
def test_arbitrary_input_only_raises_invalid_id_token(value: str | bytes) -> None:
    with pytest.raises(InvalidIdToken):
        validate(value, jwskate.JwkSet())


def test_messages_contain_no_token_value(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key, aud="other")
    with pytest.raises(InvalidIdToken) as exc_info:
        validate(raw, jwks)
    assert raw not in str(exc_info.value)
    assert raw.split(".")[2] not in repr(exc_info.value)
    assert str(exc_info.value).startswith("Invalid ID Token: ")


def test_all_refusals_are_value_errors() -> None:
    for cls in (MissingIdToken, InvalidIdTokenSignature, IdTokenIssuedTooLongAgo, UnverifiableIdToken):
        assert issubclass(cls, InvalidIdToken)
        assert issubclass(cls, ValueError)


def test_naive_now_is_utc(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    naive_now = NOW.replace(tzinfo=None)
    with pytest.raises(ExpiredIdToken):
        validate(sign(rsa_key, exp=NOW_TS - 1), jwks, now=naive_now)
    assert validate(sign(rsa_key, exp=NOW_TS + 1), jwks, now=naive_now)
