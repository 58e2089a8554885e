"""How stores that keep bytes (files, Redis) write tokens: a serializer, optional encryption, and the DPoP policy.

A token is serialized with a `TokenSerializer` (a DPoP token with its private key and nonces). With an
`encryption_key`, the serialized token is then encrypted into a compact JWE (`dir`, AES-GCM) whose protected
header names the store key it was written under, so that an entry copied under another key is refused. With
`store_dpop_keys=False`, DPoP tokens are not written at all (and not read either).

Reading is defensive: a value that cannot be decrypted or deserialized is logged (without its content) and
treated as absent, so that the next renewal replaces it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen
from jwskate import InvalidJwe, JweCompact, Jwk, MismatchingAuthTag

from requests_oauth2client.dpop import DPoPToken
from requests_oauth2client.serializers import Serializer, TokenSerializer
from requests_oauth2client.tokens import BearerToken

__all__ = ["StoredTokenCodec"]

logger = logging.getLogger("requests_oauth2client")

# AES-GCM content encryption for each size of symmetric key, used directly (`dir`).
_GCM_BY_KEY_SIZE = {128: "A128GCM", 192: "A192GCM", 256: "A256GCM"}

# The protected JWE header member that binds an encrypted entry to its store key.
STORE_KEY_HEADER = "ro2c_store_key"


def _encryption_settings(key: Jwk | Mapping[str, Any]) -> tuple[Jwk, str]:
    """Check a store encryption key; return it (without `alg`) and the AES-GCM `enc` alg matching its size.

    Raises:
        ValueError: the key is not a symmetric key of 128, 192 or 256 bits (the message never shows the key).
    """
    try:
        jwk = key if isinstance(key, Jwk) else Jwk(key)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError("The token store encryption_key is not a valid JWK.") from exc
    if jwk.kty != "oct":
        raise ValueError(f"The token store encryption_key must be a symmetric ('oct') JWK, not kty={jwk.kty!r}.")
    enc = _GCM_BY_KEY_SIZE.get(jwk.key_size)
    if enc is None:
        raise ValueError(
            f"The token store encryption_key must be 128, 192 or 256 bits long, not {jwk.key_size} bits"
            " (e.g. Jwk.generate(alg='A256GCM'))."
        )
    alg = jwk.get("alg")
    if alg not in (None, "dir", enc):
        raise ValueError(
            f"The token store encryption_key is used directly with {enc}: its 'alg' must be absent, 'dir' or"
            f" {enc!r}, not {alg!r}."
        )
    return Jwk({"kty": "oct", "k": jwk["k"]}), enc


@frozen(init=False)
class StoredTokenCodec:
    """Turn tokens into the bytes a store keeps, and back (see the module docstring).

    Args:
        serializer: the token serializer (default: `TokenSerializer()`).
        encryption_key: a symmetric JWK (128, 192 or 256 bits) to encrypt stored tokens with, or `None`.
        store_dpop_keys: whether DPoP tokens are stored (with their private key); when `False` they are not.
    """

    serializer: Serializer[BearerToken]
    store_dpop_keys: bool
    _encryption_key: Jwk | None = field(repr=False)
    _enc: str | None = field(repr=False)

    def __init__(
        self,
        serializer: Serializer[BearerToken] | None = None,
        *,
        encryption_key: Jwk | Mapping[str, Any] | None = None,
        store_dpop_keys: bool = True,
    ) -> None:
        jwk, enc = (None, None) if encryption_key is None else _encryption_settings(encryption_key)
        self.__attrs_init__(
            serializer=serializer or TokenSerializer(),
            store_dpop_keys=store_dpop_keys,
            encryption_key=jwk,
            enc=enc,
        )

    @property
    def encrypts(self) -> bool:
        """Whether stored tokens are encrypted."""
        return self._encryption_key is not None

    def _shares(self, token: BearerToken) -> bool:
        return self.store_dpop_keys or not isinstance(token, DPoPToken)

    def encode(self, key: str, token: BearerToken) -> bytes | None:
        """The bytes to store for `token` under `key`, or `None` when this token is not to be stored."""
        if not self._shares(token):
            logger.debug("A DPoP token is not written to the token store (store_dpop_keys=False): %s", key)
            return None
        serialized = bytes(self.serializer.dumps(token))
        if self._encryption_key is None or self._enc is None:
            return serialized
        jwe = JweCompact.encrypt(
            serialized, self._encryption_key, alg="dir", enc=self._enc, extra_headers={STORE_KEY_HEADER: key}
        )
        return str(jwe).encode("ascii")

    def decode(self, key: str, data: bytes | str) -> BearerToken | None:
        """The token stored as `data` under `key`; `None` (and a warning) when it cannot be read."""
        raw = data.encode("ascii", errors="replace") if isinstance(data, str) else bytes(data)
        try:
            plaintext = self._decrypt(key, raw)
            token = self.serializer.loads(plaintext)
        except (ValueError, TypeError) as exc:  # InvalidSerializedData, UnsupportedTokenTypeError, InvalidJwe...
            self.unreadable(key, exc)
            return None
        if not self._shares(token):
            return None
        return token

    @staticmethod
    def unreadable(key: str, reason: Exception) -> None:
        """Log that the value stored under `key` cannot be read (the reason never quotes the value)."""
        logger.warning("The token stored under %s cannot be read and is ignored: %s", key, reason)

    def _decrypt(self, key: str, raw: bytes) -> bytes:
        """The serialized token held by `raw`, decrypted when the store encrypts.

        Raises:
            ValueError: `raw` is not what this codec writes (an unencrypted value when encryption is on, a JWE that
                does not decrypt with the key, or one written under another key).
        """
        if self._encryption_key is None:
            return raw
        try:
            jwe = JweCompact(raw)
            if jwe.headers.get("enc") != self._enc:
                raise ValueError(f"it is not encrypted with {self._enc}")
            plaintext = bytes(jwe.decrypt(self._encryption_key, alg="dir"))
        except InvalidJwe as exc:
            raise ValueError("it is not encrypted, while this store encrypts tokens") from exc
        except MismatchingAuthTag as exc:
            raise ValueError("it does not decrypt with this store's encryption_key") from exc
        if jwe.headers.get(STORE_KEY_HEADER) != key:
            raise ValueError("it was encrypted for another key")
        return plaintext
