"""Client-Initiated Backchannel Authentication (CIBA, poll mode): the authentication response and its polling job.

`OAuth2Client.backchannel_authentication_request()` returns a `BackChannelAuthenticationResponse`. The user then
approves the request on their own device while the client polls the token endpoint with a
`BackChannelAuthenticationPollingJob`:

    ba_resp = client.backchannel_authentication_request(scope="openid", login_hint="user@example.net")
    job = BackChannelAuthenticationPollingJob(client, ba_resp)
    token = None
    while token is None:
        token = job()
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from attrs import define, field, setters

from requests_oauth2client._protocol.expires_in import answer_expires_at
from requests_oauth2client.polling import (
    BaseTokenEndpointPollingJob,
    checked_expires_at,
    checked_interval,
    checked_text,
)
from requests_oauth2client.utils import accepts_expires_in

if TYPE_CHECKING:
    from requests_oauth2client.client import OAuth2Client
    from requests_oauth2client.tokens import BearerToken

__all__ = ["BackChannelAuthenticationPollingJob", "BackChannelAuthenticationResponse"]

#: Polling interval, in seconds, when the Authorization Server gives none (CIBA Core §7.3).
DEFAULT_INTERVAL = 20
#: Polling interval used by a job built from a bare `auth_req_id` without an explicit interval.
DEFAULT_JOB_INTERVAL = 5


class BackChannelAuthenticationResponse:
    """A response from the Backchannel Authentication Endpoint (CIBA Core §7.3).

    Values are checked when the object is built, so that a malformed server answer is refused early; the
    client turns those errors into `InvalidBackChannelAuthenticationResponse`. Instances compare by identity.
    Extra response values are readable as attributes: `resp.custom` returns `resp.other["custom"]`.

    Args:
        auth_req_id: the identifier of the authentication request (a credential: keep it private).
        expires_at: when `auth_req_id` expires. `expires_in=<seconds>` is accepted instead.
        interval: seconds to wait between two polling requests (20 when absent).
        **kwargs: any other values from the response, kept in `other`.

    Raises:
        TypeError: if a value has the wrong type.
        ValueError: if a value is empty or out of range.

    Example:
        >>> resp = BackChannelAuthenticationResponse("req-1", expires_in=120, custom="x")
        >>> resp.interval, resp.custom
        (20, 'x')
    """

    @accepts_expires_in
    def __init__(
        self,
        auth_req_id: str,
        expires_at: datetime | None = None,
        interval: int | str | None = DEFAULT_INTERVAL,
        **kwargs: Any,
    ) -> None:
        self.auth_req_id = checked_text("auth_req_id", auth_req_id)
        self.expires_at = checked_expires_at(expires_at)
        self.interval = DEFAULT_INTERVAL if interval is None else checked_interval(interval)
        self.other = kwargs

    @classmethod
    def from_json(cls, obj: object) -> BackChannelAuthenticationResponse:
        """Build a response from the parsed JSON body of a Backchannel Authentication Endpoint response.

        Args:
            obj: the parsed JSON.

        Returns:
            the response.

        Raises:
            TypeError: if `obj` is not a JSON object, or a value has the wrong type.
            ValueError: if `auth_req_id` is missing or empty, or a value is out of range.
        """
        if not isinstance(obj, dict):
            raise TypeError(f"A backchannel authentication response must be a JSON object, got {type(obj).__name__}.")
        if "auth_req_id" not in obj:
            raise ValueError("The backchannel authentication response has no `auth_req_id`.")
        params = dict(obj)
        # REQUIRED in the answer; a lifetime of 0 there means "already expired" (see `_protocol.expires_in`)
        params["expires_at"] = answer_expires_at(params.pop("expires_in", None), required=True)
        return cls(**params)

    def is_expired(self, leeway: int = 0) -> bool | None:
        """Tell whether this authentication request has expired.

        Args:
            leeway: seconds to subtract from the current time before comparing.

        Returns:
            `None` if the expiration date is unknown, else `True` when `now - leeway > expires_at`.
        """
        if self.expires_at is None:
            return None
        return datetime.now(tz=timezone.utc) - timedelta(seconds=leeway) > self.expires_at

    @property
    def expires_in(self) -> int | None:
        """Seconds until expiration (rounded up, negative once expired), or `None` when unknown."""
        if self.expires_at is None:
            return None
        return math.ceil((self.expires_at - datetime.now(tz=timezone.utc)).total_seconds())

    def __getattr__(self, name: str) -> Any:
        """Look up an extra response value in `other`.

        Raises:
            AttributeError: for dunder names, and for values that are missing or falsy.
        """
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = self.__dict__.get("other", {}).get(name)
        if not value:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return value


@define(init=False)
class BackChannelAuthenticationPollingJob(BaseTokenEndpointPollingJob):
    """Poll the token endpoint with an `auth_req_id` until the user approves the backchannel authentication.

    Each call waits the current interval, then sends one CIBA token request. It returns the token, or `None`
    while the authentication is pending. See `BaseTokenEndpointPollingJob` for the details.

    Args:
        client: the `OAuth2Client` to send token requests with.
        auth_req_id: an `auth_req_id`, or the `BackChannelAuthenticationResponse` holding it (its `interval`
            and `expires_at` are then used as defaults).
        interval: seconds to wait before each request. Defaults to the response's interval, else 5.
        slow_down_interval: seconds added to the interval on each `slow_down` answer.
        requests_kwargs: extra parameters for `requests`.
        expires_at: the deadline after which polling stops with `PollingExpired`. Defaults to the response's
            `expires_at`.
        **token_kwargs: extra parameters for the token request.
    """

    auth_req_id: str = field(repr=False, on_setattr=setters.frozen)

    def __init__(
        self,
        client: OAuth2Client,
        auth_req_id: str | BackChannelAuthenticationResponse,
        *,
        interval: int | None = None,
        slow_down_interval: int = 5,
        requests_kwargs: dict[str, Any] | None = None,
        expires_at: datetime | None = None,
        **token_kwargs: Any,
    ) -> None:
        if isinstance(auth_req_id, BackChannelAuthenticationResponse):
            if interval is None:
                interval = auth_req_id.interval
            if expires_at is None:
                expires_at = auth_req_id.expires_at
            auth_req_id = auth_req_id.auth_req_id
        self.__attrs_init__(
            client=client,
            requests_kwargs=requests_kwargs or {},
            token_kwargs=token_kwargs,
            slow_down_interval=slow_down_interval,
            interval=DEFAULT_JOB_INTERVAL if interval is None else interval,
            expires_at=expires_at,
            auth_req_id=checked_text("auth_req_id", auth_req_id),
        )

    def token_request(self) -> BearerToken:
        """Send one CIBA token request with `client.ciba()`.

        Returns:
            the token, once the user has approved the authentication.
        """
        return self.client.ciba(self.auth_req_id, requests_kwargs=self.requests_kwargs, **self.token_kwargs)
