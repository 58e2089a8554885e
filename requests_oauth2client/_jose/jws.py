"""The one writer of the compact JWS this library signs itself: DPoP proofs and client assertions.

Both are signed on hot paths (a proof per request to a resource server, an assertion per token request), with one
key, one alg and one header for many tokens. A `JwsWriter` therefore encodes the header once, and signs with the
key's `cryptography` object, as jwskate does: through jwskate's signature wrapper, except for ECDSA, whose DER
signature it turns into the fixed-size `r || s` of JWS (RFC 7518 §3.4) itself, with `cryptography`'s decoder, which
saves jwskate's per-call overhead (about a sixth of the cost of an ES256 assertion). Nothing here parses a token:
tokens from elsewhere are read by jwskate only.

`WrittenJwt` is the `jwskate.SignedJwt` of a token written here: built from the parts the writer has just produced
rather than by parsing them back, for `DPoPKey.proof()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jwskate
from binapy import BinaPy
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwskate.jwa import BaseECSignatureAlg

from requests_oauth2client._jose.encoding import b64u, json_b64u

__all__ = ["JwsWriter", "WrittenJwt", "implied_signing_alg"]


# The signing alg that an asymmetric key implies, by key type (RSA) or curve: RFC 7518 §3.1, RFC 8037, RFC 8812.
_IMPLIED_SIGNING_ALGS = {
    "RSA": "RS256",
    "P-256": "ES256",
    "P-384": "ES384",
    "P-521": "ES512",
    "secp256k1": "ES256K",
    "Ed25519": "EdDSA",
    "Ed448": "EdDSA",
}


def implied_signing_alg(jwk: jwskate.Jwk) -> str | None:
    """The signing alg a key without `alg` implies, or None for keys that imply none (symmetric keys, X25519...).

    RS256 for RSA, the curve's ES alg for EC, EdDSA for Ed25519 and Ed448 keys. The name is the one jwskate uses
    for that alg (jwskate spells ES256K `ES256k`).
    """
    implied = _IMPLIED_SIGNING_ALGS.get("RSA" if jwk.kty == "RSA" else str(jwk.get("crv")))
    if implied is None:
        return None
    return next((alg for alg in jwk.supported_signing_algorithms() if alg.upper() == implied.upper()), None)


def _signature_function(key: jwskate.Jwk, alg: str) -> Callable[[bytes], bytes]:
    """Return the function that signs a JWS signing input with `key` and `alg`, giving the JWS signature bytes.

    Raises:
        ValueError: when the key cannot sign (a public key), or does not support `alg` (jwskate's errors).
    """
    wrapper = key.signature_wrapper(alg)
    if not key.is_private and not key.is_symmetric:
        raise ValueError("a private key is required to sign")
    if isinstance(wrapper, BaseECSignatureAlg):
        private_key: ec.EllipticCurvePrivateKey = key.cryptography_key
        algorithm = ec.ECDSA(wrapper.hashing_alg)
        size = wrapper.curve.coordinate_size

        def sign_ecdsa(signing_input: bytes) -> bytes:
            r, s = decode_dss_signature(private_key.sign(signing_input, algorithm))
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")

        return sign_ecdsa

    def sign(signing_input: bytes) -> bytes:
        return bytes(wrapper.sign(signing_input))

    return sign


class JwsWriter:
    """Writes compact JWS signed with one key and alg, under one header.

    Args:
        key: the signing key (private, or the secret of an HMAC alg).
        alg: the signature alg.
        header: the JOSE header of every token (it should name `alg`).

    Raises:
        ValueError: when the key cannot sign with `alg` (jwskate's `UnsupportedAlg` is one).
    """

    __slots__ = ("_prefix", "_sign", "header")

    def __init__(self, key: jwskate.Jwk, alg: str, header: Mapping[str, Any]) -> None:
        self.header = dict(header)
        self._prefix = json_b64u(self.header) + b"."
        self._sign = _signature_function(key, alg)

    def sign(self, claims: Mapping[str, Any]) -> tuple[bytes, bytes]:
        """Sign a payload of claims (written as compact JSON).

        Returns:
            the compact serialization (ASCII bytes) and the raw signature.
        """
        signing_input = self._prefix + json_b64u(claims)
        signature = self._sign(signing_input)
        return signing_input + b"." + b64u(signature), signature

    def compact(self, claims: Mapping[str, Any]) -> str:
        """Sign a payload of claims and return the compact serialization, as a `str`."""
        return self.sign(claims)[0].decode()


class WrittenJwt(jwskate.SignedJwt):
    """A `jwskate.SignedJwt` of a token that a `JwsWriter` has just written, made from its parts.

    jwskate builds a `SignedJwt` by parsing its serialization, which costs as much as signing an ES256 proof; the
    parts of a token written here are known, so they are used as they are.

    Args:
        value: the compact serialization.
        headers: its JOSE header.
        claims: its claims.
        signature: its raw signature.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> WrittenJwt:
        return object.__new__(cls)

    def __init__(self, value: bytes, headers: Mapping[str, Any], claims: Mapping[str, Any], signature: bytes) -> None:
        self.value = value
        self.headers = dict(headers)
        self.claims = dict(claims)
        self.signature = BinaPy(signature)

    def __reduce__(self) -> tuple[type[jwskate.SignedJwt], tuple[bytes]]:
        return jwskate.SignedJwt, (bytes(self.value),)
