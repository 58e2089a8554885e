"""The one place that decides which keys and algorithms are acceptable for the JWTs an Authorization Server sends.

ID Tokens, back-channel logout tokens, signed or encrypted UserInfo and introspection responses all go through the
same steps here, and request objects are encrypted to the key chosen here:

- `decrypt_if_expected()`: a JWT is encrypted exactly when the client expects it; the JWE `alg` is the expected one
  and never RSA1_5 (`REFUSED_KEY_MANAGEMENT_ALGS`), `enc` the expected one when given; the client key is chosen by
  the JWE `kid`, else among the keys suited to the `alg` (`decrypt_jwe()`).
- `check_signature_headers()`: `alg` is a known signature alg, never `none`, and the expected one; `kid` is a
  string; `crit` is absent; `typ` is the expected one, or, when none is expected, does not type the JWT as another
  kind of token (RFC 8725 §3.11).
- `verify_signature()`: an HMAC alg is keyed with the client secret, never with a key of the JWKS (alg confusion);
  an asymmetric alg with the JWKS key of the JWT `kid` or, without `kid`, the single suitable key; the JWKS is
  fetched again at most once, through a callback, when no key is suitable or the selected one does not verify.
- `encryption_key()`: the key of the Authorization Server JWKS that a request object is encrypted to.

Pure: the only I/O, fetching the JWKS again, is the caller's callback. Each failure is built by the `JoseFailures`
object the caller passes in, so that each kind of token raises its own typed errors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import jwskate

__all__ = [
    "ASYMMETRIC_ALGS",
    "HMAC_ALGS",
    "REFUSED_KEY_MANAGEMENT_ALGS",
    "SIGNATURE_ALGS",
    "UNTRUSTED_PARSE_ERRORS",
    "JoseFailures",
    "JwksLike",
    "KeysLike",
    "cached_public_verifier",
    "check_signature_headers",
    "decrypt_if_expected",
    "decrypt_jwe",
    "encryption_key",
    "parse_jws_or_jwe",
    "parse_signed_jwt",
    "verify_signature",
]

HMAC_ALGS = frozenset(jwskate.SymmetricJwk.SIGNATURE_ALGORITHMS)
ASYMMETRIC_ALGS = frozenset(
    name for jwk_class in (jwskate.RSAJwk, jwskate.ECJwk, jwskate.OKPJwk) for name in jwk_class.SIGNATURE_ALGORITHMS
)

SIGNATURE_ALGS = HMAC_ALGS | ASYMMETRIC_ALGS
REFUSED_KEY_MANAGEMENT_ALGS = frozenset({"RSA1_5"})
"""Key management algs never accepted, whatever the configuration: RSA1_5 is open to padding-oracle attacks."""
UNTRUSTED_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, RecursionError)
"""What parsing a token that comes from outside may raise (jwskate, binapy, json): a JSON value that is not an
object where one is expected raises AttributeError or KeyError, JSON nested too deeply RecursionError."""

_VERIFIER_CACHE_SIZE = 64
_EDDSA_CURVES = frozenset({"Ed25519", "Ed448"})
_ENCRYPTION_KEY_OPS = frozenset({"encrypt", "wrapKey", "deriveKey"})

JwksLike = jwskate.JwkSet | Mapping[str, Any]
KeysLike = jwskate.Jwk | jwskate.JwkSet | Mapping[str, Any]
"""One key, or a key set (a `JwkSet`, or a mapping with `keys`)."""

S = TypeVar("S", bound=jwskate.SignedJwt)


class JoseFailures(Protocol):
    """Builds the exception each failed step raises, for one kind of token (ID Token, logout token...).

    Each method gets the offending token (the JWE before decryption, the signed JWT after).
    """

    def unverifiable(self, message: str, token: object) -> Exception:
        """The client lacks what the check needs (a key, a secret), or the JWKS is malformed."""
        ...  # pragma: no cover

    def unexpected_encryption(self, token: object) -> Exception:
        """A JWE where a clear signed JWT is expected."""
        ...  # pragma: no cover

    def missing_encryption(self, token: object) -> Exception:
        """A clear signed JWT where a JWE is expected."""
        ...  # pragma: no cover

    def unsupported_encryption(self, received: object, expected: object, token: object) -> Exception:
        """A JWE `alg` or `enc` other than the expected one, or refused."""
        ...  # pragma: no cover

    def decryption_failed(self, message: str, token: object) -> Exception:
        """The JWE cannot be decrypted, or does not hold what it should."""
        ...  # pragma: no cover

    def invalid_header(self, header: str, received: object, expected: object, token: object) -> Exception:
        """A malformed, unsupported or unexpected header (`alg` not a string, `kid`, `crit`, `typ`)."""
        ...  # pragma: no cover

    def unsupported_alg(self, alg: object, token: object) -> Exception:
        """An unknown signature alg, or `none`."""
        ...  # pragma: no cover

    def mismatching_alg(self, received: str, expected: str, token: object) -> Exception:
        """A signature alg other than the expected one."""
        ...  # pragma: no cover

    def key_not_found(self, message: str, kid: str | None, token: object) -> Exception:
        """No key (or several keys) of the JWKS may verify the signature."""
        ...  # pragma: no cover

    def invalid_signature(self, token: object) -> Exception:
        """The signature does not verify."""
        ...  # pragma: no cover


# ---------------------------------------------------------------------------------------------------- parsing


def parse_signed_jwt(value: bytes | str) -> jwskate.SignedJwt:
    """Parse a compact JWS whose header and payload are JSON objects.

    Raises:
        ValueError: for anything else (a `jwskate.InvalidJwt` included).
    """
    try:
        jwt = jwskate.SignedJwt(value)
        if isinstance(jwt.headers, dict) and isinstance(jwt.claims, dict):
            return jwt
    except UNTRUSTED_PARSE_ERRORS as exc:
        raise ValueError("not a compact JWS whose header and payload are JSON objects") from exc
    raise ValueError("not a compact JWS whose header and payload are JSON objects")


def parse_jws_or_jwe(value: object) -> jwskate.SignedJwt | jwskate.JweCompact | None:
    """Parse a compact JWS (see `parse_signed_jwt`) or JWE (with a JSON object header); None for anything else."""
    if isinstance(value, jwskate.JweCompact):
        return value
    if isinstance(value, jwskate.SignedJwt):
        value = value.value
    if not isinstance(value, (str, bytes)):
        return None
    try:
        return parse_signed_jwt(value)
    except ValueError:
        pass
    try:
        jwe = jwskate.JweCompact(value)
        return jwe if isinstance(jwe.headers, dict) else None
    except Exception:
        return None


# ------------------------------------------------------------------------------------------------- encryption


def decrypt_if_expected(
    token: S | jwskate.JweCompact,
    *,
    alg: str | None,
    enc: str | None,
    keys: KeysLike | None,
    failures: JoseFailures,
    nested: Callable[[bytes], S],
) -> S:
    """Check that a token is encrypted exactly when expected, and return the signed JWT (decrypted if needed).

    Args:
        token: the token as received: a signed JWT, or a JWE.
        alg: the expected JWE key management alg, or None when the token must not be encrypted.
        enc: the expected JWE content encryption alg, if it must be checked.
        keys: the client private key (or keys) to decrypt with.
        failures: builds the exceptions.
        nested: parses the decrypted payload into the signed JWT class of the caller (it raises ValueError,
            TypeError or RecursionError for anything else).
    """
    if not isinstance(token, jwskate.JweCompact):
        if alg is not None:
            raise failures.missing_encryption(token)
        return token
    if alg is None:
        raise failures.unexpected_encryption(token)
    plaintext = decrypt_jwe(token, alg=alg, enc=enc, keys=keys, failures=failures)
    try:
        return nested(plaintext)
    except UNTRUSTED_PARSE_ERRORS as exc:
        raise failures.decryption_failed("the decrypted content is not a signed JWT", token) from exc


def decrypt_jwe(
    jwe: jwskate.JweCompact, *, alg: str, enc: str | None, keys: KeysLike | None, failures: JoseFailures
) -> bytes:
    """Decrypt a JWE whose `alg` (and `enc`, when given) must be the expected ones, and return its payload.

    The key is the one with the JWE `kid` when there is one; otherwise each private key suited to `alg` is tried.
    A single key (not a key set) is used whatever its `kid`.
    """
    jwe_alg = jwe.headers.get("alg")
    if jwe_alg in REFUSED_KEY_MANAGEMENT_ALGS or jwe_alg != alg or alg in REFUSED_KEY_MANAGEMENT_ALGS:
        raise failures.unsupported_encryption(jwe_alg, alg, jwe)
    jwe_enc = jwe.headers.get("enc")
    if enc is not None and jwe_enc != enc:
        raise failures.unsupported_encryption(jwe_enc, enc, jwe)
    candidates = _decryption_keys(jwe, alg, keys, failures)
    if not candidates:
        raise failures.unverifiable(f"encrypted with {alg}, and the client has no key to decrypt it", jwe)
    for key in candidates:
        try:
            return bytes(jwe.decrypt(key, alg=alg))
        except Exception:  # noqa: S112 - a wrong key, or a malformed JWE: try the next key
            continue
    raise failures.decryption_failed("cannot be decrypted with the client keys", jwe)


def _decryption_keys(
    jwe: jwskate.JweCompact, alg: str, keys: KeysLike | None, failures: JoseFailures
) -> list[jwskate.Jwk]:
    if keys is None:
        return []
    try:
        if isinstance(keys, jwskate.Jwk):
            return [keys]
        if not isinstance(keys, jwskate.JwkSet) and "keys" not in keys:
            return [jwskate.Jwk(keys)]
        keyset = keys if isinstance(keys, jwskate.JwkSet) else jwskate.JwkSet(keys)
        kid = jwe.headers.get("kid")
        return [
            key
            for key in keyset.jwks
            if key.is_private
            and (kid is None or key.data.get("kid") == kid)
            and key.data.get("use") in (None, "enc")
            and key.data.get("alg") in (None, alg)
        ]
    except Exception as exc:
        raise failures.unverifiable("the client decryption keys are not valid", jwe) from exc


def encryption_key(jwks: JwksLike, alg: str) -> jwskate.Jwk:
    """Return the single key of a JWKS that may encrypt to its owner with the key management alg `alg`.

    Suitable keys have `use` absent or `enc`, `alg` absent or equal, `key_ops` absent or allowing encryption, and a
    key type that supports `alg`.

    Raises:
        ValueError: when `alg` is refused (RSA1_5), or when no key, or several keys, are suitable.
    """
    if alg in REFUSED_KEY_MANAGEMENT_ALGS:
        raise ValueError(f"the key management alg {alg} is refused")
    keyset = jwks if isinstance(jwks, jwskate.JwkSet) else jwskate.JwkSet(jwks)
    candidates = []
    for key in keyset.jwks:
        members = key.data
        key_ops = members.get("key_ops")
        if (
            not key.is_symmetric
            and members.get("use") in (None, "enc")
            and members.get("alg") in (None, alg)
            and (key_ops is None or (isinstance(key_ops, list) and _ENCRYPTION_KEY_OPS & set(key_ops)))
            and alg in key.supported_key_management_algorithms()
        ):
            candidates.append(key)
    if len(candidates) != 1:
        what = "no key" if not candidates else f"{len(candidates)} keys"
        raise ValueError(f"{what} of the Authorization Server JWKS can encrypt with {alg}: exactly one is needed")
    return candidates[0].public_jwk()


# ---------------------------------------------------------------------------------------------------- headers


def check_signature_headers(
    token: jwskate.SignedJwt,
    expected_alg: str,
    failures: JoseFailures,
    *,
    expected_typ: str | None = None,
    typ_required: bool = False,
) -> str:
    """Check the `alg`, `kid`, `crit` and `typ` headers of a signed JWT; return its alg.

    Args:
        token: the signed JWT.
        expected_alg: the only accepted signature alg.
        failures: builds the exceptions.
        expected_typ: the expected `typ` (compared without case and without an `application/` prefix); None
            refuses any `typ` that types the JWT as another kind of token (one ending in `+jwt`).
        typ_required: whether `typ` must be present.
    """
    headers = token.headers
    alg = headers.get("alg")
    if not isinstance(alg, str):
        raise failures.invalid_header("alg", alg, None, token)
    if alg not in SIGNATURE_ALGS:  # includes "none"
        raise failures.unsupported_alg(alg, token)
    if expected_alg not in SIGNATURE_ALGS:
        raise failures.unsupported_alg(expected_alg, token)
    if alg != expected_alg:
        raise failures.mismatching_alg(alg, expected_alg, token)
    kid = headers.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise failures.invalid_header("kid", kid, None, token)
    if "crit" in headers:  # RFC 7515 §4.1.11: no extension is understood here
        raise failures.invalid_header("crit", headers["crit"], None, token)
    typ = headers.get("typ")
    if typ is None:
        if typ_required:
            raise failures.invalid_header("typ", None, expected_typ, token)
    elif not isinstance(typ, str):
        raise failures.invalid_header("typ", typ, expected_typ, token)
    elif expected_typ is not None:
        if _media_type(typ) != _media_type(expected_typ):
            raise failures.invalid_header("typ", typ, expected_typ, token)
    elif typ.lower().endswith("+jwt"):  # RFC 8725 §3.11: a JWT explicitly typed as another kind of token
        raise failures.invalid_header("typ", typ, None, token)
    return alg


def _media_type(typ: str) -> str:
    """A `typ` value as a media type: lower case, `application/` implied (RFC 7515 §4.1.9)."""
    typ = typ.lower()
    return typ if "/" in typ else f"application/{typ}"


# -------------------------------------------------------------------------------------------------- signature


def verify_signature(
    token: jwskate.SignedJwt,
    alg: str,
    jwks: JwksLike | None,
    refresh_jwks: Callable[[], JwksLike] | None,
    client_secret: str | None,
    failures: JoseFailures,
) -> jwskate.Jwk:
    """Verify the signature of a JWT and return the key that verified it.

    An HMAC alg is keyed with the client secret, never with a JWKS key. An asymmetric alg uses the JWKS key with the
    token `kid` or, without `kid`, the only suitable key. The JWKS is fetched again with `refresh_jwks`, once at
    most, when no key is suitable (an unknown `kid`: the keys were rotated) or when the selected key does not verify
    the signature (a key may have been rotated under the same `kid`); the token is then checked against the new keys.
    """
    if alg in HMAC_ALGS:
        if not isinstance(client_secret, str) or not client_secret:
            raise failures.unverifiable(f"signed with {alg}, but the client has no client secret", token)
        secret_key = jwskate.SymmetricJwk.from_bytes(client_secret.encode())
        if not _signature_verifies(token, secret_key, alg):
            raise failures.invalid_signature(token)
        return secret_key

    kid: str | None = token.headers.get("kid")
    candidates = _suitable_keys(token, jwks, alg, kid, failures)
    if candidates:
        key = _single_key(token, candidates, alg, kid, failures)
        if _signature_verifies(token, key, alg):
            return key
        if refresh_jwks is None:
            raise failures.invalid_signature(token)
    elif refresh_jwks is None:
        raise _key_not_found(token, alg, kid, failures)

    try:
        refreshed = refresh_jwks()
    except Exception as exc:
        if candidates:  # the known key did not verify the signature, and no other key could be fetched
            raise failures.invalid_signature(token) from exc
        raise failures.key_not_found(
            "the signing key is not in the JWKS, and fetching the JWKS again failed", kid, token
        ) from exc
    candidates = _suitable_keys(token, refreshed, alg, kid, failures)
    if not candidates:
        raise _key_not_found(token, alg, kid, failures)
    key = _single_key(token, candidates, alg, kid, failures)
    if not _signature_verifies(token, key, alg):
        raise failures.invalid_signature(token)
    return key


def _key_not_found(token: jwskate.SignedJwt, alg: str, kid: str | None, failures: JoseFailures) -> Exception:
    what = f"no key with kid {kid!r}" if kid is not None else "no key"
    return failures.key_not_found(f"{what} suitable for {alg} in the JWKS", kid, token)


def _single_key(
    token: jwskate.SignedJwt, candidates: list[jwskate.Jwk], alg: str, kid: str | None, failures: JoseFailures
) -> jwskate.Jwk:
    if len(candidates) > 1:
        raise failures.key_not_found(
            f"several keys of the JWKS are suitable for {alg}, and there is no kid"
            if kid is None
            else f"several keys of the JWKS have kid {kid!r}",
            kid,
            token,
        )
    return candidates[0]


def _suitable_keys(
    token: jwskate.SignedJwt, jwks: JwksLike | None, alg: str, kid: str | None, failures: JoseFailures
) -> list[jwskate.Jwk]:
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
        raise failures.unverifiable("the Authorization Server JWKS is not valid", token) from exc


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


def _signature_verifies(token: jwskate.SignedJwt, key: jwskate.Jwk, alg: str) -> bool:
    """Verify the signature with jwskate: the client secret for HMAC, else a cached verifier of the public key."""
    try:
        if key.is_symmetric:  # the client secret: never cached
            return bool(key.verify(token.signed_part, token.signature, alg=alg))
        return bool(_public_verifier(key, alg).verify(token.signed_part, token.signature))
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
