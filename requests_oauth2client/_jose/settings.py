"""`JoseSettings`: how a client's UserInfo and introspection responses and its request objects are signed or encrypted.

The settings carry the names of the client registration metadata (OpenID Connect Dynamic Client Registration 1.0
§2, RFC 9701 §6, RFC 9101 §9.2): give `OAuth2Client` a `JoseSettings` as `jose=`, or the same names as keyword
arguments. They must be the values registered at the Authorization Server: the client refuses a response that is
not signed or encrypted as they say.

Private module: `JoseSettings` is public from [requests_oauth2client.client][] and the package root.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import field, fields, frozen
from jwskate import Jwk, JwkSet

from requests_oauth2client._jose.checks import REFUSED_KEY_MANAGEMENT_ALGS, SIGNATURE_ALGS
from requests_oauth2client.exceptions import InvalidParam

__all__ = ["DEFAULT_REQUEST_OBJECT_ENCRYPTION_ENC", "JoseSettings", "jose_settings"]

DEFAULT_REQUEST_OBJECT_ENCRYPTION_ENC = "A128CBC-HS256"
"""The `enc` of encrypted request objects when none is registered (OpenID Connect Registration §2)."""


def _to_jwk_set(value: JwkSet | Jwk | Mapping[str, Any] | None) -> JwkSet | None:
    if value is None or isinstance(value, JwkSet):
        return value
    if isinstance(value, Jwk):
        return JwkSet(keys=[value])
    return JwkSet(value) if "keys" in value else JwkSet(keys=[Jwk(value)])


@frozen
class JoseSettings:
    """How the client's signed or encrypted responses and request objects are protected.

    Each alg is the value registered for the client at the Authorization Server (the metadata of the same name).
    A response the client expects signed (or encrypted) is refused when it is not.

    Args:
        userinfo_signed_response_alg: the UserInfo endpoint answers with a JWT (`application/jwt`, OpenID Connect
            Core §5.3.2) signed with this alg, verified with the AS keys (or the client secret, for HMAC).
        userinfo_encrypted_response_alg: the UserInfo response is encrypted to the client with this key management
            alg (then signed inside when `userinfo_signed_response_alg` is set, else plain JSON inside).
        userinfo_encrypted_response_enc: the content encryption alg of the UserInfo response (checked when given).
        introspection_signed_response_alg: the introspection endpoint is asked for, and answers with, a JWT
            (`application/token-introspection+jwt`, RFC 9701) signed with this alg.
        introspection_encrypted_response_alg: that JWT is encrypted to the client with this key management alg.
        introspection_encrypted_response_enc: its content encryption alg (checked when given).
        request_object_encryption_alg: the key management alg with which request objects are encrypted to the AS
            (RFC 9101 §6.1), with its key of that alg in its JWKS.
        request_object_encryption_enc: the content encryption alg of request objects (A128CBC-HS256 by default).
        authorization_signed_response_alg: JARM responses (`response_mode=jwt`...) must be signed with this alg
            (any asymmetric alg of the AS keys when None).
        decryption_keys: the client private keys that decrypt encrypted responses (a `JwkSet`, a JWKS dict, or a
            single key); the key is chosen by the JWE `kid`, else by alg. Without them, the client's
            `id_token_decryption_key` is used.

    Raises:
        InvalidParam: an unknown or refused alg (`none`, RSA1_5), an `enc` without its alg, or an encrypted
            introspection response that is not signed (RFC 9701 requires the signature).
    """

    userinfo_signed_response_alg: str | None = None
    userinfo_encrypted_response_alg: str | None = None
    userinfo_encrypted_response_enc: str | None = None
    introspection_signed_response_alg: str | None = None
    introspection_encrypted_response_alg: str | None = None
    introspection_encrypted_response_enc: str | None = None
    request_object_encryption_alg: str | None = None
    request_object_encryption_enc: str | None = None
    authorization_signed_response_alg: str | None = None
    decryption_keys: JwkSet | None = field(default=None, converter=_to_jwk_set, repr=False)

    def __attrs_post_init__(self) -> None:
        for name in (
            "userinfo_signed_response_alg",
            "introspection_signed_response_alg",
            "authorization_signed_response_alg",
        ):
            alg = getattr(self, name)
            if alg is not None and alg not in SIGNATURE_ALGS:
                raise InvalidParam(f"`{name}` {alg!r} is not a supported signature alg (`none` is refused).")
        for prefix in ("userinfo_encrypted_response", "introspection_encrypted_response", "request_object_encryption"):
            alg, enc = getattr(self, f"{prefix}_alg"), getattr(self, f"{prefix}_enc")
            if alg in REFUSED_KEY_MANAGEMENT_ALGS:
                raise InvalidParam(f"`{prefix}_alg` {alg} is refused (open to padding-oracle attacks).")
            if enc is not None and alg is None:
                raise InvalidParam(f"`{prefix}_enc` is set, but `{prefix}_alg` is not.")
        if self.introspection_encrypted_response_alg is not None and self.introspection_signed_response_alg is None:
            raise InvalidParam(
                "`introspection_encrypted_response_alg` needs `introspection_signed_response_alg` (RFC 9701)."
            )

    @property
    def jwt_userinfo(self) -> bool:
        """Whether UserInfo responses are JWTs (signed, encrypted, or both)."""
        return self.userinfo_signed_response_alg is not None or self.userinfo_encrypted_response_alg is not None

    @property
    def jwt_introspection(self) -> bool:
        """Whether introspection responses are asked for, and expected, as JWTs (RFC 9701)."""
        return self.introspection_signed_response_alg is not None


SETTING_NAMES = tuple(attribute.name for attribute in fields(JoseSettings))
"""The names of the settings, which `OAuth2Client` also accepts as keyword arguments."""


def jose_settings(jose: JoseSettings | None, extra_metadata: dict[str, Any]) -> JoseSettings:
    """Return the client's `JoseSettings`: `jose`, or one built from the setting names found in `extra_metadata`.

    The names found are removed from `extra_metadata` (they would be ignored there).

    Raises:
        InvalidParam: when both are given, or when the settings are invalid.
    """
    flat = {name: extra_metadata.pop(name) for name in SETTING_NAMES if name in extra_metadata}
    if jose is not None:
        if flat:
            raise InvalidParam(f"Pass either `jose=` or the settings {sorted(flat)} as keyword arguments, not both.")
        return jose
    return JoseSettings(**flat)
