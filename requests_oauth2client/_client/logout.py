"""The logout side of `OAuth2Client`: RP-initiated logout requests, and back-channel logout tokens.

`OAuth2Client` inherits these methods; the requests and the validation themselves are in `logout`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import EllipsisType
from typing import TYPE_CHECKING, Any, cast

import jwskate

from requests_oauth2client._client.part import ClientPart
from requests_oauth2client.enums import Endpoints
from requests_oauth2client.id_token import IdTokenClient
from requests_oauth2client.logout import (
    DEFAULT_LOGOUT_TOKEN_MAX_AGE,
    EndSessionRequest,
    LogoutToken,
    ReplayCache,
    validate_logout_token_with_client,
)
from requests_oauth2client.tokens import BearerToken


class LogoutEndpoints(ClientPart):
    """RP-initiated logout and back-channel logout (a part of `OAuth2Client`)."""

    if TYPE_CHECKING:  # provided by OAuth2Client

        @property
        def _logout_replay_cache(self) -> ReplayCache: ...

    def end_session_request(
        self,
        id_token_hint: BearerToken | jwskate.SignedJwt | jwskate.JweCompact | str | None = None,
        *,
        post_logout_redirect_uri: str | None = None,
        state: str | EllipsisType | None = ...,
        logout_hint: str | None = None,
        ui_locales: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> EndSessionRequest:
        """Build an RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0) to the `end_session_endpoint`.

        Send the user to its `uri`; when they come back to `post_logout_redirect_uri`, check the return with its
        `validate_callback()`.

        Args:
            id_token_hint: the ID Token of the session to end, or a token that carries it (recommended).
            post_logout_redirect_uri: where the AS sends the user back after the logout (it must be registered).
            state: the value returned to `post_logout_redirect_uri`; random by default.
            logout_hint: a hint about the user to log out.
            ui_locales: the preferred languages of the logout pages.
            **kwargs: other parameters.

        Raises:
            MissingEndpointUri: when the client has no `end_session_endpoint`.
        """
        if isinstance(id_token_hint, BearerToken):
            id_token_hint = id_token_hint.id_token
        return EndSessionRequest(
            self._endpoint(Endpoints.END_SESSION),
            id_token_hint=id_token_hint,
            client_id=self.client_id,
            post_logout_redirect_uri=post_logout_redirect_uri,
            state=state,
            logout_hint=logout_hint,
            ui_locales=ui_locales,
            **kwargs,
        )

    def validate_logout_token(
        self,
        logout_token: str | bytes,
        *,
        replay_cache: ReplayCache | None = None,
        session_required: bool = False,
        max_iat_age: int | None = DEFAULT_LOGOUT_TOKEN_MAX_AGE,
        now: datetime | None = None,
    ) -> LogoutToken:
        """Validate a back-channel logout token sent to this client, and return who to log out (`sub`, `sid`).

        It is validated as this client's ID Tokens (see [requests_oauth2client.logout][] for every check), and its
        `jti` is remembered to refuse a replay: in `replay_cache`, or else in a cache of this client (in memory).

        Args:
            logout_token: the `logout_token` form parameter, as received.
            replay_cache: where the `jti` of accepted tokens are remembered (share one between the processes that
                serve the `backchannel_logout_uri`).
            session_required: whether `sid` is required (the client registered
                `backchannel_logout_session_required`).
            max_iat_age: how many seconds old `iat` may be.
            now: the current date (defaults to the system clock).

        Raises:
            JwtValidationError: a subclass of it telling which check failed.
        """
        return validate_logout_token_with_client(
            logout_token,
            cast("IdTokenClient", self),
            replay_cache=replay_cache if replay_cache is not None else self._logout_replay_cache,
            session_required=session_required,
            max_iat_age=max_iat_age,
            now=now,
        )
