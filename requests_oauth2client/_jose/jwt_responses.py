"""Signed or encrypted endpoint responses: UserInfo as a JWT (OpenID Connect Core §5.3.2), JWT introspection (RFC 9701).

`verify_jwt_response()` checks a response body and returns its claims; it is pure (the only I/O, fetching the JWKS
again, is a callback). The checks, in order (each refusal is a `JwtValidationError` subclass):

1. the body is a compact JWS or JWE (`MalformedJwt`), and the expected issuer is known (`UnverifiableJwt`);
2. encryption: a JWE exactly when an encryption alg is expected, with that alg (never RSA1_5) and `enc` (when
   given), decrypted with the client keys (`UnexpectedJwtEncryption`, `MissingJwtEncryption`,
   `UnsupportedJwtEncryptionAlg`, `JwtDecryptionError`, `UnverifiableJwt`); an encrypted response that is not
   expected signed holds a JSON object, returned as is (the TLS connection authenticates it, as a JSON answer);
3. headers: `alg` is the expected one, never `none`; `kid` a string; no `crit`; `typ` the expected one (required for
   introspection: `token-introspection+jwt`), else not typing the JWT as another kind of token (`InvalidJwtHeader`,
   `UnsupportedJwtAlg`, `MismatchingJwtAlg`);
4. signature, with the same key rules as ID Tokens (`JwtSigningKeyNotFound`, `InvalidJwtSignature`);
5. `iss` is the client's issuer, `aud` contains the client_id (`MismatchingJwtClaim`, `MissingJwtClaim`);
6. `iat` (required for introspection, checked when present otherwise) not in the future nor too old, `exp` and `nbf`
   when present (`JwtIssuedInTheFuture`, `JwtIssuedTooLongAgo`, `ExpiredJwt`, `JwtNotYetValid`);
7. for introspection, `token_introspection` is a JSON object with a boolean `active`: it is the answer
   (`MissingJwtClaim`, `InvalidJwtClaim`).

`OAuth2Client.userinfo()` and `introspect_token()` call it and raise `InvalidJwtUserinfoResponse` or
`InvalidJwtIntrospectionResponse`, which carry the HTTP response and the refusal as `.reason`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwskate
import requests

from requests_oauth2client._errors.jwt import (
    InvalidJwtClaim,
    JwtDecryptionError,
    JwtFailures,
    JwtValidationError,
    MalformedJwt,
    MissingJwtClaim,
    UnverifiableJwt,
)
from requests_oauth2client._jose.checks import (
    JwksLike,
    KeysLike,
    check_signature_headers,
    decrypt_if_expected,
    decrypt_jwe,
    parse_jws_or_jwe,
    parse_signed_jwt,
    verify_signature,
)
from requests_oauth2client._jose.claims import check_audience, check_dates, check_issuer, utc_now
from requests_oauth2client.exceptions import InvalidUserinfoResponse, OAuth2Error

__all__ = [
    "INTROSPECTION_KIND",
    "JWT_INTROSPECTION_MEDIA_TYPE",
    "JWT_INTROSPECTION_TYP",
    "JWT_MEDIA_TYPE",
    "USERINFO_KIND",
    "InvalidJwtIntrospectionResponse",
    "InvalidJwtResponse",
    "InvalidJwtUserinfoResponse",
    "verify_introspection_jwt",
    "verify_jwt_response",
]

USERINFO_KIND = "UserInfo response"
INTROSPECTION_KIND = "introspection response"
JWT_INTROSPECTION_TYP = "token-introspection+jwt"
"""The `typ` of JWT introspection responses (RFC 9701 §5)."""
JWT_MEDIA_TYPE = "application/jwt"
"""The media type of signed or encrypted UserInfo responses (OpenID Connect Core §5.3.2)."""
JWT_INTROSPECTION_MEDIA_TYPE = "application/token-introspection+jwt"
"""The media type a client asks for (`Accept`) to get a JWT introspection response (RFC 9701 §4)."""


class InvalidJwtResponse(OAuth2Error):
    """A signed or encrypted response of an endpoint does not pass validation.

    Attributes:
        reason: the refusal, a `JwtValidationError` subclass telling which check failed.
    """

    def __init__(self, response: requests.Response, client: Any, reason: JwtValidationError) -> None:
        super().__init__(response, client, str(reason))
        self.reason = reason


class InvalidJwtUserinfoResponse(InvalidJwtResponse, InvalidUserinfoResponse):
    """A signed or encrypted UserInfo response (`application/jwt`) does not pass validation."""


class InvalidJwtIntrospectionResponse(InvalidJwtResponse):
    """A JWT introspection response (RFC 9701) does not pass validation."""


def verify_jwt_response(
    body: str | bytes,
    *,
    kind: str,
    client_id: str,
    issuer: str | None,
    jwks: JwksLike | None,
    signed_alg: str | None,
    encrypted_alg: str | None = None,
    encrypted_enc: str | None = None,
    decryption_keys: KeysLike | None = None,
    client_secret: str | None = None,
    refresh_jwks: Callable[[], JwksLike] | None = None,
    expected_typ: str | None = None,
    iat_required: bool = False,
    exp_leeway: int = 0,
    iat_leeway: int = 60,
    max_iat_age: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Verify a signed and/or encrypted response body and return its claims (see the module documentation).

    Args:
        body: the response body.
        kind: what the response is, as error messages name it.
        client_id: the client_id, which `aud` must contain.
        issuer: the issuer the client trusts, which `iss` must equal.
        jwks: the Authorization Server public keys.
        signed_alg: the expected signature alg; None when the response is only encrypted (then `encrypted_alg` is
            required).
        encrypted_alg: the expected JWE key management alg, or None when the response must not be encrypted.
        encrypted_enc: the expected JWE `enc`, if it must be checked.
        decryption_keys: the client private key (or keys) that decrypt the response.
        client_secret: the client secret, the only key used for HMAC algs.
        refresh_jwks: called (at most once) to fetch the JWKS again for an unknown key.
        expected_typ: the required `typ` (None: any `typ` but one that types the JWT as another kind of token).
        iat_required: whether `iat` must be present.
        exp_leeway: seconds of leeway for `exp`.
        iat_leeway: seconds that `iat` and `nbf` may be in the future (clock skew).
        max_iat_age: how many seconds old `iat` may be; None disables that check.
        now: the current date (defaults to the system clock).

    Returns:
        the claims of the response.

    Raises:
        JwtValidationError: a subclass of it telling which check failed.
    """
    failures = JwtFailures(kind)
    parsed = parse_jws_or_jwe(body.strip())
    if parsed is None:
        raise MalformedJwt(kind, body)
    if not isinstance(issuer, str) or not issuer:
        raise UnverifiableJwt(kind, "the issuer of the Authorization Server is not known", parsed)
    if signed_alg is None:
        if encrypted_alg is None:
            raise UnverifiableJwt(kind, "no signature nor encryption alg is configured", parsed)
        return _encrypted_json(parsed, kind, encrypted_alg, encrypted_enc, decryption_keys, failures)
    clear = decrypt_if_expected(
        parsed, alg=encrypted_alg, enc=encrypted_enc, keys=decryption_keys, failures=failures, nested=parse_signed_jwt
    )
    alg = check_signature_headers(
        clear, signed_alg, failures, expected_typ=expected_typ, typ_required=expected_typ is not None
    )
    verify_signature(clear, alg, jwks, refresh_jwks, client_secret, failures)
    claims: dict[str, Any] = clear.claims
    check_issuer(clear, claims, issuer, failures)
    check_audience(clear, claims, client_id, failures)
    check_dates(
        clear,
        claims,
        utc_now(now),
        failures,
        exp_required=False,
        iat_required=iat_required,
        exp_leeway=exp_leeway,
        iat_leeway=iat_leeway,
        max_iat_age=max_iat_age,
    )
    return claims


def verify_introspection_jwt(body: str | bytes, **kwargs: Any) -> dict[str, Any]:
    """Verify a JWT introspection response (RFC 9701 §5) and return its `token_introspection` claim.

    The keyword arguments are those of `verify_jwt_response()`, but `kind`, `expected_typ` and `iat_required`.

    Raises:
        JwtValidationError: a subclass of it telling which check failed.
    """
    claims = verify_jwt_response(
        body, kind=INTROSPECTION_KIND, expected_typ=JWT_INTROSPECTION_TYP, iat_required=True, **kwargs
    )
    introspection = claims.get("token_introspection")
    if introspection is None:
        raise MissingJwtClaim(INTROSPECTION_KIND, "token_introspection", body)
    if not isinstance(introspection, dict) or not isinstance(introspection.get("active"), bool):
        raise InvalidJwtClaim(INTROSPECTION_KIND, "token_introspection", introspection, body)
    return introspection


def _encrypted_json(
    jwe: jwskate.SignedJwt | jwskate.JweCompact,
    kind: str,
    alg: str,
    enc: str | None,
    keys: KeysLike | None,
    failures: JwtFailures,
) -> dict[str, Any]:
    """Decrypt a response encrypted, but not signed: its payload is a JSON object."""
    if not isinstance(jwe, jwskate.JweCompact):
        raise failures.missing_encryption(jwe)
    payload = decrypt_jwe(jwe, alg=alg, enc=enc, keys=keys, failures=failures)
    try:
        claims = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise JwtDecryptionError(kind, "the decrypted content is not JSON", jwe) from exc
    if not isinstance(claims, dict):
        raise InvalidJwtClaim(kind, "payload", claims, jwe)
    return claims
