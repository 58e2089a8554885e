"""The Device Authorization Grant (RFC 8628): the device authorization response and its polling job.

`OAuth2Client.authorize_device()` returns a `DeviceAuthorizationResponse`. Show its `user_code` and
`verification_uri` (or `verification_uri_complete`) to the user, then poll the token endpoint with a
`DeviceAuthorizationPollingJob` until the user has approved the request:

    da_resp = client.authorize_device(scope="openid")
    print(f"Go to {da_resp.verification_uri} and enter {da_resp.user_code}")
    job = DeviceAuthorizationPollingJob(client, da_resp)
    token = None
    while token is None:
        token = job()
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from attrs import define, field, setters

from requests_oauth2client._moved import moved_names
from requests_oauth2client._protocol.pending import DeviceAuthorizationResponse, checked_text
from requests_oauth2client.polling import BaseTokenEndpointPollingJob
from requests_oauth2client.tokens import BearerToken

__all__ = ["DeviceAuthorizationPollingJob", "DeviceAuthorizationResponse", "DeviceCodeClient"]

if not TYPE_CHECKING:  # the names this module published in version 1.7 resolve, with a DeprecationWarning
    __getattr__ = moved_names(__name__)

#: Polling interval, in seconds, when neither the job nor the response gives one (RFC 8628 §3.2).
DEFAULT_INTERVAL = 5


class DeviceCodeClient(Protocol):
    """What a `DeviceAuthorizationPollingJob` uses from its client (an `OAuth2Client` fits)."""

    def device_code(
        self, device_code: str, *, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any
    ) -> BearerToken:
        """Send one device access token request."""
        ...  # pragma: no cover


@define(init=False)
class DeviceAuthorizationPollingJob(BaseTokenEndpointPollingJob[DeviceCodeClient]):
    """Poll the token endpoint with a device code until the user approves the device authorization.

    Each call waits the current interval, then sends one Device Access Token Request. It returns the token,
    or `None` while the authorization is pending. See `BaseTokenEndpointPollingJob` for the details.

    Args:
        client: the client to send token requests with (an `OAuth2Client`).
        device_code: a device code, or the `DeviceAuthorizationResponse` holding it (its `interval` and
            `expires_at` are then used as defaults).
        interval: seconds to wait before each request. Defaults to the response's interval, else 5.
        slow_down_interval: seconds added to the interval on each `slow_down` answer.
        requests_kwargs: extra parameters for `requests`.
        expires_at: the deadline after which polling stops with `PollingExpired`. Defaults to the response's
            `expires_at`.
        **token_kwargs: extra parameters for the token request.

    Example:
        >>> job = DeviceAuthorizationPollingJob(client, "device_code")  # doctest: +SKIP
        >>> job.interval, job.slow_down_interval  # doctest: +SKIP
        (5, 5)
    """

    device_code: str = field(repr=False, on_setattr=setters.frozen)

    def __init__(
        self,
        client: DeviceCodeClient,
        device_code: str | DeviceAuthorizationResponse,
        interval: int | None = None,
        slow_down_interval: int = 5,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        expires_at: datetime | None = None,
        **token_kwargs: Any,
    ) -> None:
        if isinstance(device_code, DeviceAuthorizationResponse):
            if interval is None:
                interval = device_code.interval
            if expires_at is None:
                expires_at = device_code.expires_at
            device_code = device_code.device_code
        self.__attrs_init__(
            client=client,
            requests_kwargs=requests_kwargs or {},
            token_kwargs=token_kwargs,
            slow_down_interval=slow_down_interval,
            interval=DEFAULT_INTERVAL if interval is None else interval,
            expires_at=expires_at,
            device_code=checked_text("device_code", device_code),
        )

    def token_request(self) -> BearerToken:
        """Send one Device Access Token Request with `client.device_code()`.

        Returns:
            the token, once the user has approved the authorization.
        """
        return self.client.device_code(self.device_code, requests_kwargs=self.requests_kwargs, **self.token_kwargs)
