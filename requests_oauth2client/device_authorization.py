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

__all__ = ["DeviceAuthorizationPollingJob", "DeviceAuthorizationResponse"]

#: Polling interval, in seconds, when the Authorization Server gives none (RFC 8628 §3.2).
DEFAULT_INTERVAL = 5


class DeviceAuthorizationResponse:
    """A response from the Device Authorization Endpoint (RFC 8628 §3.2).

    Values are checked when the object is built, so that a malformed server answer is refused early; the
    client turns those errors into `InvalidDeviceAuthorizationResponse`. Instances compare by identity.

    Args:
        device_code: the device verification code (a credential: keep it private).
        user_code: the code the user enters at the verification URI.
        verification_uri: the URI where the user enters `user_code`.
        verification_uri_complete: a URI that already includes `user_code`, if the AS provides one.
        expires_at: when `device_code` and `user_code` expire. `expires_in=<seconds>` is accepted instead.
        interval: seconds to wait between two polling requests, or `None` when the AS gave none (polling then
            uses 5 seconds).
        **kwargs: any other values from the response, kept in `other`.

    Raises:
        TypeError: if a value has the wrong type.
        ValueError: if a value is empty or out of range.

    Example:
        >>> resp = DeviceAuthorizationResponse("dc", "ABCD-EFGH", "https://as.example/device", expires_in=600)
        >>> resp.interval is None, resp.is_expired()
        (True, False)
    """

    @accepts_expires_in
    def __init__(
        self,
        device_code: str,
        user_code: str,
        verification_uri: str,
        verification_uri_complete: str | None = None,
        expires_at: datetime | None = None,
        interval: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        self.device_code = checked_text("device_code", device_code)
        self.user_code = checked_text("user_code", user_code)
        self.verification_uri = checked_text("verification_uri", verification_uri)
        self.verification_uri_complete = (
            None
            if verification_uri_complete is None
            else checked_text("verification_uri_complete", verification_uri_complete)
        )
        self.expires_at = checked_expires_at(expires_at)
        self.interval = None if interval is None else checked_interval(interval)
        self.other = kwargs

    @classmethod
    def from_json(cls, obj: object) -> DeviceAuthorizationResponse:
        """Build a response from the parsed JSON body of a Device Authorization Endpoint response.

        Args:
            obj: the parsed JSON.

        Returns:
            the response.

        Raises:
            TypeError: if `obj` is not a JSON object, or a value has the wrong type.
            ValueError: if a required value is missing, empty or out of range.
        """
        if not isinstance(obj, dict):
            raise TypeError(f"A device authorization response must be a JSON object, got {type(obj).__name__}.")
        for name in ("device_code", "user_code", "verification_uri"):
            if name not in obj:
                raise ValueError(f"The device authorization response has no `{name}`.")
        params = dict(obj)
        # REQUIRED in the answer; a lifetime of 0 there means "already expired" (see `_protocol.expires_in`)
        params["expires_at"] = answer_expires_at(params.pop("expires_in", None), required=True)
        return cls(**params)

    def is_expired(self, leeway: int = 0) -> bool | None:
        """Tell whether this device authorization has expired.

        Args:
            leeway: seconds to subtract from the current time before comparing.

        Returns:
            `None` if the expiration date is unknown, else `True` when `now - leeway > expires_at`.
        """
        if self.expires_at is None:
            return None
        return datetime.now(tz=timezone.utc) - timedelta(seconds=leeway) > self.expires_at


@define(init=False)
class DeviceAuthorizationPollingJob(BaseTokenEndpointPollingJob):
    """Poll the token endpoint with a device code until the user approves the device authorization.

    Each call waits the current interval, then sends one Device Access Token Request. It returns the token,
    or `None` while the authorization is pending. See `BaseTokenEndpointPollingJob` for the details.

    Args:
        client: the `OAuth2Client` to send token requests with.
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
        client: OAuth2Client,
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
