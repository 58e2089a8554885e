"""The signature step of ID Token validation: choose the verification key, verify, refresh the JWKS at most once.

Private module, used by [requests_oauth2client.id_token][] (step 3 of `validate_id_token()`). Pure, like the rest of
the validation: the only I/O, fetching the Authorization Server JWKS again, is a callback given by the caller.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jwskate

from ._id_token_errors import IdTokenSigningKeyNotFound, InvalidIdTokenSignature, UnverifiableIdToken
from .tokens import IdToken

__all__ = ["ASYMMETRIC_ALGS", "HMAC_ALGS", "JwksLike", "cached_public_verifier", "verify_signature"]

HMAC_ALGS = frozenset(jwskate.SymmetricJwk.SIGNATURE_ALGORITHMS)
ASYMMETRIC_ALGS = frozenset(
    name for jwk_class in (jwskate.RSAJwk, jwskate.ECJwk, jwskate.OKPJwk) for name in jwk_class.SIGNATURE_ALGORITHMS
)
_VERIFIER_CACHE_SIZE = 64
_EDDSA_CURVES = frozenset({"Ed25519", "Ed448"})

JwksLike = jwskate.JwkSet | Mapping[str, Any]


def verify_signature(
    id_token: IdToken,
    alg: str,
    jwks: JwksLike | None,
    refresh_jwks: Callable[[], JwksLike] | None,
    client_secret: str | None,
) -> jwskate.Jwk:
    """Verify the ID Token signature and return the key that verified it.

    An HMAC alg is keyed with the client secret, never with a JWKS key. An asymmetric alg uses the JWKS key with the
    token `kid` or, without `kid`, the only suitable key. The JWKS is fetched again with `refresh_jwks`, once at
    most, when no key is suitable (an unknown `kid`: the keys were rotated) or when the selected key does not verify
    the signature (a key may have been rotated under the same `kid`); the token is then checked against the new keys.

    Raises:
        UnverifiableIdToken: the client has no secret (HMAC), or the JWKS is malformed.
        IdTokenSigningKeyNotFound: no key (or several keys) of the JWKS may verify the signature.
        InvalidIdTokenSignature: the signature does not verify.
    """
    if alg in HMAC_ALGS:
        if not isinstance(client_secret, str) or not client_secret:
            raise UnverifiableIdToken(f"the ID Token uses {alg}, but the client has no client secret", id_token)
        secret_key = jwskate.SymmetricJwk.from_bytes(client_secret.encode())
        if not _signature_verifies(id_token, secret_key, alg):
            raise InvalidIdTokenSignature(id_token=id_token)
        return secret_key

    kid: str | None = id_token.headers.get("kid")
    candidates = _suitable_keys(id_token, jwks, alg, kid)
    if candidates:
        key = _single_key(id_token, candidates, alg, kid)
        if _signature_verifies(id_token, key, alg):
            return key
        if refresh_jwks is None:
            raise InvalidIdTokenSignature(id_token=id_token)
    elif refresh_jwks is None:
        raise _key_not_found(id_token, alg, kid)

    try:
        refreshed = refresh_jwks()
    except Exception as exc:
        if candidates:  # the known key did not verify the signature, and no other key could be fetched
            raise InvalidIdTokenSignature(id_token=id_token) from exc
        raise IdTokenSigningKeyNotFound(
            "the signing key is not in the JWKS, and fetching the JWKS again failed", id_token=id_token, kid=kid
        ) from exc
    candidates = _suitable_keys(id_token, refreshed, alg, kid)
    if not candidates:
        raise _key_not_found(id_token, alg, kid)
    key = _single_key(id_token, candidates, alg, kid)
    if not _signature_verifies(id_token, key, alg):
        raise InvalidIdTokenSignature(id_token=id_token)
    return key


def _key_not_found(id_token: IdToken, alg: str, kid: str | None) -> IdTokenSigningKeyNotFound:
    what = f"no key with kid {kid!r}" if kid is not None else "no key"
    return IdTokenSigningKeyNotFound(f"{what} suitable for {alg} in the JWKS", id_token=id_token, kid=kid)


def _single_key(id_token: IdToken, candidates: list[jwskate.Jwk], alg: str, kid: str | None) -> jwskate.Jwk:
    if len(candidates) > 1:
        raise IdTokenSigningKeyNotFound(
            f"several keys of the JWKS are suitable for {alg}, and the ID Token has no kid"
            if kid is None
            else f"several keys of the JWKS have kid {kid!r}",
            id_token=id_token,
            kid=kid,
        )
    return candidates[0]


def _suitable_keys(id_token: IdToken, jwks: JwksLike | None, alg: str, kid: str | None) -> list[jwskate.Jwk]:
    """Return the keys of a JWKS that may verify an `alg` signature (and have that `kid`, if given).

    A private key is returned as is: the signature is checked with its public part (see `_signature_verifies`).
    """
    if not jwks:
        return []
    try:
        # `type() is` first: an `isinstance()` check against a Mapping subclass goes through the slow ABC machinery
        keyset = jwks if type(jwks) is jwskate.JwkSet or isinstance(jwks, jwskate.JwkSet) else jwskate.JwkSet(jwks)
        keys = keyset.jwks
        return [key for key in keys if (kid is None or key.data.get("kid") == kid) and _is_suitable(key, alg)]
    except Exception as exc:  # a malformed JWKS
        raise UnverifiableIdToken("the Authorization Server JWKS is not valid", id_token) from exc


def _is_suitable(key: jwskate.Jwk, alg: str) -> bool:
    # `Jwk` is a `UserDict`: its `data` dict is read directly, as `Jwk.get()` is slow for absent members.
    members = key.data
    if key.is_symmetric or alg not in key.supported_signing_algorithms():
        return False
    if key.kty == "OKP" and members.get("crv") not in _EDDSA_CURVES:
        return False
    key_ops = members.get("key_ops")
    return (
        members.get("use") in (None, "sig")
        and members.get("alg") in (None, alg)
        and (key_ops is None or (isinstance(key_ops, list) and "verify" in key_ops))
    )


def _signature_verifies(id_token: IdToken, key: jwskate.Jwk, alg: str) -> bool:
    """Verify the signature with jwskate: the client secret for HMAC, else a cached verifier of the public key."""
    try:
        if key.is_symmetric:  # the client secret: never cached
            return bool(key.verify(id_token.signed_part, id_token.signature, alg=alg))
        return bool(_public_verifier(key, alg).verify(id_token.signed_part, id_token.signature))
    except Exception:  # a malformed signature or key: the signature does not verify
        return False


def _public_verifier(key: jwskate.Jwk, alg: str) -> jwskate.BaseSignatureAlg:
    """Return the jwskate verifier for the public part of an asymmetric key and an alg.

    jwskate creates the `cryptography` public key of a `Jwk` object the first time that object verifies (decoding and
    checking the big integers costs more than an RSA signature check). A `Jwk` that does not live long -- a JWKS
    given as a dict, a private key in the JWKS (whose public part is a new `Jwk` each time), a JwkSet refreshed with
    the same keys -- would pay that at every validation. Verifiers are therefore cached by alg and by the *content*
    of the public key (never by `kid`): a rotated key gets its own verifier even if its `kid` is reused, and nothing
    private or secret is kept in the cache.
    """
    public_key = (("kty", key.kty), *((name, key.data.get(name)) for name in _public_members(type(key))))
    try:
        return cached_public_verifier(alg, public_key)
    except TypeError:  # unusual key material, that cannot be a cache key: not cached
        return key.public_jwk().signature_wrapper(alg)


@functools.lru_cache(maxsize=_VERIFIER_CACHE_SIZE)
def cached_public_verifier(alg: str, public_key: tuple[tuple[str, Any], ...]) -> jwskate.BaseSignatureAlg:
    """The jwskate verifier of a public key given as its (member, value) pairs; bounded cache."""
    return jwskate.Jwk(dict(public_key)).signature_wrapper(alg)


@functools.cache
def _public_members(jwk_class: type[jwskate.Jwk]) -> tuple[str, ...]:
    """The names of the public key members of a JWK type (`n` and `e` for RSA; `crv`, `x` and `y` for EC...)."""
    return tuple(name for name, param in jwk_class.PARAMS.items() if not param.is_private)
