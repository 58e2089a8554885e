"""Pure checks of what an Authorization Server returns from its token endpoint."""

from __future__ import annotations

import math
from typing import Any

MAX_EXPIRES_IN = 10 * 366 * 24 * 3600
"""The largest `expires_in` accepted from a server (about ten years); more is treated as a broken answer."""

_OPTIONAL_STRINGS = ("token_type", "refresh_token", "scope", "id_token")


def check_token_response(obj: object) -> dict[str, Any]:
    """Check the decoded body of a successful token response and return its parameters.

    `expires_in` is normalised to an `int`. Unknown parameters are kept as they are.

    Args:
        obj: the decoded JSON body.

    Returns:
        the token response parameters.

    Raises:
        ValueError: with a message saying what is wrong, when the body is not a usable token response.
    """
    if not isinstance(obj, dict):
        raise ValueError("the response is not a JSON object")
    if "error" in obj:
        raise ValueError("the response contains an `error`")
    access_token = obj.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ValueError("the response has no valid `access_token`")
    for name in _OPTIONAL_STRINGS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"`{name}` must be a string, not {type(value).__name__}")
    params = dict(obj)
    if params.get("expires_in") is not None:
        params["expires_in"] = check_expires_in(params["expires_in"])
    return params


def check_expires_in(value: object) -> int:
    """Return a server-provided `expires_in` as an int, refusing negative, absurd or non-numeric values.

    Raises:
        ValueError: when the value is not a usable lifetime.
    """
    if isinstance(value, bool):
        raise ValueError("`expires_in` must be a number")
    number: float
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str) and value.strip().isdecimal():
        number = int(value.strip())
    else:
        raise ValueError("`expires_in` must be a number")
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"`expires_in` must be a positive number, got {value!r}")
    if number > MAX_EXPIRES_IN:
        raise ValueError(f"`expires_in` is too large: {value!r}")
    return math.ceil(number)
