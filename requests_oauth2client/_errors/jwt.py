"""The errors raised when a JWT sent by the Authorization Server, other than an ID Token, does not pass validation.

Back-channel logout tokens, signed or encrypted UserInfo responses and JWT introspection responses (RFC 9701) are
checked with the same rules as ID Tokens (`_jose.checks`); each refusal raises a subclass of `JwtValidationError`
telling which check failed, with `.kind` naming the kind of token and, for a mismatch, `.received` and `.expected`.
(ID Tokens keep their own `InvalidIdToken` hierarchy.) None of these errors puts a token value in its message.

Private module: the names are re-exported by [requests_oauth2client.logout][] and the package root.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

__all__ = [
    "ExpiredJwt",
    "InvalidJwtClaim",
    "InvalidJwtEncryption",
    "InvalidJwtHeader",
    "InvalidJwtSignature",
    "JwtDecryptionError",
    "JwtFailures",
    "JwtIssuedInTheFuture",
    "JwtIssuedTooLongAgo",
    "JwtNotYetValid",
    "JwtSigningKeyNotFound",
    "JwtValidationError",
    "MalformedJwt",
    "MismatchingJwtAlg",
    "MismatchingJwtClaim",
    "MissingJwtClaim",
    "MissingJwtEncryption",
    "UnexpectedJwtEncryption",
    "UnsupportedJwtAlg",
    "UnsupportedJwtEncryptionAlg",
    "UnverifiableJwt",
]


class JwtValidationError(ValueError):
    """A JWT sent by the Authorization Server is malformed or does not pass validation.

    Args:
        kind: what the JWT is (`"logout token"`, `"UserInfo response"`, `"introspection response"`).
        message: what is wrong.
        jwt: the offending JWT (a `jwskate.SignedJwt` or `JweCompact`, or the value as received).
    """

    def __init__(self, kind: str, message: str, jwt: object = None) -> None:
        super().__init__(f"Invalid {kind}: {message}")
        self.kind = kind
        self.jwt = jwt


class MalformedJwt(JwtValidationError):
    """The value is not a compact JWS or JWE whose header and payload are JSON objects."""

    def __init__(self, kind: str, jwt: object = None) -> None:
        super().__init__(kind, "not a valid compact JWS or JWE", jwt)


class UnverifiableJwt(JwtValidationError):
    """The client lacks what validation needs (its issuer, the AS keys, a client secret, a decryption key)."""


class InvalidJwtEncryption(JwtValidationError):
    """Base class for errors about the encryption of a JWT."""


class UnexpectedJwtEncryption(InvalidJwtEncryption):
    """The JWT is encrypted (a JWE), but the client expects it signed only."""

    def __init__(self, kind: str, jwt: object = None) -> None:
        super().__init__(kind, "it is encrypted, but no encryption is expected", jwt)


class MissingJwtEncryption(InvalidJwtEncryption):
    """The JWT is signed only, but the client expects it encrypted."""

    def __init__(self, kind: str, jwt: object = None) -> None:
        super().__init__(kind, "it is not encrypted, but encryption is expected", jwt)


class UnsupportedJwtEncryptionAlg(InvalidJwtEncryption):
    """The JWE `alg` or `enc` is not the expected one, or is refused (RSA1_5)."""

    def __init__(self, kind: str, received: object, expected: object, jwt: object = None) -> None:
        super().__init__(kind, f"encryption alg {received!r} refused (expected {expected!r})", jwt)
        self.received = received
        self.expected = expected


class JwtDecryptionError(InvalidJwtEncryption):
    """The JWE cannot be decrypted with the client keys, or does not hold what it should."""


class InvalidJwtHeader(JwtValidationError):
    """A JOSE header (named `.header`) is malformed, unsupported (`crit`), or not the expected one (`typ`)."""

    def __init__(self, kind: str, header: str, received: object, expected: object = None, jwt: object = None) -> None:
        detail = f", expected {expected!r}" if expected is not None else ""
        super().__init__(kind, f"invalid or unsupported `{header}` header {received!r}{detail}", jwt)
        self.header = header
        self.received = received
        self.expected = expected


class UnsupportedJwtAlg(JwtValidationError):
    """The signature alg (or the expected alg) is `none` or unknown."""

    def __init__(self, kind: str, alg: object, jwt: object = None) -> None:
        super().__init__(kind, f"unsupported signature alg {alg!r}", jwt)
        self.alg = alg


class MismatchingJwtAlg(JwtValidationError):
    """The JWT is signed with another alg than the expected one."""

    def __init__(self, kind: str, received: str, expected: str, jwt: object = None) -> None:
        super().__init__(kind, f"signed with {received!r}, expected {expected!r}", jwt)
        self.received = received
        self.expected = expected


class JwtSigningKeyNotFound(JwtValidationError):
    """No key of the Authorization Server JWKS can verify the signature (unknown `kid`, no suitable key...)."""

    def __init__(self, kind: str, message: str, kid: str | None, jwt: object = None) -> None:
        super().__init__(kind, message, jwt)
        self.kid = kid


class InvalidJwtSignature(JwtValidationError):
    """The signature does not verify with the selected key."""

    def __init__(self, kind: str, jwt: object = None) -> None:
        super().__init__(kind, "the signature does not verify", jwt)


class _ClaimError(JwtValidationError):
    """An error about the claim named `.claim`."""

    MESSAGE: ClassVar[str]

    def __init__(self, kind: str, claim: str, jwt: object = None) -> None:
        super().__init__(kind, self.MESSAGE.format(claim), jwt)
        self.claim = claim


class MissingJwtClaim(_ClaimError):
    """A required claim is missing."""

    MESSAGE = "the required `{}` claim is missing"


class InvalidJwtClaim(_ClaimError):
    """A claim has the wrong type or an unusable value (`.received`)."""

    MESSAGE = "the `{}` claim has an invalid type or value"

    def __init__(self, kind: str, claim: str, received: object = None, jwt: object = None) -> None:
        super().__init__(kind, claim, jwt)
        self.received = received


class MismatchingJwtClaim(JwtValidationError):
    """A claim (`.claim`) has another value (`.received`) than the expected one (`.expected`): `iss`, `aud`..."""

    def __init__(self, kind: str, claim: str, received: object, expected: object, jwt: object = None) -> None:
        super().__init__(kind, f"`{claim}` is {received!r}, expected {expected!r}", jwt)
        self.claim = claim
        self.received = received
        self.expected = expected


class _DateError(JwtValidationError):
    """A date claim out of bounds: `.received` is the claim date, `.expected` the bound it crossed."""

    MESSAGE: ClassVar[str]

    def __init__(self, kind: str, received: datetime | None, expected: datetime, jwt: object = None) -> None:
        super().__init__(kind, self.MESSAGE.format(received=received, expected=expected), jwt)
        self.received = received
        self.expected = expected


class ExpiredJwt(_DateError):
    """`exp` is past (the leeway included)."""

    MESSAGE = "expired at {received} (now {expected})"


class JwtIssuedInTheFuture(_DateError):
    """`iat` is later than now plus the leeway."""

    MESSAGE = "issued in the future ({received}, later than {expected})"


class JwtIssuedTooLongAgo(_DateError):
    """`iat` is older than the accepted window."""

    MESSAGE = "issued too long ago ({received}, earlier than {expected})"


class JwtNotYetValid(_DateError):
    """`nbf` is later than now plus the leeway."""

    MESSAGE = "not valid before {received} (later than {expected})"


class JwtFailures:
    """Builds the `JwtValidationError` of each failed step for one kind of JWT.

    It is a `_jose.checks.JoseFailures` and a `_jose.claims.ClaimFailures`.

    Args:
        kind: what the JWT is, as error messages name it (`"logout token"`...).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def unverifiable(self, message: str, token: object) -> Exception:
        return UnverifiableJwt(self.kind, message, token)

    def unexpected_encryption(self, token: object) -> Exception:
        return UnexpectedJwtEncryption(self.kind, token)

    def missing_encryption(self, token: object) -> Exception:
        return MissingJwtEncryption(self.kind, token)

    def unsupported_encryption(self, received: object, expected: object, token: object) -> Exception:
        return UnsupportedJwtEncryptionAlg(self.kind, received, expected, token)

    def decryption_failed(self, message: str, token: object) -> Exception:
        return JwtDecryptionError(self.kind, message, token)

    def invalid_header(self, header: str, received: object, expected: object, token: object) -> Exception:
        return InvalidJwtHeader(self.kind, header, received, expected, token)

    def unsupported_alg(self, alg: object, token: object) -> Exception:
        return UnsupportedJwtAlg(self.kind, alg, token)

    def mismatching_alg(self, received: str, expected: str, token: object) -> Exception:
        return MismatchingJwtAlg(self.kind, received, expected, token)

    def key_not_found(self, message: str, kid: str | None, token: object) -> Exception:
        return JwtSigningKeyNotFound(self.kind, message, kid, token)

    def invalid_signature(self, token: object) -> Exception:
        return InvalidJwtSignature(self.kind, token)

    def missing_claim(self, claim: str, token: object) -> Exception:
        return MissingJwtClaim(self.kind, claim, token)

    def invalid_claim(self, claim: str, received: object, token: object) -> Exception:
        return InvalidJwtClaim(self.kind, claim, received, token)

    def mismatching_issuer(self, received: object, expected: str, token: object) -> Exception:
        return MismatchingJwtClaim(self.kind, "iss", received, expected, token)

    def mismatching_audience(self, received: list[str], expected: str, token: object) -> Exception:
        return MismatchingJwtClaim(self.kind, "aud", received, expected, token)

    def expired(self, received: datetime | None, now: datetime, token: object) -> Exception:
        return ExpiredJwt(self.kind, received, now, token)

    def issued_in_the_future(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        return JwtIssuedInTheFuture(self.kind, received, bound, token)

    def issued_too_long_ago(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        return JwtIssuedTooLongAgo(self.kind, received, bound, token)

    def not_yet_valid(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        return JwtNotYetValid(self.kind, received, bound, token)
