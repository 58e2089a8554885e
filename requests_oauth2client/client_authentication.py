"""Client authentication methods, as `requests` auth handlers.

Each class here authenticates a client to an Authorization Server endpoint by modifying the outgoing request:
`ClientSecretBasic` (RFC 6749 §2.3.1, `Authorization: Basic`), `ClientSecretPost` (credentials in the form body),
`ClientSecretJwt` and `PrivateKeyJwt` (RFC 7523 JWT client assertions, as named by OpenID Connect Core §9) and
`PublicApp` (no authentication, only the `client_id`).

They only apply to `POST` requests with a form-urlencoded body (or no body yet), which is what every AS endpoint
that authenticates clients expects.

Example:
    ```python
    from requests_oauth2client import OAuth2Client, PrivateKeyJwt

    client = OAuth2Client("https://as.example/token", auth=PrivateKeyJwt("client_id", private_jwk))
    ```

No secret and no private key ever appears in the `repr()` / `str()` of these objects, nor in the messages of the
exceptions raised here.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote_plus, unquote_plus, urlencode, urlsplit, urlunsplit

import requests
from attrs import field, frozen
from jwskate import InvalidJwk, Jwk, SymmetricJwk, to_jwk

from requests_oauth2client._jose.jws import JwsWriter
from requests_oauth2client.enums import JwtTypes

if TYPE_CHECKING:
    pass

__all__ = [
    "BaseClientAssertionAuthenticationMethod",
    "BaseClientAuthenticationMethod",
    "ClientSecretBasic",
    "ClientSecretJwt",
    "ClientSecretPost",
    "InvalidClientAssertionJwk",
    "InvalidClientAssertionSigningKeyOrAlg",
    "InvalidRequestForClientAuthentication",
    "PrivateKeyJwt",
    "PublicApp",
    "UnsupportedClientCredentials",
    "client_auth_factory",
]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class InvalidRequestForClientAuthentication(RuntimeError):
    """Client authentication was applied to a request that cannot carry it.

    Client authentication only applies to `POST` requests whose body is form-urlencoded (or empty).

    Args:
        request: the offending request.
    """

    def __init__(self, request: requests.PreparedRequest) -> None:
        content_type = request.headers.get("Content-Type") if request.headers is not None else None
        super().__init__(
            "Client authentication requires a POST request with an application/x-www-form-urlencoded body "
            f"(got method {request.method!r}, Content-Type {content_type!r})."
        )
        self.request = request


class InvalidClientAssertionSigningKeyOrAlg(ValueError):
    """The key or alg given to sign client assertions is not usable.

    Args:
        alg: the signing alg that was requested or determined, if any.
        reason: what is wrong with the key or the alg (never includes key material).
    """

    def __init__(self, alg: str | None, reason: str | None = None) -> None:
        message = "Invalid client assertion signing key or alg"
        if reason:
            message += f": {reason}"
        super().__init__(message)
        self.alg = alg


class InvalidClientAssertionJwk(InvalidClientAssertionSigningKeyOrAlg, InvalidJwk):
    """The private key given to sign client assertions is not a valid JWK.

    Also a `jwskate.InvalidJwk`, which the published releases let through in that case.
    """


class UnsupportedClientCredentials(TypeError, ValueError):
    """The credentials given to configure client authentication are not supported."""


def _mask(_value: object) -> str:
    """Repr of a secret field."""
    return "'***'"


def _private_key_repr(jwk: Jwk) -> str:
    """Repr of a private key field: only the public facts about the key."""
    return f"<private {jwk.kty} key, kid={jwk.get('kid')!r}>"


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


def _implied_signing_alg(jwk: Jwk) -> str | None:
    """The signing alg a key without `alg` implies, or None for keys that imply none (symmetric keys, X25519...).

    RS256 for RSA, the curve's ES alg for EC, EdDSA for Ed25519 and Ed448 keys. The name is the one jwskate uses
    for that alg (jwskate spells ES256K `ES256k`).
    """
    implied = _IMPLIED_SIGNING_ALGS.get("RSA" if jwk.kty == "RSA" else str(jwk.get("crv")))
    if implied is None:
        return None
    return next((alg for alg in jwk.supported_signing_algorithms() if alg.upper() == implied.upper()), None)


def _default_jti() -> str:
    """Generate a random JWT ID: 128 bits from the OS CSPRNG, base64url-encoded."""
    return secrets.token_urlsafe(16)


def _request_audience(request: requests.PreparedRequest) -> str:
    """The request URL without its query string and fragment, used as default assertion audience."""
    parts = urlsplit(str(request.url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@frozen
class BaseClientAuthenticationMethod(requests.auth.AuthBase):
    """Base class for client authentication methods.

    On its own, it only checks that the request can carry client authentication: a `POST` with a
    form-urlencoded body, or no `Content-Type` yet.

    Args:
        client_id: the client ID.
    """

    client_id: str

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Check that the request is suitable for client authentication.

        Raises:
            InvalidRequestForClientAuthentication: if the request is not a form-urlencoded POST.
        """
        if request.method != "POST":
            raise InvalidRequestForClientAuthentication(request)
        content_type = request.headers.get("Content-Type")
        if content_type is not None and content_type.split(";", 1)[0].strip().lower() != FORM_CONTENT_TYPE:
            raise InvalidRequestForClientAuthentication(request)
        return request

    def _add_form_fields(self, request: requests.PreparedRequest, fields: Mapping[str, str]) -> None:
        """Add `fields` to the request's form body, keeping every other parameter already there.

        Existing parameters are kept byte for byte; a parameter of the same name as one of `fields` is replaced.
        The Content-Type and Content-Length headers are set accordingly.
        """
        body = request.body
        if body is None:
            raw = b""
        elif isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
        else:  # a stream or a generator: it cannot be parsed nor extended
            raise InvalidRequestForClientAuthentication(request)
        text = body if isinstance(body, str) else raw.decode("latin-1")
        if text.isascii() and _form_names(text).isdisjoint(fields):
            # the common case, on every token request: append the fields to the encoded body as it is, rather than
            # decoding and encoding the whole form again
            extra = urlencode(fields)
            new_body = f"{text}&{extra}" if text else extra
            request.body = new_body
            request.headers["Content-Length"] = str(len(new_body))
            if "Content-Type" not in request.headers:
                request.headers["Content-Type"] = "application/x-www-form-urlencoded"
            return
        # latin-1 maps each byte to one char and back, so percent-decoded values are kept exactly
        pairs: list[tuple[bytes | str, bytes | str]] = [
            (key.encode("latin-1"), value.encode("latin-1"))
            for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
            if key not in fields
        ]
        pairs.extend(fields.items())
        request.prepare_body(pairs, files=None)


def _form_names(form: str) -> set[str]:
    """The parameter names of an urlencoded form."""
    names = set()
    for part in form.split("&"):
        if not part:
            continue
        name = part.split("=", 1)[0]
        names.add(unquote_plus(name, encoding="latin-1") if "%" in name or "+" in name else name)
    return names


@frozen
class ClientSecretBasic(BaseClientAuthenticationMethod):
    """Authentication with `client_secret_basic`: the client ID and secret in an `Authorization: Basic` header.

    As RFC 6749 §2.3.1 requires, the client ID and the secret are each form-urlencoded before being joined with
    `:` and base64-encoded, so secrets containing `:`, `%`, `+`, spaces or non-ASCII characters work.

    Args:
        client_id: the client ID.
        client_secret: the client secret.

    Example:
        ```python
        client = OAuth2Client("https://as.example/token", auth=ClientSecretBasic("client_id", "client_secret"))
        ```
    """

    client_secret: str = field(repr=_mask)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `Authorization: Basic` header."""
        request = super().__call__(request)
        credentials = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}".encode("ascii")
        request.headers["Authorization"] = f"Basic {base64.b64encode(credentials).decode('ascii')}"
        return request


@frozen
class ClientSecretPost(BaseClientAuthenticationMethod):
    """Authentication with `client_secret_post`: the client ID and secret as form fields in the request body.

    Args:
        client_id: the client ID.
        client_secret: the client secret.
    """

    client_secret: str = field(repr=_mask)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `client_id` and `client_secret` form fields."""
        request = super().__call__(request)
        self._add_form_fields(request, {"client_id": self.client_id, "client_secret": self.client_secret})
        return request


@frozen
class BaseClientAssertionAuthenticationMethod(BaseClientAuthenticationMethod):
    """Base class for the methods that authenticate with a JWT client assertion (RFC 7523 §2.2).

    Every request gets a fresh assertion with `iss` = `sub` = client_id, `aud`, `iat`, `exp` = `iat` + lifetime
    and a random `jti`.

    Args:
        client_id: the client ID.
        lifetime: the assertion lifetime, in seconds.
        jti_gen: a callable that returns a fresh, unique JWT ID at each call.
        aud: the assertion audience; when None, the URL of the request (without query and fragment) is used.
        alg: the signing alg.
        typ: the `typ` header of the assertion; None to omit it.
    """

    lifetime: int
    jti_gen: Callable[[], object]
    aud: str | None
    alg: str | None
    typ: str | None

    def client_assertion(self, audience: str) -> str:
        """Generate a client assertion for the given audience.

        Args:
            audience: the assertion audience.

        Returns:
            the assertion, as a compact signed JWT.

        Raises:
            NotImplementedError: in this base class, which has no signing key.
        """
        iat = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "iat": iat,
            "exp": iat + self.lifetime,
            "jti": str(self.jti_gen()),
        }
        return self._writer.compact(claims)

    def _signing_key(self) -> Jwk:
        """The key that signs the assertions (checked against `alg`). Subclasses provide it."""
        raise NotImplementedError

    def _header_params(self) -> dict[str, str]:
        """The JWS header of the assertions."""
        header = {"alg": str(self.alg)}
        if self.typ is not None:
            header["typ"] = str(self.typ)
        return header

    @cached_property
    def _writer(self) -> JwsWriter:
        """The one JWS writer of this method (the instance is immutable): key, alg and encoded header, built once."""
        return JwsWriter(self._signing_key(), str(self.alg), self._header_params())

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `client_id`, `client_assertion` and `client_assertion_type` form fields."""
        request = super().__call__(request)
        audience = self.aud or _request_audience(request)
        self._add_form_fields(
            request,
            {
                "client_id": self.client_id,
                "client_assertion": self.client_assertion(audience),
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
            },
        )
        return request


@frozen(init=False)
class ClientSecretJwt(BaseClientAssertionAuthenticationMethod):
    """Authentication with `client_secret_jwt`: a client assertion signed with HMAC, keyed by the client secret.

    Args:
        client_id: the client ID.
        client_secret: the client secret.
        lifetime: the assertion lifetime, in seconds.
        alg: the HMAC alg (`HS256`, `HS384` or `HS512`).
        jti_gen: a callable that returns a fresh, unique JWT ID at each call.
        aud: the assertion audience; defaults to the URL of the endpoint.
        typ: the `typ` header of the assertion (`client-authentication+jwt`; pass `"JWT"` for older servers).

    Raises:
        InvalidClientAssertionSigningKeyOrAlg: if `alg` is not an HMAC alg.
    """

    client_secret: str = field(repr=_mask)

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        lifetime: int = 60,
        alg: str = "HS256",
        jti_gen: Callable[[], object] = _default_jti,
        aud: str | None = None,
        typ: str | None = JwtTypes.CLIENT_AUTHENTICATION_JWT,
    ) -> None:
        self.__attrs_init__(
            client_id=client_id,
            lifetime=lifetime,
            jti_gen=jti_gen,
            aud=aud,
            alg=alg,
            typ=typ,
            client_secret=client_secret,
        )

    def __attrs_post_init__(self) -> None:
        _ = self._writer  # check the alg now, and build what every assertion reuses

    def _signing_key(self) -> Jwk:
        key = SymmetricJwk.from_bytes(self.client_secret.encode())
        if self.alg not in key.supported_signing_algorithms():
            raise InvalidClientAssertionSigningKeyOrAlg(self.alg, f"{self.alg!r} is not an HMAC signing alg")
        return key


@frozen(init=False)
class PrivateKeyJwt(BaseClientAssertionAuthenticationMethod):
    """Authentication with `private_key_jwt`: a client assertion signed with the client's private key.

    The signing alg is the key's `alg` when it has one, else the `alg` parameter, else the alg the key implies
    (RS256 for an RSA key, the curve's ES alg for an EC key, EdDSA for an Ed25519 or Ed448 key). The key must be an
    asymmetric private key that supports that alg and has a `kid` (sent in the assertion header).

    Args:
        client_id: the client ID.
        private_jwk: the private signing key, as a `jwskate.Jwk` or a JWK dict.
        alg: the signing alg, used when the key has no `alg` (by default, the alg the key implies).
        lifetime: the assertion lifetime, in seconds.
        jti_gen: a callable that returns a fresh, unique JWT ID at each call.
        aud: the assertion audience; defaults to the URL of the endpoint. `OAuth2Client` passes its issuer.
        typ: the `typ` header of the assertion (`client-authentication+jwt`; pass `"JWT"` for older servers).

    Raises:
        InvalidClientAssertionJwk: if the key is not a valid JWK (also a `jwskate.InvalidJwk`).
        InvalidClientAssertionSigningKeyOrAlg: if the key or alg is not usable.
    """

    private_jwk: Jwk = field(repr=_private_key_repr, hash=False)

    def __init__(
        self,
        client_id: str,
        private_jwk: Jwk | Mapping[str, Any],
        *,
        alg: str | None = None,
        lifetime: int = 60,
        jti_gen: Callable[[], object] = _default_jti,
        aud: str | None = None,
        typ: str | None = JwtTypes.CLIENT_AUTHENTICATION_JWT,
    ) -> None:
        jwk, alg = self._check_key(private_jwk, alg)
        self.__attrs_init__(
            client_id=client_id,
            lifetime=lifetime,
            jti_gen=jti_gen,
            aud=aud,
            alg=alg,
            typ=typ,
            private_jwk=jwk,
        )

    @staticmethod
    def _check_key(private_jwk: Jwk | Mapping[str, Any], alg: str | None) -> tuple[Jwk, str]:
        """Return the key as a `Jwk`, and the signing alg; raise when they are not usable."""
        jwk: Jwk | None
        try:
            jwk = to_jwk(private_jwk)
        except Exception:
            jwk = None
        if jwk is None:
            # raised outside the `except` block: jwskate's errors carry the key parameters, which must not be
            # chained to ours (and end up in a traceback or a log)
            raise InvalidClientAssertionJwk(alg, "the private key is not a valid JWK")
        alg = jwk.alg or alg or _implied_signing_alg(jwk)
        if alg is None:
            raise InvalidClientAssertionSigningKeyOrAlg(
                alg, f"the key has no 'alg' and a {jwk.kty} key implies none: pass the signing alg with `alg=`"
            )
        if jwk.is_symmetric or not jwk.is_private:
            raise InvalidClientAssertionSigningKeyOrAlg(alg, "the key must be an asymmetric private key")
        if alg not in jwk.supported_signing_algorithms():
            raise InvalidClientAssertionSigningKeyOrAlg(alg, f"alg {alg!r} is not supported by this key")
        if not jwk.get("kid"):
            raise InvalidClientAssertionSigningKeyOrAlg(alg, "the key must have a 'kid'")
        return jwk, alg

    def __attrs_post_init__(self) -> None:
        _ = self._writer  # build what every assertion reuses

    def _signing_key(self) -> Jwk:
        return self.private_jwk

    def _header_params(self) -> dict[str, str]:
        return {**super()._header_params(), "kid": self.private_jwk.kid}


@frozen
class PublicApp(BaseClientAuthenticationMethod):
    """Authentication method `none`, for public clients: only the `client_id` form field is sent.

    Args:
        client_id: the client ID.
    """

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `client_id` form field."""
        request = super().__call__(request)
        self._add_form_fields(request, {"client_id": self.client_id})
        return request


def client_auth_factory(
    auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | tuple[str, Mapping[str, Any]] | str | None,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    private_key: Jwk | Mapping[str, Any] | None = None,
    audience: str | None = None,
    default_auth_handler: Callable[[str, str], requests.auth.AuthBase] = ClientSecretPost,
) -> requests.auth.AuthBase:
    """Build the client authentication handler from the ways `OAuth2Client` accepts credentials.

    Either `auth` or the keyword credentials, not both:

    - an `AuthBase` instance is used as is;
    - a `str` is a client ID → `PublicApp`;
    - `(client_id, client_secret)` → `default_auth_handler` (`ClientSecretPost`);
    - `(client_id, private_jwk)` with a `Jwk` or a dict → `PrivateKeyJwt` with `aud=audience`;
    - keywords: `private_key` → `PrivateKeyJwt`, else `client_secret` → `default_auth_handler`,
      else `client_id` alone → `PublicApp`.

    Args:
        auth: the auth handler, client ID, or (client_id, credential) tuple.
        client_id: the client ID, when `auth` is not given.
        client_secret: the client secret, when `auth` is not given.
        private_key: the private signing key, when `auth` is not given.
        audience: the `aud` for `PrivateKeyJwt` assertions (usually the AS issuer).
        default_auth_handler: the class used for a client ID and secret.

    Returns:
        the client authentication handler.

    Raises:
        UnsupportedClientCredentials: if the credentials are missing, ambiguous or of an unsupported type.
    """
    if auth is not None:
        if client_id is not None or client_secret is not None or private_key is not None:
            msg = "Use either `auth` or the `client_id`/`client_secret`/`private_key` parameters, not both."
            raise UnsupportedClientCredentials(msg)
        if isinstance(auth, requests.auth.AuthBase):
            return auth
        if isinstance(auth, str):
            return PublicApp(auth)
        if isinstance(auth, (tuple, list)) and len(auth) == 2 and isinstance(auth[0], str):
            tuple_client_id, credential = auth
            if isinstance(credential, str):
                return default_auth_handler(tuple_client_id, credential)
            if isinstance(credential, (Jwk, Mapping)):
                return PrivateKeyJwt(tuple_client_id, credential, aud=audience)
            msg = f"Unsupported client credential type in `auth` tuple: {type(credential).__name__}."
            raise UnsupportedClientCredentials(msg)
        msg = (
            "`auth` must be a requests AuthBase, a client_id, or a (client_id, client_secret or private key) tuple; "
            f"got a {type(auth).__name__}."
        )
        raise UnsupportedClientCredentials(msg)

    if client_id is None:
        msg = "No client credentials: pass `auth`, or at least `client_id`."
        raise UnsupportedClientCredentials(msg)
    if private_key is not None:
        return PrivateKeyJwt(client_id, private_key, aud=audience)
    if client_secret is not None:
        return default_auth_handler(client_id, client_secret)
    return PublicApp(client_id)
