"""The errors of a protected resource that refuses a token: its challenge names what it needs (RFC 6750, RFC 9470).

They are public in [requests_oauth2client.exceptions][] (and the package root). They are `requests.HTTPError`s, so
that code catching what `response.raise_for_status()` raises catches them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests

from requests_oauth2client._http.origins import htu_and_origin

if TYPE_CHECKING:
    from requests_oauth2client.www_authenticate import Challenge

__all__ = [
    "RESOURCE_ERROR_CLASSES",
    "InsufficientScope",
    "InsufficientUserAuthentication",
    "ProtectedResourceError",
]


class ProtectedResourceError(requests.HTTPError):
    """A protected resource refused a request with a challenge that names an error (RFC 6750 §3.1).

    Attributes:
        response: the refusal (also as `request` and `response`, like any `requests.HTTPError`).
        challenge: the `WWW-Authenticate` challenge that carries the error.
        error: its `error` code.
        description: its `error_description`, if any.
    """

    def __init__(self, response: requests.Response, challenge: Challenge, needs: str = "") -> None:
        url = htu_and_origin(response.url or "")[0]  # without the query, which may hold anything
        description = f" ({challenge.error_description})" if challenge.error_description else ""
        super().__init__(
            f"The resource at '{url}' answered HTTP {response.status_code} with the {challenge.scheme} error"
            f" '{challenge.error}'{description}{needs}.",
            response=response,
        )
        self.challenge = challenge
        self.error = challenge.error
        self.description = challenge.error_description


class InsufficientScope(ProtectedResourceError):
    """The access token lacks a scope that the resource needs (`insufficient_scope`, RFC 6750 §3.1).

    Attributes:
        scope: the scopes the resource needs (from the challenge), or None when it does not say.
    """

    def __init__(self, response: requests.Response, challenge: Challenge) -> None:
        scope = challenge.scope
        needs = f": it needs the scope '{' '.join(scope)}'; obtain a token with it" if scope else ""
        super().__init__(response, challenge, needs)
        self.scope = scope


class InsufficientUserAuthentication(ProtectedResourceError):
    """The user must authenticate again, differently or more recently (`insufficient_user_authentication`, RFC 9470).

    Log the user in again with the `acr_values` and `max_age` of this error (see `step_up`).

    Attributes:
        acr_values: the authentication context classes the resource accepts, or None.
        max_age: how many seconds ago the user may have authenticated at most, or None.
    """

    def __init__(self, response: requests.Response, challenge: Challenge) -> None:
        acr_values, max_age = challenge.acr_values, challenge.max_age
        wants = []
        if acr_values:
            wants.append(f"acr_values '{' '.join(acr_values)}'")
        if max_age is not None:
            wants.append(f"max_age {max_age}")
        needs = f": log the user in again with {' and '.join(wants)}" if wants else ": log the user in again"
        super().__init__(response, challenge, needs)
        self.acr_values = acr_values
        self.max_age = max_age


RESOURCE_ERROR_CLASSES: dict[str, type[ProtectedResourceError]] = {
    "insufficient_scope": InsufficientScope,
    "insufficient_user_authentication": InsufficientUserAuthentication,
}
"""The challenge `error` codes that raise a typed error, with their classes (see `raise_for_resource_error`)."""
