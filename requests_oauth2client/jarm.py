"""JWT Secured Authorization Response Mode (JARM): verification of signed authorization responses.

With `response_mode=jwt` (or `query.jwt`, `fragment.jwt`, `form_post.jwt`), the Authorization Server sends a
single `response` parameter: a JWT, signed and possibly encrypted, whose claims are the authorization response
parameters plus `iss`, `aud` and `exp`. `verify_jarm_response` checks it and returns those parameters.
It is pure: the keys are given by the caller. Decryption, headers, key selection and signature follow the rules
shared by every JWT of the AS (`_jose.checks`), with one more: only asymmetric signature algs are accepted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from jwskate import JweCompact, Jwk, JwkSet, SignedJwt

from requests_oauth2client._jose.checks import (
    ASYMMETRIC_ALGS,
    check_signature_headers,
    decrypt_jwe,
    parse_jws_or_jwe,
    parse_signed_jwt,
    verify_signature,
)
from requests_oauth2client.exceptions import InvalidAuthResponse

__all__ = ["JARM_RESPONSE_MODES", "InvalidJarmResponse", "verify_jarm_response"]

JARM_RESPONSE_MODES = frozenset({"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"})
"""The `response_mode` values that ask for a JWT Secured Authorization Response."""

_JARM_ONLY_CLAIMS = frozenset({"aud", "exp"})


class InvalidJarmResponse(InvalidAuthResponse):
    """A JARM `response` JWT does not pass verification (bad signature, wrong `iss` or `aud`, expired...).

    Attributes:
        detail: what is wrong, without the `"The Authorization Response is invalid: "` prefix.
    """

    def __init__(self, message: str, request: Any = None, response: Any = None) -> None:
        super().__init__(message, request, response)
        self.detail = message


def _refuse(message: str, response: str) -> InvalidJarmResponse:
    return InvalidJarmResponse(message, None, response)


def _to_param(value: object) -> str:
    """Turn a JWT claim value into an authorization response parameter value."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


class _JarmFailures:
    """The `InvalidJarmResponse` of each failed JOSE step (see `_jose.checks.JoseFailures`)."""

    def __init__(self, response: str) -> None:
        self.response = response

    def unverifiable(self, message: str, token: object) -> Exception:
        return _refuse(f"the JARM response cannot be verified: {message}", self.response)

    def unexpected_encryption(self, token: object) -> Exception:  # pragma: no cover - JARM accepts both
        return _refuse("the JARM response is encrypted", self.response)

    def missing_encryption(self, token: object) -> Exception:  # pragma: no cover - JARM accepts both
        return _refuse("the JARM response is not encrypted", self.response)

    def unsupported_encryption(self, received: object, expected: object, token: object) -> Exception:
        return _refuse(f"the JARM response uses the refused key management alg '{received}'", self.response)

    def decryption_failed(self, message: str, token: object) -> Exception:
        return _refuse("the JARM response cannot be decrypted into a signed JWT", self.response)

    def invalid_header(self, header: str, received: object, expected: object, token: object) -> Exception:
        return _refuse(f"the JARM response has an invalid `{header}` header", self.response)

    def unsupported_alg(self, alg: object, token: object) -> Exception:
        return _refuse(f"the JARM response uses the unsupported signature alg '{alg}'", self.response)

    def mismatching_alg(self, received: str, expected: str, token: object) -> Exception:
        return _refuse(f"the JARM response is signed with '{received}' instead of '{expected}'", self.response)

    def key_not_found(self, message: str, kid: str | None, token: object) -> Exception:
        return _refuse(f"no Authorization Server key can verify the JARM response signature ({message})", self.response)

    def invalid_signature(self, token: object) -> Exception:
        return _refuse("the JARM response signature is invalid", self.response)


def _decrypt(jwe: JweCompact, decryption_key: Jwk | None, failures: _JarmFailures) -> SignedJwt:
    if decryption_key is None:
        raise _refuse("the JARM response is encrypted, and no decryption key is configured", failures.response)
    key_alg = jwe.headers.get("alg")
    if not isinstance(key_alg, str):
        raise _refuse("the JARM response is not a valid JWE", failures.response)
    payload = decrypt_jwe(jwe, alg=key_alg, enc=None, keys=decryption_key, failures=failures)
    try:
        return parse_signed_jwt(payload)
    except ValueError as exc:
        raise failures.decryption_failed("not a signed JWT", jwe) from exc


def _verify_signature(jwt: SignedJwt, jwks: JwkSet, alg: str | None, failures: _JarmFailures) -> None:
    header_alg = jwt.headers.get("alg")
    if not isinstance(header_alg, str) or header_alg not in ASYMMETRIC_ALGS:
        # `none` and HMAC algs are refused: only the AS public keys can authenticate the response.
        raise failures.unsupported_alg(header_alg, jwt)
    expected_alg = check_signature_headers(jwt, alg or header_alg, failures)
    verify_signature(jwt, expected_alg, jwks, None, None, failures)


def _check_claims(
    claims: Mapping[str, Any], *, issuer: str, client_id: str, now: datetime, leeway: int, response: str
) -> None:
    iss = claims.get("iss")
    if iss != issuer:
        raise _refuse(f"the JARM response `iss` is '{iss}' while '{issuer}' is expected", response)
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise _refuse(f"the JARM response `aud` does not contain the client_id '{client_id}'", response)
    timestamp = now.timestamp()
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise _refuse("the JARM response has no valid `exp` claim", response)
    if exp + leeway <= timestamp:
        raise _refuse("the JARM response is expired", response)
    nbf = claims.get("nbf")
    if nbf is not None and (isinstance(nbf, bool) or not isinstance(nbf, (int, float)) or nbf - leeway > timestamp):
        raise _refuse("the JARM response is not valid yet (`nbf`)", response)


def verify_jarm_response(
    response: str,
    *,
    jwks: JwkSet,
    issuer: str,
    client_id: str,
    decryption_key: Jwk | None = None,
    alg: str | None = None,
    now: datetime | None = None,
    leeway: int = 0,
) -> dict[str, str]:
    """Verify a JARM `response` JWT and return the authorization response parameters it carries.

    Checks, in order: the JWT is well formed (an encrypted response is decrypted with `decryption_key`, or
    refused when there is none; RSA1_5 is refused); its signature verifies with a key of `jwks` using an
    asymmetric alg (the header `kid` selects the key when present); `iss` equals `issuer`; `aud` contains
    `client_id`; `exp` is present and in the future; `nbf`, when present, is not in the future.

    Args:
        response: the value of the `response` parameter.
        jwks: the Authorization Server public keys.
        issuer: the expected issuer identifier.
        client_id: the client_id, which must be an audience of the response.
        decryption_key: the client private key that decrypts encrypted responses.
        alg: if set, the only accepted signature alg.
        now: the current time (defaults to the current UTC time).
        leeway: a tolerance in seconds for `exp` and `nbf`.

    Returns:
        the response parameters: every claim except `aud` and `exp`, as strings (non-string values are
        compact JSON).

    Raises:
        InvalidJarmResponse: if any check fails.
    """
    if not isinstance(response, str):
        raise _refuse("the JARM response is not a string", str(response))
    failures = _JarmFailures(response)
    parsed = parse_jws_or_jwe(response)
    if isinstance(parsed, JweCompact):
        jwt = _decrypt(parsed, decryption_key, failures)
    elif parsed is not None:
        jwt = parsed
    elif response.count(".") == 4:
        raise _refuse("the JARM response is not a valid JWE", response)
    else:
        raise _refuse("the JARM response is not a valid JWT (a JWS whose claims are a JSON object)", response)
    if not jwks:
        raise _refuse("no Authorization Server keys are known to verify the JARM response", response)
    _verify_signature(jwt, jwks, alg, failures)
    claims = jwt.claims
    _check_claims(
        claims,
        issuer=issuer,
        client_id=client_id,
        now=now or datetime.now(tz=timezone.utc),
        leeway=leeway,
        response=response,
    )
    return {str(name): _to_param(value) for name, value in claims.items() if name not in _JARM_ONLY_CLAIMS}
