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

from requests_oauth2client._jose.checks import cached_public_verifier
from requests_oauth2client.id_token import (
    DEFAULT_MAX_IAT_AGE,
    validate_id_token,
    validate_id_token_with_client,
)
from requests_oauth2client.tokens import (
    ExpiredIdToken,
    IdToken,
    IdTokenAuthTimeInTheFuture,
    IdTokenAuthTimeTooOld,
    IdTokenDecryptionError,
    IdTokenIssuedInTheFuture,
    IdTokenIssuedTooLongAgo,
    IdTokenNotYetValid,
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
    MismatchingRefreshedIdTokenClaim,
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
    before = cached_public_verifier.cache_info()
    # a new Jwk object (a dict JWKS is parsed again), and a private key: both reuse the verifier of the public key
    validate(raw, {"keys": [dict(rsa_key.public_jwk())]})
    validate(raw, jwskate.JwkSet(keys=[rsa_key]))
    after = cached_public_verifier.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (2, 0)
    assert after.maxsize is not None  # bounded


def test_client_secret_is_never_cached(jwks: jwskate.JwkSet) -> None:
    raw = sign(jwskate.SymmetricJwk.from_bytes(CLIENT_SECRET.encode()), alg="HS256")
    before = cached_public_verifier.cache_info()
    assert validate(raw, jwks, expected_alg="HS256", client_secret=CLIENT_SECRET) == raw
    after = cached_public_verifier.cache_info()
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


@pytest.mark.parametrize("typ", ["at+jwt", "logout+jwt", "application/at+jwt", "AT+JWT", "secevent+jwt", 1, ["JWT"]])
def test_jwt_typed_as_something_else_is_refused(typ: object, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    """RFC 8725 §3.11: an access token or a logout token, validly signed by the AS, is not an ID Token."""
    with pytest.raises(InvalidIdTokenHeader) as exc_info:
        validate(sign_with_headers(rsa_key, typ=typ), jwks)
    assert exc_info.value.claim == "typ"


@pytest.mark.parametrize("typ", ["JWT", "jwt", "application/jwt", None])
def test_jwt_typ_is_accepted(typ: str | None, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign_with_headers(rsa_key, typ=typ)
    assert IdToken(raw).headers.get("typ") == typ
    assert validate(raw, jwks) == raw


def sign_with_headers(key: jwskate.Jwk, **headers: Any) -> str:
    """Sign the valid claims with exactly these headers (besides `alg` and `kid`); a None header is left out."""
    all_headers = {"alg": key.alg, "kid": key.kid, **headers}
    return str(
        jwskate.Jwt.sign_arbitrary(
            claims(), {name: value for name, value in all_headers.items() if value is not None}, key, alg=key.alg
        )
    )


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


def test_signature_failing_with_a_known_kid_refreshes_the_jwks_once() -> None:
    """The AS may have rotated its key under the same kid: fetch the keys again, then check the token again."""
    old, new = jwskate.Jwk.generate(alg="ES256", kid="same"), jwskate.Jwk.generate(alg="ES256", kid="same")
    calls: list[int] = []

    def refresh() -> jwskate.JwkSet:
        calls.append(1)
        return jwskate.JwkSet(keys=[new.public_jwk()])

    raw = sign(new)
    assert validate(raw, jwskate.JwkSet(keys=[old.public_jwk()]), expected_alg="ES256", refresh_jwks=refresh) == raw
    assert calls == [1]


def test_signature_failing_after_the_refresh_is_refused() -> None:
    key = jwskate.Jwk.generate(alg="ES256", kid="k")
    forged = sign(jwskate.Jwk.generate(alg="ES256", kid="k"))  # signed by another key under the same kid
    keyset = jwskate.JwkSet(keys=[key.public_jwk()])
    calls: list[int] = []

    def refresh() -> jwskate.JwkSet:
        calls.append(1)
        return keyset

    with pytest.raises(InvalidIdTokenSignature):
        validate(forged, keyset, expected_alg="ES256", refresh_jwks=refresh)
    assert calls == [1]

    def failing_refresh() -> jwskate.JwkSet:
        raise OSError("unreachable")

    with pytest.raises(InvalidIdTokenSignature) as exc_info:
        validate(forged, keyset, expected_alg="ES256", refresh_jwks=failing_refresh)
    assert isinstance(exc_info.value.__cause__, OSError)


def test_refreshed_jwks_without_the_key_is_a_refusal() -> None:
    old, new = jwskate.Jwk.generate(alg="ES256", kid="same"), jwskate.Jwk.generate(alg="ES256", kid="same")
    with pytest.raises(IdTokenSigningKeyNotFound):
        validate(
            sign(new),
            jwskate.JwkSet(keys=[old.public_jwk()]),
            expected_alg="ES256",
            refresh_jwks=lambda: jwskate.JwkSet(keys=[jwskate.Jwk.generate(alg="ES256", kid="other").public_jwk()]),
        )


def test_hmac_signature_failure_never_refreshes(jwks: jwskate.JwkSet) -> None:
    def refresh() -> jwskate.JwkSet:
        raise AssertionError

    forged = sign(jwskate.SymmetricJwk.from_bytes(b"not the client secret" * 2), alg="HS256")
    with pytest.raises(InvalidIdTokenSignature):
        validate(forged, jwks, expected_alg="HS256", client_secret=CLIENT_SECRET, refresh_jwks=refresh)


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


@pytest.mark.parametrize("issuer", [None, ""])
def test_unknown_expected_issuer_is_unverifiable(
    issuer: str | None, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    """Without an expected issuer, nothing tells that the token comes from the client's AS: refused."""
    for token in (sign(rsa_key, iss="https://other"), sign(rsa_key)):
        with pytest.raises(UnverifiableIdToken, match="issuer") as exc_info:
            validate(token, jwks, issuer=issuer)
        assert exc_info.value.id_token == token
    with pytest.raises(MissingIdToken):  # a missing ID Token is still reported as such
        validate(None, jwks, issuer=issuer)


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


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "auth_time"])
def test_dates_too_large_for_a_float_are_invalid_claims(claim: str, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenClaim) as exc_info:
        validate(sign(rsa_key, **{claim: 10**400}), jwks, max_age=60 if claim == "auth_time" else None)
    assert exc_info.value.claim == claim


def test_nbf_in_the_future_is_refused(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(IdTokenNotYetValid) as exc_info:
        validate(sign(rsa_key, nbf=NOW_TS + 61), jwks)  # beyond the 60 s clock-skew leeway
    assert exc_info.value.received == NOW + timedelta(seconds=61)
    assert exc_info.value.expected == NOW + timedelta(seconds=60)
    with pytest.raises(IdTokenNotYetValid):
        validate(sign(rsa_key, nbf=NOW_TS + 1, iat=NOW_TS), jwks, iat_leeway=0)


def test_nbf_now_or_in_the_past_is_accepted(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    for nbf in (NOW_TS - 10, NOW_TS, NOW_TS + 60):
        assert validate(sign(rsa_key, nbf=nbf), jwks)


@pytest.mark.parametrize("nbf", ["soon", True, [1], math.nan])
def test_invalid_nbf(nbf: object, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(InvalidIdTokenClaim) as exc_info:
        validate(sign(rsa_key, nbf=nbf), jwks)
    assert exc_info.value.claim == "nbf"


@pytest.mark.parametrize("max_age", [None, 600])
def test_auth_time_in_the_future_is_refused(max_age: int | None, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    """`auth_time` is never in the future (beyond the clock-skew leeway), whether `max_age` was requested or not."""
    with pytest.raises(IdTokenAuthTimeInTheFuture) as exc_info:
        validate(sign(rsa_key, auth_time=NOW_TS + 61), jwks, max_age=max_age)
    assert exc_info.value.received == NOW + timedelta(seconds=61)
    assert exc_info.value.expected == NOW + timedelta(seconds=60)
    assert validate(sign(rsa_key, auth_time=NOW_TS + 60), jwks, max_age=max_age)
    with pytest.raises(IdTokenAuthTimeInTheFuture):
        validate(sign(rsa_key, auth_time=NOW_TS + 1), jwks, max_age=max_age, iat_leeway=0)


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
    # without max_age, auth_time is optional, but a present one must still be a date
    assert validate(sign(rsa_key), jwks)
    with pytest.raises(InvalidIdTokenClaim) as exc_info:
        validate(sign(rsa_key, auth_time="yesterday"), jwks)
    assert exc_info.value.claim == "auth_time"


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


def test_refreshed_id_token_other_aud(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    previous = sign(rsa_key)
    refreshed = sign(rsa_key, nonce=None, aud=[CLIENT_ID, "other"], azp=CLIENT_ID)
    with pytest.raises(MismatchingRefreshedIdTokenClaim) as exc_info:
        validate(refreshed, jwks, nonce=None, previous_id_token=previous)
    assert exc_info.value.claim == "aud"
    assert (exc_info.value.received, exc_info.value.expected) == ([CLIENT_ID, "other"], CLIENT_ID)
    # the same audiences, in another order or form, are the same `aud`
    two = sign(rsa_key, aud=["other", CLIENT_ID], azp=CLIENT_ID)
    assert validate(refreshed, jwks, nonce=None, previous_id_token=two) == refreshed
    assert validate(sign(rsa_key, nonce=None, aud=[CLIENT_ID]), jwks, nonce=None, previous_id_token=previous)


def test_refreshed_id_token_other_azp(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    with pytest.raises(MismatchingRefreshedIdTokenClaim) as exc_info:
        validate(sign(rsa_key, nonce=None, azp=CLIENT_ID), jwks, nonce=None, previous_id_token=sign(rsa_key))
    assert (exc_info.value.claim, exc_info.value.received, exc_info.value.expected) == ("azp", CLIENT_ID, None)
    with pytest.raises(MismatchingRefreshedIdTokenClaim):  # present in the original, absent from the refreshed one
        validate(sign(rsa_key, nonce=None), jwks, nonce=None, previous_id_token=sign(rsa_key, azp=CLIENT_ID))
    same = sign(rsa_key, nonce=None, azp=CLIENT_ID)
    assert validate(same, jwks, nonce=None, previous_id_token=sign(rsa_key, azp=CLIENT_ID)) == same


def test_refreshed_id_token_other_auth_time(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    previous = sign(rsa_key, auth_time=NOW_TS - 3600)
    with pytest.raises(MismatchingRefreshedIdTokenClaim) as exc_info:
        validate(sign(rsa_key, nonce=None, auth_time=NOW_TS - 5), jwks, nonce=None, previous_id_token=previous)
    assert (exc_info.value.claim, exc_info.value.received, exc_info.value.expected) == (
        "auth_time",
        NOW_TS - 5,
        NOW_TS - 3600,
    )
    with pytest.raises(MismatchingRefreshedIdTokenClaim):  # the original had none: no way to tell it is the same
        validate(sign(rsa_key, nonce=None, auth_time=NOW_TS - 5), jwks, nonce=None, previous_id_token=sign(rsa_key))
    # the refreshed ID Token may leave auth_time out (OpenID Connect Core 12.2: "if the ID Token contains")
    assert validate(sign(rsa_key, nonce=None), jwks, nonce=None, previous_id_token=previous)
    same = sign(rsa_key, nonce=None, auth_time=NOW_TS - 3600)
    assert validate(same, jwks, nonce=None, previous_id_token=previous) == same


def test_subject_mismatch_is_a_refreshed_claim_mismatch() -> None:
    error = MismatchingIdTokenSubject("a", "b")
    assert isinstance(error, MismatchingRefreshedIdTokenClaim)
    assert (error.claim, error.received, error.expected) == ("sub", "a", "b")


@pytest.mark.parametrize("aud", [{"a": 1}, [[CLIENT_ID]], 3, None])
def test_refresh_with_a_hostile_original_is_refused_not_a_crash(
    aud: object, rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    previous = str(jwskate.Jwt.sign({**claims(), "aud": aud}, rsa_key))
    with pytest.raises(MismatchingRefreshedIdTokenClaim):
        validate(sign(rsa_key, nonce=None), jwks, nonce=None, previous_id_token=previous)


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


def test_with_client_issuers_must_agree(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    raw = sign(rsa_key)
    with pytest.raises(MismatchingIdTokenIssuer):
        validate_id_token_with_client(raw, make_client(jwks), azr=make_azr(issuer="https://other"), now=NOW)
    with pytest.raises(MismatchingIdTokenIssuer):
        validate_id_token_with_client(raw, make_client(jwks, issuer="https://other"), azr=make_azr(), now=NOW)
    # the response's issuer is used when the client has none
    client = make_client(jwks, issuer=None)
    assert validate_id_token_with_client(raw, client, azr=make_azr(issuer=ISSUER), now=NOW) == raw
    # a response of issuer A validated through a client of issuer B: a mix-up, refused even though `iss` is A
    client = make_client(jwks, issuer="https://other")
    with pytest.raises(MismatchingIdTokenIssuer) as mix_up:
        validate_id_token_with_client(raw, client, azr=make_azr(issuer=ISSUER), now=NOW)
    assert (mix_up.value.received, mix_up.value.expected) == (ISSUER, "https://other")


def test_with_client_missing_attributes(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    class NoClientId:
        @property
        def client_id(self) -> str:
            raise AttributeError("no client_id")

    with pytest.raises(UnverifiableIdToken):
        validate_id_token_with_client(sign(rsa_key), NoClientId(), azr=make_azr(), now=NOW)  # type: ignore[arg-type]
    minimal = SimpleNamespace(client_id=CLIENT_ID)
    with pytest.raises(UnverifiableIdToken, match="issuer"):
        validate_id_token_with_client(sign(rsa_key), minimal, azr=make_azr(), now=NOW)  # type: ignore[arg-type]
    with pytest.raises(IdTokenSigningKeyNotFound):
        validate_id_token_with_client(
            sign(rsa_key),
            SimpleNamespace(client_id=CLIENT_ID, issuer=ISSUER),  # type: ignore[arg-type]
            azr=make_azr(),
            now=NOW,
        )
    # the issuer of the authorization response is enough
    with pytest.raises(IdTokenSigningKeyNotFound):
        validate_id_token_with_client(sign(rsa_key), minimal, azr=make_azr(issuer=ISSUER), now=NOW)  # type: ignore[arg-type]


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

# JSON values a hostile server may put anywhere: wrong types, nested objects, integers too large for a float,
# NaN and infinities (which Python's JSON encoder and decoder accept).
_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**400, -(10**400), 2**63, 10**20])
    | st.floats()
    | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=8,
)
_CLAIM_NAMES = (
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "nonce",
    "azp",
    "acr",
    "at_hash",
    "c_hash",
    "s_hash",
    "auth_time",
)
_HEADER_NAMES = ("alg", "kid", "typ", "crit", "cty", "jku", "x5c", "b64")
_ROBUSTNESS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def validate_hostile(raw: object, jwks: jwskate.JwkSet, **kwargs: Any) -> None:
    """Validate with every optional check on: only an `InvalidIdToken` may come out, or a valid `IdToken`."""
    try:
        result = validate(
            raw,
            jwks,
            expected_alg="ES256",
            acr_values=["loa1"],
            max_age=60,
            access_token="at",
            code="c",
            state="s",
            refresh_jwks=lambda: jwks,
            **kwargs,
        )
    except InvalidIdToken:
        return
    assert isinstance(result, IdToken)


@_ROBUSTNESS
@given(overrides=st.dictionaries(st.sampled_from(_CLAIM_NAMES), _ANY_JSON, max_size=4))
def test_wrongly_typed_claims_only_raise_invalid_id_token(
    overrides: dict[str, Any], ec_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    validate_hostile(str(jwskate.Jwt.sign({**claims(), **overrides}, ec_key)), jwks)


_DATE_CLAIMS = ("exp", "iat", "nbf", "auth_time")
_HOSTILE_NUMBERS = (
    st.integers()
    | st.integers(min_value=2**1023, max_value=2**1100)
    | st.integers(max_value=-(2**1023), min_value=-(2**1100))
    | st.floats()
    | st.booleans()
    | st.text(max_size=12)
    | st.lists(st.integers(), max_size=2)
)


@_ROBUSTNESS
@given(dates=st.dictionaries(st.sampled_from(_DATE_CLAIMS), _HOSTILE_NUMBERS, min_size=1))
def test_hostile_dates_only_raise_invalid_id_token(
    dates: dict[str, Any], ec_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    """Dates as huge integers (beyond any float), NaN, infinities, strings...: a refusal, never an OverflowError."""
    validate_hostile(str(jwskate.Jwt.sign({**claims(auth_time=NOW_TS - 10), **dates}, ec_key)), jwks)


@_ROBUSTNESS
@given(payload=_ANY_JSON)
def test_any_json_payload_only_raises_invalid_id_token(payload: Any, ec_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    validate_hostile(str(jwskate.Jwt.sign_arbitrary(payload, {"alg": "ES256", "kid": "ec1"}, ec_key)), jwks)


@_ROBUSTNESS
@given(overrides=st.dictionaries(st.sampled_from(_HEADER_NAMES), _ANY_JSON, max_size=3))
def test_hostile_headers_only_raise_invalid_id_token(
    overrides: dict[str, Any], ec_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    headers = {"alg": "ES256", "kid": "ec1", **overrides}
    validate_hostile(str(jwskate.Jwt.sign_arbitrary(claims(), headers, ec_key, alg="ES256")), jwks)


@_ROBUSTNESS
@given(overrides=st.dictionaries(st.sampled_from(_CLAIM_NAMES), _ANY_JSON, max_size=4))
def test_hostile_original_id_token_only_raises_invalid_id_token(
    overrides: dict[str, Any], ec_key: jwskate.Jwk, jwks: jwskate.JwkSet
) -> None:
    """The original ID Token of a refresh, compared with the refreshed one, may be anything too."""
    previous = str(jwskate.Jwt.sign({**claims(), **overrides}, ec_key))
    refreshed = str(jwskate.Jwt.sign(claims(), ec_key))
    validate_hostile(refreshed, jwks, previous_id_token=previous)


_B64U = st.binary(max_size=40).map(lambda data: BinaPy(data).to("b64u").ascii())


@_ROBUSTNESS
@given(
    parts=st.lists(_B64U | st.text(max_size=20), min_size=1, max_size=6),
    header=st.sampled_from(["", BinaPy(b'{"alg":"ES256","kid":"ec1"}').to("b64u").ascii()]),
)
def test_jwt_shaped_garbage_only_raises_invalid_id_token(parts: list[str], header: str, jwks: jwskate.JwkSet) -> None:
    validate_hostile(".".join([header, *parts] if header else parts), jwks)


def test_deeply_nested_json_is_an_invalid_id_token(jwks: jwskate.JwkSet) -> None:
    """A payload nested deeper than the JSON decoder's recursion limit is refused like any malformed token."""
    header = BinaPy(b'{"alg":"ES256","kid":"ec1"}').to("b64u").ascii()
    payload = BinaPy(b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}").to("b64u").ascii()
    with pytest.raises(InvalidIdToken):
        validate(f"{header}.{payload}.c2ln", jwks, expected_alg="ES256")


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


def test_a_bad_signature_is_also_a_jwskate_invalid_signature(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    """Code written for the published releases catches a bad ID Token signature as `jwskate.InvalidSignature`."""
    raw = sign(rsa_key)
    header, claims, signature = raw.split(".")
    forged = f"{header}.{claims}.{signature[:-4]}AAAA"
    with pytest.raises(jwskate.InvalidSignature) as exc_info:
        validate(forged, jwks)
    exc = exc_info.value
    assert isinstance(exc, InvalidIdTokenSignature)
    assert isinstance(exc, InvalidIdToken)
    assert str(exc) == "Invalid ID Token: the signature does not verify"
    assert exc.alg == "RS256"
    assert bytes(exc.data) == f"{header}.{claims}".encode()
    assert exc.key is None


def test_all_refusals_are_value_errors() -> None:
    for cls in (MissingIdToken, InvalidIdTokenSignature, IdTokenIssuedTooLongAgo, UnverifiableIdToken):
        assert issubclass(cls, InvalidIdToken)
        assert issubclass(cls, ValueError)


def test_naive_now_is_utc(rsa_key: jwskate.Jwk, jwks: jwskate.JwkSet) -> None:
    naive_now = NOW.replace(tzinfo=None)
    with pytest.raises(ExpiredIdToken):
        validate(sign(rsa_key, exp=NOW_TS - 1), jwks, now=naive_now)
    assert validate(sign(rsa_key, exp=NOW_TS + 1), jwks, now=naive_now)


@pytest.mark.parametrize(
    "value",
    [
        "MA....",  # five parts whose header is the JSON number 0: jwskate's JWE parser raised AttributeError
        "WzFd.e30.",  # a JWS whose header is the JSON array [1]
        BinaPy(b"[" * 100_000 + b"]" * 100_000).to("b64u").ascii() + ".e30.",  # JSON nested too deeply
    ],
)
def test_unparsable_id_tokens_are_invalid_id_tokens(value: str) -> None:
    from requests_oauth2client.id_token import id_token_converter

    with pytest.raises(InvalidIdToken):
        id_token_converter(value)
