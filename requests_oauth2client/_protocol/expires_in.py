"""The one `expires_in` policy: how a lifetime in seconds becomes an expiration date.

`expires_in` is "the lifetime in seconds" of an access token (RFC 6749 §5.1), a device code (RFC 8628 §3.2), an
`auth_req_id` (CIBA Core §7.3) or a `request_uri` (RFC 9126 §2.2). It comes from two places, and every place of
the library that reads one goes through this module:

- **a server answer** (token, device authorization, CIBA and PAR responses): `answer_lifetime()` checks it and
  `expires_at_after()` turns it into a date (`answer_expires_at()` does both);
- **a constructor argument** (`BearerToken(..., expires_in=60)`, through `utils.accepts_expires_in`):
  `argument_expires_at()`.

| `expires_in`                     | in a server answer                                 | given to a constructor       |
|----------------------------------|----------------------------------------------------|------------------------------|
| absent or `null`                 | token: no expiry known; device, CIBA, PAR: refused | no expiry, `expires_at` kept |
| int `n > 0`, `n.0`, digit string | expires `n` s from now                             | expires `n` s from now       |
| fraction (`90.5`, `0.2`)         | rounded away from 0 (`91`, `1`)                    | rounded away from 0          |
| `0` (also `0.0`, `"0"`)          | **already expired**                                | no expiry, `expires_at` kept |
| negative                         | refused                                            | already expired (`n` s ago)  |
| beyond +/- `MAX_EXPIRES_IN`      | refused                                            | refused                      |
| string that is not digits        | refused                                            | no expiry (published rule)   |
| bool, NaN, inf, other values     | refused                                            | refused                      |

Why these rules:

- Forms: RFC 6749 makes `expires_in` a JSON number of seconds; integral floats (`3600.0`) and digit strings
  (`"3600"`) are what some servers send for the same number, so they are read as that number. Digit strings
  are ASCII digits, optionally signed, surrounding spaces ignored.
- Fractions are rounded away from zero, so that a lifetime that is not 0 never becomes 0 (which has its own
  meaning) and a past date stays past. The error is under one second, and expiration dates drop their
  microseconds anyway.
- `0` from a server means the token is good for no time at all: it is expired on arrival (its `expires_at` is
  just before now, so `is_expired()` is true at once), and an auth handler renews it before use. The constructor
  keeps its documented meaning of `expires_in=0`: no expiration date.
- A negative lifetime from a server is a broken answer; given to a constructor, it builds an expired token
  (tests and examples rely on that).
- A constructor given a string that is not a whole number (`"soon"`) keeps the published behaviour: no
  expiration date (API.md §6.1); from a server, the same string is a broken answer.
- The maximum, 2**31-1 seconds, is what servers use for "long-lived" (the largest signed 32-bit integer); a larger
  value is taken as a broken answer rather than as a lifetime.

The device, CIBA and PAR answers REQUIRE `expires_in` (RFC 8628 §3.2, CIBA Core §7.3, RFC 9126 §2.2): without
it, polling would have no end. A refused value raises `InvalidExpiresIn` (a `ValueError`) whose message names the
problem; each response parser turns it into its own typed error carrying the response (`InvalidTokenResponse`,
`InvalidDeviceAuthorizationResponse`, `InvalidBackChannelAuthenticationResponse`,
`InvalidPushedAuthorizationResponse`).
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timedelta, timezone

MAX_EXPIRES_IN = 2**31 - 1
"""The largest lifetime accepted, in seconds (about 68 years)."""

_DIGITS = re.compile(r"[+-]?[0-9]{1,20}")
_ANY_DIGITS = re.compile(r"[+-]?[0-9]+")
_JUST_EXPIRED = timedelta(microseconds=1)


class InvalidExpiresIn(ValueError):
    """An `expires_in` value that is not a usable lifetime.

    Attributes:
        value: the offending value.
    """

    def __init__(self, value: object, problem: str) -> None:
        super().__init__(f"`expires_in` {problem}")
        self.value = value


def lifetime_seconds(value: object) -> int:
    """Read a lifetime in whole seconds from any accepted form, with the sign it has.

    Args:
        value: an int, a float (fractions are rounded away from zero) or a string of ASCII digits.

    Returns:
        the number of seconds, between `-MAX_EXPIRES_IN` and `MAX_EXPIRES_IN`.

    Raises:
        InvalidExpiresIn: for any other form, or a value out of range.

    Example:
        >>> lifetime_seconds("3600"), lifetime_seconds(90.5), lifetime_seconds(-0.5)
        (3600, 91, -1)
    """
    seconds: int
    if isinstance(value, bool):
        raise InvalidExpiresIn(value, "must be a number of seconds, not a boolean")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidExpiresIn(value, f"must be a finite number of seconds, got {value!r}")
        if abs(value) > MAX_EXPIRES_IN:
            raise InvalidExpiresIn(value, f"must be at most {MAX_EXPIRES_IN} seconds, got {value!r}")
        seconds = math.ceil(value) if value > 0 else math.floor(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text):
            raise InvalidExpiresIn(value, "must be a number of seconds; this string is not a whole number")
        seconds = int(text)
    else:
        raise InvalidExpiresIn(value, f"must be a number of seconds, not {type(value).__name__}")
    if abs(seconds) > MAX_EXPIRES_IN:
        raise InvalidExpiresIn(value, f"must be at most {MAX_EXPIRES_IN} seconds, got {seconds}")
    return seconds


def answer_lifetime(value: object, *, required: bool = False) -> int | None:
    """Check the `expires_in` of a server answer.

    Args:
        value: the value from the answer (None when absent).
        required: whether the answer must carry one (device authorization, CIBA and PAR responses).

    Returns:
        the lifetime in seconds (0 or more), or None when absent and not required.

    Raises:
        InvalidExpiresIn: when missing but required, negative, out of range or not a number of seconds.
    """
    if value is None:
        if required:
            raise InvalidExpiresIn(value, "is missing; it is required in this response")
        return None
    seconds = lifetime_seconds(value)
    if seconds < 0:
        raise InvalidExpiresIn(value, f"must not be negative, got {seconds}")
    return seconds


def expires_at_after(seconds: int | None, *, now: datetime | None = None) -> datetime | None:
    """Turn a checked server lifetime into an expiration date; 0 gives a date just before now.

    Args:
        seconds: the lifetime, from `answer_lifetime()`.
        now: the current time (aware); microseconds are dropped.

    Returns:
        the aware UTC expiration date, or None when `seconds` is None.
    """
    if seconds is None:
        return None
    start = _now() if now is None else now.astimezone(timezone.utc).replace(microsecond=0)
    if seconds == 0:
        return start - _JUST_EXPIRED
    return start + timedelta(seconds=seconds)


def answer_expires_at(value: object, *, required: bool = False) -> datetime | None:
    """Check the `expires_in` of a server answer and return the expiration date it gives.

    Same arguments and errors as `answer_lifetime()`; the result is that of `expires_at_after()`.
    """
    return expires_at_after(answer_lifetime(value, required=required))


def argument_expires_at(value: object) -> datetime | None:
    """Turn an `expires_in` given to a constructor into an expiration date.

    Args:
        value: the argument; None, 0 and a string that is not a whole number give no date (the documented
            API), a negative value a past date.

    Returns:
        the aware UTC expiration date, or None.

    Raises:
        InvalidExpiresIn: when the value is not a number of seconds, or is out of range.
    """
    if value is None or (isinstance(value, str) and not _ANY_DIGITS.fullmatch(value.strip())):
        return None
    seconds = lifetime_seconds(value)
    if seconds == 0:
        return None
    return _now() + timedelta(seconds=seconds)


def _now() -> datetime:
    """Now, in UTC, without microseconds (`fromtimestamp` of the whole seconds: one call, on every token answer)."""
    return datetime.fromtimestamp(int(time.time()), tz=timezone.utc)
