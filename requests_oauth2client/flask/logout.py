"""A Flask view for the client's back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0 §2.5, §2.8).

The Authorization Server POSTs a `logout_token` (form-encoded) to the client's `backchannel_logout_uri`. The view
validates it with the client (see [requests_oauth2client.logout][]) and hands the `LogoutToken` to the application,
which ends the sessions of its `sid` (or of its `sub`). It answers:

- `200 OK` once the application's callback has returned;
- `400 Bad Request` with a JSON `{"error": "invalid_request", "error_description": ...}` body when the request has
  no single `logout_token`, or the token does not pass validation (a replay included); the callback is not called.

Every answer carries `Cache-Control: no-store`. An exception raised by the callback is not caught (Flask answers
500): the logout did not happen, and the server may retry.

    app.add_url_rule(
        "/backchannel-logout",
        view_func=backchannel_logout_view(client, on_logout=end_sessions_of),
        methods=["POST"],
    )
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

try:
    import flask
except ImportError as exc:  # pragma: no cover (Flask is installed in the test environment)
    msg = "requests_oauth2client.flask requires Flask: install it with `pip install requests_oauth2client[flask]`."
    raise ImportError(msg) from exc

from requests_oauth2client.logout import DEFAULT_LOGOUT_TOKEN_MAX_AGE, JwtValidationError, LogoutToken, ReplayCache

__all__ = ["LogoutTokenValidator", "backchannel_logout_view"]

_NO_STORE = {"Cache-Control": "no-store"}


class LogoutTokenValidator(Protocol):
    """What the view needs from a client: an `OAuth2Client` fits."""

    def validate_logout_token(  # noqa: D102
        self,
        logout_token: str | bytes,
        *,
        replay_cache: ReplayCache | None = None,
        session_required: bool = False,
        max_iat_age: int | None = DEFAULT_LOGOUT_TOKEN_MAX_AGE,
        now: datetime | None = None,
    ) -> LogoutToken: ...


def backchannel_logout_view(
    client: LogoutTokenValidator,
    on_logout: Callable[[LogoutToken], object],
    *,
    replay_cache: ReplayCache | None = None,
    session_required: bool = False,
    max_iat_age: int | None = DEFAULT_LOGOUT_TOKEN_MAX_AGE,
) -> Callable[[], flask.Response]:
    """Return a Flask view that receives back-channel logout tokens for `client`.

    Mount it with `methods=["POST"]` at the path of the client's registered `backchannel_logout_uri`.

    Args:
        client: the client the tokens are for (its `validate_logout_token()` checks them).
        on_logout: called with each valid `LogoutToken`: end the sessions of its `sid`, or of its `sub`.
        replay_cache: where the `jti` of accepted tokens are remembered (by default, the client's cache in memory;
            share one, such as Redis, between processes that serve the same URL).
        session_required: whether `sid` is required (the client registered `backchannel_logout_session_required`).
        max_iat_age: how many seconds old a token may be.

    Returns:
        the view function.
    """

    def backchannel_logout() -> flask.Response:
        values = flask.request.form.getlist("logout_token")
        if len(values) != 1:
            return _bad_request("the request must carry exactly one `logout_token` form parameter")
        try:
            logout_token = client.validate_logout_token(
                values[0], replay_cache=replay_cache, session_required=session_required, max_iat_age=max_iat_age
            )
        except JwtValidationError as exc:
            return _bad_request(str(exc))
        on_logout(logout_token)
        return flask.Response(status=200, headers=_NO_STORE)

    return backchannel_logout


def _bad_request(description: str) -> flask.Response:
    response = flask.jsonify(error="invalid_request", error_description=description)
    response.status_code = 400
    response.headers.update(_NO_STORE)
    return response
