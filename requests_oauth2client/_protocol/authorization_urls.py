"""Authorization request URLs: parameter rendering, callback parsing, and the request_uri / request forms.

Private: `RequestParameterAuthorizationRequest` and `RequestUriParameterAuthorizationRequest` are public
from `authorization_request`, where they are re-exported.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import furl as furl_lib
from attrs import frozen
from jwskate import JweCompact, Jwk, JwkSet, Jwt, SignedJwt

from requests_oauth2client._http.yarl import import_yarl, is_url_like, is_yarl_url
from requests_oauth2client._jose.checks import encryption_key
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.utils import accepts_expires_in

if TYPE_CHECKING:
    from yarl import URL


class MissingParameter(AttributeError, KeyError):
    """An extra parameter is missing. Both an AttributeError (so `hasattr()` works) and a KeyError."""

    def __str__(self) -> str:
        return AttributeError.__str__(self)


ParamValue: TypeAlias = "str | int | float | list[str]"
"""A request parameter value, as in `args`: a str, a number (kept as given), or a list of repeated values."""


def url_with_params(endpoint: str, params: Mapping[str, ParamValue]) -> str:
    """Append form-encoded params to a URL, keeping its own query (`:` and `/` encoded, spaces as `+`)."""
    parts = urlsplit(endpoint)
    query = urlencode(params, doseq=True)
    if parts.query:
        query = f"{parts.query}&{query}" if query else parts.query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def compact_json(value: object) -> str:
    """Serialize a value as compact JSON (no spaces)."""
    return json.dumps(value, separators=(",", ":"))


def param_value(name: str, value: object) -> ParamValue:
    """Render one extra parameter for the authorization request URL.

    Numbers keep their type (`args` shows them as given, as in the published 1.x); the URL has their `str()`.
    """
    if name == "resource" and isinstance(value, (list, tuple)):
        return [str(v) for v in value]  # RFC 8707: repeated `resource` parameters
    if isinstance(value, Mapping) or (name == "authorization_details" and isinstance(value, (list, tuple))):
        return compact_json(value)  # RFC 9396 / OIDC `claims`: a single JSON string
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)  # OAuth list parameters are space-delimited
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)


def claim_value(value: object) -> object:
    """Render one extra parameter as a request object claim (JSON types are kept)."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


DEFAULT_REQUEST_OBJECT_LIFETIME = 60
"""The lifetime, in seconds, of request objects signed without an explicit `lifetime`."""


def signed_request_claims(
    params: Mapping[str, Any], *, client_id: str, audience: str | None, lifetime: int | None = None
) -> dict[str, Any]:
    """The claims of a signed request: its parameters, plus those that make it usable once, by one AS, briefly.

    Used for request objects (JAR, RFC 9101 §4) and signed CIBA authentication requests (CIBA Core §7.1.1):
    `iss` (the client_id), `aud` (the issuer of the AS; left out when unknown), `iat`, `nbf`, `exp` (`lifetime`
    seconds later) and a fresh random `jti`. These win over parameters of the same name.

    Args:
        params: the request parameters, as JSON values.
        client_id: the client_id.
        audience: the issuer identifier of the Authorization Server, or None.
        lifetime: the lifetime of the request, in seconds (`DEFAULT_REQUEST_OBJECT_LIFETIME` by default).

    Returns:
        the claims to sign.
    """
    iat = int(datetime.now(tz=timezone.utc).timestamp())
    claims = dict(params)
    claims["iss"] = client_id
    if audience:
        claims["aud"] = audience
    claims.update(
        iat=iat,
        nbf=iat,
        exp=iat + (lifetime or DEFAULT_REQUEST_OBJECT_LIFETIME),
        jti=secrets.token_urlsafe(24),
    )
    return claims


class UnparsableCallback(ValueError):
    """The callback cannot be parsed into parameters (turned into an `InvalidAuthResponse`)."""


def parse_callback(response: object, response_mode: object) -> dict[str, str]:
    """Extract the parameters of an authorization response.

    The response is a URL (a str, a `yarl.URL` or a `furl`), a bare query string, or a mapping of parameters.
    A str is a URL when a `?`, `#` or `://` comes before its first `=`; otherwise it is the query string
    itself. The parameters come from the URL query, or from its fragment with a fragment response mode (or
    when there is no query). A URL without parameters gives no parameters (the checks that follow refuse it).

    Raises:
        UnparsableCallback: when the response is of another type, cannot be parsed, has a repeated parameter,
            or (a mapping) a name or value that is not a string.
    """
    if isinstance(response, furl_lib.furl) or is_yarl_url(response):
        response = str(response)
    if isinstance(response, Mapping):
        return _mapping_params(response)
    if not isinstance(response, str):
        raise UnparsableCallback(f"unsupported response type {type(response).__name__}")
    query = response
    if is_url_like(response):
        try:
            parts = urlsplit(response)
        except ValueError:  # e.g. a broken IPv6 literal
            raise UnparsableCallback("the response is not a valid URL") from None
        use_fragment = (response_mode in ("fragment", "fragment.jwt") or not parts.query) and parts.fragment
        query = parts.fragment if use_fragment else parts.query
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in params:
            raise UnparsableCallback(f"multiple '{name}' query parameters")
        params[name] = value
    return params


def _mapping_params(response: Mapping[object, object]) -> dict[str, str]:
    """The parameters of a mapping response (a werkzeug MultiDict keeps repeated values in `getlist`)."""
    getlist = getattr(response, "getlist", None)
    params: dict[str, str] = {}
    for name in response:
        values = getlist(name) if callable(getlist) else response[name]
        if isinstance(values, (list, tuple)):
            if len(values) != 1:
                raise UnparsableCallback(f"multiple '{name}' parameters")
            values = values[0]
        if not isinstance(name, str) or not isinstance(values, str):
            raise UnparsableCallback(f"parameter '{name}' is not a string")
        params[name] = values
    return params


def to_jwk_set(value: JwkSet | Mapping[str, Any] | None) -> JwkSet | None:
    if value is None or isinstance(value, JwkSet):
        return value
    return JwkSet(value)


def to_jwk(value: Jwk | Mapping[str, Any] | None) -> Jwk | None:
    if value is None or isinstance(value, Jwk):
        return value
    return Jwk(value)


def request_encryption_key(
    enc_jwk: Jwk | JwkSet | Mapping[str, Any] | None, enc_alg: str | None, jwks: JwkSet | None
) -> Jwk:
    """The key a request object is encrypted to (RFC 9101 §6.1): `enc_jwk`, or chosen in a key set for `enc_alg`.

    Args:
        enc_jwk: the Authorization Server public encryption key, or its JWKS; None for `jwks`.
        enc_alg: the key management alg, which chooses the key in a JWKS (see `_jose.checks.encryption_key`).
        jwks: the Authorization Server public keys known to the request.

    Raises:
        ValueError: when no key is given or known, or when no single key of the JWKS suits `enc_alg`.
    """
    if enc_jwk is None:
        if not jwks:
            raise ValueError("no encryption key: pass `enc_jwk`, or the AS public keys (`authorization_server_jwks`)")
        enc_jwk = jwks
    if isinstance(enc_jwk, JwkSet) or (not isinstance(enc_jwk, Jwk) and "keys" in enc_jwk):
        if enc_alg is None:
            raise ValueError("`enc_alg` is needed to choose the encryption key in the AS public keys")
        return encryption_key(enc_jwk, enc_alg)
    return enc_jwk if isinstance(enc_jwk, Jwk) else Jwk(enc_jwk)


class UriRequest:
    """The base of the three request classes.

    A URI built from `args`, shown by `str()` and `repr()`; extra parameters readable as attributes.
    """

    __slots__ = ()

    authorization_endpoint: str
    kwargs: dict[str, Any]

    @property
    def args(self) -> dict[str, ParamValue]:
        """The request parameters."""
        raise NotImplementedError  # pragma: no cover

    @property
    def uri(self) -> str:
        """The full authorization request URI."""
        return url_with_params(self.authorization_endpoint, self.args)

    @property
    def furl(self) -> furl_lib.furl:
        """The full authorization request URI, as a `furl` object."""
        return furl_lib.furl(self.uri)

    @property
    def yarl(self) -> URL:
        """The full authorization request URI, as a `yarl.URL` (`str()` of it is `uri`).

        Raises:
            ImportError: when yarl, an optional dependency, is not installed (`requests_oauth2client[yarl]`).
        """
        return import_yarl().URL(self.uri, encoded=True)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return self.uri

    def __str__(self) -> str:
        return self.uri

    def __getattr__(self, name: str) -> Any:
        """Return an extra request parameter; raise AttributeError (also a KeyError) if there is none."""
        if name.startswith("__") or name == "kwargs":
            raise AttributeError(name)
        try:
            kwargs = object.__getattribute__(self, "kwargs")
        except AttributeError:  # not initialised yet (during copy or unpickling)
            raise AttributeError(name) from None
        try:
            return kwargs[name]
        except KeyError:
            raise MissingParameter(f"{type(self).__name__} has no parameter '{name}'") from None


def _parse_request_object(request: object) -> SignedJwt | JweCompact:
    if isinstance(request, (SignedJwt, JweCompact)):
        return request
    if isinstance(request, str):
        parsed = Jwt(request)
        if isinstance(parsed, (SignedJwt, JweCompact)):
            return parsed
        raise ValueError("the request object must be a signed or encrypted JWT")
    raise TypeError(f"the request object must be a str, SignedJwt or JweCompact, not {type(request).__name__}")


@frozen(init=False, repr=False)
class RequestParameterAuthorizationRequest(UriRequest):
    """An authorization request that carries its parameters in a request object (RFC 9101 `request`).

    Args:
        authorization_endpoint: the authorization endpoint URI.
        client_id: the client_id.
        request: the request object (a `SignedJwt`, a `JweCompact` or its compact str).
        expires_at: when the request object expires (`expires_in`, in seconds, is also accepted).
        dpop_key: the DPoP key the authorization code will be bound to, if any.
        **kwargs: extra parameters sent outside the request object.
    """

    authorization_endpoint: str
    client_id: str
    request: SignedJwt | JweCompact
    expires_at: datetime | None
    dpop_key: DPoPKey | None
    kwargs: dict[str, Any]

    @accepts_expires_in
    def __init__(
        self,
        authorization_endpoint: str,
        client_id: str,
        request: SignedJwt | JweCompact | str,
        expires_at: datetime | None = None,
        dpop_key: DPoPKey | None = None,
        **kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            authorization_endpoint=authorization_endpoint,
            client_id=client_id,
            request=_parse_request_object(request),
            expires_at=expires_at,
            dpop_key=dpop_key,
            kwargs=kwargs,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # jwskate tokens cannot be copied or pickled as they are: rebuild from the compact request object.
        state = (self.authorization_endpoint, self.client_id, str(self.request), self.expires_at, self.dpop_key)
        return (_rebuild_request_parameter_request, (type(self), *state, self.kwargs))

    @property
    def args(self) -> dict[str, ParamValue]:
        """The parameters sent to the authorization endpoint: `client_id`, `request` and the extras."""
        params: dict[str, object] = {"client_id": self.client_id, "request": str(self.request), **self.kwargs}
        return {name: param_value(name, value) for name, value in params.items() if value is not None}


def _rebuild_request_parameter_request(
    cls: type[RequestParameterAuthorizationRequest],
    authorization_endpoint: str,
    client_id: str,
    request: str,
    expires_at: datetime | None,
    dpop_key: DPoPKey | None,
    kwargs: dict[str, Any],
) -> RequestParameterAuthorizationRequest:
    return cls(authorization_endpoint, client_id, request, expires_at=expires_at, dpop_key=dpop_key, **kwargs)


@frozen(init=False, repr=False)
class RequestUriParameterAuthorizationRequest(UriRequest):
    """An authorization request that refers to pushed parameters (RFC 9126 `request_uri`).

    Args:
        authorization_endpoint: the authorization endpoint URI.
        client_id: the client_id.
        request_uri: the `request_uri` returned by the PAR endpoint.
        expires_at: when the `request_uri` expires (`expires_in`, in seconds, is also accepted).
        dpop_key: the DPoP key the authorization code will be bound to, if any.
        **kwargs: extra parameters.
    """

    authorization_endpoint: str
    client_id: str
    request_uri: str
    expires_at: datetime | None
    dpop_key: DPoPKey | None
    kwargs: dict[str, Any]

    @accepts_expires_in
    def __init__(
        self,
        authorization_endpoint: str,
        *,
        client_id: str,
        request_uri: str,
        expires_at: datetime | None = None,
        dpop_key: DPoPKey | None = None,
        **kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            authorization_endpoint=authorization_endpoint,
            client_id=client_id,
            request_uri=request_uri,
            expires_at=expires_at,
            dpop_key=dpop_key,
            kwargs=kwargs,
        )

    @property
    def args(self) -> dict[str, ParamValue]:
        """The parameters sent to the authorization endpoint: `client_id`, `request_uri` and the extras."""
        params: dict[str, object] = {"client_id": self.client_id, "request_uri": self.request_uri, **self.kwargs}
        return {name: param_value(name, value) for name, value in params.items() if value is not None}
