"""Logout through the browser: RP-initiated logout requests, and front-channel logout requests. Pure: no I/O.

- `EndSessionRequest` (OpenID Connect RP-Initiated Logout 1.0): the URL of the `end_session_endpoint` the user is
  sent to, and `validate_callback()` for the return to `post_logout_redirect_uri`: its `state` must be the one sent.
- `validate_frontchannel_logout()` (OpenID Connect Front-Channel Logout 1.0 §2 and §4): the `iss` and `sid` query
  parameters of a request to the client's `frontchannel_logout_uri` must be the client's issuer and the `sid` of
  the session to end; otherwise the user must not be logged out.

Private module: the names are re-exported by [requests_oauth2client.logout][].
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from types import EllipsisType
from typing import Any

from attrs import frozen

from requests_oauth2client._protocol.authorization_urls import (
    ParamValue,
    UnparsableCallback,
    param_value,
    parse_callback,
    url_with_params,
)
from requests_oauth2client.exceptions import InvalidParam
from requests_oauth2client.utils import split_space_separated

__all__ = [
    "EndSessionRequest",
    "FrontChannelLogout",
    "InvalidFrontChannelLogout",
    "InvalidLogoutResponse",
    "InvalidUiLocalesParam",
    "MismatchingLogoutState",
    "validate_frontchannel_logout",
]


class InvalidUiLocalesParam(InvalidParam):
    """The `ui_locales` parameter is neither a string nor an iterable of strings."""

    def __init__(self, ui_locales: object) -> None:
        super().__init__(f"Invalid ui_locales parameter: {ui_locales!r}")
        self.ui_locales = ui_locales


class InvalidLogoutResponse(ValueError):
    """The return to `post_logout_redirect_uri` cannot be parsed, or does not match the logout request.

    Attributes:
        response: the response, as given to `EndSessionRequest.validate_callback()`.
    """

    def __init__(self, message: str, response: object) -> None:
        super().__init__(f"Invalid logout response: {message}")
        self.response = response


class MismatchingLogoutState(InvalidLogoutResponse):
    """The `state` of the return to `post_logout_redirect_uri` is not the one of the logout request.

    Attributes:
        received: the `state` of the response (None when absent).
        expected: the `state` of the request.
    """

    def __init__(self, received: str | None, expected: str | None, response: object) -> None:
        super().__init__(f"`state` is {received!r}, expected {expected!r}", response)
        self.received = received
        self.expected = expected


@frozen(init=False, repr=False)
class EndSessionRequest:
    """An RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0 §2): the URL to send the user to.

    Example:
        >>> request = EndSessionRequest(
        ...     "https://as.example.com/logout",
        ...     client_id="my_client",
        ...     post_logout_redirect_uri="https://app.example.com/logged-out",
        ...     state="xyz",
        ... )
        >>> request.uri
        'https://as.example.com/logout?client_id=my_client&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Flogged-out&state=xyz'

    Args:
        end_session_endpoint: the `end_session_endpoint` of the Authorization Server.
        id_token_hint: the ID Token of the session to end (recommended: it tells the AS whom to log out).
        client_id: the client_id (needed by the AS with a `post_logout_redirect_uri` and no `id_token_hint`).
        post_logout_redirect_uri: where the AS sends the user back after the logout; it must be registered.
        state: the value the AS returns to `post_logout_redirect_uri`; `...` (the default) for a random value
            when there is a `post_logout_redirect_uri` (none otherwise), None for none.
        logout_hint: a hint about the user to log out (such as a login name).
        ui_locales: the preferred languages of the logout pages (a space-separated str or an iterable).
        **kwargs: other parameters.
    """

    end_session_endpoint: str
    id_token_hint: str | None
    client_id: str | None
    post_logout_redirect_uri: str | None
    state: str | None
    logout_hint: str | None
    ui_locales: tuple[str, ...] | None
    kwargs: dict[str, Any]

    def __init__(
        self,
        end_session_endpoint: str,
        *,
        id_token_hint: object = None,
        client_id: str | None = None,
        post_logout_redirect_uri: str | None = None,
        state: str | EllipsisType | None = ...,
        logout_hint: str | None = None,
        ui_locales: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if state is ...:
            state = secrets.token_urlsafe(32) if post_logout_redirect_uri is not None else None
        self.__attrs_init__(
            end_session_endpoint=end_session_endpoint,
            id_token_hint=str(id_token_hint) if id_token_hint is not None else None,  # an IdToken, a SignedJwt...
            client_id=client_id,
            post_logout_redirect_uri=post_logout_redirect_uri,
            state=state,
            logout_hint=logout_hint,
            ui_locales=split_space_separated(ui_locales, InvalidUiLocalesParam),
            kwargs=kwargs,
        )

    @property
    def args(self) -> dict[str, ParamValue]:
        """The parameters of the request; None values are left out, `ui_locales` is space-joined."""
        params: dict[str, object] = {
            "id_token_hint": self.id_token_hint,
            "client_id": self.client_id,
            "post_logout_redirect_uri": self.post_logout_redirect_uri,
            "state": self.state,
            "logout_hint": self.logout_hint,
            "ui_locales": " ".join(self.ui_locales) if self.ui_locales is not None else None,
            **self.kwargs,
        }
        return {name: param_value(name, value) for name, value in params.items() if value is not None}

    @property
    def uri(self) -> str:
        """The full URL to send the user to."""
        return url_with_params(self.end_session_endpoint, self.args)

    def __str__(self) -> str:
        return self.uri

    def __repr__(self) -> str:
        return f"EndSessionRequest({self.uri!r})"

    def validate_callback(self, response: str | Mapping[str, str]) -> dict[str, str]:
        """Check the return to `post_logout_redirect_uri`: its `state` must be this request's.

        A request without `state` accepts only a return without `state`.

        Args:
            response: the URL the user came back to, its query string, or its parameters as a mapping.

        Returns:
            the parameters of the response.

        Raises:
            InvalidLogoutResponse: when the response cannot be parsed (repeated parameters included).
            MismatchingLogoutState: when its `state` is missing or different.
        """
        try:
            params = parse_callback(response, None)
        except UnparsableCallback as exc:
            raise InvalidLogoutResponse(str(exc), response) from None
        received = params.get("state")
        if received != self.state or (
            received is not None
            and self.state is not None
            and not secrets.compare_digest(received.encode(), self.state.encode())
        ):
            raise MismatchingLogoutState(received, self.state, response)
        return params


class InvalidFrontChannelLogout(ValueError):
    """A front-channel logout request must not be honoured: its `iss` or `sid` is missing or not the expected one.

    Attributes:
        parameter: the offending parameter (`iss` or `sid`; `request` when it cannot be parsed).
        received: its value (None when absent).
        expected: the expected value.
    """

    def __init__(self, parameter: str, received: object, expected: object, message: str) -> None:
        super().__init__(f"Invalid front-channel logout request: {message}")
        self.parameter = parameter
        self.received = received
        self.expected = expected


@frozen
class FrontChannelLogout:
    """A front-channel logout request that passed validation.

    Attributes:
        iss: its `iss` (None when the AS sent none: then the request does not say which session to end).
        sid: its `sid` (None likewise).
    """

    iss: str | None
    sid: str | None


def validate_frontchannel_logout(
    request: str | Mapping[str, str],
    *,
    issuer: str,
    sid: str | None,
    session_required: bool = True,
) -> FrontChannelLogout:
    """Check a request to the client's `frontchannel_logout_uri` (Front-Channel Logout 1.0 §2, §4).

    `iss` and `sid` come together: when present, `iss` must be the client's issuer, and `sid` the `sid` of the ID
    Token of the current session. When `session_required` (the client registered
    `frontchannel_logout_session_required`, as it should), they must be present.

    Args:
        request: the URL of the request, its query string, or its parameters as a mapping.
        issuer: the issuer of the client's Authorization Server.
        sid: the `sid` claim of the ID Token of the current session (None when it had none, or when there is no
            session: then a request naming a session is refused).
        session_required: whether `iss` and `sid` must be present.

    Returns:
        the `iss` and `sid` of the request.

    Raises:
        InvalidFrontChannelLogout: when the user must not be logged out.
    """
    try:
        params = parse_callback(request, None)
    except UnparsableCallback as exc:
        raise InvalidFrontChannelLogout("request", request, None, str(exc)) from None
    received_iss, received_sid = params.get("iss"), params.get("sid")
    if received_iss is None and received_sid is None and not session_required:
        return FrontChannelLogout(iss=None, sid=None)
    if received_iss is None or received_iss != issuer:
        raise InvalidFrontChannelLogout("iss", received_iss, issuer, f"`iss` is {received_iss!r}, expected {issuer!r}")
    if received_sid is None or sid is None or not secrets.compare_digest(received_sid.encode(), sid.encode()):
        raise InvalidFrontChannelLogout(
            "sid", received_sid, sid, f"`sid` is {received_sid!r}, which is not the sid of the current session"
        )
    return FrontChannelLogout(iss=received_iss, sid=received_sid)
