"""Serializers: store tokens, DPoP keys and authorization requests as compact strings, and read them back.

Use them to keep a token in a session, a cookie or a database, or an authorization request between the redirect
to the Authorization Server and the callback.

Every default serializer produces the same wire format: compact JSON (no spaces, attributes in their declaration
order, datetimes as integer UTC timestamps), compressed with raw DEFLATE (no zlib header nor checksum), then
encoded in unpadded base64url. This is the format of the published library, so values it stored can be read
back.

Serialized data holds secrets (access and refresh tokens, private DPoP keys, PKCE code verifiers): store it where
only the application can read it. Values read back are treated as untrusted: anything unreadable raises
`InvalidSerializedData`, a `ValueError`, and decompression is bounded (`MAX_DECOMPRESSED_SIZE`).

Example:
    ```python
    serializer = TokenSerializer()
    stored = serializer.dumps(token)  # bytes
    assert serializer.loads(stored) == token
    ```
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import warnings
import zlib
from abc import ABC
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

import attrs
from attrs import field, frozen
from binapy import BinaPy

from requests_oauth2client._http.dpop_headers import valid_nonce
from requests_oauth2client._http.origins import NO_ORIGIN
from requests_oauth2client.authorization_request import (
    AuthorizationRequest,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
)
from requests_oauth2client.dpop import DPoPKey, DPoPToken
from requests_oauth2client.exceptions import UnsupportedTokenTypeError
from requests_oauth2client.tokens import BearerToken

__all__ = [
    "MAX_DECOMPRESSED_SIZE",
    "AuthorizationRequestSerializer",
    "BearerTokenSerializer",
    "DPoPKeySerializer",
    "InvalidSerializedData",
    "Serializer",
    "TokenSerializer",
]

MAX_DECOMPRESSED_SIZE = 1024 * 1024
"""The maximum size, in bytes, of decompressed serialized data: larger payloads are refused (zip bombs)."""

T = TypeVar("T")

AnyAuthorizationRequest: TypeAlias = (
    AuthorizationRequest | RequestParameterAuthorizationRequest | RequestUriParameterAuthorizationRequest
)
"""The authorization request classes that `AuthorizationRequestSerializer` handles."""

_B64U = re.compile(rb"[A-Za-z0-9_-]+")

# The DPoP key attributes that are serialized besides the private key; generators and the token class are not.
_DPOP_KEY_OPTIONS = ("alg", "jwt_typ", "as_nonce", "rs_nonce")

# Configuration attributes of authorization requests that are never serialized: the AS keys are provided again by
# the client, and the JARM decryption key is a private key that must not end up in a session.
_AZR_NOT_SERIALIZED = frozenset({"authorization_server_jwks", "authorization_response_decryption_key"})
# Attributes added after version 1.8, serialized only when set: the serialized form of other requests is unchanged.
_AZR_OMITTED_WHEN_NONE = frozenset({"authorization_signed_response_alg"})

_DATETIME_FIELDS = ("expires_at",)


class InvalidSerializedData(ValueError):
    """Serialized data cannot be read back: it is corrupted, truncated, too large, or of the wrong shape.

    The message tells what is wrong but never includes the data itself, which may hold secrets.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"Invalid serialized data: {message}")


# ---------------------------------------------------------------------------------------------------------------
# Wire format
# ---------------------------------------------------------------------------------------------------------------


def _pack(data: Mapping[str, Any]) -> BinaPy:
    """Serialize a dict: compact JSON, raw DEFLATE, then unpadded base64url."""
    return BinaPy.serialize_to("json", data).to("deflate").to("b64u")


def _as_bytes(serialized: object) -> bytes:
    """Return serialized data as bytes; a str must be ASCII (base64url text)."""
    if isinstance(serialized, str):
        try:
            return serialized.encode("ascii")
        except UnicodeEncodeError:
            raise InvalidSerializedData("not base64url text (non-ASCII characters)") from None
    if isinstance(serialized, (bytes, bytearray, memoryview)):
        return bytes(serialized)
    raise InvalidSerializedData(f"expected bytes or str, got {type(serialized).__name__}")


def _inflate(compressed: bytes) -> bytes:
    """Decompress raw DEFLATE data, refusing more than `MAX_DECOMPRESSED_SIZE` bytes of output."""
    decompressor = zlib.decompressobj(wbits=-15)
    try:
        data = decompressor.decompress(compressed, MAX_DECOMPRESSED_SIZE + 1)
    except zlib.error as exc:
        raise InvalidSerializedData("not valid DEFLATE data") from exc
    if len(data) > MAX_DECOMPRESSED_SIZE or decompressor.unconsumed_tail:
        raise InvalidSerializedData(f"more than {MAX_DECOMPRESSED_SIZE} bytes once decompressed")
    if not decompressor.eof:
        raise InvalidSerializedData("truncated DEFLATE data")
    if decompressor.unused_data:
        raise InvalidSerializedData("unexpected data after the DEFLATE stream")
    return data


def _unpack(serialized: bytes | str) -> dict[str, Any]:
    """Read serialized data back into a dict (the reverse of `_pack`).

    Raises:
        InvalidSerializedData: if the data is not base64url, not DEFLATE, too large, not JSON, or not a JSON object.
    """
    text = _as_bytes(serialized).rstrip(b"=")
    if not _B64U.fullmatch(text) or len(text) % 4 == 1:
        raise InvalidSerializedData("not valid base64url")
    try:
        compressed = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover (the checks above exclude it)
        raise InvalidSerializedData("not valid base64url") from exc
    data = _inflate(compressed)
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise InvalidSerializedData("the decompressed data is not valid JSON") from exc
    if not isinstance(value, dict):
        raise InvalidSerializedData(f"expected a JSON object, got {type(value).__name__}")
    return value


def _check_types(args: Mapping[str, Any], types: Mapping[str, type | tuple[type, ...]]) -> None:
    """Check the types of the known, non-null attributes of a loaded dict."""
    for name, expected in types.items():
        value = args.get(name)
        if value is None:
            continue
        if isinstance(value, bool) and expected is not bool:
            raise InvalidSerializedData(f"'{name}' has the wrong type (bool)")
        if not isinstance(value, expected):
            raise InvalidSerializedData(f"'{name}' has the wrong type ({type(value).__name__})")


def _timestamps_to_datetimes(args: dict[str, Any]) -> None:
    """Turn the integer timestamps of datetime attributes back into aware UTC datetimes, in place."""
    for name in _DATETIME_FIELDS:
        value = args.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidSerializedData(f"'{name}' must be an integer timestamp")
        try:
            args[name] = datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise InvalidSerializedData(f"'{name}' is not a valid timestamp") from exc


def _dpop_key_as_dict(dpop_key: DPoPKey) -> dict[str, Any]:
    """Return the serializable attributes of a DPoP key, without null values."""
    return {name: value for name, value in dpop_key.as_dict().items() if value is not None}


def _dpop_key_from_dict(value: object) -> DPoPKey:
    """Rebuild a DPoP key from its dict form: `{"private_key": <JWK>, "alg": ..., "as_nonces": ..., ...}`.

    Each nonce goes back to the server origin it came from. An `as_nonce` (or `rs_nonce`) that is not the last
    of `as_nonces` (or `rs_nonces`), as in forms older than the per-origin nonces, does not tell which server it
    belongs to: it is kept under no origin, so that it is never sent (a server asks for a new nonce when it needs
    one). Other members (such as generators serialized as text by other implementations) are ignored.
    """
    if not isinstance(value, dict):
        raise InvalidSerializedData("'dpop_key' must be a JSON object")
    private_key = value.get("private_key")
    if not isinstance(private_key, dict):
        raise InvalidSerializedData("'dpop_key' has no private key")
    _check_types(value, {**dict.fromkeys(_DPOP_KEY_OPTIONS, str), "exp": int})
    options: dict[str, Any] = {name: value[name] for name in _DPOP_KEY_OPTIONS if value.get(name) is not None}
    for server in ("as", "rs"):
        nonces = value.get(f"{server}_nonces", {})
        if not isinstance(nonces, dict) or not all(
            isinstance(origin, str) and valid_nonce(nonce) for origin, nonce in nonces.items()
        ):
            raise InvalidSerializedData(f"'{server}_nonces' must map origins to nonces")
        current = options.pop(f"{server}_nonce", None)
        if current is not None and current not in list(nonces.values())[-1:]:
            nonces = {origin: nonce for origin, nonce in nonces.items() if origin != NO_ORIGIN}
            nonces[NO_ORIGIN] = current  # last: it stays the current nonce, of no origin
        options[f"{server}_nonces"] = nonces
    try:
        return DPoPKey(private_key, **options, exp=value.get("exp"))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidSerializedData("the DPoP key is not usable") from exc


def _build(cls: Callable[..., T], args: Mapping[str, Any]) -> T:
    """Call a constructor with loaded attributes; a missing, unexpected or wrongly typed one is reported as such.

    ValueErrors raised by the constructor (like `UnsupportedTokenTypeError`) are already typed and pass through.
    """
    try:
        return cls(**args)
    except (TypeError, KeyError, AttributeError) as exc:
        name = getattr(cls, "__name__", "the object")
        raise InvalidSerializedData(f"the attributes do not make a valid {name}") from exc


# ---------------------------------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------------------------------


@frozen
class Serializer(ABC, Generic[T]):
    """Turn objects into bytes and back, with three replaceable functions.

    `dumps(obj)` is `dumper(obj)`; `loads(data)` is `make_instance(loader(data))`, where `loader` turns the
    serialized data into a dict of constructor arguments and `make_instance` builds the object from it.

    Args:
        dumper: turns an object into bytes.
        loader: turns serialized bytes into a dict of constructor arguments.
        make_instance: builds an object from that dict.
    """

    dumper: Callable[[T], bytes]
    loader: Callable[[bytes], dict[str, Any]]
    make_instance: Callable[[dict[str, Any]], T] = field(repr=False)

    def dumps(self, instance: T) -> bytes:
        """Serialize an object.

        Args:
            instance: the object to serialize.

        Returns:
            the serialized value (base64url text, as bytes, with the default dumpers).
        """
        return self.dumper(instance)

    def loads(self, serialized: bytes | str) -> T:
        """Deserialize a value produced by `dumps()`.

        Args:
            serialized: the serialized value, as bytes or as (ASCII) text.

        Returns:
            the object.

        Raises:
            InvalidSerializedData: if the value cannot be read (with the default loaders).
        """
        return self.make_instance(self.loader(_as_bytes(serialized)))


@frozen(init=False)
class TokenSerializer(Serializer[BearerToken]):
    """Serialize `BearerToken` and `DPoPToken` instances (including the DPoP private key and nonces).

    Args:
        dumper: replaces `default_dumper`.
        loader: replaces `default_loader`.
        make_instance: replaces `default_make_instance`.

    Example:
        ```python
        serializer = TokenSerializer()
        stored = serializer.dumps(BearerToken("my_access_token", expires_in=3600))
        token = serializer.loads(stored)
        ```
    """

    def __init__(
        self,
        dumper: Callable[[BearerToken], bytes] | None = None,
        loader: Callable[[bytes], dict[str, Any]] | None = None,
        make_instance: Callable[[dict[str, Any]], BearerToken] | None = None,
    ) -> None:
        self.__attrs_init__(
            dumper=dumper or self.default_dumper,
            loader=loader or self.default_loader,
            make_instance=make_instance or self.default_make_instance,
        )

    @classmethod
    def default_dumper(cls, token: BearerToken) -> BinaPy:
        """Serialize a token: its attributes (`expires_at`, not `expires_in`) then its extra fields.

        A DPoP token's key is included as `{"alg", "private_key", "jwt_typ", "as_nonce", "rs_nonce", "as_nonces",
        "rs_nonces"}` (the last two map each server origin to its nonce).
        """
        data = token.as_dict(with_expires_in=False)
        dpop_key = data.get("dpop_key")
        if isinstance(dpop_key, DPoPKey):
            data["dpop_key"] = _dpop_key_as_dict(dpop_key)
        elif isinstance(dpop_key, Mapping):
            data["dpop_key"] = {name: value for name, value in dpop_key.items() if value is not None}
        return _pack({name: value for name, value in data.items() if value is not None})

    @classmethod
    def default_loader(cls, serialized: bytes | str) -> dict[str, Any]:
        """Read a serialized token into constructor arguments.

        `expires_at` becomes an aware UTC datetime; a `dpop_key` becomes a `DPoPKey`, passed as `_dpop_key`.

        Raises:
            InvalidSerializedData: if the value cannot be read, or an attribute has the wrong type.
        """
        args = _unpack(serialized)
        if not isinstance(args.get("access_token"), str):
            raise InvalidSerializedData("missing or invalid 'access_token'")
        _check_types(args, {"scope": str, "refresh_token": str, "token_type": str, "id_token": str})
        _timestamps_to_datetimes(args)
        if "dpop_key" in args:
            args["_dpop_key"] = _dpop_key_from_dict(args.pop("dpop_key"))
        return args

    @classmethod
    def default_make_instance(cls, args: dict[str, Any]) -> BearerToken:
        """Build a `BearerToken` or a `DPoPToken`, depending on `token_type` (case-insensitive).

        Raises:
            UnsupportedTokenTypeError: if `token_type` is neither `Bearer` nor `DPoP`.
            InvalidSerializedData: if the attributes do not make a valid token.
        """
        token_type = args.get("token_type", BearerToken.TOKEN_TYPE)
        kind = token_type.lower() if isinstance(token_type, str) else None
        if kind == BearerToken.TOKEN_TYPE.lower():
            # a Bearer token is not bound to any key, whatever the data says
            return _build(BearerToken, {name: value for name, value in args.items() if name != "_dpop_key"})
        if kind == DPoPToken.TOKEN_TYPE.lower():
            if not isinstance(args.get("_dpop_key"), DPoPKey):
                raise InvalidSerializedData("a DPoP token needs its 'dpop_key'")
            return _build(DPoPToken, args)
        raise UnsupportedTokenTypeError(token_type)


@frozen(init=False)
class DPoPKeySerializer(Serializer[DPoPKey]):
    """Serialize a `DPoPKey` as its private JWK (with its `alg`). Nonces and generators are not kept.

    Args:
        dumper: replaces `default_dumper`.
        loader: replaces `default_loader`.
        make_instance: replaces `default_make_instance`.
    """

    def __init__(
        self,
        dumper: Callable[[DPoPKey], bytes] | None = None,
        loader: Callable[[bytes], dict[str, Any]] | None = None,
        make_instance: Callable[[dict[str, Any]], DPoPKey] | None = None,
    ) -> None:
        self.__attrs_init__(
            dumper=dumper or self.default_dumper,
            loader=loader or self.default_loader,
            make_instance=make_instance or self.default_make_instance,
        )

    @classmethod
    def default_dumper(cls, dpop_key: DPoPKey) -> BinaPy:
        """Serialize the private JWK of a DPoP key (its `alg` is added when the JWK has none)."""
        jwk = dict(dpop_key.private_key)
        jwk.setdefault("alg", dpop_key.alg)
        return _pack(jwk)

    @classmethod
    def default_loader(cls, serialized: bytes | str) -> dict[str, Any]:
        """Read a serialized DPoP key into `{"private_key": <JWK dict>}`.

        Raises:
            InvalidSerializedData: if the value cannot be read.
        """
        return {"private_key": _unpack(serialized)}

    @classmethod
    def default_make_instance(cls, args: dict[str, Any]) -> DPoPKey:
        """Build the `DPoPKey`.

        Raises:
            InvalidSerializedData: if the key is not a usable DPoP key.
        """
        return _dpop_key_from_dict(args)


@frozen(init=False)
class AuthorizationRequestSerializer(Serializer[AnyAuthorizationRequest]):
    """Serialize authorization requests: `AuthorizationRequest` and the two classes that `sign()` and PAR return.

    The other two are `RequestParameterAuthorizationRequest` and `RequestUriParameterAuthorizationRequest`. The DPoP
    key, when there is one, is serialized with `dpop_key_serializer`. The AS public keys and the JARM decryption key
    are configuration, not serialized: pass them again when needed.

    Args:
        dumper: replaces `default_dumper`.
        loader: replaces `default_loader`.
        make_instance: replaces `default_make_instance`.

    Example:
        ```python
        serializer = AuthorizationRequestSerializer()
        flask.session["azr"] = serializer.dumps(azr)
        # ... then, in the callback:
        azr = serializer.loads(flask.session.pop("azr"))
        ```
    """

    dpop_key_serializer: ClassVar[Serializer[DPoPKey]] = DPoPKeySerializer()

    def __init__(
        self,
        dumper: Callable[[AnyAuthorizationRequest], bytes] | None = None,
        loader: Callable[[bytes], dict[str, Any]] | None = None,
        make_instance: Callable[[dict[str, Any]], AnyAuthorizationRequest] | None = None,
    ) -> None:
        self.__attrs_init__(
            dumper=dumper or self.default_dumper,
            loader=loader or self.default_loader,
            make_instance=make_instance or self.default_make_instance,
        )

    @classmethod
    def default_dumper(cls, azr: AnyAuthorizationRequest) -> BinaPy:
        """Serialize a request: its attributes in order, with extra parameters flattened in place of `kwargs`."""
        data: dict[str, Any] = {}
        for attribute in attrs.fields(type(azr)):
            name = attribute.name
            if name in _AZR_NOT_SERIALIZED:
                continue
            value = getattr(azr, name)
            if value is None and name in _AZR_OMITTED_WHEN_NONE:
                continue
            if name == "kwargs":
                data.update(value)
            elif name == "dpop_key" and value is not None:
                data[name] = cls.dpop_key_serializer.dumps(value).decode("ascii")
            else:
                data[name] = value
        return _pack(data)

    @classmethod
    def default_loader(cls, serialized: bytes | str) -> dict[str, Any]:
        """Read a serialized request into constructor arguments.

        The DPoP key may be serialized with `dpop_key_serializer`, or (as in version 1.7) be a dict holding its
        private JWK.

        Raises:
            InvalidSerializedData: if the value cannot be read, or an attribute has the wrong type.
        """
        args = _unpack(serialized)
        dpop_key = args.get("dpop_key")
        if not dpop_key:
            if "dpop_key" in args:
                args["dpop_key"] = None
        elif isinstance(dpop_key, str):
            args["dpop_key"] = cls.dpop_key_serializer.loads(dpop_key)
        else:
            args["dpop_key"] = _dpop_key_from_dict(dpop_key)
        if "request" in args or "request_uri" in args:
            _timestamps_to_datetimes(args)
        return args

    @classmethod
    def default_make_instance(cls, args: dict[str, Any]) -> AnyAuthorizationRequest:
        """Build the request, of the class that its attributes tell.

        A `request` attribute means a `RequestParameterAuthorizationRequest`, a `request_uri` one a
        `RequestUriParameterAuthorizationRequest`; otherwise it is an `AuthorizationRequest`.

        Raises:
            InvalidSerializedData: if the attributes do not make a valid request.
        """
        _check_types(args, {"authorization_endpoint": str, "client_id": str})
        if "request" in args:
            _check_types(args, {"request": str})
            return _build(RequestParameterAuthorizationRequest, args)
        if "request_uri" in args:
            _check_types(args, {"request_uri": str})
            return _build(RequestUriParameterAuthorizationRequest, args)
        _check_types(
            args,
            {
                "redirect_uri": str,
                "scope": (list, str),
                "response_type": str,
                "state": str,
                "nonce": str,
                "code_challenge_method": str,
                "acr_values": (list, str),
                "max_age": int,
                "code_verifier": str,
                "authorization_response_iss_parameter_supported": bool,
                "issuer": str,
            },
        )
        return _build(AuthorizationRequest, args)


# ---------------------------------------------------------------------------------------------------------------
# Version 1.7 API
# ---------------------------------------------------------------------------------------------------------------


class BearerTokenSerializer:
    """Serialize `BearerToken` instances as text (deprecated: use `TokenSerializer`, which returns bytes).

    The format is the same as `TokenSerializer`'s, so values written by either one can be read by the other.

    Args:
        dumper: replaces `default_dumper`.
        loader: replaces `default_loader`.
    """

    def __init__(
        self,
        dumper: Callable[[BearerToken], str] | None = None,
        loader: Callable[[str], BearerToken] | None = None,
    ) -> None:
        warnings.warn(
            "BearerTokenSerializer is deprecated, use TokenSerializer instead"
            " (from requests_oauth2client import TokenSerializer).",
            DeprecationWarning,
            stacklevel=2,
        )
        self.dumper: Callable[[BearerToken], str] = dumper or self.default_dumper
        self.loader: Callable[[str], BearerToken] = loader or self.default_loader

    @staticmethod
    def default_dumper(token: BearerToken) -> str:
        """Serialize a token into base64url text."""
        return TokenSerializer.default_dumper(token).decode("ascii")

    def default_loader(self, serialized: str | bytes, token_class: type[BearerToken] = BearerToken) -> BearerToken:
        """Read a serialized token back into an instance of `token_class`.

        Raises:
            InvalidSerializedData: if the value cannot be read.
            UnsupportedTokenTypeError: if its `token_type` is not accepted by `token_class`.
        """
        return _build(token_class, TokenSerializer.default_loader(serialized))

    def dumps(self, token: BearerToken) -> str:
        """Serialize a token into text."""
        return self.dumper(token)

    def loads(self, serialized: str | bytes) -> BearerToken:
        """Deserialize a token.

        Raises:
            InvalidSerializedData: if the value cannot be read (with the default loader).
        """
        if not isinstance(serialized, str):
            serialized = _as_bytes(serialized).decode("ascii", errors="replace")
        return self.loader(serialized)
