"""ID Token validation (OpenID Connect Core 3.1.3.7, 3.2.2.11 and 12.2), as pure functions.

`validate_id_token()` takes the ID Token and every expected value as parameters and does no I/O, except through
the optional `refresh_jwks` callback, called at most once when the key that signed the token is not in the JWKS.
`validate_id_token_with_client()` gathers those values from a client (usually an `OAuth2Client`) and an
`AuthorizationResponse`; `BearerToken.validate_id_token()` and `BearerToken.validate_refreshed_id_token()` use it.

Every refusal raises a subclass of `InvalidIdToken`; the checks run in this order:

1. presence (`MissingIdToken`), then encryption: a JWE is refused when no encryption is expected
   (`UnexpectedIdTokenEncryption`), a clear JWS when encryption is expected (`MissingIdTokenEncryption`); the JWE
   `alg` must be the expected one and never RSA1_5 (`UnsupportedIdTokenEncryptionAlg`); it is decrypted with the
   decryption key (`IdTokenDecryptionError`).
2. headers: `alg` is a string, never `none`, and equal to the expected alg (`UnsupportedIdTokenAlg`,
   `MismatchingIdTokenAlg`); `kid` is a string when present and `crit` is absent (`InvalidIdTokenHeader`).
3. key and signature: an HMAC alg is keyed with the client secret, never with a JWKS key; an asymmetric alg uses the
   JWKS key with the token `kid` or, without `kid`, the only suitable key; an unknown `kid` (or no suitable key)
   makes the JWKS be fetched again once (`IdTokenSigningKeyNotFound`, `UnverifiableIdToken`,
   `InvalidIdTokenSignature`).
4. claims: `iss` (`MismatchingIdTokenIssuer`), `aud` and `azp` (`MismatchingIdTokenAudience`,
   `MismatchingIdTokenAzp`), `exp` (`ExpiredIdToken`), `iat` (`IdTokenIssuedInTheFuture`,
   `IdTokenIssuedTooLongAgo`), `sub`, `nonce` (`MismatchingIdTokenNonce`), `acr` (`MismatchingIdTokenAcr`),
   `at_hash`/`c_hash`/`s_hash` (`MismatchingIdTokenHash`), `auth_time` with `max_age` (`IdTokenAuthTimeTooOld`),
   and, for a refreshed ID Token, `iss`/`sub` equal to the original ones (`MismatchingIdTokenSubject`).
   Missing required claims raise `MissingIdTokenClaim`, claims of the wrong type `InvalidIdTokenClaim`.
"""

from __future__ import annotations

import functools
import math
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import jwskate

from ._id_token_errors import (
    ExpiredIdToken,
    IdTokenAuthTimeTooOld,
    IdTokenDecryptionError,
    IdTokenIssuedInTheFuture,
    IdTokenIssuedTooLongAgo,
    IdTokenSigningKeyNotFound,
    InvalidIdToken,
    InvalidIdTokenClaim,
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
from .tokens import IdToken, id_token_converter

__all__ = [
    "DEFAULT_ID_TOKEN_ALG",
    "DEFAULT_MAX_IAT_AGE",
    "AuthorizationResponseLike",
    "IdTokenClient",
    "validate_id_token",
    "validate_id_token_with_client",
]

DEFAULT_ID_TOKEN_ALG = "RS256"
"""The ID Token signature alg expected when the client registered none (OpenID Connect Registration)."""
DEFAULT_MAX_IAT_AGE = 24 * 3600
"""How old (in seconds) an ID Token `iat` may be, by default."""
REFUSED_KEY_MANAGEMENT_ALGS = frozenset({"RSA1_5"})

_HMAC_ALGS = frozenset(jwskate.SymmetricJwk.SIGNATURE_ALGORITHMS)
_ASYMMETRIC_ALGS = frozenset(
    name for jwk_class in (jwskate.RSAJwk, jwskate.ECJwk, jwskate.OKPJwk) for name in jwk_class.SIGNATURE_ALGORITHMS
)
_SIGNATURE_ALGS = _HMAC_ALGS | _ASYMMETRIC_ALGS
_VERIFIER_CACHE_SIZE = 64
_EDDSA_CURVES = frozenset({"Ed25519", "Ed448"})

JwksLike = jwskate.JwkSet | Mapping[str, Any]


class IdTokenClient(Protocol):
    """What ID Token validation reads from a client (an `OAuth2Client` fits). Missing attributes count as None."""

    @property
    def client_id(self) -> str: ...  # noqa: D102
    @property
    def client_secret(self) -> str | None: ...  # noqa: D102
    @property
    def issuer(self) -> str | None: ...  # noqa: D102
    @property
    def authorization_server_jwks(self) -> jwskate.JwkSet: ...  # noqa: D102
    @property
    def id_token_signed_response_alg(self) -> str | None: ...  # noqa: D102
    @property
    def id_token_encrypted_response_alg(self) -> str | None: ...  # noqa: D102
    @property
    def id_token_decryption_key(self) -> jwskate.Jwk | None: ...  # noqa: D102
    def update_authorization_server_public_keys(self) -> jwskate.JwkSet: ...  # noqa: D102


class AuthorizationResponseLike(Protocol):
    """What ID Token validation reads from an `AuthorizationResponse`. Missing attributes count as None."""

    @property
    def code(self) -> str: ...  # noqa: D102
    @property
    def state(self) -> str | None: ...  # noqa: D102
    @property
    def nonce(self) -> str | None: ...  # noqa: D102
    @property
    def acr_values(self) -> Iterable[str] | None: ...  # noqa: D102
    @property
    def max_age(self) -> int | None: ...  # noqa: D102
    @property
    def issuer(self) -> str | None: ...  # noqa: D102


def validate_id_token(
    id_token: IdToken | jwskate.JweCompact | str | bytes | None,
    *,
    client_id: str,
    issuer: str | None,
    jwks: JwksLike | None = None,
    expected_alg: str | None = DEFAULT_ID_TOKEN_ALG,
    client_secret: str | None = None,
    encrypted_alg: str | None = None,
    encrypted_enc: str | None = None,
    decryption_key: jwskate.Jwk | Mapping[str, Any] | None = None,
    refresh_jwks: Callable[[], JwksLike] | None = None,
    nonce: str | None = None,
    acr_values: Iterable[str] | str | None = None,
    max_age: int | None = None,
    access_token: str | None = None,
    code: str | None = None,
    state: str | None = None,
    previous_id_token: IdToken | jwskate.JweCompact | str | None = None,
    required_claims: Iterable[str] = (),
    exp_leeway: int = 0,
    iat_leeway: int = 60,
    max_iat_age: int | None = DEFAULT_MAX_IAT_AGE,
    auth_time_leeway: int = 10,
    now: datetime | None = None,
) -> IdToken:
    """Validate an ID Token and return it (decrypted when it was encrypted).

    Args:
        id_token: the ID Token, as received (a JWE is decrypted first).
        client_id: the client_id, which `aud` must contain and `azp` (when present) must equal.
        issuer: the issuer the client trusts, which `iss` must equal. None when the client does not know it: `iss`
            must then only be present (configure the client `issuer`, or use discovery, to get the full check).
        jwks: the Authorization Server public keys.
        expected_alg: the expected signature alg (`id_token_signed_response_alg`); None means RS256.
        client_secret: the client secret, the only key used for HMAC algs.
        encrypted_alg: the expected JWE key management alg (`id_token_encrypted_response_alg`), or None when the
            ID Token must not be encrypted.
        encrypted_enc: the expected JWE `enc`, if it must be checked.
        decryption_key: the client private key that decrypts the ID Token.
        refresh_jwks: called (at most once) to fetch the JWKS again when the signing key is not found.
        nonce: the nonce sent in the authorization request, if any; then `nonce` must be present and equal.
        acr_values: the requested `acr_values`; then `acr` must be one of them.
        max_age: the requested `max_age`; then `auth_time` must be present and recent enough.
        access_token: the access token returned with the ID Token, checked against `at_hash` when present.
        code: the authorization code, checked against `c_hash` when present.
        state: the state, checked against `s_hash`; an `s_hash` without a known state is refused.
        previous_id_token: for a refresh token response, the original ID Token: `iss` and `sub` must be equal.
        required_claims: other claims that must be present (e.g. `c_hash` for a hybrid flow response).
        exp_leeway: seconds of leeway for `exp`.
        iat_leeway: seconds that `iat` may be in the future (clock skew).
        max_iat_age: how many seconds old `iat` may be; None disables that check.
        auth_time_leeway: seconds of leeway for `auth_time` against `max_age`.
        now: the current date (defaults to the system clock; a naive datetime is taken as UTC).

    Returns:
        the validated, clear-text `IdToken`.

    Raises:
        InvalidIdToken: a subclass of it telling which check failed (see the module documentation).
    """
    converted = id_token_converter(id_token)
    if converted is None:
        raise MissingIdToken
    now = now or datetime.now(tz=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    expected_alg = expected_alg or DEFAULT_ID_TOKEN_ALG
    clear = _decrypt(converted, encrypted_alg, encrypted_enc, decryption_key)

    alg = _check_headers(clear, expected_alg)
    key = _signing_key(clear, alg, jwks, refresh_jwks, client_secret)
    _check_signature(clear, key, alg)

    claims = clear.claims
    _check_issuer_and_audience(clear, claims, issuer, client_id)
    _check_dates(clear, claims, now, exp_leeway=exp_leeway, iat_leeway=iat_leeway, max_iat_age=max_iat_age)
    _string_claim(clear, claims, "sub", required=True)
    for claim in required_claims:
        if claims.get(claim) is None:
            raise MissingIdTokenClaim(claim, id_token=clear)
    if nonce is not None:
        received_nonce = _string_claim(clear, claims, "nonce", required=False)
        if received_nonce is None or not secrets.compare_digest(received_nonce.encode(), nonce.encode()):
            raise MismatchingIdTokenNonce(received_nonce, nonce, id_token=clear)
    _check_acr(clear, claims, acr_values)
    _check_hashes(clear, claims, key, alg, access_token=access_token, code=code, state=state)
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
            raise UnverifiableIdToken(f"invalid max_age {max_age!r}", clear)
        _check_auth_time(clear, claims, now, max_age=max_age, leeway=auth_time_leeway)
    if previous_id_token is not None:
        _check_same_session(clear, claims, previous_id_token, decryption_key)
    return clear


def validate_id_token_with_client(
    id_token: IdToken | jwskate.JweCompact | str | bytes | None,
    client: IdTokenClient,
    *,
    azr: AuthorizationResponseLike | None = None,
    previous_id_token: IdToken | jwskate.JweCompact | str | None = None,
    access_token: str | None = None,
    exp_leeway: int = 0,
    auth_time_leeway: int = 10,
    now: datetime | None = None,
) -> IdToken:
    """Validate an ID Token with the configuration of a client, and optionally an AuthorizationResponse.

    The expected issuer is `azr.issuer`, else `client.issuer` (when neither is known, `iss` must only be
    present). `client.update_authorization_server_public_keys()` fetches the JWKS again when needed. Without `azr`
    (refresh token responses, OpenID Connect Core 12.2), nonce, acr, max_age, c_hash and s_hash are not checked;
    give `previous_id_token` to check `iss` and `sub` against it.

    Args:
        id_token: the ID Token to validate.
        client: the client (see `IdTokenClient`).
        azr: the `AuthorizationResponse` whose code was exchanged, for the authorization code flow.
        previous_id_token: the original ID Token, for a refresh token response.
        access_token: the access token returned with the ID Token (for `at_hash`).
        exp_leeway: seconds of leeway for `exp`.
        auth_time_leeway: seconds of leeway for `auth_time`.
        now: the current date (defaults to the system clock).

    Returns:
        the validated, clear-text `IdToken`.

    Raises:
        InvalidIdToken: a subclass of it telling which check failed.
    """
    client_id = _optional_attr(client, "client_id")
    issuer = _optional_attr(azr, "issuer") or _optional_attr(client, "issuer")
    if not isinstance(client_id, str) or not client_id:
        raise UnverifiableIdToken("the client has no client_id")
    update_keys = _optional_attr(client, "update_authorization_server_public_keys")
    return validate_id_token(
        id_token,
        client_id=client_id,
        issuer=issuer if isinstance(issuer, str) and issuer else None,
        jwks=_optional_attr(client, "authorization_server_jwks"),
        expected_alg=_optional_attr(client, "id_token_signed_response_alg"),
        client_secret=_optional_attr(client, "client_secret"),
        encrypted_alg=_optional_attr(client, "id_token_encrypted_response_alg"),
        decryption_key=_optional_attr(client, "id_token_decryption_key"),
        refresh_jwks=update_keys if callable(update_keys) else None,
        nonce=_optional_attr(azr, "nonce"),
        acr_values=_optional_attr(azr, "acr_values"),
        max_age=_optional_attr(azr, "max_age"),
        access_token=access_token,
        code=_optional_attr(azr, "code"),
        state=_optional_attr(azr, "state"),
        previous_id_token=previous_id_token,
        exp_leeway=exp_leeway,
        auth_time_leeway=auth_time_leeway,
        now=now,
    )


def _optional_attr(obj: object, name: str) -> Any:
    """Read an attribute that may be missing (or whose property raises AttributeError) as None."""
    if obj is None:
        return None
    try:
        return getattr(obj, name, None)
    except AttributeError:  # e.g. OAuth2Client.client_id when the auth handler has none
        return None


def _decrypt(
    id_token: IdToken | jwskate.JweCompact,
    encrypted_alg: str | None,
    encrypted_enc: str | None,
    decryption_key: jwskate.Jwk | Mapping[str, Any] | None,
) -> IdToken:
    """Check that the token is encrypted exactly when expected, and decrypt it."""
    if isinstance(id_token, IdToken):
        if encrypted_alg is not None:
            raise MissingIdTokenEncryption(id_token=id_token)
        return id_token
    if encrypted_alg is None:
        raise UnexpectedIdTokenEncryption(id_token=id_token)
    jwe_alg = id_token.headers.get("alg")
    if jwe_alg in REFUSED_KEY_MANAGEMENT_ALGS or jwe_alg != encrypted_alg:
        raise UnsupportedIdTokenEncryptionAlg(jwe_alg, encrypted_alg, id_token=id_token)
    if encrypted_enc is not None and id_token.headers.get("enc") != encrypted_enc:
        raise UnsupportedIdTokenEncryptionAlg(id_token.headers.get("enc"), encrypted_enc, id_token=id_token)
    if decryption_key is None:
        raise UnverifiableIdToken("the ID Token is encrypted and the client has no decryption key", id_token)
    try:
        plaintext = id_token.decrypt(jwskate.to_jwk(decryption_key), alg=encrypted_alg)
    except Exception as exc:
        raise IdTokenDecryptionError("the ID Token cannot be decrypted", id_token) from exc
    try:
        return IdToken(bytes(plaintext))
    except (ValueError, TypeError) as exc:
        raise IdTokenDecryptionError("the decrypted ID Token is not a signed JWT", id_token) from exc


def _check_headers(id_token: IdToken, expected_alg: str) -> str:
    """Check the `alg`, `kid` and `crit` headers; return the alg."""
    alg = id_token.headers.get("alg")
    if not isinstance(alg, str):
        raise InvalidIdTokenHeader("alg", id_token=id_token)
    if alg not in _SIGNATURE_ALGS:  # includes "none"
        raise UnsupportedIdTokenAlg(id_token=id_token, alg=alg)
    if expected_alg not in _SIGNATURE_ALGS:
        raise UnsupportedIdTokenAlg(id_token=id_token, alg=expected_alg)
    if alg != expected_alg:
        raise MismatchingIdTokenAlg(alg, expected_alg, id_token=id_token)
    kid = id_token.headers.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise InvalidIdTokenHeader("kid", id_token=id_token)
    if "crit" in id_token.headers:  # RFC 7515 4.1.11: no extension is understood here
        raise InvalidIdTokenHeader("crit", id_token=id_token)
    return alg


def _signing_key(
    id_token: IdToken,
    alg: str,
    jwks: JwksLike | None,
    refresh_jwks: Callable[[], JwksLike] | None,
    client_secret: str | None,
) -> jwskate.Jwk:
    """Select the verification key: the client secret for HMAC, else a JWKS key (refreshing the JWKS once)."""
    if alg in _HMAC_ALGS:
        if not isinstance(client_secret, str) or not client_secret:
            raise UnverifiableIdToken(f"the ID Token uses {alg}, but the client has no client secret", id_token)
        return jwskate.SymmetricJwk.from_bytes(client_secret.encode())

    kid: str | None = id_token.headers.get("kid")
    candidates = _suitable_keys(id_token, jwks, alg, kid)
    if not candidates and refresh_jwks is not None:  # unknown kid or no usable key: maybe the keys were rotated
        try:
            refreshed = refresh_jwks()
        except Exception as exc:
            raise IdTokenSigningKeyNotFound(
                "the signing key is not in the JWKS, and fetching the JWKS again failed", id_token=id_token, kid=kid
            ) from exc
        candidates = _suitable_keys(id_token, refreshed, alg, kid)
    if not candidates:
        what = f"no key with kid {kid!r}" if kid is not None else "no key"
        raise IdTokenSigningKeyNotFound(f"{what} suitable for {alg} in the JWKS", id_token=id_token, kid=kid)
    if len(candidates) > 1:
        raise IdTokenSigningKeyNotFound(
            f"several keys of the JWKS are suitable for {alg}, and the ID Token has no kid"
            if kid is None
            else f"several keys of the JWKS have kid {kid!r}",
            id_token=id_token,
            kid=kid,
        )
    return candidates[0]


def _suitable_keys(id_token: IdToken, jwks: JwksLike | None, alg: str, kid: str | None) -> list[jwskate.Jwk]:
    """Return the keys of a JWKS that may verify an `alg` signature (and have that `kid`, if given).

    A private key is returned as is: the signature is checked with its public part (see `_check_signature`).
    """
    if not jwks:
        return []
    try:
        keys = (jwks if isinstance(jwks, jwskate.JwkSet) else jwskate.JwkSet(jwks)).jwks
        return [key for key in keys if (kid is None or key.data.get("kid") == kid) and _is_suitable(key, alg)]
    except Exception as exc:  # a malformed JWKS
        raise UnverifiableIdToken("the Authorization Server JWKS is not valid", id_token) from exc


def _is_suitable(key: jwskate.Jwk, alg: str) -> bool:
    # `Jwk` is a `UserDict`: its `data` dict is read directly, as `Jwk.get()` is slow for absent members.
    members = key.data
    if key.is_symmetric or alg not in key.supported_signing_algorithms():
        return False
    if key.kty == "OKP" and members.get("crv") not in _EDDSA_CURVES:
        return False
    key_ops = members.get("key_ops")
    return (
        members.get("use") in (None, "sig")
        and members.get("alg") in (None, alg)
        and (key_ops is None or (isinstance(key_ops, list) and "verify" in key_ops))
    )


def _check_signature(id_token: IdToken, key: jwskate.Jwk, alg: str) -> None:
    """Verify the signature with jwskate: the client secret for HMAC, else a cached verifier of the public key."""
    try:
        if key.is_symmetric:  # the client secret: never cached
            verified = key.verify(id_token.signed_part, id_token.signature, alg=alg)
        else:
            verified = _public_verifier(key, alg).verify(id_token.signed_part, id_token.signature)
    except Exception as exc:
        raise InvalidIdTokenSignature(id_token=id_token) from exc
    if not verified:
        raise InvalidIdTokenSignature(id_token=id_token)


def _public_verifier(key: jwskate.Jwk, alg: str) -> jwskate.BaseSignatureAlg:
    """Return the jwskate verifier for the public part of an asymmetric key and an alg.

    jwskate creates the `cryptography` public key of a `Jwk` object the first time that object verifies (decoding and
    checking the big integers costs more than an RSA signature check). A `Jwk` that does not live long -- a JWKS
    given as a dict, a private key in the JWKS (whose public part is a new `Jwk` each time), a JwkSet refreshed with
    the same keys -- would pay that at every validation. Verifiers are therefore cached by alg and by the *content*
    of the public key (never by `kid`): a rotated key gets its own verifier even if its `kid` is reused, and nothing
    private or secret is kept in the cache.
    """
    public_key = (("kty", key.kty), *((name, key.data.get(name)) for name in _public_members(type(key))))
    if not all(isinstance(value, str) for _, value in public_key):  # unusual key material: not cached
        return key.public_jwk().signature_wrapper(alg)
    return _cached_public_verifier(alg, public_key)


@functools.lru_cache(maxsize=_VERIFIER_CACHE_SIZE)
def _cached_public_verifier(alg: str, public_key: tuple[tuple[str, Any], ...]) -> jwskate.BaseSignatureAlg:
    return jwskate.Jwk(dict(public_key)).signature_wrapper(alg)


@functools.cache
def _public_members(jwk_class: type[jwskate.Jwk]) -> tuple[str, ...]:
    """The names of the public key members of a JWK type (`n` and `e` for RSA; `crv`, `x` and `y` for EC...)."""
    return tuple(name for name, param in jwk_class.PARAMS.items() if not param.is_private)


def _string_claim(id_token: IdToken, claims: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise MissingIdTokenClaim(name, id_token=id_token)
        return None
    if not isinstance(value, str):
        raise InvalidIdTokenClaim(name, id_token=id_token)
    return value


def _numeric_date(id_token: IdToken, claims: Mapping[str, Any], name: str) -> float:
    """Return a required NumericDate claim (RFC 7519: a finite JSON number) as a float timestamp."""
    value = claims.get(name)
    if value is None:
        raise MissingIdTokenClaim(name, id_token=id_token)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidIdTokenClaim(name, id_token=id_token)
    return float(value)


def _as_datetime(timestamp: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(timestamp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _check_issuer_and_audience(
    id_token: IdToken, claims: Mapping[str, Any], issuer: str | None, client_id: str
) -> None:
    iss = _string_claim(id_token, claims, "iss", required=True)
    if issuer is not None and iss != issuer:
        raise MismatchingIdTokenIssuer(iss, issuer, id_token=id_token)

    aud = claims.get("aud")
    if aud is None:
        raise MissingIdTokenClaim("aud", id_token=id_token)
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
        raise InvalidIdTokenClaim("aud", id_token=id_token)
    if client_id not in audiences:
        raise MismatchingIdTokenAudience(audiences, client_id, id_token=id_token)

    azp = _string_claim(id_token, claims, "azp", required=len(set(audiences)) > 1)
    if azp is not None and azp != client_id:
        raise MismatchingIdTokenAzp(azp, client_id, id_token=id_token)


def _check_dates(
    id_token: IdToken,
    claims: Mapping[str, Any],
    now: datetime,
    *,
    exp_leeway: int,
    iat_leeway: int,
    max_iat_age: int | None,
) -> None:
    now_ts = now.timestamp()
    exp = _numeric_date(id_token, claims, "exp")
    if now_ts >= exp + exp_leeway:
        raise ExpiredIdToken(id_token=id_token, now=now)
    iat = _numeric_date(id_token, claims, "iat")
    if iat > now_ts + iat_leeway:
        raise IdTokenIssuedInTheFuture(_as_datetime(iat), now + timedelta(seconds=iat_leeway), id_token=id_token)
    if max_iat_age is not None and now_ts - iat > max_iat_age:
        raise IdTokenIssuedTooLongAgo(_as_datetime(iat), now - timedelta(seconds=max_iat_age), id_token=id_token)


def _check_acr(id_token: IdToken, claims: Mapping[str, Any], acr_values: Iterable[str] | str | None) -> None:
    if acr_values is None:
        return
    expected = acr_values.split() if isinstance(acr_values, str) else list(acr_values)
    if not expected:
        return
    acr = _string_claim(id_token, claims, "acr", required=False)
    # `acr_values` is a voluntary request (OpenID Connect Core §3.1.2.1): the AS may leave `acr` out, but an
    # `acr` it does return must be one of the requested values.
    if acr is not None and acr not in expected:
        raise MismatchingIdTokenAcr(acr, expected, id_token=id_token)


def _check_hashes(
    id_token: IdToken,
    claims: Mapping[str, Any],
    key: jwskate.Jwk,
    alg: str,
    *,
    access_token: str | None,
    code: str | None,
    state: str | None,
) -> None:
    """Check `at_hash`, `c_hash` and `s_hash` when present (an `s_hash` without a known state is refused)."""
    hash_method: Callable[[str], str] | None = None  # built only when a hash claim is to be checked
    for claim, value in (("at_hash", access_token), ("c_hash", code), ("s_hash", state)):
        received = _string_claim(id_token, claims, claim, required=False)
        if received is None or (value is None and claim != "s_hash"):
            continue
        if value is None:
            raise MismatchingIdTokenHash(claim, id_token=id_token)
        hash_method = hash_method or IdToken.hash_method(key, alg)
        if not secrets.compare_digest(received.encode(), hash_method(value).encode()):
            raise MismatchingIdTokenHash(claim, id_token=id_token)


def _check_auth_time(id_token: IdToken, claims: Mapping[str, Any], now: datetime, *, max_age: int, leeway: int) -> None:
    auth_time = _numeric_date(id_token, claims, "auth_time")
    limit = now.timestamp() - max_age - leeway
    if auth_time < limit:
        raise IdTokenAuthTimeTooOld(
            _as_datetime(auth_time), now - timedelta(seconds=max_age + leeway), id_token=id_token
        )


def _check_same_session(
    id_token: IdToken,
    claims: Mapping[str, Any],
    previous: IdToken | jwskate.JweCompact | str,
    decryption_key: jwskate.Jwk | Mapping[str, Any] | None,
) -> None:
    """OpenID Connect Core 12.2: a refreshed ID Token has the same `iss` and `sub` as the original one."""
    original = _read_original(id_token, previous, decryption_key)
    original_iss = original.claims.get("iss")
    if claims.get("iss") != original_iss:
        raise MismatchingIdTokenIssuer(claims.get("iss"), original_iss, id_token=id_token)
    original_sub = original.claims.get("sub")
    if claims.get("sub") != original_sub:
        raise MismatchingIdTokenSubject(claims.get("sub"), original_sub, id_token=id_token)


def _read_original(
    id_token: IdToken,
    previous: IdToken | jwskate.JweCompact | str,
    decryption_key: jwskate.Jwk | Mapping[str, Any] | None,
) -> IdToken:
    """Read the original ID Token of a refreshed one (decrypting it if needed; it was validated when received)."""
    try:
        original = id_token_converter(previous)
    except InvalidIdToken as exc:
        raise UnverifiableIdToken("the original ID Token cannot be read", id_token) from exc
    if isinstance(original, IdToken):
        return original
    if original is None or decryption_key is None:
        raise UnverifiableIdToken("the original ID Token is encrypted and there is no decryption key", id_token)
    try:
        return IdToken(bytes(original.decrypt(jwskate.to_jwk(decryption_key))))
    except Exception as exc:
        raise UnverifiableIdToken("the original ID Token cannot be decrypted", id_token) from exc
