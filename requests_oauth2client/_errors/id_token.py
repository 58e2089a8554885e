"""The errors raised when an ID Token does not pass validation, and `ExpiredAccessToken`.

Private module: every name is re-exported by [requests_oauth2client.tokens][] (and the package root), which is where
users import them from. Kept apart so that `tokens` stays short and `id_token` can import the errors without going
through `tokens`. None of these errors puts a token value, a nonce or a hash in its message.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar, SupportsBytes, cast

import jwskate
from binapy import BinaPy

__all__ = [
    "ExpiredAccessToken",
    "ExpiredIdToken",
    "IdTokenAuthTimeInTheFuture",
    "IdTokenAuthTimeTooOld",
    "IdTokenDecryptionError",
    "IdTokenIssuedInTheFuture",
    "IdTokenIssuedTooLongAgo",
    "IdTokenNotYetValid",
    "IdTokenSigningKeyNotFound",
    "InvalidIdToken",
    "InvalidIdTokenClaim",
    "InvalidIdTokenEncryption",
    "InvalidIdTokenHeader",
    "InvalidIdTokenSignature",
    "MismatchingIdTokenAcr",
    "MismatchingIdTokenAlg",
    "MismatchingIdTokenAudience",
    "MismatchingIdTokenAzp",
    "MismatchingIdTokenHash",
    "MismatchingIdTokenIssuer",
    "MismatchingIdTokenNonce",
    "MismatchingIdTokenSubject",
    "MismatchingRefreshedIdTokenClaim",
    "MissingIdToken",
    "MissingIdTokenClaim",
    "MissingIdTokenEncryption",
    "UnexpectedIdTokenEncryption",
    "UnsupportedIdTokenAlg",
    "UnsupportedIdTokenEncryptionAlg",
    "UnverifiableIdToken",
]


class InvalidIdToken(ValueError):
    """An ID Token is missing, malformed, or does not pass validation.

    Every ID Token refusal raised by this library is a subclass of this class.

    Args:
        message: what is wrong (the `"Invalid ID Token: "` prefix is added).
        id_token: the offending ID Token, if known.
        token_resp: the token response that carried it, if known.
    """

    def __init__(self, message: str, id_token: object = None, token_resp: object = None) -> None:
        super().__init__(f"Invalid ID Token: {message}")
        self.id_token = id_token
        self.token_resp = token_resp


class _MismatchingIdTokenValue(InvalidIdToken):
    """A claim or header has a value other than the expected one (stores `.received` and `.expected`)."""

    def __init__(self, message: str, received: object, expected: object, token: object, id_token: object) -> None:
        super().__init__(message, id_token, token)
        self.received = received
        self.expected = expected


class MissingIdToken(InvalidIdToken):
    """An ID Token was expected but the token response has none."""

    def __init__(self, token: object = None) -> None:
        super().__init__("the token response does not contain an ID Token", None, token)


class MismatchingIdTokenIssuer(_MismatchingIdTokenValue):
    """The `iss` claim is not the expected issuer."""

    def __init__(self, iss: object, expected: object, token: object = None, id_token: object = None) -> None:
        super().__init__(f"`iss` is {iss!r}, expected {expected!r}", iss, expected, token, id_token)


class MismatchingIdTokenNonce(_MismatchingIdTokenValue):
    """The `nonce` claim is missing or differs from the `nonce` sent in the authorization request."""

    def __init__(self, nonce: object, expected: object, token: object = None, id_token: object = None) -> None:
        what = "missing" if nonce is None else "different from the one sent in the authorization request"
        super().__init__(f"`nonce` is {what}", nonce, expected, token, id_token)


class MismatchingIdTokenAcr(_MismatchingIdTokenValue):
    """The `acr` claim is missing or not among the requested `acr_values`."""

    def __init__(self, acr: object, expected: object, token: object = None, id_token: object = None) -> None:
        super().__init__(f"`acr` is {acr!r}, expected one of {expected!r}", acr, expected, token, id_token)


class MismatchingIdTokenAudience(_MismatchingIdTokenValue):
    """The `aud` claim does not contain the client_id."""

    def __init__(self, audiences: object, client_id: object, token: object = None, id_token: object = None) -> None:
        super().__init__(
            f"`aud` is {audiences!r}, which does not contain client_id {client_id!r}",
            audiences,
            client_id,
            token,
            id_token,
        )


class MismatchingIdTokenAzp(_MismatchingIdTokenValue):
    """The `azp` claim is not the client_id."""

    def __init__(self, azp: object, client_id: object, token: object = None, id_token: object = None) -> None:
        super().__init__(f"`azp` is {azp!r}, expected {client_id!r}", azp, client_id, token, id_token)


class MismatchingIdTokenAlg(_MismatchingIdTokenValue):
    """The ID Token is signed with another alg than the expected one (`id_token_signed_response_alg`)."""

    def __init__(self, token_alg: object, client_alg: object, token: object = None, id_token: object = None) -> None:
        super().__init__(f"signed with {token_alg!r}, expected {client_alg!r}", token_alg, client_alg, token, id_token)


class MismatchingRefreshedIdTokenClaim(_MismatchingIdTokenValue):
    """A refreshed ID Token has another value than the original one for a claim (OpenID Connect Core 12.2).

    `.claim` names it (`sub`, `aud`, `azp` or `auth_time`); `.received` is the refreshed value, `.expected` the
    original one.
    """

    def __init__(
        self, claim: str, received: object, expected: object, token: object = None, id_token: object = None
    ) -> None:
        super().__init__(f"`{claim}` differs from the original ID Token", received, expected, token, id_token)
        self.claim = claim


class MismatchingIdTokenSubject(MismatchingRefreshedIdTokenClaim):
    """A refreshed ID Token has another `sub` than the original one (OpenID Connect Core 12.2)."""

    def __init__(self, sub: object, expected: object, token: object = None, id_token: object = None) -> None:
        super().__init__("sub", sub, expected, token, id_token)


class _NamedError(InvalidIdToken):
    """An error about one claim (or header) named `.claim`; subclasses give the message format."""

    MESSAGE: ClassVar[str]

    def __init__(self, claim: str, token: object = None, id_token: object = None) -> None:
        super().__init__(self.MESSAGE.format(claim), id_token, token)
        self.claim = claim


class MismatchingIdTokenHash(_NamedError):
    """An `at_hash`, `c_hash` or `s_hash` claim does not match the value it protects."""

    MESSAGE = "`{}` does not match"


class MissingIdTokenClaim(_NamedError):
    """A required claim is missing from the ID Token."""

    MESSAGE = "the required `{}` claim is missing"


class InvalidIdTokenClaim(_NamedError):
    """A claim of the ID Token has the wrong type or an unusable value."""

    MESSAGE = "the `{}` claim has an invalid type or value"


class InvalidIdTokenHeader(_NamedError):
    """A JOSE header of the ID Token (named `.claim`) is malformed or not supported (e.g. `crit`)."""

    MESSAGE = "invalid or unsupported `{}` header"


class ExpiredIdToken(_MismatchingIdTokenValue):
    """The ID Token is expired: `.received` is its expiration date, `.expected` the current date."""

    def __init__(self, token: object = None, id_token: object = None, *, now: datetime | None = None) -> None:
        expires_at = _claim_datetime(id_token, "exp")
        now = now or datetime.now(tz=timezone.utc)
        super().__init__(f"expired at {expires_at}", expires_at, now, token, id_token)


class _DateError(_MismatchingIdTokenValue):
    """A date claim out of bounds: `.received` is the claim date, `.expected` the bound it crossed."""

    MESSAGE: ClassVar[str]

    def __init__(
        self, received: datetime | None, expected: datetime, token: object = None, id_token: object = None
    ) -> None:
        super().__init__(self.MESSAGE.format(received), received, expected, token, id_token)


class IdTokenIssuedInTheFuture(_DateError):
    """`iat` is later than now plus the leeway."""

    MESSAGE = "issued in the future ({})"


class IdTokenIssuedTooLongAgo(_DateError):
    """`iat` is older than the accepted window."""

    MESSAGE = "issued too long ago ({})"


class IdTokenAuthTimeTooOld(_DateError):
    """`auth_time` is older than the requested `max_age` (plus leeway)."""

    MESSAGE = "the end-user authenticated too long ago ({})"


class IdTokenNotYetValid(_DateError):
    """`nbf` is later than now plus the leeway: the ID Token is not valid yet."""

    MESSAGE = "not valid before {}"


class IdTokenAuthTimeInTheFuture(_DateError):
    """`auth_time` is later than now plus the leeway: the end-user cannot have authenticated then."""

    MESSAGE = "the end-user authentication time is in the future ({})"


class UnsupportedIdTokenAlg(InvalidIdToken):
    """The ID Token alg (or the expected alg) is not supported: `none`, or unknown."""

    def __init__(self, token: object = None, id_token: object = None, alg: object = None) -> None:
        super().__init__(f"unsupported signature alg {alg!r}", id_token, token)
        self.alg = alg


class IdTokenSigningKeyNotFound(InvalidIdToken):
    """No key of the Authorization Server JWKS can verify the ID Token (unknown `kid`, no suitable key...)."""

    def __init__(self, message: str, token: object = None, id_token: object = None, kid: object = None) -> None:
        super().__init__(message, id_token, token)
        self.kid = kid


class UnverifiableIdToken(InvalidIdToken):
    """The client lacks the configuration needed to validate the ID Token (issuer, client secret, key...)."""


class _FixedMessageError(InvalidIdToken):
    MESSAGE: ClassVar[str]

    def __init__(self, token: object = None, id_token: object = None) -> None:
        super().__init__(self.MESSAGE, id_token, token)


class InvalidIdTokenSignature(jwskate.InvalidSignature, _FixedMessageError):
    """The ID Token signature does not verify with the selected key.

    Also a `jwskate.InvalidSignature`, which the published releases raised in that case. Of its attributes, `data`
    is the signed part of the token and `alg` its header alg; `key` and `algs` are None (the key may be the client
    secret).
    """

    MESSAGE = "the signature does not verify"

    def __init__(self, token: object = None, id_token: object = None) -> None:
        # jwskate's __init__ takes other arguments and sets no message: the InvalidIdToken initialisation is used
        _FixedMessageError.__init__(self, token, id_token)
        headers = getattr(id_token, "headers", None)
        alg = headers.get("alg") if isinstance(headers, dict) else None
        self.data = cast("SupportsBytes", getattr(id_token, "signed_part", None) or BinaPy())
        self.key = None
        self.alg = alg if isinstance(alg, str) else None
        self.algs = None


class InvalidIdTokenEncryption(InvalidIdToken):
    """Base class for errors about ID Token encryption."""


class UnexpectedIdTokenEncryption(_FixedMessageError, InvalidIdTokenEncryption):
    """The ID Token is encrypted (JWE) but the client expects a clear signed JWT."""

    MESSAGE = "the ID Token is encrypted, but no encryption is expected"


class MissingIdTokenEncryption(_FixedMessageError, InvalidIdTokenEncryption):
    """The ID Token is a clear signed JWT but the client expects it encrypted."""

    MESSAGE = "the ID Token is not encrypted, but encryption is expected"


class UnsupportedIdTokenEncryptionAlg(InvalidIdTokenEncryption):
    """The JWE `alg` (or `enc`) differs from the expected one, or is refused (RSA1_5)."""

    def __init__(self, alg: object, expected: object, token: object = None, id_token: object = None) -> None:
        super().__init__(f"encryption alg {alg!r} refused (expected {expected!r})", id_token, token)
        self.alg = alg
        self.expected = expected


class IdTokenDecryptionError(InvalidIdTokenEncryption):
    """The encrypted ID Token cannot be decrypted, or does not contain a signed JWT."""


class ExpiredAccessToken(RuntimeError):
    """An expired access token was about to be used. `args[0]` is the token, but its value is not in the message."""

    def __str__(self) -> str:
        token = self.args[0] if self.args else None
        expires_at = getattr(token, "expires_at", None)
        return f"The access token expired at {expires_at}" if expires_at else "The access token is expired"


class InvalidAccessTokenValue(ValueError):
    """An access token holds characters that cannot be sent in an HTTP header (RFC 6749 Appendix A.12: `1*VSCHAR`).

    Control characters (CR, LF...) and non-ASCII characters would break the `Authorization` header, or inject
    another header. The token is kept in `.access_token`, never shown in the message.
    """

    def __init__(self, access_token: str) -> None:
        super().__init__(
            "The access token cannot be sent: it holds characters outside printable ASCII (RFC 6749 Appendix A.12)"
        )
        self.access_token = access_token


def _claim_datetime(id_token: object, claim: str) -> datetime | None:
    """Return a numeric date claim as an aware datetime, or None when absent or unusable."""
    claims = getattr(id_token, "claims", None)
    value = claims.get(claim) if isinstance(claims, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
