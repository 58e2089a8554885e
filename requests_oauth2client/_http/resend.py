"""Sending a request again, once, from a response hook: the one answer to "can this request be sent again?".

Two response hooks send a request again: an auth handler renewing its token after a `401` with `invalid_token`
(`auth`), and a `DPoPToken` answering a resource server's request for a DPoP nonce (`dpop`). Both hold a `Resend`,
made when the request is prepared, and follow the same rules:

- only the origin the request was sent to can make it be sent again (not a redirect target of another origin);
- at most once per request, redirects included;
- only through the connection the request went through, which runs no response hook (so a resent request is never
  resent again), and with the first response in the `history` of the new one, as `requests`' digest auth does;
- only with a body that can be read again: none, `bytes` or `str`, or a stream whose position was known when the
  request was prepared and that can seek back to it. A generator, or a stream that cannot seek, is never resent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from requests.cookies import extract_cookies_to_jar

from requests_oauth2client._http.origins import origin_of, response_origin

__all__ = ["Resend"]


def _stream_position(body: object) -> int | None:
    """The current position of a stream body (read when the request is prepared), or None if it has none."""
    if body is None or isinstance(body, (bytes, str)):
        return None
    tell = getattr(body, "tell", None)
    if not callable(tell):
        return None
    try:
        return int(tell())
    except (OSError, ValueError, TypeError):
        return None


class Resend:
    """What a response hook needs to send one request again, once. Make it when the request is prepared.

    Args:
        request: the request, as prepared (its URL gives the origin; its body, where a stream is, is noted).
    """

    __slots__ = ("_position", "_sent_again", "origin")

    def __init__(self, request: requests.PreparedRequest) -> None:
        self.origin = origin_of(request.url or "")
        self._position = _stream_position(request.body)
        self._sent_again = False

    def answered_by_origin(self, response: requests.Response) -> bool:
        """Tell whether `response` comes from the origin the request was sent to, and the request was not resent yet."""
        return not self._sent_again and response_origin(response) == self.origin

    def possible(self, response: requests.Response) -> bool:
        """Tell whether the request that `response` answers can be sent again (see the module documentation)."""
        request = response.request
        if self._sent_again or request is None or getattr(response, "connection", None) is None:
            return False
        body = request.body
        return body is None or isinstance(body, (bytes, str)) or (self._position is not None and _can_seek(body))

    def send_again(
        self,
        response: requests.Response,
        prepare: Callable[[requests.PreparedRequest], requests.PreparedRequest],
        **kwargs: Any,
    ) -> requests.Response:
        """Send the request that `response` answers again, through the same connection; return the new response.

        Check `possible()` first. The copy keeps the cookies the response set, and `prepare` adds the credentials to
        it. When the body cannot be rewound after all, `response` is returned as it is.

        Args:
            response: the response to the request.
            prepare: adds the credentials to the copy of the request.
            **kwargs: the keyword arguments `requests` gave the response hook (`timeout`, `verify`...).
        """
        original = response.request
        connection = getattr(response, "connection", None)
        if original is None or connection is None or not self._rewind(original.body):
            return response
        self._sent_again = True
        _ = response.content  # consume the body, so that the connection can be released
        response.close()
        request = original.copy()
        cookies = getattr(request, "_cookies", None)
        if cookies is not None:
            extract_cookies_to_jar(cookies, original, response.raw)  # type: ignore[no-untyped-call]
            request.prepare_cookies(cookies)
        request = prepare(request)
        retried: requests.Response = connection.send(request, **kwargs)
        retried.history.append(response)
        retried.request = request
        return retried

    def _rewind(self, body: object) -> bool:
        if body is None or isinstance(body, (bytes, str)):
            return True
        if self._position is None:
            return False
        try:
            body.seek(self._position)  # type: ignore[attr-defined]
        except (AttributeError, OSError, ValueError):
            return False
        return True


def _can_seek(body: object) -> bool:
    seekable = getattr(body, "seekable", None)
    if callable(seekable):
        try:
            return bool(seekable())
        except (OSError, ValueError):
            return False
    return callable(getattr(body, "seek", None))
