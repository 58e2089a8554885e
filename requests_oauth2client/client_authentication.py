"""Client authentication methods, as `requests` auth handlers.

Each class here authenticates a client to an Authorization Server endpoint by modifying the outgoing request:
`ClientSecretBasic` (RFC 6749 §2.3.1, `Authorization: Basic`), `ClientSecretPost` (credentials in the form body),
`ClientSecretJwt` and `PrivateKeyJwt` (RFC 7523 JWT client assertions, as named by OpenID Connect Core §9) and
`PublicApp` (no authentication, only the `client_id`), `TlsClientAuth` and `SelfSignedTlsClientAuth` (the client
certificate authenticates the client, RFC 8705 §2: the request carries the `client_id` only). Their errors are defined
in a private module and importable from here.

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
from typing import Any, ClassVar
from urllib.parse import quote_plus, urlencode, urlsplit, urlunsplit

import requests
from attrs import field, frozen
from jwskate import Jwk, SymmetricJwk, to_jwk

from requests_oauth2client._errors.client_authentication import (
    InvalidClientAssertionJwk,
    InvalidClientAssertionSigningKeyOrAlg,
    InvalidRequestForClientAuthentication,
    UnsupportedClientCredentials,
)
from requests_oauth2client._http.form import FORM_CONTENT_TYPE, UnextendableBody, add_form_fields
from requests_oauth2client._http.tls import CertType, as_cert
from requests_oauth2client._jose.jws import JwsWriter, implied_signing_alg
from requests_oauth2client.enums import JwtTypes

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
    "SelfSignedTlsClientAuth",
    "TlsClientAuth",
    "UnsupportedClientCredentials",
    "client_auth_factory",
]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _mask(_value: object) -> str:
    """Repr of a secret field."""
    return "'***'"


def _private_key_repr(jwk: Jwk) -> str:
    """Repr of a private key field: only the public facts about the key."""
    return f"<private {jwk.kty} key, kid={jwk.get('kid')!r}>"


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

    def _add_form_fields(
        self, request: requests.PreparedRequest, fields: Mapping[str, str], encoded: str | None = None
    ) -> None:
        """Add `fields` to the request's form body (see `_http.form.add_form_fields`), keeping the others.

        Raises:
            InvalidRequestForClientAuthentication: when the body is a stream, which cannot be extended.
        """
        try:
            add_form_fields(request, fields, encoded)
        except UnextendableBody:
            raise InvalidRequestForClientAuthentication(request) from None


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

    TOKEN_ENDPOINT_AUTH_METHOD: ClassVar[str] = "client_secret_basic"

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

    TOKEN_ENDPOINT_AUTH_METHOD: ClassVar[str] = "client_secret_post"

    client_secret: str = field(repr=_mask)

    @cached_property
    def _form(self) -> tuple[dict[str, str], str]:
        """The form fields, and their urlencoded form: encoded once (the instance is immutable)."""
        fields = {"client_id": self.client_id, "client_secret": self.client_secret}
        return fields, urlencode(fields)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `client_id` and `client_secret` form fields."""
        request = super().__call__(request)
        self._add_form_fields(request, *self._form)
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

    TOKEN_ENDPOINT_AUTH_METHOD: ClassVar[str] = "client_secret_jwt"

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

    TOKEN_ENDPOINT_AUTH_METHOD: ClassVar[str] = "private_key_jwt"

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
        alg = jwk.alg or alg or implied_signing_alg(jwk)
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

    TOKEN_ENDPOINT_AUTH_METHOD: ClassVar[str] = "none"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `client_id` form field."""
        request = super().__call__(request)
        self._add_form_fields(request, {"client_id": self.client_id})
        return request


@frozen
class TlsClientAuth(BaseClientAuthenticationMethod):
    """Authentication with `tls_client_auth` (RFC 8705 §2.1): a client certificate issued by a PKI.

    The client proves its identity in the TLS handshake, with its certificate: the Authorization Server checks the
    chain of trust and the subject (DN or SAN) registered for the client. The request itself carries the `client_id`
    only (RFC 8705 §2). `OAuth2Client` presents the certificate on every request to the AS (this object's `cert`,
    else the `cert` of its session), to the `mtls_endpoint_aliases` of a discovered AS; without a certificate, it is
    not built (`MissingClientCertificate`). Used on its own as a `requests` auth handler, this object only adds the
    `client_id`: the certificate is then up to the caller (`cert=`).

    Args:
        client_id: the client ID.
        cert: the client certificate and its private key, as `requests` takes them: `(cert_file, key_file)`, or one
            PEM file holding both; None to use the `cert` of the session.

    Example:
        ```python
        auth = TlsClientAuth("client_id", cert=("client.pem", "client.key"))
        client = OAuth2Client.from_discovery_endpoint(issuer="https://as.example", auth=auth)
        ```
    """

    TOKEN_ENDPOINT_AUTH_METHOD: ClassVar[str] = "tls_client_auth"

    cert: CertType | None = field(default=None, converter=as_cert)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `client_id` form field (the certificate authenticates the client)."""
        request = super().__call__(request)
        self._add_form_fields(request, {"client_id": self.client_id})
        return request


@frozen
class SelfSignedTlsClientAuth(TlsClientAuth):
    """Authentication with `self_signed_tls_client_auth` (RFC 8705 §2.2): a self-signed client certificate.

    The same as `TlsClientAuth` on the wire; the Authorization Server checks the certificate against those
    registered for the client (in its `jwks` or `jwks_uri`, RFC 8705 §2.2.2) rather than against a PKI.

    Args:
        client_id: the client ID.
        cert: the client certificate and its private key: `(cert_file, key_file)`, or one PEM file holding both;
            None to use the `cert` of the session.
    """

    TOKEN_ENDPOINT_AUTH_METHOD: ClassVar[str] = "self_signed_tls_client_auth"


def client_auth_factory(
    auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | tuple[str, Mapping[str, Any]] | str | None,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    private_key: Jwk | Mapping[str, Any] | None = None,
    audience: str | None = None,
    default_auth_handler: Callable[[str, str], requests.auth.AuthBase] = ClientSecretPost,
    token_endpoint_auth_method: str | None = None,
) -> requests.auth.AuthBase:
    """Build the client authentication handler from the ways `OAuth2Client` accepts credentials.

    Either `auth` or the keyword credentials, not both:

    - an `AuthBase` instance is used as is;
    - a `str` is a client ID → `PublicApp`;
    - `(client_id, client_secret)` → `default_auth_handler` (`ClientSecretPost`);
    - `(client_id, private_jwk)` with a `Jwk` or a dict → `PrivateKeyJwt` with `aud=audience`;
    - keywords: `private_key` → `PrivateKeyJwt`, else `client_secret` → `default_auth_handler`,
      else `client_id` alone → `PublicApp`.

    With `token_endpoint_auth_method` (a method name of RFC 7591 §2 and RFC 8705 §2.1.1), the client ID and its
    credential make that method instead: `client_secret_basic`, `client_secret_post` or `client_secret_jwt` (with
    a secret), `private_key_jwt` (with a private key), `none`, `tls_client_auth` or `self_signed_tls_client_auth`
    (with no credential: the client certificate is the session's). An `AuthBase` of another method is refused.

    Args:
        auth: the auth handler, client ID, or (client_id, credential) tuple.
        client_id: the client ID, when `auth` is not given.
        client_secret: the client secret, when `auth` is not given.
        private_key: the private signing key, when `auth` is not given.
        audience: the `aud` of JWT assertions (`PrivateKeyJwt`, and `ClientSecretJwt` by method name): usually the
            AS issuer.
        default_auth_handler: the class used for a client ID and secret.
        token_endpoint_auth_method: the name of the method to use.

    Returns:
        the client authentication handler.

    Raises:
        UnsupportedClientCredentials: if the credentials are missing, ambiguous or of an unsupported type, or do
            not suit the method.
    """
    if auth is not None:
        if client_id is not None or client_secret is not None or private_key is not None:
            msg = "Use either `auth` or the `client_id`/`client_secret`/`private_key` parameters, not both."
            raise UnsupportedClientCredentials(msg)
        if isinstance(auth, requests.auth.AuthBase):
            method = getattr(type(auth), "TOKEN_ENDPOINT_AUTH_METHOD", None)
            if token_endpoint_auth_method is not None and method is not None and method != token_endpoint_auth_method:
                msg = f"`auth` is a {type(auth).__name__} ({method}), not {token_endpoint_auth_method}."
                raise UnsupportedClientCredentials(msg)
            return auth
        if isinstance(auth, str):
            client_id = auth
        elif isinstance(auth, (tuple, list)) and len(auth) == 2 and isinstance(auth[0], str):
            client_id, credential = auth
            if isinstance(credential, str):
                client_secret = credential
            elif isinstance(credential, (Jwk, Mapping)):
                private_key = credential
            else:
                msg = f"Unsupported client credential type in `auth` tuple: {type(credential).__name__}."
                raise UnsupportedClientCredentials(msg)
        else:
            msg = (
                "`auth` must be a requests AuthBase, a client_id, or a (client_id, client_secret or private key) "
                f"tuple; got a {type(auth).__name__}."
            )
            raise UnsupportedClientCredentials(msg)
    elif client_id is None:
        msg = "No client credentials: pass `auth`, or at least `client_id`."
        raise UnsupportedClientCredentials(msg)
    if token_endpoint_auth_method is not None:
        return _auth_for_method(token_endpoint_auth_method, client_id, client_secret, private_key, audience)
    if private_key is not None:
        return PrivateKeyJwt(client_id, private_key, aud=audience)
    if client_secret is not None:
        return default_auth_handler(client_id, client_secret)
    return PublicApp(client_id)


_SECRET_METHODS = {cls.TOKEN_ENDPOINT_AUTH_METHOD: cls for cls in (ClientSecretBasic, ClientSecretPost)}
_NO_CREDENTIAL_METHODS = {
    cls.TOKEN_ENDPOINT_AUTH_METHOD: cls for cls in (PublicApp, TlsClientAuth, SelfSignedTlsClientAuth)
}


def _auth_for_method(
    method: str, client_id: str, secret: str | None, key: Jwk | Mapping[str, Any] | None, audience: str | None
) -> requests.auth.AuthBase:
    """Build the auth handler of a method given by name (see `client_auth_factory`)."""
    if method in _SECRET_METHODS or method == ClientSecretJwt.TOKEN_ENDPOINT_AUTH_METHOD:
        if secret is None or key is not None:
            raise UnsupportedClientCredentials(f"`{method}` needs a client secret, and no private key.")
        if method in _SECRET_METHODS:
            return _SECRET_METHODS[method](client_id, secret)
        return ClientSecretJwt(client_id, secret, aud=audience)
    if method == PrivateKeyJwt.TOKEN_ENDPOINT_AUTH_METHOD:
        if key is None or secret is not None:
            raise UnsupportedClientCredentials(f"`{method}` needs a private key, and no client secret.")
        return PrivateKeyJwt(client_id, key, aud=audience)
    if method in _NO_CREDENTIAL_METHODS:
        if secret is not None or key is not None:
            raise UnsupportedClientCredentials(f"`{method}` takes neither a client secret nor a private key.")
        return _NO_CREDENTIAL_METHODS[method](client_id)
    known = ", ".join(sorted([*_SECRET_METHODS, *_NO_CREDENTIAL_METHODS, "client_secret_jwt", "private_key_jwt"]))
    raise UnsupportedClientCredentials(f"Unknown token_endpoint_auth_method {method!r} (known: {known}).")
