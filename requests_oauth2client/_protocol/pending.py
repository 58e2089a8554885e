"""The answers that start a pending authorization: device authorization (RFC 8628 §3.2) and CIBA (CIBA Core §7.3).

Both are values parsed from an Authorization Server answer, checked when they are built (so a malformed answer is
refused early; the client turns these `TypeError`/`ValueError` into its typed errors), and then drive a polling job
(`device_authorization`, `backchannel_authentication`, `polling`). They share `PendingAuthorization`; the values
that drive polling (`interval`, `expires_at`) have one check each here, and `expires_in` follows the one policy of
`_protocol.expires_in`. Public names: `device_authorization.DeviceAuthorizationResponse` and
`backchannel_authentication.BackChannelAuthenticationResponse` (and the package root).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from requests_oauth2client._protocol.expires_in import answer_expires_at
from requests_oauth2client.utils import accepts_expires_in

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "MAX_INTERVAL",
    "BackChannelAuthenticationResponse",
    "DeviceAuthorizationResponse",
    "PendingAuthorization",
    "checked_expires_at",
    "checked_interval",
    "checked_text",
]

MAX_INTERVAL = 3600
"""Longest polling interval, in seconds, accepted from an Authorization Server answer."""
CIBA_DEFAULT_INTERVAL = 20
"""Polling interval, in seconds, when a backchannel authentication answer gives none (CIBA Core §7.3)."""


def checked_text(name: str, value: object) -> str:
    """Check that a value is a non-empty string.

    Args:
        name: the name of the value, for the error message.
        value: the value to check.

    Returns:
        the value, unchanged.

    Raises:
        TypeError: if the value is not a `str`.
        ValueError: if the value is an empty string.
    """
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a string, got {type(value).__name__}.")
    if not value:
        raise ValueError(f"`{name}` must not be empty.")
    return value


def _integer_seconds(name: str, value: object) -> int:
    """Turn an int, an integral float or a string of decimal digits into an int of seconds."""
    if isinstance(value, bool):
        raise TypeError(f"`{name}` must be a number of seconds, got bool.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"`{name}` must be a whole number of seconds, got {value!r}.")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdecimal() or len(text) > 12:
            raise ValueError(f"`{name}` must be a whole number of seconds, got a non-numeric string.")
        return int(text)
    raise TypeError(f"`{name}` must be a number of seconds, got {type(value).__name__}.")


def checked_interval(value: object, *, maximum: int = MAX_INTERVAL) -> int:
    """Check and normalize a polling `interval`.

    Args:
        value: an int, an integral float or a string of digits, in seconds.
        maximum: the largest accepted value.

    Returns:
        the interval as an int.

    Raises:
        TypeError: if the value is not a number of seconds.
        ValueError: if the value is negative, fractional or larger than `maximum`.

    Example:
        >>> checked_interval("5")
        5
    """
    seconds = _integer_seconds("interval", value)
    if not 0 <= seconds <= maximum:
        raise ValueError(f"`interval` must be between 0 and {maximum} seconds, got {seconds}.")
    return seconds


def checked_expires_at(value: object) -> datetime | None:
    """Check an `expires_at` value: `None` or a `datetime`; a naive datetime is taken as UTC.

    Raises:
        TypeError: if the value is neither `None` nor a `datetime`.
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"`expires_at` must be a datetime, got {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class PendingAuthorization:
    """The base of the answers that start a pending authorization: a deadline, a polling interval, other values.

    Subclasses name the answer (`ANSWER`) and its required members (`REQUIRED`), and check their own values in
    `__init__`. Instances compare by identity.
    """

    ANSWER: ClassVar[str]
    """What the answer is called in error messages."""
    REQUIRED: ClassVar[tuple[str, ...]]
    """The members the answer must have (`expires_in` aside, which `from_json()` always requires)."""
    ALIASES: ClassVar[dict[str, str]] = {}
    """Non-standard names that servers use for a member (standard name: alias), read when the member is absent."""

    expires_at: datetime | None
    other: dict[str, Any]

    @classmethod
    def from_json(cls, obj: object) -> Self:
        """Build a response from the parsed JSON body of the endpoint's answer.

        Args:
            obj: the parsed JSON.

        Returns:
            the response.

        Raises:
            TypeError: if `obj` is not a JSON object, or a value has the wrong type.
            ValueError: if a required value is missing, empty or out of range.
        """
        if not isinstance(obj, dict):
            raise TypeError(f"A {cls.ANSWER} must be a JSON object, got {type(obj).__name__}.")
        params = dict(obj)
        for name, alias in cls.ALIASES.items():
            if name not in params and alias in params:
                params[name] = params.pop(alias)
        for name in cls.REQUIRED:
            if name not in params:
                raise ValueError(f"The {cls.ANSWER} has no `{name}`.")
        # REQUIRED in the answer; a lifetime of 0 there means "already expired" (see `_protocol.expires_in`)
        params["expires_at"] = answer_expires_at(params.pop("expires_in", None), required=True)
        return cls(**params)

    def is_expired(self, leeway: int = 0) -> bool | None:
        """Tell whether this pending authorization has expired.

        Args:
            leeway: seconds to subtract from the current time before comparing.

        Returns:
            `None` if the expiration date is unknown, else `True` when `now - leeway > expires_at`.
        """
        if self.expires_at is None:
            return None
        return datetime.now(tz=timezone.utc) - timedelta(seconds=leeway) > self.expires_at


class DeviceAuthorizationResponse(PendingAuthorization):
    """A response from the Device Authorization Endpoint (RFC 8628 §3.2).

    Values are checked when the object is built, so that a malformed server answer is refused early; the
    client turns those errors into `InvalidDeviceAuthorizationResponse`. Instances compare by identity. In an
    answer (`from_json()`), `verification_url` and `verification_url_complete` (Google's names, from a draft of
    RFC 8628) stand for `verification_uri` and `verification_uri_complete` when those are absent.

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

    ANSWER = "device authorization response"
    REQUIRED = ("device_code", "user_code", "verification_uri")
    ALIASES: ClassVar[dict[str, str]] = {
        "verification_uri": "verification_url",  # Google (the name of a draft of RFC 8628)
        "verification_uri_complete": "verification_url_complete",
    }

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


class BackChannelAuthenticationResponse(PendingAuthorization):
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

    ANSWER = "backchannel authentication response"
    REQUIRED = ("auth_req_id",)

    @accepts_expires_in
    def __init__(
        self,
        auth_req_id: str,
        expires_at: datetime | None = None,
        interval: int | str | None = CIBA_DEFAULT_INTERVAL,
        **kwargs: Any,
    ) -> None:
        self.auth_req_id = checked_text("auth_req_id", auth_req_id)
        self.expires_at = checked_expires_at(expires_at)
        self.interval = CIBA_DEFAULT_INTERVAL if interval is None else checked_interval(interval)
        self.other = kwargs

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
