"""`OAuth2Client`: the configuration of an OAuth 2.x / OpenID Connect client, and one method per grant.

The facade: this module holds the configuration (checked once, here) and discovery; the methods come from the parts
in `_client` (the token endpoint and its grants, authorization requests and PAR, token management, device and CIBA,
logout, the AS keys). Sending requests and mapping errors happens in `_http.transport`; checks of responses are pure
functions in `_protocol` and `_jose`. The endpoints are those of `enums.Endpoints`, the one list of them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from attrs import field, frozen
from jwskate import Jwk, JwkSet, SignatureAlgs

from requests_oauth2client._client.authorization import AuthorizationEndpoints
from requests_oauth2client._client.device_ciba import DeviceAndBackchannelEndpoints
from requests_oauth2client._client.grants import Grants
from requests_oauth2client._client.keys import DEFAULT_JWKS_REFRESH_COOLDOWN, RefreshCooldown
from requests_oauth2client._client.logout import LogoutEndpoints
from requests_oauth2client._client.token_management import TokenManagementEndpoints
from requests_oauth2client._http.transport import (
    DEFAULT_TIMEOUT,
    Timeout,
    check_timeout,
    get_json_document,
    get_metadata_document,
)
from requests_oauth2client._jose.jwt_responses import (
    InvalidJwtIntrospectionResponse,
    InvalidJwtResponse,
    InvalidJwtUserinfoResponse,
)
from requests_oauth2client._jose.settings import JoseSettings, jose_settings
from requests_oauth2client._protocol.metadata import (
    client_secret_method,
    client_settings_from_metadata,
    jwks_from_document,
)
from requests_oauth2client.authorization_request import CodeChallengeMethods
from requests_oauth2client.client_authentication import (
    ClientSecretPost,
    PrivateKeyJwt,
    client_auth_factory,
)
from requests_oauth2client.discovery import oidc_discovery_document_url
from requests_oauth2client.dpop import DPoPKey, InvalidDPoPAlg
from requests_oauth2client.enums import Endpoints, GrantTypes
from requests_oauth2client.exceptions import (
    ERROR_CLASSES,
    EndpointError,
    InvalidAcrValuesParam,
    InvalidBackchannelAuthenticationRequestHintParam,
    InvalidDiscoveryDocument,
    InvalidEndpointUri,
    InvalidIssuer,
    InvalidParam,
    InvalidScopeParam,
    MissingAuthRequestId,
    MissingDeviceCode,
    MissingEndpointUri,
    MissingIdTokenEncryptedResponseAlgParam,
    MissingIssuerParam,
    MissingRefreshToken,
    RequestsOptionAsParameter,
    UnknownActorTokenType,
    UnknownSubjectTokenType,
    UnknownTokenType,
)
from requests_oauth2client.logout import MemoryReplayCache
from requests_oauth2client.loopback import OpenBrowser, login_with_browser
from requests_oauth2client.mtls import (
    CertType,
    MissingClientCertificate,
    client_certificate,
    uses_mtls_endpoint_aliases,
)
from requests_oauth2client.tokens import BearerToken, IdToken
from requests_oauth2client.utils import InvalidUri, check_endpoint_url, validate_issuer_uri

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "Endpoints",
    "GrantTypes",
    "InvalidAcrValuesParam",
    "InvalidBackchannelAuthenticationRequestHintParam",
    "InvalidDiscoveryDocument",
    "InvalidEndpointUri",
    "InvalidIssuer",
    "InvalidJwtIntrospectionResponse",
    "InvalidJwtResponse",
    "InvalidJwtUserinfoResponse",
    "InvalidParam",
    "InvalidScopeParam",
    "JoseSettings",
    "MissingAuthRequestId",
    "MissingDeviceCode",
    "MissingEndpointUri",
    "MissingIdTokenEncryptedResponseAlgParam",
    "MissingRefreshToken",
    "OAuth2Client",
    "UnknownActorTokenType",
    "UnknownSubjectTokenType",
    "UnknownTokenType",
]


@frozen(init=False)
class OAuth2Client(
    Grants,
    AuthorizationEndpoints,
    TokenManagementEndpoints,
    DeviceAndBackchannelEndpoints,
    LogoutEndpoints,
):
    """An OAuth 2.x / OpenID Connect client.

    It holds the client configuration (its credentials and the Authorization Server endpoints) and has one
    method per grant or endpoint. Only `token_endpoint` is required; other endpoints are needed by the methods
    that use them.

    Args:
        token_endpoint: the token endpoint URL.
        auth: the client authentication: an auth handler from `client_authentication`, a `(client_id,
            client_secret)` tuple (client_secret_post), a `(client_id, private_jwk)` tuple (private_key_jwt),
            or a bare client_id (public client). With `TlsClientAuth` or `SelfSignedTlsClientAuth` (RFC 8705), the
            client certificate (theirs, else the session's `cert`) is presented on every request to the AS.
        client_id: the client_id, when `auth` is not used.
        client_secret: the client secret (client_secret_post).
        private_key: a private key (private_key_jwt). `private_jwk=` is accepted as an alias.
        token_endpoint_auth_method: the name of the client authentication method, to build it from `client_id`
            and its credential (see `client_auth_factory`): e.g. `tls_client_auth` with the certificate in
            `session.cert`.
        revocation_endpoint: the revocation endpoint URL (RFC 7009).
        introspection_endpoint: the introspection endpoint URL (RFC 7662).
        userinfo_endpoint: the OpenID Connect UserInfo endpoint URL.
        authorization_endpoint: the authorization endpoint URL.
        redirect_uri: this client's redirect URI.
        backchannel_authentication_endpoint: the CIBA endpoint URL.
        device_authorization_endpoint: the device authorization endpoint URL (RFC 8628).
        pushed_authorization_request_endpoint: the PAR endpoint URL (RFC 9126).
        end_session_endpoint: the RP-initiated logout endpoint URL (OpenID Connect RP-Initiated Logout 1.0).
        jwks_uri: the URL of the AS public keys.
        registration_endpoint: the dynamic client registration endpoint URL (RFC 7591; see `registration`).
        authorization_server_jwks: the AS public keys (fetching them from `jwks_uri` replaces them).
        issuer: the AS issuer identifier.
        id_token_signed_response_alg: the expected ID Token signing alg.
        id_token_encrypted_response_alg: the ID Token key management alg, when ID Tokens are encrypted.
        id_token_decryption_key: the private key that decrypts ID Tokens.
        jose: how UserInfo and introspection responses and request objects are signed or encrypted (a
            `JoseSettings`); its settings may also be given as keyword arguments of the same names
            (`userinfo_signed_response_alg=`...).
        code_challenge_method: the PKCE method used in authorization requests (None disables PKCE).
        authorization_response_iss_parameter_supported: whether the AS sends `iss` in authorization
            responses (RFC 9207); then it is required in every response.
        token_class: the class of the tokens returned by this client.
        session: the `requests.Session` to use.
        dpop_bound_access_tokens: whether to ask for DPoP-bound tokens by default.
        dpop_key_generator: the function that generates DPoP keys.
        dpop_alg: the alg of generated DPoP keys.
        tls_client_certificate_bound_access_tokens: whether the client asks for access tokens bound to its
            certificate (RFC 8705 §3; the name of the client metadata, which the AS must have registered): then a
            client certificate is required, and `from_discovery_*()` use the `mtls_endpoint_aliases`.
        testing: relax the checks of endpoint URLs (to use `http://` endpoints in tests); a host is still required.
        jwks_refresh_cooldown: how many seconds must pass between two fetches of the AS public keys triggered by
            ID Token validation (a token signed with an unknown key, or whose signature fails with the known key).
        timeout: the timeout of every request to the AS, in seconds or `(connect, read)`; a call's own one wins.
            None: no `timeout` keyword for `requests` (a default set by the session, or its adapter, applies).
        **extra_metadata: any other client metadata, kept in `extra_metadata` (an option of `requests` such as
            `verify` is refused with `RequestsOptionAsParameter`: set it on the session).

    Example:
        >>> client = OAuth2Client(
        ...     token_endpoint="https://as.example.com/token",
        ...     client_id="my_client_id",
        ...     client_secret="my_client_secret",
        ... )
    """

    auth: requests.auth.AuthBase
    token_endpoint: str
    revocation_endpoint: str | None
    introspection_endpoint: str | None
    userinfo_endpoint: str | None
    authorization_endpoint: str | None
    redirect_uri: str | None
    backchannel_authentication_endpoint: str | None
    device_authorization_endpoint: str | None
    pushed_authorization_request_endpoint: str | None
    end_session_endpoint: str | None
    jwks_uri: str | None
    registration_endpoint: str | None
    authorization_server_jwks: JwkSet
    issuer: str | None
    id_token_signed_response_alg: str | None
    id_token_encrypted_response_alg: str | None
    id_token_decryption_key: Jwk | None = field(repr=False)
    jose: JoseSettings
    code_challenge_method: str | None
    authorization_response_iss_parameter_supported: bool
    session: requests.Session = field(repr=False)
    extra_metadata: dict[str, Any]
    testing: bool
    dpop_bound_access_tokens: bool
    dpop_key_generator: Callable[[str], DPoPKey] = field(repr=False)
    dpop_alg: str
    token_class: type[BearerToken]
    jwks_refresh_cooldown: float
    tls_client_certificate_bound_access_tokens: bool
    timeout: Timeout
    _jwks_refresh: RefreshCooldown = field(init=False, factory=RefreshCooldown, eq=False, repr=False)
    _logout_replay_cache: MemoryReplayCache = field(init=False, factory=MemoryReplayCache, eq=False, repr=False)

    exception_classes: ClassVar[dict[str, type[EndpointError]]] = ERROR_CLASSES

    def __init__(
        self,
        token_endpoint: str,
        auth: requests.auth.AuthBase
        | tuple[str, str]
        | tuple[str, Jwk]
        | tuple[str, dict[str, Any]]
        | str
        | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key: Jwk | dict[str, Any] | None = None,
        token_endpoint_auth_method: str | None = None,
        revocation_endpoint: str | None = None,
        introspection_endpoint: str | None = None,
        userinfo_endpoint: str | None = None,
        authorization_endpoint: str | None = None,
        redirect_uri: str | None = None,
        backchannel_authentication_endpoint: str | None = None,
        device_authorization_endpoint: str | None = None,
        pushed_authorization_request_endpoint: str | None = None,
        end_session_endpoint: str | None = None,
        jwks_uri: str | None = None,
        registration_endpoint: str | None = None,
        authorization_server_jwks: JwkSet | dict[str, Any] | None = None,
        issuer: str | None = None,
        id_token_signed_response_alg: str | None = SignatureAlgs.RS256,
        id_token_encrypted_response_alg: str | None = None,
        id_token_decryption_key: Jwk | dict[str, Any] | None = None,
        jose: JoseSettings | None = None,
        code_challenge_method: str | None = CodeChallengeMethods.S256,
        authorization_response_iss_parameter_supported: bool = False,
        token_class: type[BearerToken] = BearerToken,
        session: requests.Session | None = None,
        dpop_bound_access_tokens: bool = False,
        dpop_key_generator: Callable[[str], DPoPKey] = DPoPKey.generate,
        dpop_alg: str = SignatureAlgs.ES256,
        testing: bool = False,
        jwks_refresh_cooldown: float = DEFAULT_JWKS_REFRESH_COOLDOWN,
        tls_client_certificate_bound_access_tokens: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
        **extra_metadata: Any,
    ) -> None:
        arguments = locals()  # the endpoint URLs are read from it by name: the names are those of `Endpoints`
        if authorization_response_iss_parameter_supported and not issuer:
            raise MissingIssuerParam
        # The documented `private_jwk=` keyword configures private_key_jwt (it was silently ignored upstream).
        private_jwk = extra_metadata.pop("private_jwk", None)
        if private_key is None and private_jwk is not None:
            private_key = private_jwk
        RequestsOptionAsParameter.check(extra_metadata, "the client metadata")  # `verify=` would be kept as metadata
        jose = jose_settings(jose, extra_metadata)
        auth = client_auth_factory(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            audience=issuer,
            default_auth_handler=ClientSecretPost,
            token_endpoint_auth_method=token_endpoint_auth_method,
        )
        session = session if session is not None else requests.Session()
        if client_certificate(auth, session) is None and tls_client_certificate_bound_access_tokens:
            raise MissingClientCertificate("certificate-bound access tokens")
        if authorization_server_jwks is None:
            authorization_server_jwks = JwkSet()
        elif not isinstance(authorization_server_jwks, JwkSet):
            authorization_server_jwks = JwkSet(authorization_server_jwks)
        if id_token_decryption_key is not None and not isinstance(id_token_decryption_key, Jwk):
            id_token_decryption_key = Jwk(id_token_decryption_key)
        if id_token_decryption_key is not None and id_token_encrypted_response_alg is None:
            if not id_token_decryption_key.alg:
                raise MissingIdTokenEncryptedResponseAlgParam
            id_token_encrypted_response_alg = id_token_decryption_key.alg
        if dpop_alg not in SignatureAlgs.ALL_ASYMMETRIC:
            raise InvalidDPoPAlg(dpop_alg)
        if isinstance(jwks_refresh_cooldown, bool) or not isinstance(jwks_refresh_cooldown, (int, float)):
            raise InvalidParam("`jwks_refresh_cooldown` must be a number of seconds.")
        if not jwks_refresh_cooldown >= 0:  # also refuses NaN
            raise InvalidParam("`jwks_refresh_cooldown` must be a number of seconds, 0 or more.")
        endpoints: dict[str, Any] = {endpoint.value: arguments[endpoint.value] for endpoint in Endpoints}
        for name, uri in endpoints.items():
            if uri is None:
                continue
            try:
                check_endpoint_url(uri, testing=testing)
            except InvalidUri as exc:
                raise InvalidEndpointUri(endpoint=name, uri=uri, exc=exc) from exc
        if issuer is not None and not testing:
            try:
                validate_issuer_uri(issuer)
            except InvalidUri as exc:
                raise InvalidIssuer(endpoint="issuer", uri=issuer, exc=exc) from exc
        self.__attrs_init__(
            auth=auth,
            **endpoints,
            redirect_uri=redirect_uri,
            authorization_server_jwks=authorization_server_jwks,
            issuer=issuer,
            id_token_signed_response_alg=id_token_signed_response_alg,
            id_token_encrypted_response_alg=id_token_encrypted_response_alg,
            id_token_decryption_key=id_token_decryption_key,
            jose=jose,
            code_challenge_method=code_challenge_method,
            authorization_response_iss_parameter_supported=authorization_response_iss_parameter_supported,
            session=session,
            extra_metadata=extra_metadata,
            testing=testing,
            dpop_bound_access_tokens=dpop_bound_access_tokens,
            dpop_key_generator=dpop_key_generator,
            dpop_alg=dpop_alg,
            token_class=token_class,
            jwks_refresh_cooldown=jwks_refresh_cooldown,
            tls_client_certificate_bound_access_tokens=tls_client_certificate_bound_access_tokens,
            timeout=check_timeout(timeout),
        )

    # ----------------------------------------------------------------------------------------------- properties

    @property
    def client_id(self) -> str:
        """The client_id, from the client authentication handler.

        Raises:
            AttributeError: when the handler has none (a custom `AuthBase` without a `client_id`).
        """
        client_id = getattr(self.auth, "client_id", None)
        if not isinstance(client_id, str):
            raise AttributeError(f"the client authentication handler ({type(self.auth).__name__}) has no client_id")
        return client_id

    @property
    def client_secret(self) -> str | None:
        """The client secret, when the client authentication uses one."""
        secret = getattr(self.auth, "client_secret", None)
        return secret if isinstance(secret, str) else None

    @property
    def client_certificate(self) -> CertType | None:
        """The client certificate presented on every request to the AS (RFC 8705), if any.

        The `cert` of a `TlsClientAuth` (or `SelfSignedTlsClientAuth`) when it has one, else the `cert` of the
        session. The auth handlers send it to resource servers too, where certificate-bound tokens need it.

        Raises:
            MissingClientCertificate: when the client authenticates with a certificate and has none.
        """
        return client_certificate(self.auth, self.session)

    @property
    def client_jwks(self) -> JwkSet:
        """The public keys of this client: its private_key_jwt signing key, and its decryption keys (ID Tokens, then
        `jose.decryption_keys`).
        """  # noqa: D205
        jwks = JwkSet()
        if isinstance(self.auth, PrivateKeyJwt):
            jwks.add_jwk(self.auth.private_jwk.public_jwk().with_usage_parameters(self.auth.alg))
        if self.id_token_decryption_key is not None:
            jwks.add_jwk(
                self.id_token_decryption_key.public_jwk().with_usage_parameters(self.id_token_encrypted_response_alg)
            )
        for key in self.jose.decryption_keys.jwks if self.jose.decryption_keys is not None else ():
            jwks.add_jwk(key.public_jwk())
        return jwks

    # ------------------------------------------------------------------------------------------- login

    def login_with_browser(
        self,
        *,
        open_browser: OpenBrowser = True,
        timeout: float = 300.0,
        use_par: bool = False,
        **authorization_request_kwargs: Any,
    ) -> BearerToken[IdToken | None]:
        """Log a user in with their browser, for a command-line tool or a desktop app (RFC 8252 loopback redirect).

        Listens on `http://127.0.0.1` (the port and path of this client's `redirect_uri` when it is such a URL, else
        a free port and `/callback`), sends the browser to the authorization request, validates the response that
        comes back, and exchanges the code. See `requests_oauth2client.loopback.login_with_browser` for the details.

        Args:
            open_browser: `True` opens the system browser, `False` prints the URL on stderr, a callable gets the URL.
            timeout: how long to wait for the user, in seconds.
            use_par: push the authorization request first (PAR).
            **authorization_request_kwargs: parameters of the authorization request (`scope`, `login_hint`...).

        Returns:
            the tokens, with the ID Token validated.

        Raises:
            LoginTimeout: when the user did not come back in time.

        Example:
            ```python
            token = client.login_with_browser(scope="openid profile")
            ```
        """
        return login_with_browser(
            self, open_browser=open_browser, timeout=timeout, use_par=use_par, **authorization_request_kwargs
        )

    # ---------------------------------------------------------------------------------------------- discovery

    @classmethod
    def from_discovery_endpoint(
        cls,
        url: str | None = None,
        issuer: str | None = None,
        *,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key: Jwk | dict[str, Any] | None = None,
        session: requests.Session | None = None,
        testing: bool = False,
        mtls: bool | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Build a client from the AS metadata fetched from its discovery endpoint.

        With `issuer` only, the OpenID Connect discovery URL is derived from it. The document's issuer must be
        the expected one: exactly `issuer` when given; else, when `url` is a well-known URL (the issuer followed
        by `/.well-known/openid-configuration`, or `/.well-known/oauth-authorization-server` inserted before the
        issuer path), the issuer that URL names, a trailing slash apart. Multi-tenant metadata whose `issuer` is
        a template (such as `{tenantid}`) needs the tenant's own URL or an explicit `issuer`. The document is
        checked before the AS public keys are fetched from its `jwks_uri`. Redirects are followed within the
        origin of each document only.

        After a 404 at `/.well-known/openid-configuration` (an AS with RFC 8414 metadata only), the RFC 8414 document
        is fetched instead, or the error names its URL (see `_http.transport.get_metadata_document()`).

        Args:
            url: the URL of the metadata document.
            issuer: the expected issuer (the OpenID Connect discovery URL is derived from it without `url`).
            auth: the client authentication, as for `OAuth2Client`.
            client_id: the client_id, when `auth` is not used.
            client_secret: the client secret, when `auth` is not used.
            private_key: the private key (private_key_jwt), when `auth` is not used.
            session: the `requests.Session` that fetches the documents, then used by the client.
            testing: relax the checks of URLs (`http://` endpoints in tests).
            mtls: use the `mtls_endpoint_aliases` of the document (RFC 8705 §5); by default, when the client uses
                a certificate (see `from_discovery_document()`).
            timeout: the timeout of the requests for the documents, then of every request of the client (see
                `OAuth2Client`).
            **kwargs: other `OAuth2Client` parameters; they win over the document's values.

        Raises:
            InvalidParam: without `url` or `issuer`.
            MismatchingDiscoveryIssuer: when the document's issuer is not the expected one (an `InvalidParam`).
            InvalidIssuer: when `issuer` is not a valid issuer identifier.
            InvalidUri: when `url` is not a valid https URL.
            DiscoveryHTTPError: when a document is answered with an HTTP error status (a `requests.HTTPError`).
            DiscoveryRedirectError: when a document redirects to another origin.
            InvalidDiscoveryDocument: when the document is not usable.
        """
        if issuer is not None and not testing:
            try:
                validate_issuer_uri(issuer)
            except InvalidUri as exc:
                raise InvalidIssuer("issuer", issuer, exc) from exc
        if url is None:
            if issuer is None:
                raise InvalidParam("Either `url` or `issuer` is required to discover the AS metadata.")
            url = oidc_discovery_document_url(issuer)
        check_endpoint_url(url, testing=testing, path=False)
        timeout = check_timeout(timeout)
        session = session if session is not None else requests.Session()
        discovery, url = get_metadata_document(session, url, timeout=timeout)
        if discovery is None:
            raise InvalidDiscoveryDocument("The discovery document is not a JSON object.", discovery, url)
        jwks_uri = client_settings_from_metadata(discovery, issuer, url=url).get("jwks_uri")
        jwks = None
        if jwks_uri is not None:
            check_endpoint_url(jwks_uri, testing=testing)
            jwks = jwks_from_document(get_json_document(session, Endpoints.JWKS, jwks_uri, timeout=timeout), jwks_uri)
        return cls.from_discovery_document(
            discovery,
            issuer=issuer,
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            session=session,
            authorization_server_jwks=jwks,
            testing=testing,
            mtls=mtls,
            timeout=timeout,
            **kwargs,
        )

    @classmethod
    def from_discovery_document(
        cls,
        discovery: dict[str, Any],
        issuer: str | None = None,
        *,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key: Jwk | dict[str, Any] | None = None,
        authorization_server_jwks: JwkSet | dict[str, Any] | None = None,
        https: bool = True,
        testing: bool = False,
        mtls: bool | None = None,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Build a client from an AS metadata document.

        Every endpoint the document names is used (including device authorization, CIBA, PAR and end session), as
        well as its `authorization_response_iss_parameter_supported` flag. Explicit keyword arguments win. A
        `client_secret` (without `auth` nor `token_endpoint_auth_method`) is sent as
        `_protocol.metadata.client_secret_method()` says: with `client_secret_basic` when the AS lists its methods
        without `client_secret_post`.

        Args:
            discovery: the decoded metadata document.
            issuer: the expected issuer; the document's must be exactly this one.
            auth: the client authentication, as for `OAuth2Client`.
            client_id: the client_id, when `auth` is not used.
            client_secret: the client secret, when `auth` is not used.
            private_key: the private key (private_key_jwt), when `auth` is not used.
            authorization_server_jwks: the AS public keys.
            https: deprecated; `https=False` is `testing=True` (with a warning).
            testing: relax the checks of URLs (`http://` endpoints in tests).
            mtls: use the `mtls_endpoint_aliases` of the document (RFC 8705 §5) in place of the plain endpoints,
                for every endpoint that has one; by default (None), when the client authenticates with a
                certificate (`TlsClientAuth`, `SelfSignedTlsClientAuth`, or their `token_endpoint_auth_method`),
                asks for certificate-bound tokens (`tls_client_certificate_bound_access_tokens=True`), or when the
                `session` in `kwargs` has a client certificate.
            **kwargs: other `OAuth2Client` parameters (`session`, `redirect_uri`...); they win over the document.

        Raises:
            InvalidParam: when `issuer` is given and differs from the document's issuer.
            InvalidDiscoveryDocument: when the document has no `token_endpoint`.
        """
        if not https:
            warnings.warn(
                "The `https` parameter is deprecated; use `testing=True` to allow http endpoints.",
                UserWarning,
                stacklevel=2,
            )
            testing = True
        if mtls is None:
            mtls = uses_mtls_endpoint_aliases(auth, kwargs)
        settings = client_settings_from_metadata(discovery, issuer, mtls=mtls)
        if auth is None and private_key is None and client_secret and kwargs.get("private_jwk") is None:
            settings["token_endpoint_auth_method"] = client_secret_method(discovery)  # an explicit method wins
        settings.update(kwargs)
        token_endpoint = settings.pop("token_endpoint")
        return cls(
            token_endpoint,
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            authorization_server_jwks=authorization_server_jwks,
            testing=testing,
            **settings,
        )

    # ------------------------------------------------------------------------------------- context manager

    def __enter__(self) -> OAuth2Client:
        """Fetch the AS public keys, then return this client."""
        self.update_authorization_server_public_keys()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        """Leave the `with` block; exceptions raised in it propagate."""
