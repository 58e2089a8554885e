"""`OAuth2Client`: the configuration of an OAuth 2.x / OpenID Connect client, and one method per grant.

Sending requests and mapping errors happens in `_http.transport`; checks of responses are pure functions in
other modules. This class assembles parameters and holds the configuration.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from attrs import field, frozen
from jwskate import Jwk, JwkSet, Jwt, SignatureAlgs, SignedJwt

from requests_oauth2client._client.authorization import AuthorizationEndpoints
from requests_oauth2client._client.device_ciba import DeviceAndBackchannelEndpoints
from requests_oauth2client._client.keys import DEFAULT_JWKS_REFRESH_COOLDOWN, AuthorizationServerKeys, RefreshCooldown
from requests_oauth2client._client.logout import LogoutEndpoints
from requests_oauth2client._client.token_management import TokenManagementEndpoints
from requests_oauth2client._http.transport import get_json_document, json_body, raise_endpoint_error, send_to_endpoint
from requests_oauth2client._jose.jwt_responses import (
    InvalidJwtIntrospectionResponse,
    InvalidJwtResponse,
    InvalidJwtUserinfoResponse,
)
from requests_oauth2client._jose.settings import JoseSettings, jose_settings
from requests_oauth2client._protocol.expires_in import expires_at_after
from requests_oauth2client._protocol.metadata import ENDPOINT_KEYS, client_settings_from_metadata, jwks_from_document
from requests_oauth2client._protocol.pending import BackChannelAuthenticationResponse, DeviceAuthorizationResponse
from requests_oauth2client._protocol.token_response import check_token_response
from requests_oauth2client._protocol.token_types import get_token_type, token_value
from requests_oauth2client.authorization_request import (
    AuthorizationResponse,
    CodeChallengeMethods,
)
from requests_oauth2client.client_authentication import ClientSecretPost, PrivateKeyJwt, client_auth_factory
from requests_oauth2client.discovery import oidc_discovery_document_url
from requests_oauth2client.dpop import DPoPKey, DPoPToken, InvalidDPoPAlg
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
    InvalidTokenResponse,
    MissingAuthRequestId,
    MissingDeviceCode,
    MissingEndpointUri,
    MissingIdTokenEncryptedResponseAlgParam,
    MissingIssuerParam,
    MissingRefreshToken,
    UnknownActorTokenType,
    UnknownSubjectTokenType,
    UnknownTokenEndpointError,
    UnknownTokenType,
)
from requests_oauth2client.logout import MemoryReplayCache
from requests_oauth2client.loopback import OpenBrowser, login_with_browser
from requests_oauth2client.tokens import BearerToken, IdToken
from requests_oauth2client.utils import InvalidUri, join_space_separated, validate_endpoint_uri, validate_issuer_uri

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

_ENDPOINT_FIELDS = (
    "token_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "userinfo_endpoint",
    "authorization_endpoint",
    "backchannel_authentication_endpoint",
    "device_authorization_endpoint",
    "pushed_authorization_request_endpoint",
    "end_session_endpoint",
    "jwks_uri",
)


@frozen(init=False)
class OAuth2Client(
    AuthorizationEndpoints,
    TokenManagementEndpoints,
    DeviceAndBackchannelEndpoints,
    LogoutEndpoints,
    AuthorizationServerKeys,
):
    """An OAuth 2.x / OpenID Connect client.

    It holds the client configuration (its credentials and the Authorization Server endpoints) and has one
    method per grant or endpoint. Only `token_endpoint` is required; other endpoints are needed by the methods
    that use them.

    Args:
        token_endpoint: the token endpoint URL.
        auth: the client authentication: an auth handler from `client_authentication`, a `(client_id,
            client_secret)` tuple (client_secret_post), a `(client_id, private_jwk)` tuple (private_key_jwt),
            or a bare client_id (public client).
        client_id: the client_id, when `auth` is not used.
        client_secret: the client secret (client_secret_post).
        private_key: a private key (private_key_jwt). `private_jwk=` is accepted as an alias.
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
        testing: relax the checks of endpoint URLs (to use `http://` endpoints in tests); a host is still required.
        jwks_refresh_cooldown: how many seconds must pass between two fetches of the AS public keys triggered by
            ID Token validation (a token signed with an unknown key, or whose signature fails with the known key).
        **extra_metadata: any other client metadata, kept in `extra_metadata`.

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
        **extra_metadata: Any,
    ) -> None:
        if authorization_response_iss_parameter_supported and not issuer:
            raise MissingIssuerParam
        # The documented `private_jwk=` keyword configures private_key_jwt (it was silently ignored upstream).
        private_jwk = extra_metadata.pop("private_jwk", None)
        if private_key is None and private_jwk is not None:
            private_key = private_jwk
        jose = jose_settings(jose, extra_metadata)
        auth = client_auth_factory(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            audience=issuer,
            default_auth_handler=ClientSecretPost,
        )
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
        endpoints: dict[str, Any] = {
            "token_endpoint": token_endpoint,
            "revocation_endpoint": revocation_endpoint,
            "introspection_endpoint": introspection_endpoint,
            "userinfo_endpoint": userinfo_endpoint,
            "authorization_endpoint": authorization_endpoint,
            "backchannel_authentication_endpoint": backchannel_authentication_endpoint,
            "device_authorization_endpoint": device_authorization_endpoint,
            "pushed_authorization_request_endpoint": pushed_authorization_request_endpoint,
            "end_session_endpoint": end_session_endpoint,
            "jwks_uri": jwks_uri,
        }
        for name, uri in endpoints.items():
            if uri is None:
                continue
            try:
                if testing:  # any scheme, port, path; but a host is always needed
                    validate_endpoint_uri(uri, https=False, no_credentials=False, no_fragment=False, path=False)
                else:
                    validate_endpoint_uri(uri)
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
            session=session if session is not None else requests.Session(),
            extra_metadata=extra_metadata,
            testing=testing,
            dpop_bound_access_tokens=dpop_bound_access_tokens,
            dpop_key_generator=dpop_key_generator,
            dpop_alg=dpop_alg,
            token_class=token_class,
            jwks_refresh_cooldown=jwks_refresh_cooldown,
        )

    # ----------------------------------------------------------------------------------------------- properties

    @property
    def client_id(self) -> str:
        """The client_id, from the client authentication handler."""
        return self.auth.client_id  # type: ignore[attr-defined, no-any-return]

    @property
    def client_secret(self) -> str | None:
        """The client secret, when the client authentication uses one."""
        secret = getattr(self.auth, "client_secret", None)
        return secret if isinstance(secret, str) else None

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

    def _endpoint(self, endpoint: Endpoints) -> str:
        url = getattr(self, endpoint.value)
        if not url:
            raise MissingEndpointUri(endpoint.value)
        return url  # type: ignore[no-any-return]

    def _dpop_key_for(self, dpop: bool | None, dpop_key: DPoPKey | None) -> DPoPKey | None:
        """Return the DPoP key a token request uses: the given one, a new one, or none."""
        if dpop_key is not None:
            return dpop_key
        if dpop is None:
            dpop = self.dpop_bound_access_tokens
        return self.dpop_key_generator(self.dpop_alg) if dpop else None

    # ----------------------------------------------------------------------------------------- token endpoint

    def token_request(
        self,
        data: dict[str, Any],
        *,
        timeout: int = 10,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        validate: bool = True,
        **requests_kwargs: Any,
    ) -> BearerToken:
        """Send a request to the token endpoint and return the token it answers with.

        Every grant method goes through here. An ID Token in the answer is validated like the one of the
        authorization code flow (signature with the AS keys, `alg`, `iss`, `aud`/`azp`, `exp`, `iat`, `nbf`,
        `sub`...; see [requests_oauth2client.id_token][]), without the checks bound to an authorization request
        (nonce, acr, max_age, c_hash, s_hash): this is how the device, CIBA, password, client credentials, token
        exchange, JWT bearer and custom grants validate theirs. The client must know its `issuer` and the AS keys
        (`authorization_server_jwks`, or a `jwks_uri` to fetch them from), or the client secret for an HMAC alg;
        without them the ID Token is refused (`UnverifiableIdToken`, `IdTokenSigningKeyNotFound`). Pass
        `validate=False` to get the ID Token unchecked.

        Args:
            data: the form parameters (None values are left out).
            timeout: the request timeout, in seconds.
            dpop: whether to ask for a DPoP-bound token (None: the client default, `dpop_bound_access_tokens`).
            dpop_key: the DPoP key to use (implies `dpop=True`).
            validate: validate the ID Token of the answer, if it carries one.
            **requests_kwargs: other keyword arguments for `requests`.

        Returns:
            a `BearerToken`, or a `DPoPToken` when the AS bound the token to the DPoP key.

        Raises:
            TokenEndpointError: (or another `EndpointError`) when the AS answers with an error.
            InvalidTokenResponse: when the answer is neither a token nor a standard error.
            InvalidIdToken: (a subclass of it) when the answer carries an ID Token that does not pass validation,
                or that the client cannot validate (`UnverifiableIdToken`). `exc.token_resp` is the token.
        """
        token = send_to_endpoint(
            self,
            Endpoints.TOKEN,
            self._endpoint(Endpoints.TOKEN),
            data=data,
            on_success=self.parse_token_response,
            on_failure=self.on_token_error,
            dpop_key=self._dpop_key_for(dpop, dpop_key),
            timeout=timeout,
            **requests_kwargs,
        )
        if validate and token.id_token is not None:
            token = token.validate_id_token(self)
        return token

    def parse_token_response(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> BearerToken:
        """Build a token from a successful token endpoint response.

        To a DPoP request, the token is a `DPoPToken` bound to the key, unless the AS explicitly answers
        `token_type=Bearer`: then it is a plain `BearerToken` and is used as such. (A missing `token_type` keeps
        the DPoP binding: sent as a Bearer token, a DPoP-bound token would be refused by the resource server.)

        Any problem with the response is handed to `on_token_error()`.
        """
        try:
            params = check_token_response(json_body(response))
            # a server's lifetime of 0 means "already expired", unlike `expires_in=0` given to a constructor
            params["expires_at"] = expires_at_after(params.pop("expires_in", None))
            token_type = params.get("token_type")
            if dpop_key is not None and (not token_type or token_type.lower() == "dpop"):
                if not token_type:
                    params.pop("token_type", None)  # the token class default: "DPoP"
                return dpop_key.dpop_token_class(**params, _dpop_key=dpop_key)
            return self.token_class(**params)
        except Exception as exc:  # any problem ends as a typed error, with the response
            try:
                return self.on_token_error(response, dpop_key=dpop_key)
            except InvalidTokenResponse as invalid:
                if type(invalid) is not InvalidTokenResponse or invalid.response is not response:
                    raise
                # a successful status with an unusable body: say what is wrong with it
                raise InvalidTokenResponse(response, self, f"unusable token response: {exc}") from exc

    def on_token_error(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> BearerToken:
        """Raise the exception matching a token endpoint error response.

        Raises:
            EndpointError: the exception that the `error` code maps to (`exception_classes`), or
                `UnknownTokenEndpointError` for an unknown code.
            InvalidTokenResponse: when the response is not a standard error.
        """
        raise_endpoint_error(
            self, response, unknown_error=UnknownTokenEndpointError, invalid_response=InvalidTokenResponse
        )
        raise AssertionError  # pragma: no cover - raise_endpoint_error raises

    def _grant(
        self,
        grant_type: str,
        params: Mapping[str, Any],
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: Mapping[str, Any] | None = None,
        validate: bool = True,
    ) -> BearerToken:
        data = {"grant_type": grant_type, **params}
        if "scope" in data:  # every grant: a list is space-joined, an empty scope is left out (RFC 6749 §3.3)
            data["scope"] = join_space_separated(data["scope"], InvalidScopeParam)
        return self.token_request(data, dpop=dpop, dpop_key=dpop_key, validate=validate, **(requests_kwargs or {}))

    def client_credentials(
        self,
        scope: str | Iterable[str] | None = None,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with the client credentials grant.

        Args:
            scope: the requested scope, as a string or an iterable of strings.
            dpop: whether to ask for a DPoP-bound token (None: the client default).
            dpop_key: the DPoP key to use.
            requests_kwargs: keyword arguments for `requests`.
            validate: validate the ID Token of the answer, if it carries one (see `token_request()`).
            **token_kwargs: other parameters for the token endpoint (`resource`, `audience`, ...).

        Example:
            >>> token = client.client_credentials(scope="myscope", resource="https://myapi.local")  # doctest: +SKIP
        """
        return self._grant(
            GrantTypes.CLIENT_CREDENTIALS,
            {"scope": scope, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def authorization_code(
        self,
        code: str | AuthorizationResponse,
        *,
        validate: bool = True,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Exchange an authorization code for tokens.

        Given an `AuthorizationResponse` (from `AuthorizationRequest.validate_callback()`), the
        `code_verifier` and `redirect_uri` are sent along, the DPoP key of the request is used, and the ID
        Token, if any, is validated against the request (nonce, max_age, acr_values, issuer). Given a bare code,
        the ID Token is validated without those request-bound checks. A response obtained from another issuer
        than this client's is refused before anything is sent (`IssuerMixUp`).

        Args:
            code: the code, or the validated authorization response.
            validate: validate the ID Token, if the answer carries one.
            dpop: ask for a DPoP-bound token.
            dpop_key: the DPoP key to use (replaced by the key of the authorization response, if given one).
            requests_kwargs: keyword arguments for `requests`.
            **token_kwargs: other parameters for the token endpoint.
        """
        azr: AuthorizationResponse | None = None
        if isinstance(code, AuthorizationResponse):
            azr = code
            azr.check_issuer(self.issuer)  # mix-up: never send a code to another AS than the one that issued it
            token_kwargs.setdefault("code_verifier", azr.code_verifier)
            token_kwargs.setdefault("redirect_uri", azr.redirect_uri)
            dpop_key = azr.dpop_key
            code = azr.code
        token = self._grant(
            GrantTypes.AUTHORIZATION_CODE,
            {"code": code, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=False,  # validated here, against the authorization response
        )
        if validate and token.id_token is not None:
            token = token.validate_id_token(self, azr)
        return token

    def login_with_browser(
        self,
        *,
        open_browser: OpenBrowser = True,
        timeout: float = 300.0,
        use_par: bool = False,
        **authorization_request_kwargs: Any,
    ) -> BearerToken:
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

    def refresh_token(
        self,
        refresh_token: str | BearerToken,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a new token with a refresh token.

        A `DPoPToken` is refreshed with its own DPoP key, keeping the binding. An ID Token in the response is
        validated (OpenID Connect Core §12.2): against the previous ID Token when `refresh_token` is a token
        that carries one (same `iss`, `sub`, `aud`, `azp` and `auth_time`).

        Args:
            refresh_token: the refresh token, or a `BearerToken` that has one.
            requests_kwargs: keyword arguments for `requests`.
            validate: validate the ID Token of the answer, if it carries one.
            **token_kwargs: other parameters for the token endpoint.

        Raises:
            MissingRefreshToken: when the given `BearerToken` has no refresh token.
        """
        previous: BearerToken | None = None
        dpop_key: DPoPKey | None = None
        if isinstance(refresh_token, BearerToken):
            previous = refresh_token
            if not isinstance(refresh_token.refresh_token, str):
                raise MissingRefreshToken(refresh_token)
            if isinstance(refresh_token, DPoPToken):
                dpop_key = refresh_token.dpop_key
            refresh_token = refresh_token.refresh_token
        token = self._grant(
            GrantTypes.REFRESH_TOKEN,
            {"refresh_token": refresh_token, **token_kwargs},
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=False,  # validated here, against the previous ID Token
        )
        if validate and token.id_token is not None:
            previous_id_token = previous.id_token if previous is not None else None
            token = token.validate_refreshed_id_token(self, previous_id_token)
        return token

    def device_code(
        self,
        device_code: str | DeviceAuthorizationResponse,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Poll the token endpoint once with the device code grant (RFC 8628).

        An ID Token in the answer is validated (see `token_request()`); `validate=False` skips that.

        Raises:
            AuthorizationPending: while the user has not finished.
            SlowDown: when polling too often.
            MissingDeviceCode: when the given response has no device code.
        """
        if isinstance(device_code, DeviceAuthorizationResponse):
            if not isinstance(device_code.device_code, str):
                raise MissingDeviceCode(device_code)
            device_code = device_code.device_code
        return self._grant(
            GrantTypes.DEVICE_CODE,
            {"device_code": device_code, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def ciba(
        self,
        auth_req_id: str | BackChannelAuthenticationResponse,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Poll the token endpoint once with the CIBA grant.

        An ID Token in the answer is validated (see `token_request()`); `validate=False` skips that.

        Raises:
            AuthorizationPending: while the user has not finished.
            SlowDown: when polling too often.
            MissingAuthRequestId: when the given response has no `auth_req_id`.
        """
        if isinstance(auth_req_id, BackChannelAuthenticationResponse):
            if not isinstance(auth_req_id.auth_req_id, str):
                raise MissingAuthRequestId(auth_req_id)
            auth_req_id = auth_req_id.auth_req_id
        return self._grant(
            GrantTypes.CLIENT_INITIATED_BACKCHANNEL_AUTHENTICATION,
            {"auth_req_id": auth_req_id, **token_kwargs},
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def token_exchange(
        self,
        *,
        subject_token: str | BearerToken | IdToken,
        subject_token_type: str | None = None,
        actor_token: str | BearerToken | IdToken | None = None,
        actor_token_type: str | None = None,
        requested_token_type: str | None = None,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Exchange a token for another (RFC 8693).

        Token types may be given as short names (`access_token`, `refresh_token`, `id_token`, `jwt`, `saml1`,
        `saml2`), or guessed from `BearerToken` and `IdToken` objects. An ID Token in the answer is validated (see
        `token_request()`); `validate=False` skips that.

        Raises:
            UnknownSubjectTokenType: when the subject token type cannot be determined.
            UnknownActorTokenType: when the actor token type cannot be determined.
        """
        try:
            subject_token_type = get_token_type(subject_token_type, subject_token)
        except UnknownTokenType as exc:
            raise UnknownSubjectTokenType(subject_token, subject_token_type) from exc
        params: dict[str, Any] = {
            "subject_token": token_value(subject_token, subject_token_type),
            "subject_token_type": subject_token_type,
        }
        if actor_token is not None:
            try:
                actor_token_type = get_token_type(actor_token_type, actor_token)
            except UnknownTokenType as exc:
                raise UnknownActorTokenType(actor_token, actor_token_type) from exc
            params["actor_token"] = token_value(actor_token, actor_token_type)
            params["actor_token_type"] = actor_token_type
        if requested_token_type is not None:
            params["requested_token_type"] = get_token_type(requested_token_type)
        return self._grant(
            GrantTypes.TOKEN_EXCHANGE,
            {**params, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def jwt_bearer(
        self,
        assertion: Jwt | str,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with a JWT assertion (RFC 7523).

        A str assertion is parsed first, so that a malformed one fails before any request. An ID Token in the
        answer is validated (see `token_request()`); `validate=False` skips that.
        """
        if not isinstance(assertion, Jwt):
            assertion = SignedJwt(assertion)
        return self._grant(
            GrantTypes.JWT_BEARER,
            {"assertion": str(assertion), **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def resource_owner_password(
        self,
        username: str,
        password: str,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with the resource owner password grant (deprecated by OAuth 2.1; use it only if you must).

        An ID Token in the answer is validated (see `token_request()`); `validate=False` skips that.
        """
        return self._grant(
            GrantTypes.RESOURCE_OWNER_PASSWORD,
            {"username": username, "password": password, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    get_token_type = staticmethod(get_token_type)

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
        if not testing:
            validate_endpoint_uri(url, path=False)
        session = session if session is not None else requests.Session()
        discovery = get_json_document(session, "discovery document", url)
        if discovery is None:
            raise InvalidDiscoveryDocument("The discovery document is not a JSON object.", discovery, url)
        jwks_uri = client_settings_from_metadata(discovery, issuer, url=url).get("jwks_uri")
        jwks = None
        if jwks_uri is not None:
            if not testing:
                validate_endpoint_uri(jwks_uri)
            jwks = jwks_from_document(get_json_document(session, Endpoints.JWKS, jwks_uri), jwks_uri)
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
        **kwargs: Any,
    ) -> OAuth2Client:
        """Build a client from an AS metadata document.

        Every endpoint the document names is used (including device authorization, CIBA and PAR), as well as
        its `authorization_response_iss_parameter_supported` flag. Explicit keyword arguments win. When the
        `session` has a client certificate (or with `mtls=True`), the `mtls_endpoint_aliases` are used.

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
        mtls = kwargs.pop("mtls", None)
        if mtls is None:  # a session with a client certificate talks to the mTLS endpoint aliases (RFC 8705 §5)
            session = kwargs.get("session")
            mtls = isinstance(session, requests.Session) and bool(session.cert)
        settings = client_settings_from_metadata(discovery, issuer, mtls=bool(mtls))
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


assert set(ENDPOINT_KEYS) == set(_ENDPOINT_FIELDS)  # noqa: S101 - keeps the two lists in step
