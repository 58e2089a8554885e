"""Logout: back-channel logout tokens, RP-initiated logout requests, front-channel logout requests.

- **Back-channel logout** (OpenID Connect Back-Channel Logout 1.0): the Authorization Server POSTs a `logout_token`
  to the client's `backchannel_logout_uri`. `validate_logout_token()` checks it and returns a `LogoutToken`, whose
  `sub` and `sid` tell the application which user or session to log out. It is pure, like ID Token validation:
  every expected value and `now` are parameters, and the only I/O needs are injected: fetching the JWKS again (a
  callback, called at most once) and remembering the `jti` of accepted tokens (a `ReplayCache`).
  `validate_logout_token_with_client()` takes the expected values from a client; `requests_oauth2client.flask`
  has a ready-made endpoint.
- **RP-initiated logout** (OpenID Connect RP-Initiated Logout 1.0): `EndSessionRequest` builds the URL of the
  `end_session_endpoint` and validates the return to `post_logout_redirect_uri`.
- **Front-channel logout** (OpenID Connect Front-Channel Logout 1.0): `validate_frontchannel_logout()` checks the
  `iss` and `sid` parameters of a request to the client's `frontchannel_logout_uri`.

A logout token is accepted only when all these checks pass, in this order (every refusal raises a subclass of
`JwtValidationError`):

1. it is a compact JWS or JWE (`MalformedJwt`), and the expected issuer is known (`UnverifiableJwt`);
2. encryption, as for ID Tokens: a JWE exactly when ID Tokens are encrypted (`id_token_encrypted_response_alg`), with
   that alg, never RSA1_5, decrypted with the client key (`UnexpectedJwtEncryption`, `MissingJwtEncryption`,
   `UnsupportedJwtEncryptionAlg`, `JwtDecryptionError`);
3. headers: `alg` is the ID Token alg (`id_token_signed_response_alg`, RS256 by default), never `none`
   (`UnsupportedJwtAlg`, `MismatchingJwtAlg`); `kid` is a string, `crit` absent, and `typ`, when present,
   `logout+jwt` (`InvalidJwtHeader`);
4. signature, as for ID Tokens: the AS key of the `kid` (or the single suitable key), the client secret for an HMAC
   alg, the JWKS fetched again once for an unknown key (`JwtSigningKeyNotFound`, `InvalidJwtSignature`,
   `UnverifiableJwt`);
5. `iss` is the client's issuer, `aud` contains the client_id (`MismatchingJwtClaim`, `MissingJwtClaim`,
   `InvalidJwtClaim`);
6. `iat` is present, not in the future and not older than `max_iat_age`; `exp`, when present, is not past; `nbf`,
   when present, not in the future (`JwtIssuedInTheFuture`, `JwtIssuedTooLongAgo`, `ExpiredJwt`, `JwtNotYetValid`);
7. `jti` is present (`MissingJwtClaim`);
8. `events` is a JSON object with a `http://schemas.openid.net/event/backchannel-logout` member whose value is a
   JSON object (`MissingLogoutEvent`);
9. `sub` or `sid`, or both, are present, as strings; `sid` is required with `session_required`
   (`MissingLogoutTokenSubject`, `MissingJwtClaim`, `InvalidJwtClaim`);
10. there is no `nonce` (`NonceInLogoutToken`), so that an ID Token cannot pass for a logout token;
11. the `jti` was not received before from this issuer (`ReplayedLogoutToken`): it is remembered in the replay cache
    until the token would be refused anyway (its `exp`, or `iat` + `max_iat_age`). This is the last check, so that
    only valid tokens are remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import jwskate
from attrs import field, frozen

from requests_oauth2client._errors.jwt import (
    ExpiredJwt,
    InvalidJwtClaim,
    InvalidJwtEncryption,
    InvalidJwtHeader,
    InvalidJwtSignature,
    JwtDecryptionError,
    JwtFailures,
    JwtIssuedInTheFuture,
    JwtIssuedTooLongAgo,
    JwtNotYetValid,
    JwtSigningKeyNotFound,
    JwtValidationError,
    MalformedJwt,
    MismatchingJwtAlg,
    MismatchingJwtClaim,
    MissingJwtClaim,
    MissingJwtEncryption,
    UnexpectedJwtEncryption,
    UnsupportedJwtAlg,
    UnsupportedJwtEncryptionAlg,
    UnverifiableJwt,
)
from requests_oauth2client._jose.checks import (
    JwksLike,
    KeysLike,
    check_signature_headers,
    decrypt_if_expected,
    parse_jws_or_jwe,
    parse_signed_jwt,
    verify_signature,
)
from requests_oauth2client._jose.claims import (
    as_datetime,
    check_audience,
    check_dates,
    check_issuer,
    numeric_date,
    required_string_claim,
    string_claim,
    utc_now,
)
from requests_oauth2client._protocol.end_session import (
    EndSessionRequest,
    FrontChannelLogout,
    InvalidFrontChannelLogout,
    InvalidLogoutResponse,
    InvalidUiLocalesParam,
    MismatchingLogoutState,
    validate_frontchannel_logout,
)
from requests_oauth2client._protocol.replay_cache import DEFAULT_REPLAY_CACHE_SIZE, MemoryReplayCache, ReplayCache
from requests_oauth2client.id_token import DEFAULT_ID_TOKEN_ALG, IdTokenClient, client_signing_settings

__all__ = [
    "BACKCHANNEL_LOGOUT_EVENT",
    "DEFAULT_LOGOUT_TOKEN_MAX_AGE",
    "DEFAULT_REPLAY_CACHE_SIZE",
    "LOGOUT_TOKEN_TYP",
    "EndSessionRequest",
    "ExpiredJwt",
    "FrontChannelLogout",
    "InvalidFrontChannelLogout",
    "InvalidJwtClaim",
    "InvalidJwtEncryption",
    "InvalidJwtHeader",
    "InvalidJwtSignature",
    "InvalidLogoutResponse",
    "InvalidUiLocalesParam",
    "JwtDecryptionError",
    "JwtIssuedInTheFuture",
    "JwtIssuedTooLongAgo",
    "JwtNotYetValid",
    "JwtSigningKeyNotFound",
    "JwtValidationError",
    "LogoutToken",
    "MalformedJwt",
    "MemoryReplayCache",
    "MismatchingJwtAlg",
    "MismatchingJwtClaim",
    "MismatchingLogoutState",
    "MissingJwtClaim",
    "MissingJwtEncryption",
    "MissingLogoutEvent",
    "MissingLogoutTokenSubject",
    "NonceInLogoutToken",
    "ReplayCache",
    "ReplayedLogoutToken",
    "UnexpectedJwtEncryption",
    "UnsupportedJwtAlg",
    "UnsupportedJwtEncryptionAlg",
    "UnverifiableJwt",
    "validate_frontchannel_logout",
    "validate_logout_token",
    "validate_logout_token_with_client",
]

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
"""The member of the `events` claim that makes a JWT a back-channel logout token."""
LOGOUT_TOKEN_TYP = "logout+jwt"
"""The `typ` header of logout tokens (Back-Channel Logout 1.0 §2.4)."""
DEFAULT_LOGOUT_TOKEN_MAX_AGE = 300
"""How old (in seconds) a logout token `iat` may be, by default: the AS sends it as soon as the user logs out."""

_KIND = "logout token"
_FAILURES = JwtFailures(_KIND)


class MissingLogoutEvent(InvalidJwtClaim):
    """The `events` claim is missing, or has no back-channel logout event whose value is a JSON object."""

    MESSAGE = f"the `{{}}` claim has no `{BACKCHANNEL_LOGOUT_EVENT}` member with a JSON object value"


class MissingLogoutTokenSubject(MissingJwtClaim):
    """The logout token has neither `sub` nor `sid`: it does not say whom to log out."""

    MESSAGE = "neither `sub` nor `{}` is present"

    def __init__(self, kind: str = _KIND, jwt: object = None) -> None:
        super().__init__(kind, "sid", jwt)


class NonceInLogoutToken(InvalidJwtClaim):
    """The logout token has a `nonce` claim, which logout tokens must not have (an ID Token is not a logout token)."""

    MESSAGE = "a logout token must not have a `{}` claim"


class ReplayedLogoutToken(JwtValidationError):
    """A logout token with the same issuer and `jti` was accepted before (`.jti`)."""

    def __init__(self, jti: str, kind: str = _KIND, jwt: object = None) -> None:
        super().__init__(kind, f"a logout token with jti {jti!r} was already received", jwt)
        self.jti = jti


@frozen
class LogoutToken:
    """A validated back-channel logout token: who to log out.

    Attributes:
        iss: the issuer that sent it.
        jti: its unique identifier.
        sub: the subject (user) to log out, when given.
        sid: the session to log out, when given (the `sid` of the ID Tokens of that session).
        issued_at: its `iat`.
        claims: all its claims.
        jwt: the signed JWT (decrypted, when it was encrypted).
    """

    iss: str
    jti: str
    sub: str | None
    sid: str | None
    issued_at: datetime
    claims: dict[str, Any] = field(repr=False)
    jwt: jwskate.SignedJwt = field(repr=False, eq=False)


def validate_logout_token(
    logout_token: str | bytes | jwskate.SignedJwt | jwskate.JweCompact,
    *,
    client_id: str,
    issuer: str | None,
    jwks: JwksLike | None = None,
    expected_alg: str | None = DEFAULT_ID_TOKEN_ALG,
    client_secret: str | None = None,
    encrypted_alg: str | None = None,
    encrypted_enc: str | None = None,
    decryption_key: KeysLike | None = None,
    refresh_jwks: Callable[[], JwksLike] | None = None,
    replay_cache: ReplayCache | None = None,
    session_required: bool = False,
    exp_leeway: int = 0,
    iat_leeway: int = 60,
    max_iat_age: int | None = DEFAULT_LOGOUT_TOKEN_MAX_AGE,
    now: datetime | None = None,
) -> LogoutToken:
    """Validate a back-channel logout token (Back-Channel Logout 1.0 §2.6) and return what it says.

    Args:
        logout_token: the `logout_token` form parameter, as received.
        client_id: the client_id, which `aud` must contain.
        issuer: the issuer the client trusts, which `iss` must equal (None: every token is unverifiable).
        jwks: the Authorization Server public keys.
        expected_alg: the signature alg of the client's ID Tokens (`id_token_signed_response_alg`); None means RS256.
        client_secret: the client secret, the only key used for HMAC algs.
        encrypted_alg: the JWE key management alg of the client's ID Tokens (`id_token_encrypted_response_alg`),
            or None when logout tokens are not encrypted.
        encrypted_enc: the expected JWE `enc`, if it must be checked.
        decryption_key: the client private key (or keys) that decrypt the token.
        refresh_jwks: called (at most once) to fetch the JWKS again when the signing key is not found or does not
            verify the signature; returns the new key set.
        replay_cache: remembers the `jti` of accepted tokens, to refuse a token received twice. None skips that
            check (optional in the specification): give one (a `MemoryReplayCache`, shared by the calls).
        session_required: the client registered `backchannel_logout_session_required`: `sid` is required.
        exp_leeway: seconds of leeway for `exp`.
        iat_leeway: seconds that `iat` and `nbf` may be in the future (clock skew).
        max_iat_age: how many seconds old `iat` may be; None disables that check.
        now: the current date (defaults to the system clock; a naive datetime is taken as UTC).

    Returns:
        the validated `LogoutToken`, with the `sub` and/or `sid` to log out.

    Raises:
        JwtValidationError: a subclass of it telling which check failed (see the module documentation).
    """
    parsed = parse_jws_or_jwe(logout_token)
    if parsed is None:
        raise MalformedJwt(_KIND, logout_token)
    if not isinstance(issuer, str) or not issuer:
        raise UnverifiableJwt(_KIND, "the issuer of the Authorization Server is not known", parsed)
    now = utc_now(now)
    clear = decrypt_if_expected(
        parsed, alg=encrypted_alg, enc=encrypted_enc, keys=decryption_key, failures=_FAILURES, nested=parse_signed_jwt
    )
    alg = check_signature_headers(clear, expected_alg or DEFAULT_ID_TOKEN_ALG, _FAILURES, expected_typ=LOGOUT_TOKEN_TYP)
    verify_signature(clear, alg, jwks, refresh_jwks, client_secret, _FAILURES)

    claims = clear.claims
    check_issuer(clear, claims, issuer, _FAILURES)
    check_audience(clear, claims, client_id, _FAILURES)
    check_dates(
        clear,
        claims,
        now,
        _FAILURES,
        exp_required=False,
        exp_leeway=exp_leeway,
        iat_leeway=iat_leeway,
        max_iat_age=max_iat_age,
    )
    jti = required_string_claim(clear, claims, "jti", _FAILURES)
    _check_event(clear, claims)
    sub = string_claim(clear, claims, "sub", required=False, failures=_FAILURES)
    sid = string_claim(clear, claims, "sid", required=session_required, failures=_FAILURES)
    if sub is None and sid is None:
        raise MissingLogoutTokenSubject(jwt=clear)
    if "nonce" in claims:
        raise NonceInLogoutToken(_KIND, "nonce", claims["nonce"], clear)
    issued_at = as_datetime(numeric_date(clear, claims, "iat", _FAILURES))
    if issued_at is None:  # a date too far in the past for any clock (with `max_iat_age=None`)
        raise InvalidJwtClaim(_KIND, "iat", claims["iat"], clear)
    if replay_cache is not None:
        forget_at = _refused_after(claims, issued_at, exp_leeway=exp_leeway, max_iat_age=max_iat_age)
        if not replay_cache.add_if_absent(f"{issuer} {jti}", expires_at=forget_at, now=now):
            raise ReplayedLogoutToken(jti, jwt=clear)
    return LogoutToken(iss=issuer, jti=jti, sub=sub, sid=sid, issued_at=issued_at, claims=claims, jwt=clear)


def validate_logout_token_with_client(
    logout_token: str | bytes | jwskate.SignedJwt | jwskate.JweCompact,
    client: IdTokenClient,
    *,
    replay_cache: ReplayCache | None,
    session_required: bool = False,
    max_iat_age: int | None = DEFAULT_LOGOUT_TOKEN_MAX_AGE,
    now: datetime | None = None,
) -> LogoutToken:
    """Validate a logout token with the configuration of a client (an `OAuth2Client` fits), as its ID Tokens.

    The client gives its `client_id`, `issuer`, the AS keys (fetched again through the client, rate-limited, for an
    unknown key), the ID Token signature alg and, when ID Tokens are encrypted, their alg and decryption key.

    Args:
        logout_token: the `logout_token` form parameter, as received.
        client: the client (see `IdTokenClient`).
        replay_cache: remembers the `jti` of accepted tokens (None skips that check).
        session_required: whether `sid` is required (`backchannel_logout_session_required`).
        max_iat_age: how many seconds old `iat` may be.
        now: the current date (defaults to the system clock).

    Raises:
        JwtValidationError: a subclass of it telling which check failed (see the module documentation).
    """
    settings = client_signing_settings(client)
    client_id = settings.pop("client_id")
    if client_id is None:
        raise UnverifiableJwt(_KIND, "the client has no client_id", logout_token)
    return validate_logout_token(
        logout_token,
        client_id=client_id,
        **settings,
        replay_cache=replay_cache,
        session_required=session_required,
        max_iat_age=max_iat_age,
        now=now,
    )


def _check_event(token: jwskate.SignedJwt, claims: Mapping[str, Any]) -> None:
    """`events` is a JSON object with the back-channel logout event, whose value is a JSON object (§2.4)."""
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise MissingLogoutEvent(_KIND, "events", events, token)


def _refused_after(
    claims: Mapping[str, Any], issued_at: datetime, *, exp_leeway: int, max_iat_age: int | None
) -> datetime | None:
    """When the token would be refused anyway (expired, or too old): its `jti` need not be remembered after that."""
    bounds = []
    if max_iat_age is not None:
        bounds.append(issued_at + timedelta(seconds=max_iat_age + 1))
    exp = claims.get("exp")
    if exp is not None:  # a valid number, checked by check_dates
        expires_at = as_datetime(float(exp) + exp_leeway)
        if expires_at is not None:
            bounds.append(expires_at)
    return min(bounds) if bounds else None
