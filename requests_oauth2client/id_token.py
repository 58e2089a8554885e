"""ID Tokens (`IdToken`) and their validation (OpenID Connect Core 3.1.3.7, 3.2.2.11 and 12.2), as pure functions.

`validate_id_token()` takes the ID Token and every expected value as parameters and does no I/O, except through
the optional `refresh_jwks` callback, called at most once, when the key that signed the token is not in the JWKS or
does not verify its signature. `validate_id_token_with_client()` gathers those values from a client (usually an
`OAuth2Client`, whose callback is rate-limited) and, for the authorization code flow, an `AuthorizationResponse`;
`BearerToken.validate_id_token()` and `BearerToken.validate_refreshed_id_token()` use it, and so does every grant
of `OAuth2Client` whose answer carries an ID Token.

`IdToken` is a `jwskate.SignedJwt` with the OpenID Connect accessors (also importable from `tokens`). Every
refusal raises a subclass of `InvalidIdToken`; the checks run in this order (the signature step is in
`_jose.id_token_signature`, the claim steps in `_jose.id_token_claims`):

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

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

import jwskate

from requests_oauth2client._errors.id_token import (
    InvalidIdToken,
    MismatchingIdTokenIssuer,
    MissingIdToken,
    MissingIdTokenClaim,
    UnverifiableIdToken,
)
from requests_oauth2client._jose.checks import UNTRUSTED_PARSE_ERRORS, JwksLike, decrypt_if_expected
from requests_oauth2client._jose.claims import check_dates, utc_now
from requests_oauth2client._jose.id_token_claims import (
    check_acr,
    check_auth_time,
    check_hashes,
    check_issuer_and_audience,
    check_nonce,
    check_same_session,
    hash_method,
    string_claim,
)
from requests_oauth2client._jose.id_token_signature import ID_TOKEN_FAILURES, check_headers, verify_signature

__all__ = [
    "DEFAULT_ID_TOKEN_ALG",
    "DEFAULT_MAX_IAT_AGE",
    "AuthorizationResponseLike",
    "IdToken",
    "IdTokenClient",
    "client_signing_settings",
    "id_token_converter",
    "validate_id_token",
    "validate_id_token_with_client",
]

DEFAULT_ID_TOKEN_ALG = "RS256"
"""The ID Token signature alg expected when the client registered none (OpenID Connect Registration)."""
DEFAULT_MAX_IAT_AGE = 24 * 3600
"""How old (in seconds) an ID Token `iat` may be, by default."""


class IdToken(jwskate.SignedJwt):
    """An OpenID Connect ID Token: a signed JWT with a few extra accessors.

    All `jwskate.SignedJwt` accessors are available (`claims`, `issuer`, `audiences`, `subject`, `alg`, `kid`,
    `expires_at`, `verify()`...), and any claim can be read as an attribute (`id_token.nonce`).

    Raises:
        jwskate.InvalidJwt: if the value is not a compact JWS whose header and payload are JSON objects.
    """

    def __init__(self, value: bytes | str, *, max_size: int = 16 * 1024) -> None:
        super().__init__(value, max_size=max_size)
        if not isinstance(self.headers, dict) or not isinstance(self.claims, dict):
            msg = "the JWT header and payload must be JSON objects"
            raise jwskate.InvalidJwt(msg)

    def __reduce__(self) -> tuple[type[IdToken], tuple[bytes]]:
        return type(self), (bytes(self.value),)

    @property
    def authorized_party(self) -> str | None:
        """The `azp` claim, or None.

        Raises:
            AttributeError: if `azp` is not a string.
        """
        azp = self.get_claim("azp")
        if azp is None or isinstance(azp, str):
            return azp
        msg = "azp has an unexpected type"
        raise AttributeError(msg)

    @property
    def auth_datetime(self) -> datetime | None:
        """The `auth_time` claim as an aware UTC datetime, or None.

        Raises:
            AttributeError: if `auth_time` is not a positive integer.
        """
        auth_time = self.get_claim("auth_time")
        if auth_time is None:
            return None
        if isinstance(auth_time, int) and not isinstance(auth_time, bool) and auth_time > 0:
            try:
                return datetime.fromtimestamp(auth_time, tz=timezone.utc)
            except (OverflowError, OSError, ValueError):
                pass
        msg = "auth_time must be a positive integer"
        raise AttributeError(msg)

    @classmethod
    def hash_method(cls, key: jwskate.Jwk | Mapping[str, Any], alg: str | None = None) -> Callable[[str], str]:
        """Return the function computing `at_hash`, `c_hash` and `s_hash` values for a signing key and alg.

        The hash is the left half of the digest of the value with the hash function of the signature alg,
        base64url-encoded (for EdDSA: SHA-512 with Ed25519, SHAKE256 with Ed448). Raises `jwskate.UnsupportedAlg`
        for an unknown alg, `jwskate.ExpectedAlgRequired` when neither `alg` nor the key gives one.

        Example:
            >>> key = jwskate.Jwk.generate(alg="ES256")
            >>> len(IdToken.hash_method(key)("an_access_token"))
            22
        """
        return hash_method(key, alg)


def id_token_converter(id_token: object) -> IdToken | jwskate.JweCompact | None:
    """Turn a raw ID Token into an `IdToken`, or a `jwskate.JweCompact` when it is encrypted.

    Args:
        id_token: None, an `IdToken`, a `JweCompact`, a `SignedJwt`, or the token as `str`/`bytes`.

    Returns:
        None, an `IdToken` or a `JweCompact`.

    Raises:
        InvalidIdToken: if the value is neither a compact JWS nor a compact JWE.
    """
    if id_token is None or isinstance(id_token, (IdToken, jwskate.JweCompact)):
        return id_token
    if isinstance(id_token, jwskate.SignedJwt):
        id_token = id_token.value
    if isinstance(id_token, (str, bytes)):
        try:
            return IdToken(id_token)
        except UNTRUSTED_PARSE_ERRORS:
            pass
        try:
            return jwskate.JweCompact(id_token)
        except UNTRUSTED_PARSE_ERRORS:
            pass
    raise InvalidIdToken("not a valid compact JWS or JWE", id_token)


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
    clear = decrypt_if_expected(
        converted, alg=encrypted_alg, enc=encrypted_enc, keys=decryption_key, failures=ID_TOKEN_FAILURES, nested=IdToken
    )

    alg = check_headers(clear, expected_alg)
    key = verify_signature(clear, alg, jwks, refresh_jwks, client_secret)

    claims = clear.claims
    check_issuer_and_audience(clear, claims, issuer, client_id)
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
    string_claim(clear, claims, "sub", required=True)
    for claim in required_claims:
        if claims.get(claim) is None:
            raise MissingIdTokenClaim(claim, id_token=clear)
    check_nonce(clear, claims, nonce)
    check_acr(clear, claims, acr_values)
    check_hashes(clear, claims, key, alg, access_token=access_token, code=code, state=state)
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
        raise UnverifiableIdToken(f"invalid max_age {max_age!r}", clear)
    check_auth_time(clear, claims, now, max_age=max_age, max_age_leeway=auth_time_leeway, clock_leeway=iat_leeway)
    if previous_id_token is not None:
        check_same_session(clear, claims, _read_original(clear, previous_id_token, decryption_key).claims)
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
