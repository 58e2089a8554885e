"""Step-up authentication (RFC 9470): log the user in again as a protected resource asks, and check the result.

A resource that needs a stronger or more recent authentication than the one behind the access token answers with
an `insufficient_user_authentication` challenge naming `acr_values` and/or `max_age` (`ApiClient` raises it as
`InsufficientUserAuthentication`). Then:

1. `step_up_authorization_request(client, error)` builds the authorization request with those `acr_values` and
   `max_age` (plus any other parameter), in one call;
2. the user logs in, and the code is exchanged as usual: the ID Token is validated against the request, which
   already refuses an `acr` that is not one of the `acr_values`, and an `auth_time` older than `max_age`;
3. `check_step_up(token, error)` then checks that the new ID Token satisfies the challenge. `acr_values` is a
   voluntary request in OpenID Connect (an AS may leave `acr` out), but a step-up that does not say which
   authentication took place has not satisfied the resource: here an ID Token without `acr` is refused, and so is
   one without `auth_time` when `max_age` was asked for.

Example:
    ```python
    try:
        api.get("payments")
    except InsufficientUserAuthentication as error:
        request = step_up_authorization_request(client, error, scope="openid payments")
        ...  # send the user to request.uri, and validate the callback into `response`
        token = client.authorization_code(response)
        check_step_up(token, error)
    ```
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from ._errors.id_token import (
    IdTokenAuthTimeTooOld,
    InvalidIdTokenClaim,
    MismatchingIdTokenAcr,
    MissingIdToken,
    MissingIdTokenClaim,
)
from .tokens import BearerToken, IdToken

if TYPE_CHECKING:
    from ._errors.resource import InsufficientUserAuthentication
    from .authorization_request import AuthorizationRequest
    from .www_authenticate import Challenge

__all__ = ["StepUpClient", "check_step_up", "step_up_authorization_request", "step_up_parameters"]


class StepUpClient(Protocol):
    """What `step_up_authorization_request()` needs from a client (`OAuth2Client` provides it)."""

    def authorization_request(self, **kwargs: Any) -> AuthorizationRequest:
        """Build an authorization request with the client's settings."""
        ...  # pragma: no cover


def step_up_parameters(challenge: Challenge | InsufficientUserAuthentication) -> dict[str, Any]:
    """Return the authorization request parameters a step-up challenge asks for: `acr_values` and `max_age`.

    Args:
        challenge: the challenge, or the `InsufficientUserAuthentication` error that carries it.

    Returns:
        the parameters the challenge names (none, one or both).
    """
    acr_values, max_age = challenge.acr_values, challenge.max_age
    parameters: dict[str, Any] = {}
    if acr_values:
        parameters["acr_values"] = " ".join(acr_values)
    if max_age is not None:
        parameters["max_age"] = max_age
    return parameters


def step_up_authorization_request(
    client: StepUpClient, challenge: Challenge | InsufficientUserAuthentication, **kwargs: Any
) -> AuthorizationRequest:
    """Build the authorization request of a step-up: the challenge's `acr_values` and `max_age`, and `kwargs`.

    Args:
        client: the client (an `OAuth2Client`).
        challenge: the `insufficient_user_authentication` challenge, or the error that carries it.
        **kwargs: other parameters of the authorization request (`scope`, `resource`, `login_hint`...). They cannot
            override the challenge's.

    Returns:
        the authorization request; the AuthorizationResponse it validates carries the `acr_values` and `max_age`, so
        that the ID Token of the code exchange is checked against them.
    """
    return client.authorization_request(**{**kwargs, **step_up_parameters(challenge)})


def check_step_up(
    token: BearerToken | IdToken | None,
    challenge: Challenge | InsufficientUserAuthentication,
    *,
    now: datetime | None = None,
    auth_time_leeway: int = 10,
) -> IdToken:
    """Check that the ID Token of a step-up login satisfies the challenge (RFC 9470 §4).

    This checks the claims only: the ID Token must have been validated already (signature, issuer, audience,
    nonce...), as `OAuth2Client.authorization_code()` does.

    Args:
        token: the token response of the step-up login (or its ID Token).
        challenge: the `insufficient_user_authentication` challenge, or the error that carries it.
        now: the current date (defaults to the system clock).
        auth_time_leeway: seconds of leeway on `max_age`.

    Returns:
        the ID Token.

    Raises:
        MissingIdToken: when there is no ID Token (the login did not use OpenID Connect: ask for `openid`).
        MismatchingIdTokenAcr: when the challenge names `acr_values` and the ID Token has no `acr`, or another.
        MissingIdTokenClaim: when the challenge names a `max_age` and the ID Token has no `auth_time`.
        IdTokenAuthTimeTooOld: when the user authenticated longer than `max_age` seconds ago.
        InvalidIdTokenClaim: when `acr` or `auth_time` has the wrong type.
    """
    id_token = token.id_token if isinstance(token, BearerToken) else token
    if not isinstance(id_token, IdToken):
        raise MissingIdToken(token)
    acr_values, max_age = challenge.acr_values, challenge.max_age
    if acr_values:
        acr = id_token.get_claim("acr")
        if acr is not None and not isinstance(acr, str):
            raise InvalidIdTokenClaim("acr", id_token=id_token)
        if acr not in acr_values:  # a missing acr included: the challenge is not known to be satisfied
            raise MismatchingIdTokenAcr(acr, list(acr_values), id_token=id_token)
    if max_age is not None:
        try:
            auth_time = id_token.auth_datetime
        except AttributeError:  # not a positive integer
            raise InvalidIdTokenClaim("auth_time", id_token=id_token) from None
        if auth_time is None:
            raise MissingIdTokenClaim("auth_time", id_token=id_token)
        oldest = (now or datetime.now(tz=timezone.utc)) - timedelta(seconds=max_age + auth_time_leeway)
        if auth_time < oldest:
            raise IdTokenAuthTimeTooOld(auth_time, oldest, id_token=id_token)
    return id_token
