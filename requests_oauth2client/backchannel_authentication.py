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

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from attrs import define, field, setters

from requests_oauth2client._moved import moved_names
from requests_oauth2client._protocol.pending import (
    CIBA_DEFAULT_INTERVAL,
    BackChannelAuthenticationResponse,
    checked_text,
)
from requests_oauth2client.polling import BaseTokenEndpointPollingJob
from requests_oauth2client.tokens import BearerToken

__all__ = ["BackChannelAuthenticationPollingJob", "BackChannelAuthenticationResponse", "CibaClient"]

if not TYPE_CHECKING:  # the names this module published in version 1.7 resolve, with a DeprecationWarning
    __getattr__ = moved_names(__name__)

#: Polling interval, in seconds, when the Authorization Server gives none (CIBA Core §7.3).
DEFAULT_INTERVAL = CIBA_DEFAULT_INTERVAL
#: Polling interval used by a job built from a bare `auth_req_id` without an explicit interval.
DEFAULT_JOB_INTERVAL = 5


class CibaClient(Protocol):
    """What a `BackChannelAuthenticationPollingJob` uses from its client (an `OAuth2Client` fits)."""

    def ciba(self, auth_req_id: str, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Send one CIBA token request."""
        ...  # pragma: no cover


@define(init=False)
class BackChannelAuthenticationPollingJob(BaseTokenEndpointPollingJob[CibaClient]):
    """Poll the token endpoint with an `auth_req_id` until the user approves the backchannel authentication.

    Each call waits the current interval, then sends one CIBA token request. It returns the token, or `None`
    while the authentication is pending. See `BaseTokenEndpointPollingJob` for the details.

    Args:
        client: the client to send token requests with (an `OAuth2Client`).
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
        client: CibaClient,
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
