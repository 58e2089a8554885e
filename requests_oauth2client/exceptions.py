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

The endpoint errors and their `error` code table (`ERROR_CLASSES`) are defined here; the other families are defined
in private modules of `_errors` (so that lower layers can raise them) and re-exported here. No message ever contains a
client secret, a private key or a token value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import requests

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
    "RegistrationError",
    "RevocationError",
    "ServerError",
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
]


class OAuth2Error(Exception):
    """Base class for errors returned by, or about the answer of, an Authorization Server endpoint.

    Args:
        response: the HTTP response that caused this error.
        client: the `OAuth2Client` that sent the request.
        description: a description of the problem.
    """

    def __init__(self, response: requests.Response, client: Any, description: str | None = None) -> None:
        super().__init__(f"The remote endpoint returned an error: {description or 'no description provided'}")
        self.response = response
        self.client = client
        self.description = description

    @property
    def request(self) -> requests.PreparedRequest:
        """The request that led to this error."""
        return self.response.request


class EndpointError(OAuth2Error):
    """An endpoint answered with a standard error response (an `error` code).

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
        super().__init__(response=response, client=client, description=description)
        self.error = error
        self.uri = uri


class UnexpectedRedirect(OAuth2Error):
    """An Authorization Server endpoint answered with a redirect (a 3xx status), which is never followed.

    Requests to the AS carry credentials (client secret or assertion, code and PKCE verifier, tokens): sending
    them again to wherever a redirect points would hand them over. Nothing is re-sent.

    Attributes:
        endpoint: the name of the endpoint that answered.
        location: the `Location` of the redirect (None when the answer has none).
    """

    def __init__(self, response: requests.Response, client: Any, endpoint: str, location: str | None) -> None:
        super().__init__(
            response,
            client,
            f"the {endpoint} answered with a redirect (HTTP status {response.status_code}) to '{location}';"
            " requests to the authorization server never follow redirects: configure the endpoint's final URL",
        )
        self.endpoint = endpoint
        self.location = location


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
