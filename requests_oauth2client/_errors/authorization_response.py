"""The errors of authorization responses: the authorization endpoint answered with an error, or its answer is invalid.

Private module: every name is re-exported by [requests_oauth2client.exceptions][] (and the package root). Each error
carries the response (the callback URL or its query string); no message contains a code or a token.
"""

from __future__ import annotations

from typing import Any

from requests_oauth2client._http.yarl import callback_url

__all__ = [
    "AccountSelectionRequired",
    "AuthorizationResponseError",
    "ConsentRequired",
    "InteractionRequired",
    "InvalidAuthResponse",
    "IssuerMixUp",
    "LoginRequired",
    "MismatchingIssuer",
    "MismatchingState",
    "MissingAuthCode",
    "MissingIssuer",
    "SessionSelectionRequired",
]


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
