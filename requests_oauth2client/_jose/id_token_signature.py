"""The JOSE steps of ID Token validation (headers, key selection and signature), with ID Token errors.

Private module, used by [requests_oauth2client.id_token][] (steps 2 and 3 of `validate_id_token()`; the claim steps
are in `_jose.id_token_claims`). Typed on `jwskate.SignedJwt`: `IdToken`, defined in `id_token`, is one. The rules
themselves (which keys and algorithms are acceptable, how `iss`, `aud` and dates are checked) are in `_jose.checks`
and `_jose.claims`, shared with logout tokens and signed responses; this module names each failure with the
`InvalidIdToken` subclass that ID Token validation raises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import jwskate

from requests_oauth2client._errors.id_token import (
    ExpiredIdToken,
    IdTokenDecryptionError,
    IdTokenIssuedInTheFuture,
    IdTokenIssuedTooLongAgo,
    IdTokenNotYetValid,
    IdTokenSigningKeyNotFound,
    InvalidIdTokenClaim,
    InvalidIdTokenHeader,
    InvalidIdTokenSignature,
    MismatchingIdTokenAlg,
    MismatchingIdTokenAudience,
    MismatchingIdTokenIssuer,
    MissingIdTokenClaim,
    MissingIdTokenEncryption,
    UnexpectedIdTokenEncryption,
    UnsupportedIdTokenAlg,
    UnsupportedIdTokenEncryptionAlg,
    UnverifiableIdToken,
)
from requests_oauth2client._jose.checks import JwksLike, check_signature_headers
from requests_oauth2client._jose.checks import verify_signature as _verify_signature

__all__ = ["ID_TOKEN_FAILURES", "check_headers", "verify_signature"]


class _IdTokenFailures:
    """The `InvalidIdToken` subclass raised for each failed JOSE step (see `_jose.checks.JoseFailures`)."""

    def unverifiable(self, message: str, token: object) -> Exception:
        return UnverifiableIdToken(message, token)

    def unexpected_encryption(self, token: object) -> Exception:
        return UnexpectedIdTokenEncryption(id_token=token)

    def missing_encryption(self, token: object) -> Exception:
        return MissingIdTokenEncryption(id_token=token)

    def unsupported_encryption(self, received: object, expected: object, token: object) -> Exception:
        return UnsupportedIdTokenEncryptionAlg(received, expected, id_token=token)

    def decryption_failed(self, message: str, token: object) -> Exception:
        return IdTokenDecryptionError(message, token)

    def invalid_header(self, header: str, received: object, expected: object, token: object) -> Exception:
        return InvalidIdTokenHeader(header, id_token=token)

    def unsupported_alg(self, alg: object, token: object) -> Exception:
        return UnsupportedIdTokenAlg(id_token=token, alg=alg)

    def mismatching_alg(self, received: str, expected: str, token: object) -> Exception:
        return MismatchingIdTokenAlg(received, expected, id_token=token)

    def key_not_found(self, message: str, kid: str | None, token: object) -> Exception:
        return IdTokenSigningKeyNotFound(message, id_token=token, kid=kid)

    def invalid_signature(self, token: object) -> Exception:
        return InvalidIdTokenSignature(id_token=token)

    def missing_claim(self, claim: str, token: object) -> Exception:
        return MissingIdTokenClaim(claim, id_token=token)

    def invalid_claim(self, claim: str, received: object, token: object) -> Exception:
        return InvalidIdTokenClaim(claim, id_token=token)

    def mismatching_issuer(self, received: object, expected: str, token: object) -> Exception:
        return MismatchingIdTokenIssuer(received, expected, id_token=token)

    def mismatching_audience(self, received: list[str], expected: str, token: object) -> Exception:
        return MismatchingIdTokenAudience(received, expected, id_token=token)

    def expired(self, received: datetime | None, now: datetime, token: object) -> Exception:
        return ExpiredIdToken(id_token=token, now=now)

    def issued_in_the_future(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        return IdTokenIssuedInTheFuture(received, bound, id_token=token)

    def issued_too_long_ago(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        return IdTokenIssuedTooLongAgo(received, bound, id_token=token)

    def not_yet_valid(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        return IdTokenNotYetValid(received, bound, id_token=token)


ID_TOKEN_FAILURES = _IdTokenFailures()
"""The `InvalidIdToken` subclasses of each failed step (a `JoseFailures` and a `ClaimFailures`)."""


def check_headers(id_token: jwskate.SignedJwt, expected_alg: str) -> str:
    """Check the `alg`, `kid`, `crit` and `typ` headers; return the alg."""
    return check_signature_headers(id_token, expected_alg, ID_TOKEN_FAILURES)


def verify_signature(
    id_token: jwskate.SignedJwt,
    alg: str,
    jwks: JwksLike | None,
    refresh_jwks: Callable[[], JwksLike] | None,
    client_secret: str | None,
) -> jwskate.Jwk:
    """Verify the ID Token signature and return the key that verified it (see `_jose.checks.verify_signature`).

    Raises:
        UnverifiableIdToken: the client has no secret (HMAC), or the JWKS is malformed.
        IdTokenSigningKeyNotFound: no key (or several keys) of the JWKS may verify the signature.
        InvalidIdTokenSignature: the signature does not verify.
    """
    return _verify_signature(id_token, alg, jwks, refresh_jwks, client_secret, ID_TOKEN_FAILURES)
