"""Start from an API: discover how to get a token for it, register the client if needed, and log the user in.

`login_to_api(api_url, login=...)` runs the whole chain that a client of an MCP server (or of any API publishing
RFC 9728 metadata) needs, each step with the library's checks:

1. a request to the API without a token; its `401` names the protected resource metadata in the
   `resource_metadata` of its challenge (RFC 9728 §5.1), else the well-known URL of the API is used (§3.1);
2. the protected resource metadata is fetched (redirects within its origin only) and checked: its `resource` must
   be the API URL exactly (§3.3); its `authorization_servers` gives the issuer (the first, or `issuer` when given,
   which must be one of them);
3. the Authorization Server metadata is fetched (RFC 8414, else OpenID Connect Discovery) and must name that issuer;
4. without a `client_id`, the client registers itself at the AS's `registration_endpoint` (RFC 7591), by default as
   a public native client with PKCE (`token_endpoint_auth_method=none`, a loopback redirect URI);
5. the user logs in with `login` (in a browser with a loopback redirect, or with the device flow:
   `DeviceFlowLogin`), with `resource` set to the API (RFC 8707) in the authorization and token requests;
6. the result is an `ApiLogin`: `api` (an `ApiClient` for the API, whose auth handler sends the token and refreshes
   it), `client`, `registration`... `step_up(error)` logs the user in again when the API answers with
   `InsufficientUserAuthentication` (RFC 9470, with its `acr_values` and `max_age`, and checks the new ID Token) or
   `InsufficientScope` (with the scopes it needs).

Example:
    ```python
    from requests_oauth2client import DeviceFlowLogin, login_to_api

    user = login_to_api(
        "https://api.example.com/mcp", login=DeviceFlowLogin(), client_metadata={"client_name": "My CLI"}
    )
    user.api.get("tools")
    ```
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import requests
from attrs import define, field, frozen
from jwskate import Jwk

from ._http.transport import DEFAULT_TIMEOUT, Timeout, get_json_document
from ._protocol.metadata import client_settings_from_metadata
from .api_client import ApiClient
from .auth import OAuth2AccessTokenAuth, OAuth2DeviceCodeAuth
from .client import OAuth2Client
from .discovery import (
    oauth2_discovery_document_url,
    oauth2_protected_resource_metadata_url,
    oidc_discovery_document_url,
)
from .enums import GrantTypes
from .exceptions import (
    DiscoveryHTTPError,
    FailedDiscoveryError,
    InsufficientScope,
    InsufficientUserAuthentication,
    InvalidDiscoveryDocument,
    InvalidParam,
    InvalidScopeParam,
    MismatchingAuthorizationServerIdentifier,
)
from .protected_resource import ProtectedResourceMetadata, validate_resource_metadata
from .registration import RegisteredClient, register_client
from .step_up import check_step_up, step_up_parameters
from .utils import check_endpoint_url, split_space_separated
from .www_authenticate import response_challenges

if TYPE_CHECKING:
    from .device_authorization import DeviceAuthorizationResponse
    from .tokens import BearerToken

__all__ = ["ApiLogin", "DeviceFlowLogin", "LoginMethod", "login_to_api"]

DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
"""The redirect URI a client registers by default: loopback, any port (RFC 8252 §7.3)."""

DEFAULT_CLIENT_METADATA: Mapping[str, Any] = {
    "client_name": "requests_oauth2client",
    "application_type": "native",
    "token_endpoint_auth_method": "none",
    "grant_types": [GrantTypes.AUTHORIZATION_CODE.value, GrantTypes.REFRESH_TOKEN.value],
    "response_types": ["code"],
    "redirect_uris": [DEFAULT_REDIRECT_URI],
}
"""The client metadata registered by default (with the login method's, then the caller's, on top)."""


class LoginMethod(Protocol):
    """How the user logs in: called with the client and the parameters of the authorization (or device) request.

    The parameters are `scope`, `resource` and, for a step-up, `acr_values` and `max_age`, plus the caller's extra
    ones. The method returns the token response, its ID Token validated; it must send `resource` in the token
    request too, so that the access token is meant for the API. A loopback login with a browser fits
    (`functools.partial(login_with_browser, ...)`, or a function that calls `client.authorization_request(**params)`,
    sends the user to it and exchanges the code with `client.authorization_code(response, resource=...)`), and so
    does `DeviceFlowLogin`.
    """

    def __call__(self, client: OAuth2Client, **params: Any) -> BearerToken:
        """Log the user in and return the tokens."""
        ...  # pragma: no cover


def _show_user_code(response: DeviceAuthorizationResponse) -> None:
    url = response.verification_uri_complete or response.verification_uri
    sys.stderr.write(f"To log in, open {url} and enter the code {response.user_code}\n")
    sys.stderr.flush()


@frozen
class DeviceFlowLogin:
    """Log the user in with the device authorization grant (RFC 8628): they approve on another device.

    Args:
        display: called with the `DeviceAuthorizationResponse`, to show the verification URI and user code to the
            user (by default, written on stderr).
    """

    display: Callable[[DeviceAuthorizationResponse], object] = _show_user_code

    client_metadata: ClassVar[Mapping[str, Any]] = {
        "grant_types": [GrantTypes.DEVICE_CODE.value, GrantTypes.REFRESH_TOKEN.value],
        "response_types": [],
    }
    """What a client registers to use this method."""

    def __call__(self, client: OAuth2Client, **params: Any) -> BearerToken:
        """Start a device authorization with `params`, show the code, and poll until the user approves (blocking).

        `resource` is sent in the token requests too.
        """
        response = client.authorize_device(**params)
        self.display(response)
        token_kwargs = {"resource": params["resource"]} if params.get("resource") else {}
        auth = OAuth2DeviceCodeAuth(client, response, **token_kwargs)
        auth.exchange_device_code_for_token()
        assert auth.token is not None  # noqa: S101 - set by a successful exchange
        return auth.token


@define
class ApiLogin:
    """A logged-in user of an API, and what led there (see `login_to_api()`).

    Attributes:
        api: the `ApiClient` of the API, whose auth handler sends the user's access token (and refreshes it).
        client: the `OAuth2Client` of the Authorization Server.
        auth: the auth handler of `api`.
        resource: the protected resource metadata of the API.
        registration: the dynamic registration of the client, when it registered itself (keep it, with
            `RegistrationSerializer`, to reuse the client next time).
        login: the login method.
        scope: the scopes the user was last logged in with.
        params: other parameters of the authorization requests.
    """

    api: ApiClient
    client: OAuth2Client
    auth: OAuth2AccessTokenAuth
    resource: ProtectedResourceMetadata
    registration: RegisteredClient | None
    login: LoginMethod = field(repr=False)
    scope: tuple[str, ...] | None
    params: dict[str, Any] = field(factory=dict)

    @property
    def token(self) -> BearerToken | None:
        """The current token."""
        return self.auth.token

    def step_up(self, error: InsufficientUserAuthentication | InsufficientScope) -> BearerToken:
        """Log the user in again, as a refusal of the API asks, and use the new token from now on.

        For `InsufficientUserAuthentication` (RFC 9470), the login asks for the `acr_values` and `max_age` of the
        challenge, and the new ID Token must satisfy them (`check_step_up()`: an ID Token without the `acr` asked
        for is refused). For `InsufficientScope`, the login asks for the current scopes plus the ones the
        challenge names.

        Returns:
            the new token.

        Raises:
            InvalidIdToken: (a subclass of it) when the new ID Token does not satisfy the challenge; the token in
                use does not change.
        """
        scope = list(self.scope or ())
        params: dict[str, Any] = dict(self.params)
        if isinstance(error, InsufficientScope):
            scope += [item for item in error.scope or () if item not in scope]
        else:
            params.update(step_up_parameters(error))
        token = self.login(self.client, **params, scope=" ".join(scope) or None, resource=self.resource.resource)
        if isinstance(error, InsufficientUserAuthentication):
            check_step_up(token, error)
        self.auth.token = token
        self.scope = tuple(scope) or None
        return token


def login_to_api(
    api_url: str,
    *,
    login: LoginMethod,
    client_id: str | None = None,
    client_secret: str | None = None,
    private_key: Jwk | Mapping[str, Any] | None = None,
    client_metadata: Mapping[str, Any] | None = None,
    initial_access_token: str | None = None,
    software_statement: str | None = None,
    issuer: str | None = None,
    scope: str | Iterable[str] | None = None,
    session: requests.Session | None = None,
    probe: bool = True,
    testing: bool = False,
    timeout: Timeout = DEFAULT_TIMEOUT,
    **params: Any,
) -> ApiLogin:
    """From the URL of an API, get a logged-in user and an `ApiClient` ready to call it (see the module docs).

    Args:
        api_url: the URL of the API: its resource identifier (the `resource` of its metadata must be this URL).
        login: how the user logs in (see `LoginMethod`): a loopback browser login, or `DeviceFlowLogin()`.
        client_id: the client_id, when the client is registered already; without it, the client registers itself.
        client_secret: the client secret of a registered confidential client.
        private_key: the private key of a `private_key_jwt` client (registered already, or to register).
        client_metadata: the client metadata to register (on top of `DEFAULT_CLIENT_METADATA` and of the login
            method's `client_metadata`); with a `client_id`, only `redirect_uris` is used (its first is the
            redirect URI).
        initial_access_token: the initial access token that the registration endpoint demands, if any.
        software_statement: a software statement to register with.
        issuer: the Authorization Server to use, among the resource's `authorization_servers` (by default, the
            first).
        scope: the scopes to ask for. By default: the ones of the API's challenge, else the resource's
            `scopes_supported`; plus `openid` when the AS supports it (an ID Token is needed for step-up).
        session: the `requests.Session` to use for everything.
        probe: send a request to `api_url` first, to read the metadata URL from its challenge; with False, the
            well-known URL of `api_url` is used directly.
        testing: allow http URLs (tests only).
        timeout: the timeout of every request, in seconds (also the client's `timeout`); None for none.
        **params: other parameters of the authorization request (`login_hint`, `prompt`...).

    Returns:
        the logged-in user and the `ApiClient`.

    Raises:
        FailedDiscoveryError: (a subclass of it) when a metadata document cannot be fetched or is not valid:
            `MismatchingResourceIdentifier`, `MismatchingAuthorizationServerIdentifier`, `MismatchingDiscoveryIssuer`,
            `DiscoveryHTTPError`, `DiscoveryRedirectError`, `InvalidDiscoveryDocument`.
        InvalidParam: without `client_id`, when the AS has no registration endpoint.
        RegistrationError: when the registration is refused.
    """
    session = session if session is not None else requests.Session()
    check_endpoint_url(api_url, testing=testing, path=False)
    metadata_url, challenge_scope = _probe(session, api_url, timeout) if probe else (None, None)
    metadata_url = metadata_url or oauth2_protected_resource_metadata_url(api_url)
    check_endpoint_url(metadata_url, testing=testing, path=False)
    document = get_json_document(session, "protected resource metadata", metadata_url, timeout=timeout)
    resource = validate_resource_metadata(document, api_url, url=metadata_url)
    issuer = _choose_issuer(resource, issuer)
    discovery = _authorization_server_metadata(session, issuer, timeout)
    registration: RegisteredClient | None = None
    if client_id is None:
        registration_endpoint = discovery.get("registration_endpoint")
        if not registration_endpoint:
            raise InvalidParam(
                f"The authorization server {issuer} has no registration endpoint: pass the `client_id` of a client"
                " registered there."
            )
        registration = register_client(
            registration_endpoint,
            {**DEFAULT_CLIENT_METADATA, **getattr(login, "client_metadata", {}), **(client_metadata or {})},
            initial_access_token=initial_access_token,
            software_statement=software_statement,
            private_key=private_key,
            session=session,
            testing=testing,
            timeout=timeout,
        )
        client = registration.oauth2_client(discovery, issuer=issuer, timeout=timeout)
    else:
        redirect_uris = (client_metadata or {}).get("redirect_uris") or [DEFAULT_REDIRECT_URI]
        client = OAuth2Client.from_discovery_document(
            discovery,
            issuer,
            client_id=client_id,
            client_secret=client_secret,
            private_key=Jwk(private_key) if private_key is not None else None,
            redirect_uri=redirect_uris[0],
            session=session,
            testing=testing,
            timeout=timeout,
        )
    scopes = _scopes(scope, challenge_scope, resource, discovery)
    token = login(client, **params, scope=" ".join(scopes) if scopes else None, resource=resource.resource)
    auth = OAuth2AccessTokenAuth(client, token, resource=resource.resource)
    api = ApiClient.from_metadata_document(
        resource.document, auth, document_url=metadata_url, resource=api_url, session=session
    )
    return ApiLogin(
        api=api,
        client=client,
        auth=auth,
        resource=resource,
        registration=registration,
        login=login,
        scope=scopes,
        params=params,
    )


def _probe(session: requests.Session, api_url: str, timeout: Timeout) -> tuple[str | None, tuple[str, ...] | None]:
    """Send a request without token to the API; return the metadata URL and the scopes its challenge names."""
    if timeout is None:  # no `timeout` keyword at all: a default of the session applies
        response = session.get(api_url, allow_redirects=False)
    else:
        response = session.get(api_url, allow_redirects=False, timeout=timeout)
    for challenge in response_challenges(response, strict=False):
        if challenge.resource_metadata:
            return challenge.resource_metadata, challenge.scope
    return None, None


def _choose_issuer(resource: ProtectedResourceMetadata, issuer: str | None) -> str:
    if issuer is not None:
        if issuer not in resource.authorization_servers:
            raise MismatchingAuthorizationServerIdentifier(issuer, resource.document, resource.url)
        return issuer
    if not resource.authorization_servers:
        raise InvalidDiscoveryDocument(
            "The protected resource metadata names no authorization server (`authorization_servers`).",
            resource.document,
            resource.url,
        )
    return resource.authorization_servers[0]


def _authorization_server_metadata(session: requests.Session, issuer: str, timeout: Timeout) -> dict[str, Any]:
    """Fetch the AS metadata of an issuer: RFC 8414 first, else OpenID Connect Discovery; it must name the issuer."""
    last_error: FailedDiscoveryError | None = None
    for url in (oauth2_discovery_document_url(issuer), oidc_discovery_document_url(issuer)):
        try:
            document = get_json_document(session, "authorization server metadata", url, timeout=timeout)
        except DiscoveryHTTPError as exc:
            last_error = exc
            continue
        client_settings_from_metadata(document, issuer, url=url)  # the issuer must be the expected one
        assert isinstance(document, dict)  # noqa: S101 - checked above
        return document
    assert last_error is not None  # noqa: S101 - one of the two URLs was tried
    raise last_error


def _scopes(
    scope: str | Iterable[str] | None,
    challenge_scope: tuple[str, ...] | None,
    resource: ProtectedResourceMetadata,
    discovery: Mapping[str, Any],
) -> tuple[str, ...] | None:
    if scope is not None:
        return split_space_separated(scope, InvalidScopeParam)
    scopes = list(challenge_scope or resource.scopes_supported or ())
    supported = discovery.get("scopes_supported")
    if isinstance(supported, list) and "openid" in supported and "openid" not in scopes:
        scopes.insert(0, "openid")
    return tuple(scopes) or None
