"""The claim steps of ID Token validation after the signature (step 4 of `validate_id_token()`), as named checks.

Private module, used by [requests_oauth2client.id_token][], whose docstring lists the checks in order. The rules shared
with every JWT of the AS (`iss`, `aud`, dates) are in `_jose.claims`; each step here raises a precise subclass of
`InvalidIdToken` carrying the received and expected values. Typed on `jwskate.SignedJwt`: `IdToken` is one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import jwskate
from binapy import BinaPy
from cryptography.hazmat.primitives import hashes

from requests_oauth2client._errors.id_token import (
    IdTokenAuthTimeInTheFuture,
    IdTokenAuthTimeTooOld,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAzp,
    MismatchingIdTokenHash,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MismatchingIdTokenSubject,
    MismatchingRefreshedIdTokenClaim,
    UnverifiableIdToken,
)
from requests_oauth2client._jose.claims import as_datetime, check_audience, check_issuer
from requests_oauth2client._jose.claims import numeric_date as _numeric_date
from requests_oauth2client._jose.claims import string_claim as _string_claim
from requests_oauth2client._jose.id_token_signature import ID_TOKEN_FAILURES
from requests_oauth2client.utils import split_space_separated

__all__ = [
    "check_acr",
    "check_auth_time",
    "check_hashes",
    "check_issuer_and_audience",
    "check_nonce",
    "check_same_session",
    "hash_method",
    "numeric_date",
    "string_claim",
]

_HASHED_SIGNATURE_ALGS: Mapping[str, type[jwskate.BaseSignatureAlg]] = {
    name: alg_class
    for jwk_class in (jwskate.RSAJwk, jwskate.ECJwk, jwskate.OKPJwk, jwskate.SymmetricJwk)
    for name, alg_class in jwk_class.SIGNATURE_ALGORITHMS.items()
}
_EDDSA_HASHES: Mapping[str, Callable[[], hashes.HashAlgorithm]] = {
    "Ed25519": hashes.SHA512,
    "Ed448": lambda: hashes.SHAKE256(114),
}


def hash_method(key: jwskate.Jwk | Mapping[str, Any], alg: str | None = None) -> Callable[[str], str]:
    """Return the function computing `at_hash`, `c_hash` and `s_hash` values for a signing key and alg.

    The hash is the left half of the digest of the ASCII value with the hash function of the signature alg,
    base64url-encoded. For EdDSA the function depends on the curve: SHA-512 for Ed25519, SHAKE256 (114 bytes)
    for Ed448.

    Args:
        key: the key that signs (or verifies) the ID Token.
        alg: the signature alg; defaults to the key `alg`.

    Returns:
        a callable taking the value to protect and returning its hash.

    Raises:
        jwskate.UnsupportedAlg: if the alg is unknown, or EdDSA with an unknown curve.
        jwskate.ExpectedAlgRequired: if neither `alg` nor the key gives an alg.

    Example:
        >>> key = jwskate.Jwk.generate(alg="ES256")
        >>> len(hash_method(key)("an_access_token"))
        22
    """
    jwk = jwskate.to_jwk(key)
    alg = alg or jwk.alg
    if alg is None:
        msg = "an alg is required to compute an ID Token hash"
        raise jwskate.ExpectedAlgRequired(msg)
    hash_factory: Callable[[], hashes.HashAlgorithm]
    if alg == "EdDSA":
        crv = jwk.get("crv")
        if not isinstance(crv, str) or crv not in _EDDSA_HASHES:
            raise jwskate.UnsupportedAlg(f"EdDSA with curve {crv!r}")
        hash_factory = _EDDSA_HASHES[crv]
    elif alg in _HASHED_SIGNATURE_ALGS:
        hashing_alg = _HASHED_SIGNATURE_ALGS[alg].hashing_alg
        hash_factory = lambda: hashing_alg  # noqa: E731
    else:
        raise jwskate.UnsupportedAlg(alg)

    def hash_value(value: str) -> str:
        hasher = hashes.Hash(hash_factory())
        hasher.update(value.encode())
        digest = hasher.finalize()
        return BinaPy(digest[: len(digest) // 2]).to("b64u").ascii()

    return hash_value


def string_claim(id_token: jwskate.SignedJwt, claims: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    """Return a string claim, or None when it is absent and not required (with the ID Token errors)."""
    return _string_claim(id_token, claims, name, required=required, failures=ID_TOKEN_FAILURES)


def numeric_date(id_token: jwskate.SignedJwt, claims: Mapping[str, Any], name: str) -> float:
    """Return a required NumericDate claim as a timestamp (with the ID Token errors)."""
    return _numeric_date(id_token, claims, name, ID_TOKEN_FAILURES)


def check_issuer_and_audience(
    id_token: jwskate.SignedJwt, claims: Mapping[str, Any], issuer: str, client_id: str
) -> None:
    """`iss` is the expected issuer; `aud` contains the client_id; `azp`, required with several audiences, is it."""
    check_issuer(id_token, claims, issuer, ID_TOKEN_FAILURES)
    audiences = check_audience(id_token, claims, client_id, ID_TOKEN_FAILURES)
    azp = string_claim(id_token, claims, "azp", required=len(set(audiences)) > 1)
    if azp is not None and azp != client_id:
        raise MismatchingIdTokenAzp(azp, client_id, id_token=id_token)


def check_nonce(id_token: jwskate.SignedJwt, claims: Mapping[str, Any], nonce: str | None) -> None:
    """With a nonce in the authorization request, `nonce` is present and equal (compared in constant time)."""
    if nonce is None:
        return
    received = string_claim(id_token, claims, "nonce", required=False)
    if received is None or not secrets.compare_digest(received.encode(), nonce.encode()):
        raise MismatchingIdTokenNonce(received, nonce, id_token=id_token)


def check_acr(id_token: jwskate.SignedJwt, claims: Mapping[str, Any], acr_values: Iterable[str] | str | None) -> None:
    """With `acr_values` in the request, an `acr` the AS returns is one of them."""

    def invalid(value: object) -> Exception:
        return UnverifiableIdToken(f"`acr_values` is neither a string nor strings: {type(value).__name__}", id_token)

    expected = [value for value in split_space_separated(acr_values, invalid) or () if value]
    if not expected:
        return
    acr = string_claim(id_token, claims, "acr", required=False)
    # `acr_values` is a voluntary request (OpenID Connect Core §3.1.2.1): the AS may leave `acr` out, but an
    # `acr` it does return must be one of the requested values.
    if acr is not None and acr not in expected:
        raise MismatchingIdTokenAcr(acr, expected, id_token=id_token)


def check_hashes(
    id_token: jwskate.SignedJwt,
    claims: Mapping[str, Any],
    key: jwskate.Jwk,
    alg: str,
    *,
    access_token: str | None,
    code: str | None,
    state: str | None,
) -> None:
    """Check `at_hash`, `c_hash` and `s_hash` when present (an `s_hash` without a known state is refused)."""
    hash_of: Callable[[str], str] | None = None  # built only when a hash claim is to be checked
    for claim, value in (("at_hash", access_token), ("c_hash", code), ("s_hash", state)):
        received = string_claim(id_token, claims, claim, required=False)
        if received is None or (value is None and claim != "s_hash"):
            continue
        if value is None:
            raise MismatchingIdTokenHash(claim, id_token=id_token)
        hash_of = hash_of or hash_method(key, alg)
        if not secrets.compare_digest(received.encode(), hash_of(value).encode()):
            raise MismatchingIdTokenHash(claim, id_token=id_token)


def check_auth_time(
    id_token: jwskate.SignedJwt,
    claims: Mapping[str, Any],
    now: datetime,
    *,
    max_age: int | None,
    max_age_leeway: int,
    clock_leeway: int,
) -> None:
    """`auth_time`, when present, is never in the future; with `max_age`, it is required and recent enough."""
    if max_age is None and claims.get("auth_time") is None:
        return
    auth_time = numeric_date(id_token, claims, "auth_time")
    now_ts = now.timestamp()
    if auth_time > now_ts + clock_leeway:
        raise IdTokenAuthTimeInTheFuture(
            as_datetime(auth_time), now + timedelta(seconds=clock_leeway), id_token=id_token
        )
    if max_age is not None and auth_time < now_ts - max_age - max_age_leeway:
        raise IdTokenAuthTimeTooOld(
            as_datetime(auth_time), now - timedelta(seconds=max_age + max_age_leeway), id_token=id_token
        )


def check_same_session(id_token: jwskate.SignedJwt, claims: Mapping[str, Any], original: Mapping[str, Any]) -> None:
    """OpenID Connect Core 12.2: a refreshed ID Token belongs to the same authentication as the original one.

    `iss`, `sub`, `aud` (compared as a set) and `azp` (present in both or in neither) are the same; an `auth_time`,
    when present, is the time of the original authentication. `original` holds the claims of the original ID Token.
    """
    if claims.get("iss") != original.get("iss"):
        raise MismatchingIdTokenIssuer(claims.get("iss"), original.get("iss"), id_token=id_token)
    if claims.get("sub") != original.get("sub"):
        raise MismatchingIdTokenSubject(claims.get("sub"), original.get("sub"), id_token=id_token)
    if _audience_set(claims.get("aud")) != _audience_set(original.get("aud")):
        raise MismatchingRefreshedIdTokenClaim("aud", claims.get("aud"), original.get("aud"), id_token=id_token)
    if claims.get("azp") != original.get("azp"):
        raise MismatchingRefreshedIdTokenClaim("azp", claims.get("azp"), original.get("azp"), id_token=id_token)
    auth_time = claims.get("auth_time")
    if auth_time is not None and auth_time != original.get("auth_time"):
        raise MismatchingRefreshedIdTokenClaim("auth_time", auth_time, original.get("auth_time"), id_token=id_token)


def _audience_set(aud: object) -> frozenset[str] | None:
    """An `aud` value as a set of audiences, or None when it is not a string or a list of strings."""
    audiences = [aud] if isinstance(aud, str) else aud
    if isinstance(audiences, list) and all(isinstance(audience, str) for audience in audiences):
        return frozenset(audiences)
    return None
