"""The exceptions raised by this library.

Three families matter most:

- `OAuth2Error` and its subclasses: an endpoint of the Authorization Server answered with an error, or
  with something that is not a valid answer. They carry the `response` (and the `client`).
- `AuthorizationResponseError` and `InvalidAuthResponse`: the redirect back from the authorization
  endpoint is an error, or does not pass validation.
- `FailedDiscoveryError` and its subclasses: a metadata document or the keys of the Authorization Server
  cannot be fetched or are not usable.
- `InvalidParam` and other `ValueError`s: a parameter given to the library is not usable.

No message ever contains a client secret, a private key or a token value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from requests_oauth2client._errors.discovery import (
    DiscoveryHTTPError,
    DiscoveryRedirectError,
    FailedDiscoveryError,
    InvalidDiscoveryDocument,
)
from requests_oauth2client._http.yarl import callback_url

if TYPE_CHECKING:
    import requests

__all__ = [
    "AccessDenied",
    "AccountSelectionRequired",
    "AuthorizationPending",
    "AuthorizationResponseError",
    "BackChannelAuthenticationError",
    "ConsentRequired",
    "DeviceAuthorizationError",
    "DiscoveryHTTPError",
    "DiscoveryRedirectError",
    "EndpointError",
    "ExpiredToken",
    "FailedDiscoveryError",
    "InteractionRequired",
    "IntrospectionError",
    "InvalidAcrValuesParam",
    "InvalidAuthResponse",
    "InvalidBackChannelAuthenticationResponse",
    "InvalidBackchannelAuthenticationRequestHintParam",
    "InvalidClient",
    "InvalidDeviceAuthorizationResponse",
    "InvalidDiscoveryDocument",
    "InvalidEndpointUri",
    "InvalidGrant",
    "InvalidIssuer",
    "InvalidParam",
    "InvalidPushedAuthorizationResponse",
    "InvalidRequest",
    "InvalidScope",
    "InvalidScopeParam",
    "InvalidTarget",
    "InvalidTokenResponse",
    "InvalidUserinfoResponse",
    "IssuerMixUp",
    "LoginRequired",
    "MismatchingDiscoveryIssuer",
    "MismatchingIssuer",
    "MismatchingState",
    "MismatchingUserinfoSubject",
    "MissingAuthCode",
    "MissingAuthRequestId",
    "MissingDeviceCode",
    "MissingEndpointUri",
    "MissingIdTokenEncryptedResponseAlgParam",
    "MissingIssuer",
    "MissingIssuerParam",
    "MissingRefreshToken",
    "OAuth2Error",
    "RevocationError",
    "ServerError",
    "SessionSelectionRequired",
    "SlowDown",
    "TokenEndpointError",
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


class AuthorizationResponseError(Exception):
    """The authorization endpoint redirected back with an error.

    Args:
        request: the `AuthorizationRequest` that was sent.
        response: the authorization response (the callback URL or its query string).
        error: the `error` code.
        description: the `error_description`, if any.
        uri: the `error_uri`, if any.

    Attributes:
        url: the authorization response as a `yarl.URL`, when yarl is installed (else None).
    """

    def __init__(
        self,
        request: Any,
        response: Any,
        error: str,
        description: str | None = None,
        uri: str | None = None,
    ) -> None:
        message = f"The authorization endpoint returned an error: {error}"
        if description:
            message += f" ({description})"
        super().__init__(message)
        self.request = request
        self.response = response
        self.url = callback_url(response)
        self.error = error
        self.description = description
        self.uri = uri


class InteractionRequired(AuthorizationResponseError):
    """`interaction_required`."""


class LoginRequired(InteractionRequired):
    """`login_required`."""


class AccountSelectionRequired(InteractionRequired):
    """`account_selection_required`."""


class SessionSelectionRequired(InteractionRequired):
    """`session_selection_required`."""


class ConsentRequired(InteractionRequired):
    """`consent_required`."""


class InvalidAuthResponse(ValueError):
    """The authorization response does not pass validation.

    Args:
        message: what is wrong.
        request: the `AuthorizationRequest`.
        response: the authorization response.

    Attributes:
        url: the authorization response as a `yarl.URL`, when yarl is installed (else None).
    """

    def __init__(self, message: str, request: Any, response: Any) -> None:
        super().__init__(f"The Authorization Response is invalid: {message}")
        self.request = request
        self.response = response
        self.url = callback_url(response)


class MissingAuthCode(InvalidAuthResponse):
    """The authorization response has no `code`."""

    def __init__(self, request: Any, response: Any) -> None:
        super().__init__("missing `code` query parameter in response", request, response)


class MissingIssuer(InvalidAuthResponse):
    """The authorization response has no `iss`, while the Authorization Server is known to send it."""

    def __init__(self, request: Any, response: Any) -> None:
        super().__init__("missing `iss` query parameter in response", request, response)


class MismatchingState(InvalidAuthResponse):
    """The `state` of the authorization response does not match the request.

    Attributes:
        received: the `state` found in the response (None if absent).
        expected: the `state` of the request.
    """

    def __init__(self, received: str | None, expected: str | None, request: Any, response: Any) -> None:
        super().__init__(f"mismatching `state` (received '{received}', expected '{expected}')", request, response)
        self.received = received
        self.expected = expected


class MismatchingIssuer(InvalidAuthResponse):
    """The `iss` of the authorization response does not match the expected issuer (RFC 9207).

    Attributes:
        received: the `iss` found in the response.
        expected: the expected issuer.
    """

    def __init__(self, received: str | None, expected: str | None, request: Any, response: Any) -> None:
        super().__init__(f"mismatching `iss` (received '{received}', expected '{expected}')", request, response)
        self.received = received
        self.expected = expected


class IssuerMixUp(MismatchingIssuer):
    """An authorization response obtained from one issuer is redeemed through a client of another issuer.

    Exchanging it would send the code and the PKCE verifier to the wrong Authorization Server (a mix-up attack,
    RFC 9207 §2.4, RFC 9700 §4.4). Nothing is sent.

    Attributes:
        received: the issuer of the authorization response.
        expected: the issuer of the client.
    """

    def __init__(self, received: str, expected: str, response: Any) -> None:
        InvalidAuthResponse.__init__(
            self,
            f"this response comes from issuer '{received}' but the client is configured for issuer '{expected}'",
            None,
            response,
        )
        self.received = received
        self.expected = expected


class InvalidParam(ValueError):
    """A parameter given to the library is not valid."""


class MissingIdTokenEncryptedResponseAlgParam(InvalidParam):
    """An ID Token decryption key was given without an `alg` nor `id_token_encrypted_response_alg`."""

    def __init__(self) -> None:
        super().__init__(
            "An ID Token decryption key was provided but no decryption alg is known: "
            "pass `id_token_encrypted_response_alg` or use a key that carries an `alg`."
        )


class InvalidEndpointUri(InvalidParam):
    """An endpoint URI given to `OAuth2Client` is not valid.

    Attributes:
        endpoint: the name of the endpoint.
        uri: the offending URI.
    """

    def __init__(self, endpoint: str, uri: str, exc: Exception) -> None:
        super().__init__(f"Invalid endpoint uri '{uri}' for '{endpoint}': {exc}")
        self.endpoint = endpoint
        self.uri = uri


class InvalidIssuer(InvalidEndpointUri):
    """The issuer identifier is not valid."""


class InvalidScopeParam(InvalidParam):
    """The `scope` parameter is neither a string nor an iterable of strings."""

    def __init__(self, scope: object) -> None:
        super().__init__(
            f"Invalid scope parameter: {scope!r}. It must be a string or an iterable of strings (joined with spaces)."
        )
        self.scope = scope


class UnknownTokenType(InvalidParam, TypeError):
    """The type of a token cannot be determined, or does not match the token.

    Attributes:
        token: the token.
        token_type: the type hint that was given.
    """

    def __init__(self, message: str, token: object, token_type: str | None) -> None:
        super().__init__(f"Unable to determine the type of token provided: {message}")
        self.token = token
        self.token_type = token_type


class UnknownSubjectTokenType(UnknownTokenType):
    """The `subject_token_type` of a token exchange cannot be determined."""

    def __init__(self, subject_token: object, subject_token_type: str | None) -> None:
        super().__init__(
            "pass a `subject_token_type`, or a BearerToken or IdToken as `subject_token`",
            subject_token,
            subject_token_type,
        )


class UnknownActorTokenType(UnknownTokenType):
    """The `actor_token_type` of a token exchange cannot be determined."""

    def __init__(self, actor_token: object, actor_token_type: str | None) -> None:
        super().__init__(
            "pass an `actor_token_type`, or a BearerToken or IdToken as `actor_token`",
            actor_token,
            actor_token_type,
        )


class InvalidBackchannelAuthenticationRequestHintParam(InvalidParam):
    """A CIBA request must carry exactly one of `login_hint`, `login_hint_token` and `id_token_hint`."""


class InvalidAcrValuesParam(InvalidParam):
    """The `acr_values` parameter is neither a string nor an iterable of strings."""

    def __init__(self, acr_values: object) -> None:
        super().__init__(f"Invalid acr_values parameter: {acr_values!r}")
        self.acr_values = acr_values


class MissingRefreshToken(ValueError):
    """A refresh token is required but the given token has none."""

    def __init__(self, token: object) -> None:
        super().__init__("This token has no refresh token.")
        self.token = token


class MissingDeviceCode(ValueError):
    """The device authorization response has no `device_code`."""

    def __init__(self, dar: object) -> None:
        super().__init__("This device authorization response has no device_code.")
        self.device_authorization_response = dar


class MissingAuthRequestId(ValueError):
    """The backchannel authentication response has no `auth_req_id`."""

    def __init__(self, bcar: object) -> None:
        super().__init__("This backchannel authentication response has no auth_req_id.")
        self.backchannel_authentication_response = bcar


class MismatchingDiscoveryIssuer(InvalidDiscoveryDocument, InvalidParam):
    """The `issuer` of a discovery document is not the expected one.

    The expected issuer is the one given as `issuer=`, or the one the well-known URL of the document names.

    Attributes:
        received: the `issuer` of the document.
        expected: the expected issuer.
    """

    def __init__(self, received: object, expected: str, discovery_document: object, url: str | None = None) -> None:
        super().__init__(
            f"Mismatching issuer value in discovery document (received '{received}', expected '{expected}').",
            discovery_document,
            url,
        )
        self.received = received
        self.expected = expected


class MissingIssuerParam(ValueError):
    """`authorization_response_iss_parameter_supported` is set but no `issuer` is known."""

    def __init__(self) -> None:
        super().__init__(
            "When `authorization_response_iss_parameter_supported` is True, you must provide the expected `issuer`."
        )


class MissingEndpointUri(AttributeError):
    """The client has no URI for the endpoint a method needs."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(f"No '{endpoint}' defined for this client.")
        self.endpoint = endpoint


class UnsupportedTokenTypeError(ValueError):
    """A token response has a `token_type` that the token class does not support.

    Attributes:
        token_type: the unsupported value.
    """

    def __init__(self, token_type: object) -> None:
        super().__init__(f"Unsupported token_type: {token_type}")
        self.token_type = token_type


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
}
"""The default map of OAuth 2.0 `error` codes to exception classes (`OAuth2Client.exception_classes`)."""
