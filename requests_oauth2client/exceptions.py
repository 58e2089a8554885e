"""The exceptions raised by this library.

Three families matter most:

- `OAuth2Error` and its subclasses: an endpoint of the Authorization Server answered with an error, or
  with something that is not a valid answer. They carry the `response` (and the `client`).
- `AuthorizationResponseError` and `InvalidAuthResponse`: the redirect back from the authorization
  endpoint is an error, or does not pass validation.
- `FailedDiscoveryError` and its subclasses: a metadata document or the keys of the Authorization Server (or the
  metadata of a protected resource) cannot be fetched or are not usable.
- `ProtectedResourceError` and its subclasses: a protected resource refused a token, and says what it needs.
- `InvalidParam` and other `ValueError`s: a parameter given to the library is not usable (including the client
  certificate errors of mutual TLS, `ClientCertificateError`, and `Fapi2Violation`, a setting or a request that the
  FAPI 2.0 Security Profile forbids).

The endpoint errors, their `error` code table (`ERROR_CLASSES`) and the classes of the errors raised at each endpoint
(`endpoint_error_class()`: an `invalid_client` of the revocation endpoint is an `InvalidClient` and a
`RevocationError`) are defined here; the other families are defined in private modules of `_errors` (so that lower
layers can raise them) and re-exported here. No message ever contains a client secret, a private key or a token
value.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar, cast

import requests

from requests_oauth2client._errors.authorization_response import (
    AccountSelectionRequired,
    AuthorizationResponseError,
    ConsentRequired,
    InteractionRequired,
    InvalidAuthResponse,
    IssuerMixUp,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingIssuer,
    SessionSelectionRequired,
)
from requests_oauth2client._errors.discovery import (
    DiscoveryHTTPError,
    DiscoveryRedirectError,
    FailedDiscoveryError,
    InvalidDiscoveryDocument,
    MismatchingAuthorizationServerIdentifier,
    MismatchingResourceIdentifier,
)
from requests_oauth2client._errors.endpoint_messages import endpoint_message
from requests_oauth2client._errors.fapi import Fapi2Violation
from requests_oauth2client._errors.mtls import (
    ClientCertificateError,
    InvalidClientCertificate,
    MismatchingCertificateBinding,
    MissingClientCertificate,
)
from requests_oauth2client._errors.params import (
    InvalidAcrValuesParam,
    InvalidBackchannelAuthenticationRequestHintParam,
    InvalidEndpointUri,
    InvalidIssuer,
    InvalidParam,
    InvalidScopeParam,
    MismatchingDiscoveryIssuer,
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
    UnsupportedTokenTypeError,
)
from requests_oauth2client._errors.resource import (
    InsufficientScope,
    InsufficientUserAuthentication,
    ProtectedResourceError,
)

__all__ = [
    "AccessDenied",
    "AccountSelectionRequired",
    "AuthorizationPending",
    "AuthorizationResponseError",
    "BackChannelAuthenticationError",
    "ClientCertificateError",
    "ConsentRequired",
    "DeviceAuthorizationError",
    "DiscoveryHTTPError",
    "DiscoveryRedirectError",
    "EndpointError",
    "ExpiredToken",
    "FailedDiscoveryError",
    "Fapi2Violation",
    "InsufficientScope",
    "InsufficientUserAuthentication",
    "InteractionRequired",
    "IntrospectionError",
    "InvalidAcrValuesParam",
    "InvalidAuthResponse",
    "InvalidBackChannelAuthenticationResponse",
    "InvalidBackchannelAuthenticationRequestHintParam",
    "InvalidClient",
    "InvalidClientCertificate",
    "InvalidClientMetadata",
    "InvalidDeviceAuthorizationResponse",
    "InvalidDiscoveryDocument",
    "InvalidEndpointUri",
    "InvalidGrant",
    "InvalidIssuer",
    "InvalidParam",
    "InvalidPushedAuthorizationResponse",
    "InvalidRedirectUri",
    "InvalidRegistrationResponse",
    "InvalidRequest",
    "InvalidScope",
    "InvalidScopeParam",
    "InvalidSoftwareStatement",
    "InvalidTarget",
    "InvalidTokenResponse",
    "InvalidUserinfoResponse",
    "IssuerMixUp",
    "LoginRequired",
    "MismatchingAuthorizationServerIdentifier",
    "MismatchingCertificateBinding",
    "MismatchingDiscoveryIssuer",
    "MismatchingIssuer",
    "MismatchingResourceIdentifier",
    "MismatchingState",
    "MismatchingUserinfoSubject",
    "MissingAuthCode",
    "MissingAuthRequestId",
    "MissingClientCertificate",
    "MissingDeviceCode",
    "MissingEndpointUri",
    "MissingIdTokenEncryptedResponseAlgParam",
    "MissingIssuer",
    "MissingIssuerParam",
    "MissingRefreshToken",
    "OAuth2Error",
    "ProtectedResourceError",
    "PushedAuthorizationRequestError",
    "RegistrationError",
    "RequestsOptionAsParameter",
    "RevocationError",
    "ServerError",
    "ServerUnavailable",
    "SessionSelectionRequired",
    "SlowDown",
    "TokenEndpointError",
    "UnapprovedSoftwareStatement",
    "UnauthorizedClient",
    "UnexpectedRedirect",
    "UnknownActorTokenType",
    "UnknownIntrospectionError",
    "UnknownSubjectTokenType",
    "UnknownTokenEndpointError",
    "UnknownTokenType",
    "UnsupportedTokenType",
    "UnsupportedTokenTypeError",
    "UseDPoPNonce",
    "endpoint_error_class",
]


class OAuth2Error(Exception):
    """Base class for errors returned by, or about the answer of, an Authorization Server endpoint.

    The message names the endpoint that answered and its URL, the HTTP status, what is wrong, and a hint for the
    common mistakes (see `requests_oauth2client._errors.endpoint_messages`).

    Args:
        response: the HTTP response that caused this error.
        client: the `OAuth2Client` that sent the request.
        description: a description of the problem.
    """

    def __init__(self, response: requests.Response, client: Any, description: str | None = None) -> None:
        self.response = response
        self.client = client
        self.description = description
        super().__init__(
            endpoint_message(
                response,
                client,
                description,
                error=getattr(self, "error", None),
                uri=getattr(self, "uri", None),
                endpoint=getattr(self, "endpoint", None),
            )
        )

    @property
    def request(self) -> requests.PreparedRequest:
        """The request that led to this error."""
        return self.response.request

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the error as its class, message and attributes (its `__init__` takes other arguments)."""
        return _reduce_error(self)


class EndpointError(OAuth2Error):
    """An endpoint answered with a standard error response (an `error` code).

    An error raised at an endpoint is an instance of the class of its code (`InvalidClient`...) and of the class of
    the endpoint's errors (`RevocationError`...) alike: see `endpoint_error_class()`.

    Args:
        response: the HTTP response.
        client: the client that sent the request.
        error: the `error` code.
        description: the `error_description`, if any.
        uri: the `error_uri`, if any.
    """

    def __init__(
        self,
        response: requests.Response,
        client: Any,
        error: str,
        description: str | None = None,
        uri: str | None = None,
    ) -> None:
        self.error = error
        self.uri = uri
        super().__init__(response=response, client=client, description=description)


class ServerUnavailable(Exception):
    """An endpoint answered with a server error status (5xx) and no OAuth error: the server failed or is unavailable.

    An overloaded or restarting server, or a proxy or load balancer in front of it, answers so; retrying later may
    succeed. It is not `ServerError`, which is the `server_error` code of a standard error response.

    Raised at every endpoint as a subclass of the class of that endpoint's invalid answers as well
    (`InvalidTokenResponse`, `InvalidDeviceAuthorizationResponse`... and `DiscoveryHTTPError` for the metadata and
    the keys of the AS), so `except ServerUnavailable` is what a retry policy catches, and code that catches the
    endpoint's class keeps working.

    Attributes:
        response: the answer.
    """

    response: requests.Response


class UnexpectedRedirect(OAuth2Error):
    """An Authorization Server endpoint answered with a redirect (a 3xx status), which is never followed.

    Requests to the AS carry credentials (client secret or assertion, code and PKCE verifier, tokens): sending
    them again to wherever a redirect points would hand them over. Nothing is re-sent.

    Attributes:
        endpoint: the name of the endpoint that answered.
        location: the `Location` of the redirect (None when the answer has none).
    """

    def __init__(self, response: requests.Response, client: Any, endpoint: str, location: str | None) -> None:
        self.endpoint = endpoint
        self.location = location
        super().__init__(
            response,
            client,
            f"a redirect to '{location}', not followed: requests to the authorization server carry credentials"
            " and never follow redirects; configure the endpoint's final URL",
        )


class InvalidTokenResponse(OAuth2Error):
    """The token endpoint answered with something that is neither a valid token nor a standard error."""


class TokenEndpointError(EndpointError):
    """The token endpoint answered with a standard error."""


class InvalidRequest(TokenEndpointError):
    """`invalid_request`."""


class InvalidClient(TokenEndpointError):
    """`invalid_client`: the client authentication failed."""


class InvalidScope(TokenEndpointError):
    """`invalid_scope`."""


class InvalidTarget(TokenEndpointError):
    """`invalid_target` (RFC 8707)."""


class InvalidGrant(TokenEndpointError):
    """`invalid_grant`."""


class UseDPoPNonce(TokenEndpointError):
    """`use_dpop_nonce` (RFC 9449): the request must be retried with the nonce the server provides."""


class AuthorizationPending(TokenEndpointError):
    """`authorization_pending`: the user has not yet completed the authorization (device flow, CIBA)."""


class SlowDown(TokenEndpointError):
    """`slow_down`: the client must poll less often (device flow, CIBA)."""


class ExpiredToken(TokenEndpointError):
    """`expired_token`: the device code or auth_req_id expired."""


class UnknownTokenEndpointError(EndpointError):
    """The token endpoint answered with an error code this library does not know."""


class ServerError(EndpointError):
    """`server_error`."""


class AccessDenied(EndpointError):
    """`access_denied`."""


class UnauthorizedClient(EndpointError):
    """`unauthorized_client`."""


class RevocationError(EndpointError):
    """The revocation endpoint answered with an error."""


class UnsupportedTokenType(RevocationError):
    """`unsupported_token_type` (RFC 7009)."""


class IntrospectionError(EndpointError):
    """The introspection endpoint answered with an error."""


class UnknownIntrospectionError(OAuth2Error):
    """The introspection endpoint answered with a non-standard error."""


class DeviceAuthorizationError(EndpointError):
    """The device authorization endpoint answered with an error."""


class InvalidDeviceAuthorizationResponse(OAuth2Error):
    """The device authorization endpoint answered with something that is not a valid response."""


class BackChannelAuthenticationError(EndpointError):
    """The backchannel authentication endpoint answered with an error."""


class InvalidBackChannelAuthenticationResponse(OAuth2Error):
    """The backchannel authentication endpoint answered with something that is not a valid response."""


class PushedAuthorizationRequestError(EndpointError):
    """The pushed authorization request endpoint (RFC 9126) answered with an error.

    An unknown `error` code there raises an `UnknownTokenEndpointError` that is also a
    `PushedAuthorizationRequestError`.
    """


class InvalidPushedAuthorizationResponse(OAuth2Error):
    """The pushed authorization request endpoint answered with something that is not a valid response."""


class RegistrationError(EndpointError):
    """The registration endpoint (RFC 7591) or a client configuration endpoint (RFC 7592) answered with an error."""


class InvalidRedirectUri(RegistrationError):
    """`invalid_redirect_uri` (RFC 7591 §3.2.2): a redirect URI of the registration request is not acceptable."""


class InvalidClientMetadata(RegistrationError):
    """`invalid_client_metadata` (RFC 7591 §3.2.2): a client metadata value is not acceptable."""


class InvalidSoftwareStatement(RegistrationError):
    """`invalid_software_statement` (RFC 7591 §3.2.2): the software statement is not valid."""


class UnapprovedSoftwareStatement(RegistrationError):
    """`unapproved_software_statement` (RFC 7591 §3.2.2): the AS does not accept statements of that issuer."""


class InvalidRegistrationResponse(OAuth2Error):
    """A registration or client configuration endpoint answered with an unusable client information response.

    See RFC 7591 §3.2.1 and RFC 7592 §3; the description says what is wrong (never with a secret value).
    """


class InvalidUserinfoResponse(OAuth2Error):
    """The UserInfo endpoint answered with a body that is not a JSON object."""


class MismatchingUserinfoSubject(InvalidUserinfoResponse):
    """The `sub` of a UserInfo answer is not the `sub` of the ID Token of the token used (OpenID Connect Core §5.3.2).

    The answer is about another user (or says nothing about who): it must not be used.

    Attributes:
        received: the `sub` of the UserInfo answer (None when absent).
        expected: the `sub` of the ID Token.
    """

    def __init__(self, response: requests.Response, client: Any, received: object, expected: str) -> None:
        super().__init__(
            response, client, f"the UserInfo `sub` ({received!r}) is not the ID Token `sub` ('{expected}')"
        )
        self.received = received
        self.expected = expected


ERROR_CLASSES: dict[str, type[EndpointError]] = {
    "server_error": ServerError,
    "invalid_request": InvalidRequest,
    "invalid_client": InvalidClient,
    "invalid_scope": InvalidScope,
    "invalid_target": InvalidTarget,
    "invalid_grant": InvalidGrant,
    "access_denied": AccessDenied,
    "unauthorized_client": UnauthorizedClient,
    "authorization_pending": AuthorizationPending,
    "slow_down": SlowDown,
    "expired_token": ExpiredToken,
    "use_dpop_nonce": UseDPoPNonce,
    "unsupported_token_type": UnsupportedTokenType,
    "invalid_redirect_uri": InvalidRedirectUri,
    "invalid_client_metadata": InvalidClientMetadata,
    "invalid_software_statement": InvalidSoftwareStatement,
    "unapproved_software_statement": UnapprovedSoftwareStatement,
}
"""The default map of OAuth 2.0 `error` codes to exception classes (`OAuth2Client.exception_classes`)."""


E = TypeVar("E", bound=BaseException)

_ENDPOINT_ERROR_CLASSES: dict[tuple[type[BaseException], type[BaseException]], type[BaseException]] = {}
_ENDPOINT_ERROR_CLASSES_LOCK = threading.Lock()


def endpoint_error_class(kind: type[E], family: type[BaseException]) -> type[E]:
    """The class of an error of `kind` raised at the endpoint whose errors are `family`: a subclass of both.

    So that both `except` styles work: an `invalid_client` answer of the revocation endpoint is an `InvalidClient`
    and a `RevocationError`; a 5xx answer without OAuth error of the token endpoint is a `ServerUnavailable` and an
    `InvalidTokenResponse`. `kind` itself when it is already a subclass of `family`. Each class is created once
    (then reused, whatever the thread), named `Kind[Family]` (such as `InvalidClient[RevocationError]`); its
    instances can be pickled.

    Args:
        kind: the class of the error (the class of the `error` code, or `ServerUnavailable`).
        family: the class of the errors of the endpoint (`RevocationError`, `InvalidTokenResponse`...).
    """
    if issubclass(kind, family):
        return kind
    key = (kind, family)
    cls = _ENDPOINT_ERROR_CLASSES.get(key)
    if cls is None:
        with _ENDPOINT_ERROR_CLASSES_LOCK:
            cls = _ENDPOINT_ERROR_CLASSES.get(key)
            if cls is None:
                name = f"{kind.__name__}[{family.__name__}]"
                cls = type(
                    name,
                    (kind, family),
                    {
                        "__module__": __name__,
                        "__qualname__": name,
                        "__doc__": f"`{kind.__name__}`, raised at the endpoint whose errors are `{family.__name__}`.",
                        "_endpoint_error_parts": key,
                        "__reduce__": _reduce_error,
                    },
                )
                _ENDPOINT_ERROR_CLASSES[key] = cls
    return cast("type[E]", cls)


def _class_reference(cls: type[BaseException]) -> object:
    """What names an error class in a pickle: the class itself, or the pair an endpoint error class is made of."""
    return cls.__dict__.get("_endpoint_error_parts", cls)


def _reduce_error(self: BaseException) -> tuple[Any, ...]:
    """Pickle an error as its class, message and attributes (its `__init__` takes other arguments)."""
    return _restore_error, (_class_reference(type(self)), self.args, self.__dict__)


def _restore_error(reference: object, args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """Rebuild a pickled error without calling its `__init__`."""
    cls: type[BaseException]
    if isinstance(reference, tuple):
        kind, family = reference
        cls = endpoint_error_class(kind, family)
    else:
        cls = cast("type[BaseException]", reference)
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error
