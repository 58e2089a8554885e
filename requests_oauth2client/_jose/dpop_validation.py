"""Validation of DPoP proofs, as a server does it (RFC 9449 §4.3): one named check per step, no I/O.

`validate_dpop_proof` and `InvalidDPoPProof` are exported by [requests_oauth2client.dpop][].
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Sequence

import jwskate

from requests_oauth2client._http.dpop_headers import comparable_htu, htu_of
from requests_oauth2client._jose.checks import UNTRUSTED_PARSE_ERRORS

DPOP_JWT_TYP = "dpop+jwt"


class InvalidDPoPProof(ValueError):
    """A DPoP proof does not pass validation. The raw proof is in `.proof` (bytes)."""

    def __init__(self, proof: bytes | str, message: str) -> None:
        super().__init__(f"Invalid DPoP proof: {message}")
        self.proof = proof.encode() if isinstance(proof, str) else bytes(proof)


def validate_dpop_proof(
    proof: str | bytes | jwskate.SignedJwt,
    *,
    htm: str,
    htu: str,
    ath: str | None = None,
    nonce: str | None = None,
    leeway: int = 60,
    alg: str | None = None,
    algs: Sequence[str] = (),
) -> jwskate.SignedJwt:
    """Validate a DPoP proof, as a server does (RFC 9449 §4.3).

    Checks, in order: it is a JWS; `typ` is `dpop+jwt`; the `jwk` header is a valid public asymmetric key; the
    signature verifies (with `alg`, one of `algs`, or any asymmetric alg of that key); `iat` is within `leeway`
    seconds of now; `jti` is present; `htm` and `htu` match (ignoring query and fragment); `ath` and `nonce`
    match when expected.

    Args:
        proof: the proof.
        htm: the expected HTTP method.
        htu: the expected HTTP URI.
        ath: the expected `ath`, if an access token came with the proof.
        nonce: the expected nonce, if one is required.
        leeway: the accepted clock difference for `iat`, in seconds.
        alg: the only accepted signature alg.
        algs: the accepted signature algs.

    Returns:
        the validated proof.

    Raises:
        InvalidDPoPProof: for the first failed check.
    """
    raw = proof.value if isinstance(proof, jwskate.SignedJwt) else proof
    raw_bytes = raw.encode() if isinstance(raw, str) else bytes(raw)

    def fail(message: str) -> InvalidDPoPProof:
        return InvalidDPoPProof(raw_bytes, message)

    try:
        jwt = jwskate.SignedJwt(raw_bytes)
    except UNTRUSTED_PARSE_ERRORS as exc:
        raise fail("not a valid JWS") from exc
    headers, claims = jwt.headers, jwt.claims
    if not isinstance(headers, dict) or not isinstance(claims, dict):
        raise fail("header and payload must be JSON objects")

    if headers.get("typ") != DPOP_JWT_TYP:
        raise fail(f"`typ` header must be '{DPOP_JWT_TYP}'")

    jwk_value = headers.get("jwk")
    if not isinstance(jwk_value, dict):
        raise fail("missing or invalid `jwk` header")
    try:
        jwk = jwskate.Jwk(jwk_value)
    except UNTRUSTED_PARSE_ERRORS as exc:
        raise fail("the `jwk` header is not a valid key") from exc
    if jwk.is_private or jwk.is_symmetric:
        raise fail("the `jwk` header must be a public, asymmetric key")

    proof_alg = headers.get("alg")
    supported = type(jwk).SIGNATURE_ALGORITHMS
    if not isinstance(proof_alg, str) or proof_alg not in supported:
        raise fail("`alg` header must be an asymmetric signature alg matching the `jwk` key")
    if (alg is not None and proof_alg != alg) or (algs and proof_alg not in algs):
        raise fail(f"alg '{proof_alg}' is not accepted")
    if jwk.alg is not None and jwk.alg != proof_alg:
        raise fail("the `alg` header does not match the `alg` of the `jwk` header")
    try:
        verified = jwk.verify(jwt.signed_part, jwt.signature, alg=proof_alg)
    except UNTRUSTED_PARSE_ERRORS as exc:
        raise fail("the signature does not verify") from exc
    if not verified:
        raise fail("the signature does not verify")

    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)):
        raise fail("missing or invalid `iat` claim")
    now = time.time()
    if not now - leeway <= iat <= now + leeway:
        raise fail("`iat` is too far from the current time")

    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise fail("missing `jti` claim")

    proof_htm = claims.get("htm")
    if not isinstance(proof_htm, str):
        raise fail("missing `htm` claim")
    if proof_htm != htm:
        raise fail(f"`htm` mismatch (expected '{htm}', got '{proof_htm}')")

    proof_htu = claims.get("htu")
    if not isinstance(proof_htu, str):
        raise fail("missing `htu` claim")
    if comparable_htu(proof_htu) != comparable_htu(htu):
        raise fail(f"`htu` mismatch (expected '{htu_of(htu)}', got '{proof_htu}')")

    if ath is not None:
        proof_ath = claims.get("ath")
        if not isinstance(proof_ath, str):
            raise fail("missing `ath` claim")
        if not hmac.compare_digest(proof_ath.encode(), ath.encode()):
            raise fail("`ath` does not match the access token")

    if nonce is not None:
        proof_nonce = claims.get("nonce")
        if not isinstance(proof_nonce, str):
            raise fail("missing `nonce` claim")
        if not hmac.compare_digest(proof_nonce.encode(), nonce.encode()):
            raise fail("`nonce` mismatch")

    return jwt
