"""The encoding pieces of the tokens we write: base64url, compact JSON; and of DPoP proofs: `ath`, `jti`, `iat`.

Used by the one JWS writer (`_jose.jws`) and by `dpop`. Proofs are built on every request to a resource server and
assertions on every token request, so these are written for speed (see the benchmarks).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any

import jwskate

__all__ = ["asymmetric_signature_algs", "ath_of", "b64u", "default_iat", "default_jti", "json_b64u"]


def b64u(data: bytes) -> bytes:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


_JSON = json.JSONEncoder(separators=(",", ":"))


def json_b64u(obj: Mapping[str, Any]) -> bytes:
    """Return base64url(compact JSON) of a flat object, as `json.dumps(obj, separators=(",", ":"))` would.

    Strings and ints (all claims of a proof, usually) are written with `json`'s own C escaper, which is much
    cheaper than building a JSON encoder for each proof; anything else goes through the encoder.
    """
    members = []
    for name, value in obj.items():
        kind = type(value)
        text = _json_str(value) if kind is str else str(value) if kind is int else _JSON.encode(value)
        members.append(f"{_json_str(name)}:{text}")
    return b64u(("{" + ",".join(members) + "}").encode())


def ath_of(access_token: str) -> str:
    """Return the `ath` value for an access token: base64url(SHA-256(token))."""
    return b64u(hashlib.sha256(access_token.encode()).digest()).decode()


def default_jti() -> str:
    """A random version 4 UUID string, drawn from `secrets` (formatted directly: this runs for every proof)."""
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def default_iat() -> int:
    """The current time, as a Unix timestamp (the default `iat` of proofs)."""
    return int(time.time())


def asymmetric_signature_algs() -> dict[str, type[jwskate.Jwk]]:
    """Every asymmetric signature alg jwskate supports, with the key class that supports it."""
    return {
        alg: jwk_class
        for jwk_class in jwskate.Jwk.__subclasses__()
        if jwk_class.KEY_TYPE != "oct"
        for alg in jwk_class.SIGNATURE_ALGORITHMS
    }
