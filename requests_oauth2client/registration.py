"""Dynamic client registration (RFC 7591) and the management of a registration (RFC 7592).

`register_client()` sends client metadata to the registration endpoint of an Authorization Server (its metadata
names it `registration_endpoint`, which `OAuth2Client` keeps) and returns a `RegisteredClient`: the checked
answer (`registration`, a `ClientRegistration`) and the methods that read, update and delete the registration with
its registration access token. Each answer replaces `registration`, so that a rotated registration access token
(or client secret) is kept. `RegisteredClient.oauth2_client()` builds the `OAuth2Client` of the registered client:
its authentication method, keys and redirect URI come from the registration.

Requests go through the one transport of the library (JSON bodies, no redirect followed, errors mapped with the
error table: `InvalidRedirectUri`, `InvalidClientMetadata`, `InvalidSoftwareStatement`,
`UnapprovedSoftwareStatement`, else `RegistrationError`; `InvalidRegistrationResponse` for an unusable answer).

A registration holds secrets (client secret, registration access token, private key): `RegistrationSerializer`
stores them all, so store its output where only the application can read it.

Example:
    ```python
    from requests_oauth2client import OAuth2Client, register_client

    discovery = requests.get("https://as.example.com/.well-known/openid-configuration").json()
    registered = register_client(
        discovery["registration_endpoint"],
        client_name="My CLI",
        redirect_uris=["http://127.0.0.1/callback"],
        application_type="native",
        token_endpoint_auth_method="none",
    )
    client = registered.oauth2_client(discovery)
    registered.update(client_name="My CLI (v2)")
    registered.delete()
    ```
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import requests
from attrs import define, field, frozen
from jwskate import Jwk, Jwt

from ._http.transport import DEFAULT_TIMEOUT, Timeout, json_body, raise_endpoint_error, send_to_endpoint
from ._protocol.registration import ClientRegistration, check_client_information, registration_request_body
from .client import OAuth2Client
from .enums import Endpoints
from .exceptions import (
    ERROR_CLASSES,
    EndpointError,
    InvalidEndpointUri,
    InvalidParam,
    InvalidRegistrationResponse,
    RegistrationError,
    RequestsOptionAsParameter,
)
from .serializers import InvalidSerializedData, Serializer
from .tokens import BearerToken
from .utils import InvalidUri, check_endpoint_url

if TYPE_CHECKING:
    from .dpop import DPoPKey

__all__ = [
    "ClientRegistration",
    "RegisteredClient",
    "RegistrationSerializer",
    "register_client",
]


def _endpoint_uri(name: str, uri: str, *, testing: bool) -> str:
    try:
        return check_endpoint_url(uri, testing=testing)
    except InvalidUri as exc:
        raise InvalidEndpointUri(name, uri, exc) from exc


@frozen
class _RegistrationEndpoint:
    """What the transport needs to send a registration request (the client does not exist yet)."""

    url: str
    session: requests.Session = field(repr=False)
    auth: requests.auth.AuthBase = field(repr=False)
    exception_classes: Mapping[str, type[EndpointError]] = field(repr=False)
    private_key: Jwk | None = field(repr=False)
    testing: bool
    timeout: Timeout

    @property
    def registration_endpoint(self) -> str:
        """The URL of the registration endpoint (under the name a client has for it: error messages name it so)."""
        return self.url

    def on_success(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> ClientRegistration:
        return _parse_client_information(self, response, private_key=self.private_key, https=not self.testing)

    def on_failure(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> ClientRegistration:
        _raise_registration_error(self, response)


def _raise_registration_error(client: Any, response: requests.Response) -> NoReturn:
    """Raise the error of a registration or client configuration endpoint (RFC 7591 §3.2.2)."""
    raise_endpoint_error(client, response, family=RegistrationError, invalid_response=InvalidRegistrationResponse)


def _parse_client_information(
    client: Any,
    response: requests.Response,
    *,
    private_key: Jwk | None = None,
    previous: ClientRegistration | None = None,
    https: bool = True,
) -> ClientRegistration:
    """Check the client information response of a registration or client configuration endpoint.

    Raises:
        InvalidRegistrationResponse: when it is not usable (the description says why, without any secret).
    """
    try:
        body = json_body(response)
        return check_client_information(body, private_key=private_key, previous=previous, https=https)
    except ValueError as exc:
        raise InvalidRegistrationResponse(response, client, f"unusable client information response: {exc}") from exc


def register_client(
    registration_endpoint: str,
    metadata: Mapping[str, Any] | None = None,
    *,
    initial_access_token: str | None = None,
    software_statement: str | Jwt | None = None,
    private_key: Jwk | Mapping[str, Any] | None = None,
    session: requests.Session | None = None,
    testing: bool = False,
    timeout: Timeout = DEFAULT_TIMEOUT,
    **metadata_kwargs: Any,
) -> RegisteredClient:
    """Register a client (RFC 7591 §3.1) and return it, with the means to manage its registration (RFC 7592).

    Client metadata are given as a mapping, as keyword arguments, or both (keywords win): `redirect_uris`,
    `token_endpoint_auth_method`, `grant_types`, `client_name`, `scope`... With a `private_key` (or
    `token_endpoint_auth_method="private_key_jwt"`), the client authenticates with `private_key_jwt`: unless the
    metadata name a `jwks` or a `jwks_uri`, the public key is registered inline (`jwks`), generated (ES256) when
    none is given. A `jwks` holding private key material is refused before anything is sent.

    Args:
        registration_endpoint: the registration endpoint URL (`registration_endpoint` of the AS metadata).
        metadata: the client metadata.
        initial_access_token: the token the AS requires to register, if any (RFC 7591 §3), sent as a Bearer token.
        software_statement: a software statement (RFC 7591 §2.3), sent as is.
        private_key: the client's private signing key, for `private_key_jwt`.
        session: the `requests.Session` to use (kept for the management requests).
        testing: allow http endpoints (tests only).
        timeout: the timeout of each request, in seconds; None for none (the session's default applies).
        **metadata_kwargs: more client metadata.

    Returns:
        the registered client.

    Raises:
        RequestsOptionAsParameter: when an option of `requests` (`verify`...) is given as client metadata.
        InvalidEndpointUri: when `registration_endpoint` is not an https URL (without `testing`).
        InvalidParam: when the metadata hold private key material, or the private key is not usable.
        RegistrationError: (a subclass of it) when the AS refuses the registration: `InvalidRedirectUri`,
            `InvalidClientMetadata`, `InvalidSoftwareStatement`, `UnapprovedSoftwareStatement`.
        InvalidRegistrationResponse: when the answer is not a usable client information response.
        UnexpectedRedirect: when the endpoint answers with a redirect (never followed).
    """
    RequestsOptionAsParameter.check(metadata_kwargs, "the registration request")
    url = _endpoint_uri(Endpoints.REGISTRATION, registration_endpoint, testing=testing)
    body, key = registration_request_body(
        {**(metadata or {}), **metadata_kwargs},
        private_key=private_key,
        software_statement=str(software_statement) if software_statement is not None else None,
    )
    session = session if session is not None else requests.Session()
    endpoint = _RegistrationEndpoint(
        url=url,
        session=session,
        auth=BearerToken(initial_access_token) if initial_access_token else _NoAuth(),
        exception_classes=ERROR_CLASSES,
        private_key=key,
        testing=testing,
        timeout=timeout,
    )
    registration = send_to_endpoint(
        endpoint,
        Endpoints.REGISTRATION,
        url,
        json=body,
        on_success=endpoint.on_success,
        on_failure=endpoint.on_failure,
    )
    return RegisteredClient(registration, session=session, testing=testing, timeout=timeout)


class _NoAuth(requests.auth.AuthBase):
    """No authentication: open registration."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


@define(init=False)
class RegisteredClient:
    """A dynamically registered client and the management of its registration (RFC 7592).

    `read()`, `update()` and `delete()` send the registration access token to the client configuration endpoint
    (`registration_client_uri`); each answer replaces `registration` (the AS may rotate the registration access
    token or the client secret). They are safe to call from several threads (one at a time).

    Args:
        registration: the registration, from `register_client()` or a stored one (`RegistrationSerializer`).
        session: the `requests.Session` to use.
        testing: allow http endpoints (tests only).
        timeout: the timeout of each request, in seconds; None for none (the session's default applies).
    """

    registration: ClientRegistration
    session: requests.Session = field(repr=False)
    testing: bool
    timeout: Timeout
    _lock: threading.RLock = field(factory=threading.RLock, repr=False, eq=False)

    exception_classes: ClassVar[dict[str, type[EndpointError]]] = ERROR_CLASSES

    def __init__(
        self,
        registration: ClientRegistration,
        *,
        session: requests.Session | None = None,
        testing: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.__attrs_init__(
            registration=registration,
            session=session if session is not None else requests.Session(),
            testing=testing,
            timeout=timeout,
        )

    @property
    def client_id(self) -> str:
        """The client identifier."""
        return self.registration.client_id

    @property
    def auth(self) -> requests.auth.AuthBase:
        """The registration access token, as a Bearer auth handler for the client configuration endpoint.

        Raises:
            InvalidParam: when the registration has no registration access token or no configuration endpoint.
        """
        return BearerToken(self._management()[1])

    def _management(self) -> tuple[str, str]:
        uri = self.registration.registration_client_uri
        token = self.registration.registration_access_token
        if uri is None or token is None:
            raise InvalidParam(
                "This registration has no registration access token or client configuration endpoint (RFC 7592):"
                " it cannot be read, updated or deleted."
            )
        return _endpoint_uri("registration_client_uri", uri, testing=self.testing), token

    def _send(self, method: str, json: Mapping[str, Any] | None = None) -> ClientRegistration | None:
        with self._lock:
            uri, token = self._management()
            previous = self.registration

            def on_success(
                response: requests.Response, *, dpop_key: DPoPKey | None = None
            ) -> ClientRegistration | None:
                if method == "DELETE":
                    return None
                return _parse_client_information(self, response, previous=previous, https=not self.testing)

            def on_failure(
                response: requests.Response, *, dpop_key: DPoPKey | None = None
            ) -> ClientRegistration | None:
                _raise_registration_error(self, response)

            registration = send_to_endpoint(
                self,
                "client configuration endpoint",
                uri,
                method=method,
                json=json,
                auth=BearerToken(token),
                on_success=on_success,
                on_failure=on_failure,
            )
            if registration is not None:
                self.registration = registration
            return registration

    def read(self) -> ClientRegistration:
        """Read the registration from the AS (RFC 7592 §2.1), and keep what it answers.

        Raises:
            RegistrationError: when the AS refuses (`error` is then `invalid_token` for a registration access token
                it no longer accepts, for instance after a deletion).
            InvalidRegistrationResponse: when the answer is not usable, or about another client.
        """
        registration = self._send("GET")
        assert registration is not None  # noqa: S101 - only DELETE gives None
        return registration

    def update(self, metadata: Mapping[str, Any] | None = None, **changes: Any) -> ClientRegistration:
        """Update the registration (RFC 7592 §2.2): send every registered metadata with the changes applied.

        A change to None removes that metadata. The answer, possibly with a new registration access token and
        client secret, replaces `registration`.

        Raises:
            RequestsOptionAsParameter: when an option of `requests` (`timeout`...) is given as a change.
            InvalidParam: when a change touches `client_id`, `client_secret` or a member that the AS manages.
            RegistrationError: (a subclass of it) when the AS refuses the update.
            InvalidRegistrationResponse: when the answer is not usable, or about another client.
        """
        RequestsOptionAsParameter.check(changes, "the registration update")
        body = self.registration.update_request_body({**(metadata or {}), **changes})
        registration = self._send("PUT", body)
        assert registration is not None  # noqa: S101 - only DELETE gives None
        return registration

    def delete(self) -> None:
        """Delete the registration (RFC 7592 §2.3): the client can no longer authenticate.

        Raises:
            RegistrationError: when the AS refuses.
        """
        self._send("DELETE")

    def oauth2_client(
        self, discovery: Mapping[str, Any] | None = None, *, issuer: str | None = None, **kwargs: Any
    ) -> OAuth2Client:
        """Return the `OAuth2Client` of the registered client, for the AS of a discovery document (or issuer).

        Its authentication method (with the client secret or the private key), redirect URI and ID Token alg come
        from the registration; the endpoints from the AS metadata: `discovery` when given, else fetched from the
        discovery endpoint of `issuer`. JWT client assertions have the issuer as audience.

        Args:
            discovery: the AS metadata document.
            issuer: the expected issuer (required without `discovery`).
            **kwargs: other `OAuth2Client` parameters (they win over the registration's).
        """
        audience = issuer if issuer is not None else (discovery or {}).get("issuer")
        settings: dict[str, Any] = {
            **self.registration.client_settings(audience=audience if isinstance(audience, str) else None),
            "session": self.session,
            "testing": self.testing,
            **kwargs,
        }
        if discovery is not None:
            return OAuth2Client.from_discovery_document(dict(discovery), issuer, **settings)
        return OAuth2Client.from_discovery_endpoint(issuer=issuer, **settings)


@frozen(init=False)
class RegistrationSerializer(Serializer[ClientRegistration]):
    """Store a `ClientRegistration` as compact JSON, and read it back (checked like an answer of the AS).

    The stored form holds the client secret, the registration access token and the private key: keep it where
    only the application can read it (or encrypt it).

    Example:
        ```python
        serializer = RegistrationSerializer()
        stored = serializer.dumps(registered.registration)
        registered = RegisteredClient(serializer.loads(stored))
        ```
    """

    def __init__(self, *, https: bool = True) -> None:
        def dumper(registration: ClientRegistration) -> bytes:
            return json.dumps(registration.as_dict(), separators=(",", ":"), sort_keys=True).encode()

        def loader(serialized: bytes) -> dict[str, Any]:
            try:
                data = json.loads(serialized.decode("utf-8"))
            except (ValueError, RecursionError) as exc:
                raise InvalidSerializedData("not a stored registration (JSON)") from exc
            if not isinstance(data, dict):
                raise InvalidSerializedData("not a stored registration (a JSON object)")
            return data

        def make_instance(data: dict[str, Any]) -> ClientRegistration:
            try:
                return ClientRegistration.from_dict(data, https=https)
            except ValueError as exc:
                raise InvalidSerializedData(f"not a usable registration: {exc}") from exc

        self.__attrs_init__(dumper=dumper, loader=loader, make_instance=make_instance)
