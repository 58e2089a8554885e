"""ID Token validation (OpenID Connect Core 3.1.3.7, 3.2.2.11 and 12.2), as pure functions.

`validate_id_token()` takes the ID Token and every expected value as parameters and does no I/O, except through
the optional `refresh_jwks` callback, called at most once, when the key that signed the token is not in the JWKS or
does not verify its signature. `validate_id_token_with_client()` gathers those values from a client (usually an
`OAuth2Client`, whose callback is rate-limited) and, for the authorization code flow, an `AuthorizationResponse`;
`BearerToken.validate_id_token()` and `BearerToken.validate_refreshed_id_token()` use it, and so does every grant
of `OAuth2Client` whose answer carries an ID Token.

Every refusal raises a subclass of `InvalidIdToken`; the checks run in this order:

1. presence (`MissingIdToken`); the expected issuer must be known (`UnverifiableIdToken`: a client without
   `issuer` cannot tell whether the token comes from its AS); then encryption: a JWE is refused when no encryption
   is expected (`UnexpectedIdTokenEncryption`), a clear JWS when encryption is expected
   (`MissingIdTokenEncryption`); the JWE `alg` must be the expected one and never RSA1_5
   (`UnsupportedIdTokenEncryptionAlg`); it is decrypted with the decryption key (`IdTokenDecryptionError`).
2. headers: `alg` is a string, never `none`, and equal to the expected alg (`UnsupportedIdTokenAlg`,
   `MismatchingIdTokenAlg`); `kid` is a string when present, `crit` is absent, and `typ`, when present, does not
   type the JWT as something else (`typ` ending in `+jwt`, such as `at+jwt` or `logout+jwt`: RFC 8725 §3.11)
   (`InvalidIdTokenHeader`).
3. key and signature: an HMAC alg is keyed with the client secret, never with a JWKS key; an asymmetric alg uses the
   JWKS key with the token `kid` or, without `kid`, the only suitable key; an unknown `kid` (or no suitable key), or
   a signature that does not verify with the selected key (a key rotated under the same `kid`), makes the JWKS be
   fetched again once, and the token is checked against the new keys (`IdTokenSigningKeyNotFound`,
   `UnverifiableIdToken`, `InvalidIdTokenSignature`).
4. claims: `iss` (`MismatchingIdTokenIssuer`), `aud` and `azp` (`MismatchingIdTokenAudience`,
   `MismatchingIdTokenAzp`), `exp` (`ExpiredIdToken`), `iat` (`IdTokenIssuedInTheFuture`,
   `IdTokenIssuedTooLongAgo`), `nbf` when present (`IdTokenNotYetValid`), `sub`, `nonce`
   (`MismatchingIdTokenNonce`), `acr` (`MismatchingIdTokenAcr`), `at_hash`/`c_hash`/`s_hash`
   (`MismatchingIdTokenHash`), `auth_time` when present never in the future (`IdTokenAuthTimeInTheFuture`) and,
   with `max_age`, present and recent enough (`IdTokenAuthTimeTooOld`); for a refreshed ID Token, `iss`, `sub`,
   `aud`, `azp` and `auth_time` equal to the original ones (`MismatchingIdTokenIssuer`, `MismatchingIdTokenSubject`,
   `MismatchingRefreshedIdTokenClaim`). The clock-skew leeway `iat_leeway` applies to every date that must not be in
   the future (`iat`, `nbf`, `auth_time`). Missing required claims raise `MissingIdTokenClaim`, claims of the wrong
   type `InvalidIdTokenClaim`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

import jwskate

from requests_oauth2client._errors.id_token import (
    IdTokenAuthTimeInTheFuture,
    IdTokenAuthTimeTooOld,
    InvalidIdToken,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAzp,
    MismatchingIdTokenHash,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MismatchingIdTokenSubject,
    MismatchingRefreshedIdTokenClaim,
    MissingIdToken,
    MissingIdTokenClaim,
    UnverifiableIdToken,
)
from requests_oauth2client._jose.checks import JwksLike
from requests_oauth2client._jose.claims import (
    as_datetime,
    check_audience,
    check_dates,
    check_issuer,
    numeric_date,
    string_claim,
    utc_now,
)
from requests_oauth2client._jose.id_token_signature import ID_TOKEN_FAILURES, check_headers, decrypt, verify_signature
from requests_oauth2client.tokens import IdToken, id_token_converter

__all__ = [
    "DEFAULT_ID_TOKEN_ALG",
    "DEFAULT_MAX_IAT_AGE",
    "AuthorizationResponseLike",
    "IdTokenClient",
    "client_signing_settings",
    "validate_id_token",
    "validate_id_token_with_client",
]

DEFAULT_ID_TOKEN_ALG = "RS256"
"""The ID Token signature alg expected when the client registered none (OpenID Connect Registration)."""
DEFAULT_MAX_IAT_AGE = 24 * 3600
"""How old (in seconds) an ID Token `iat` may be, by default."""


class IdTokenClient(Protocol):
    """What ID Token validation reads from a client (an `OAuth2Client` fits). Missing attributes count as None.

    To fetch the JWKS again, validation calls `refresh_authorization_server_public_keys()` when the client has it
    (`OAuth2Client`'s is rate-limited), else `update_authorization_server_public_keys()`.
    """

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
    def refresh_authorization_server_public_keys(self) -> jwskate.JwkSet: ...  # noqa: D102


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
        issuer: the issuer the client trusts, which `iss` must equal. None (the client does not know it) makes
            every ID Token unverifiable: configure the client `issuer`, or use discovery.
        jwks: the Authorization Server public keys.
        expected_alg: the expected signature alg (`id_token_signed_response_alg`); None means RS256.
        client_secret: the client secret, the only key used for HMAC algs.
        encrypted_alg: the expected JWE key management alg (`id_token_encrypted_response_alg`), or None when the
            ID Token must not be encrypted.
        encrypted_enc: the expected JWE `enc`, if it must be checked.
        decryption_key: the client private key that decrypts the ID Token.
        refresh_jwks: called (at most once) to fetch the JWKS again when the signing key is not found, or does
            not verify the signature; returns the new key set (the caller may rate-limit it and return the current
            keys instead).
        nonce: the nonce sent in the authorization request, if any; then `nonce` must be present and equal.
        acr_values: the requested `acr_values`; then `acr` must be one of them.
        max_age: the requested `max_age`; then `auth_time` must be present and recent enough.
        access_token: the access token returned with the ID Token, checked against `at_hash` when present.
        code: the authorization code, checked against `c_hash` when present.
        state: the state, checked against `s_hash`; an `s_hash` without a known state is refused.
        previous_id_token: for a refresh token response, the original ID Token: `iss`, `sub`, `aud`, `azp` and
            `auth_time` must be equal.
        required_claims: other claims that must be present (e.g. `c_hash` for a hybrid flow response).
        exp_leeway: seconds of leeway for `exp`.
        iat_leeway: seconds that `iat`, `nbf` and `auth_time` may be in the future (clock skew).
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
    if not isinstance(issuer, str) or not issuer:
        raise UnverifiableIdToken(
            "the client does not know the issuer of its Authorization Server: configure `issuer` or use discovery",
            converted,
        )
    now = utc_now(now)
    expected_alg = expected_alg or DEFAULT_ID_TOKEN_ALG
    clear = decrypt(converted, encrypted_alg, encrypted_enc, decryption_key)

    alg = check_headers(clear, expected_alg)
    key = verify_signature(clear, alg, jwks, refresh_jwks, client_secret)

    claims = clear.claims
    _check_issuer_and_audience(clear, claims, issuer, client_id)
    check_dates(
        clear,
        claims,
        now,
        ID_TOKEN_FAILURES,
        exp_required=True,
        exp_leeway=exp_leeway,
        iat_leeway=iat_leeway,
        max_iat_age=max_iat_age,
    )
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
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
        raise UnverifiableIdToken(f"invalid max_age {max_age!r}", clear)
    _check_auth_time(clear, claims, now, max_age=max_age, max_age_leeway=auth_time_leeway, clock_leeway=iat_leeway)
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

    The expected issuer is `azr.issuer`, else `client.issuer` (when neither is known, the ID Token is refused with
    `UnverifiableIdToken`; when both are known and differ, the response comes from another Authorization Server
    than the client's, a mix-up, and the ID Token is refused with `MismatchingIdTokenIssuer`).
    `client.refresh_authorization_server_public_keys()` (or, for a client without it,
    `client.update_authorization_server_public_keys()`) fetches the JWKS again when needed. Without `azr` (refresh
    token responses, OpenID Connect Core 12.2, and the grants without an authorization request: device, CIBA,
    password, client credentials, token exchange, JWT bearer...), nonce, acr, max_age, c_hash and s_hash are not
    checked; give `previous_id_token` to check `iss`, `sub`, `aud`, `azp` and `auth_time` against it.

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
    settings = client_signing_settings(client)
    response_issuer = _optional_attr(azr, "issuer")
    client_issuer = settings["issuer"]
    if isinstance(response_issuer, str) and client_issuer is not None and response_issuer != client_issuer:
        # RFC 9207 §2.4, RFC 9700 §4.4: no ID Token can match both; this one must not be trusted by this client
        raise MismatchingIdTokenIssuer(response_issuer, client_issuer, None, id_token)
    if settings["client_id"] is None:
        raise UnverifiableIdToken("the client has no client_id")
    if isinstance(response_issuer, str) and response_issuer:
        settings["issuer"] = response_issuer
    return validate_id_token(
        id_token,
        **settings,
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


def client_signing_settings(client: IdTokenClient | object) -> dict[str, Any]:
    """What validating an ID Token, or a logout token (signed and encrypted the same way), takes from a client.

    Returns:
        the keyword arguments `client_id`, `issuer`, `jwks`, `expected_alg`, `client_secret`, `encrypted_alg`,
        `decryption_key` and `refresh_jwks` of `validate_id_token()`, read from the attributes of `client` (see
        `IdTokenClient`); a missing attribute is None, and so are a `client_id` or `issuer` that is not a non-empty
        string.
    """
    client_id = _optional_attr(client, "client_id")
    issuer = _optional_attr(client, "issuer")
    update_keys = _optional_attr(client, "refresh_authorization_server_public_keys") or _optional_attr(
        client, "update_authorization_server_public_keys"
    )
    return {
        "client_id": client_id if isinstance(client_id, str) and client_id else None,
        "issuer": issuer if isinstance(issuer, str) and issuer else None,
        "jwks": _optional_attr(client, "authorization_server_jwks"),
        "expected_alg": _optional_attr(client, "id_token_signed_response_alg"),
        "client_secret": _optional_attr(client, "client_secret"),
        "encrypted_alg": _optional_attr(client, "id_token_encrypted_response_alg"),
        "decryption_key": _optional_attr(client, "id_token_decryption_key"),
        "refresh_jwks": update_keys if callable(update_keys) else None,
    }


def _optional_attr(obj: object, name: str) -> Any:
    """Read an attribute that may be missing (or whose property raises AttributeError) as None."""
    if obj is None:
        return None
    try:
        return getattr(obj, name, None)
    except AttributeError:  # e.g. OAuth2Client.client_id when the auth handler has none
        return None


def _string_claim(id_token: IdToken, claims: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    return string_claim(id_token, claims, name, required=required, failures=ID_TOKEN_FAILURES)


def _numeric_date(id_token: IdToken, claims: Mapping[str, Any], name: str) -> float:
    return numeric_date(id_token, claims, name, ID_TOKEN_FAILURES)


def _check_issuer_and_audience(id_token: IdToken, claims: Mapping[str, Any], issuer: str, client_id: str) -> None:
    check_issuer(id_token, claims, issuer, ID_TOKEN_FAILURES)
    audiences = check_audience(id_token, claims, client_id, ID_TOKEN_FAILURES)
    azp = _string_claim(id_token, claims, "azp", required=len(set(audiences)) > 1)
    if azp is not None and azp != client_id:
        raise MismatchingIdTokenAzp(azp, client_id, id_token=id_token)


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


def _check_auth_time(
    id_token: IdToken,
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
    auth_time = _numeric_date(id_token, claims, "auth_time")
    now_ts = now.timestamp()
    if auth_time > now_ts + clock_leeway:
        raise IdTokenAuthTimeInTheFuture(
            as_datetime(auth_time), now + timedelta(seconds=clock_leeway), id_token=id_token
        )
    if max_age is not None and auth_time < now_ts - max_age - max_age_leeway:
        raise IdTokenAuthTimeTooOld(
            as_datetime(auth_time), now - timedelta(seconds=max_age + max_age_leeway), id_token=id_token
        )


def _check_same_session(
    id_token: IdToken,
    claims: Mapping[str, Any],
    previous: IdToken | jwskate.JweCompact | str,
    decryption_key: jwskate.Jwk | Mapping[str, Any] | None,
) -> None:
    """OpenID Connect Core 12.2: a refreshed ID Token belongs to the same authentication as the original one.

    `iss`, `sub`, `aud` (compared as a set) and `azp` (present in both or in neither) are the same; an `auth_time`,
    when present, is the time of the original authentication.
    """
    original = _read_original(id_token, previous, decryption_key).claims
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
