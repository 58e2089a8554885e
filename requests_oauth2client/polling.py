"""Polling the token endpoint until a pending authorization completes.

The Device Authorization Grant (RFC 8628) and Client-Initiated Backchannel Authentication (CIBA, OpenID Connect)
both leave the client waiting while the user approves the request elsewhere. The client then polls the token
endpoint: it waits `interval` seconds between two requests, waits 5 seconds longer each time the Authorization
Server answers `slow_down`, keeps going while it answers `authorization_pending`, and gives up when the request
expires.

`BaseTokenEndpointPollingJob` implements that logic once. Each call to a job waits the current interval, then
sends one token request, and returns the token or `None` while the authorization is still pending:

    job = DeviceAuthorizationPollingJob(client, device_authorization_response)
    token = None
    while token is None:
        token = job()

The loop above is bounded: once the deadline (`expires_at`) of the pending authorization has passed, a call raises
`PollingExpired` without sending anything, and the Authorization Server ends the flow earlier with `ExpiredToken`
or `AccessDenied`. Sleeping goes through `time.sleep`, looked up at each call, so tests can patch
`requests_oauth2client.polling.time.sleep` (or override `sleep()` in a subclass).

Each job types its `client` with a small Protocol of the one method it calls (`OAuth2Client` fits them all).
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

from attrs import Attribute, define, field, setters

from requests_oauth2client._protocol.pending import checked_expires_at
from requests_oauth2client.exceptions import AuthorizationPending, SlowDown
from requests_oauth2client.tokens import BearerToken

__all__ = ["BaseTokenEndpointPollingJob", "PollingExpired"]


class PollingExpired(TimeoutError):
    """The pending authorization expired before a token was obtained.

    Raised by a polling job called after its `expires_at` deadline. No request is sent to the token endpoint
    then: the device code or `auth_req_id` is no longer usable, and a new authorization must be started.

    Attributes:
        expires_at: the deadline that has passed.
    """

    def __init__(self, expires_at: datetime) -> None:
        super().__init__(
            f"The pending authorization expired at {expires_at.isoformat()} before a token was obtained;"
            " start a new authorization request."
        )
        self.expires_at = expires_at


def _utcnow() -> datetime:
    return datetime.now(tz=timezone.utc)


def _check_seconds(instance: object, attribute: Attribute[Any], value: Any) -> None:
    """Check that an attribute is a finite, non-negative number of seconds (an attrs validator)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`{attribute.name}` must be a number of seconds, got {type(value).__name__}.")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`{attribute.name}` must be a finite, non-negative number of seconds, got {value!r}.")


ClientT = TypeVar("ClientT")
"""The type of the client a job sends its token requests with: a Protocol of the method it calls."""


@define
class BaseTokenEndpointPollingJob(Generic[ClientT]):
    """Base class for the jobs that poll the token endpoint until a pending authorization completes.

    Subclasses implement `token_request()`. Each call to the job:

    1. raises `PollingExpired` if `expires_at` has passed;
    2. sleeps `interval` seconds (never past `expires_at`), then raises `PollingExpired` if the deadline is reached;
    3. sends one token request: returns the token on success; returns `None` on `authorization_pending`;
       adds `slow_down_interval` to `interval` and returns `None` on `slow_down`; any other error
       (`ExpiredToken`, `AccessDenied`, ...) propagates.

    Args:
        client: the client that sends the token requests (an `OAuth2Client`).
        requests_kwargs: extra parameters for `requests` on each token request.
        token_kwargs: extra parameters for each token request.
        slow_down_interval: seconds added to `interval` each time the AS answers `slow_down`.
        interval: seconds to wait before each token request.
        expires_at: the deadline of the pending authorization (`None` when unknown).

    Attributes:
        interval: the current polling interval, which grows on `slow_down`. The other attributes are read-only.
    """

    client: ClientT = field(on_setattr=setters.frozen)
    requests_kwargs: dict[str, Any] = field(on_setattr=setters.frozen)
    token_kwargs: dict[str, Any] = field(on_setattr=setters.frozen)
    slow_down_interval: int = field(validator=_check_seconds, on_setattr=setters.frozen)
    interval: int = field(validator=_check_seconds)
    expires_at: datetime | None = field(
        default=None, kw_only=True, converter=checked_expires_at, on_setattr=setters.frozen
    )

    def __call__(self) -> BearerToken | None:
        """Wait for the current interval, then poll the token endpoint once.

        Returns:
            the token once the authorization is complete, `None` while it is pending (or after `slow_down`).

        Raises:
            PollingExpired: if the deadline is reached before the request could be sent.
        """
        self._raise_if_expired()
        self.sleep()
        self._raise_if_expired()
        try:
            token = self.token_request()
        except SlowDown:
            self.slow_down()
            return None
        except AuthorizationPending:
            self.authorization_pending()
            return None
        return token

    def _raise_if_expired(self) -> None:
        if self.expires_at is not None and _utcnow() >= self.expires_at:
            raise PollingExpired(self.expires_at)

    def sleep(self) -> None:
        """Wait for `interval` seconds, or until `expires_at` when that comes first.

        Uses `time.sleep`, looked up at each call. Override this to wait differently.
        """
        duration: float = self.interval
        if self.expires_at is not None:
            remaining = (self.expires_at - _utcnow()).total_seconds()
            duration = max(0.0, min(duration, remaining))
        time.sleep(duration)

    def slow_down(self) -> None:
        """Handle a `slow_down` answer: increase `interval` by `slow_down_interval`."""
        self.interval += self.slow_down_interval

    def authorization_pending(self) -> None:
        """Handle an `authorization_pending` answer. Does nothing; override to add behaviour (logging, UI...)."""

    def token_request(self) -> BearerToken:
        """Send one token request. Subclasses must implement this.

        Returns:
            the token, when the authorization is complete.

        Raises:
            NotImplementedError: always, in this base class.
        """
        raise NotImplementedError
