"""Pure checks of what an Authorization Server returns from its token endpoint."""

from __future__ import annotations

import re
from typing import Any

from requests_oauth2client._protocol.expires_in import answer_lifetime

_OPTIONAL_STRINGS = ("token_type", "refresh_token", "scope", "id_token")

# RFC 6749 Appendix A.12 (access-token), A.13 (token_type values are names or URIs) and A.17 (refresh-token):
# 1*VSCHAR, i.e. printable ASCII and space. These values end up in HTTP headers and forms.
_VSCHAR = re.compile(r"[\x20-\x7e]+")
_VSCHAR_VALUES = ("access_token", "refresh_token", "token_type")


def check_token_response(obj: object) -> dict[str, Any]:
    """Check the decoded body of a successful token response and return its parameters.

    The checks, in order: a JSON object; no `error`; `access_token` a non-empty string; `token_type`,
    `refresh_token`, `scope` and `id_token` strings when present; `access_token`, `refresh_token` and
    `token_type` made of printable ASCII (RFC 6749 Appendix A); `expires_in` a lifetime as the `_protocol.expires_in`
    policy reads it in a server answer, normalised to an `int` (dropped when `null`). Unknown parameters are
    kept as they are. No message contains a token value.

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
    for name in _VSCHAR_VALUES:
        value = obj.get(name)
        if value is not None and not _VSCHAR.fullmatch(value):
            raise ValueError(
                f"`{name}` is empty or has characters other than printable ASCII (RFC 6749 Appendix A);"
                " its value is not shown"
            )
    params = dict(obj)
    expires_in = answer_lifetime(params.pop("expires_in", None))
    if expires_in is not None:
        params["expires_in"] = expires_in
    return params
