"""The HTTP side of DPoP: URLs, nonces and `WWW-Authenticate` challenges, and the resource-server nonce retry.

Pure helpers for [requests_oauth2client.dpop][]: the `htu` of a URL (cached, computed with the standard library on
the hot path), the syntax of `DPoP-Nonce` values, the parsing of the `DPoP` challenge, and the response hook that
`DPoPToken` registers on each request. Origins are computed in `_http.origins`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from requests_oauth2client._http.origins import (
    forget_credentials_before_leaving,
    htu_and_origin,
    origin_of,
    resend_on_same_connection,
    response_origin,
)

if TYPE_CHECKING:
    import requests

    from requests_oauth2client.dpop import DPoPToken

DPOP_NONCE_HEADER = "DPoP-Nonce"

# RFC 9449 §8.1: nonce = 1*NQCHAR
NONCE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
MAX_NONCE_LENGTH = 1024
# A `DPoP` challenge and its auth-params (RFC 9110 §11.2), inside a WWW-Authenticate header that may hold several.
_TCHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_AUTH_PARAM = rf'{_TCHARS}\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^\s,"]+)'
_DPOP_CHALLENGE = re.compile(rf"(?:^|,)\s*DPoP(?=\s|,|$)((?:\s*,?\s*{_AUTH_PARAM})*)", re.IGNORECASE)
_PARAM = re.compile(rf'({_TCHARS})\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,"]+)')
_MAX_CHALLENGE_LENGTH = 8192


def htu_of(url: str) -> str:
    """Return the `htu` claim for a URL: without query, fragment and userinfo."""
    return htu_and_origin(url)[0]


def comparable_htu(url: str) -> str:
    """Normalise a URI for `htu` comparison (RFC 9449 §4.3, RFC 3986 §6.2.2-6.2.3), ignoring query and fragment."""
    htu, origin = htu_and_origin(url)
    try:
        parts = urlsplit(htu)
    except ValueError:
        return htu
    if not parts.scheme or not parts.netloc:
        return htu
    default_port = {"https": ":443", "http": ":80"}.get(parts.scheme.lower())
    if default_port and origin.endswith(default_port):
        origin = origin[: -len(default_port)]
    return origin + (parts.path or "/")


def valid_nonce(value: object) -> str | None:
    """Return the value if it is a valid nonce (RFC 9449 §8.1, bounded length), else None."""
    if isinstance(value, str) and len(value) <= MAX_NONCE_LENGTH and NONCE.fullmatch(value):
        return value
    return None


def dpop_challenge(www_authenticate: str | None) -> dict[str, str] | None:
    """Return the auth-params of the `DPoP` challenge in a `WWW-Authenticate` header, or None if there is none."""
    if not www_authenticate or len(www_authenticate) > _MAX_CHALLENGE_LENGTH:
        return None
    match = _DPOP_CHALLENGE.search(www_authenticate)
    if match is None:
        return None
    params: dict[str, str] = {}
    for name, raw in _PARAM.findall(match.group(1)):
        value = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
        params.setdefault(name.lower(), value)
    return params


class RsNonceRetry:
    """The response hook of one request sent with a `DPoPToken`.

    It stores the nonce of any `DPoP-Nonce` header for the request's origin. On a 401 with a `DPoP` challenge
    asking for a nonce (`error="use_dpop_nonce"`, no error code, or another error with a new nonce), it sends the
    request again, once, with a fresh proof carrying the nonce, through the same connection (as `requests`' digest
    auth does), and returns the retry's response as it is, with the 401 in its `history`.

    The token and its proofs stay within the origin the request was sent to: a redirect to another origin is
    followed without the `Authorization` and `DPoP` headers, and a 401 from another origin is never answered
    with a retry.
    """

    def __init__(self, token: DPoPToken, request: requests.PreparedRequest) -> None:
        self.token = token
        self.origin = origin_of(request.url or "")
        self.retried = False
        self.body_position: int | None = None
        body = request.body
        if body is not None and not isinstance(body, (bytes, str)):
            tell = getattr(body, "tell", None)
            if callable(tell):
                try:
                    self.body_position = int(tell())
                except (OSError, ValueError, TypeError):
                    self.body_position = None

    def _can_resend(self, request: requests.PreparedRequest) -> bool:
        body = request.body
        if body is None or isinstance(body, (bytes, str)):
            return True
        seek = getattr(body, "seek", None)
        if self.body_position is None or not callable(seek):
            return False
        try:
            seek(self.body_position)
        except (OSError, ValueError):
            return False
        return True

    def __call__(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        key = self.token.dpop_key
        forget_credentials_before_leaving(response, self.origin, ("Authorization", self.token.DPOP_HEADER))
        if response.status_code != 401 or self.retried or response_origin(response) != self.origin:
            key.update_rs_nonce(response)
            return response
        params = dpop_challenge(response.headers.get("WWW-Authenticate"))
        if params is None:
            key.update_rs_nonce(response)
            return response
        error = params.get("error")
        if error is None or error == "use_dpop_nonce":
            key.handle_rs_provided_dpop_nonce(response)  # raises when the nonce is missing or repeated
        elif not key.update_rs_nonce(response):
            return response  # another DPoP error, without a new nonce: nothing a resend could fix
        return self._resend(response, **kwargs)

    def _resend(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        original = response.request
        connection = getattr(response, "connection", None)
        if original is None or connection is None or not self._can_resend(original):
            return response
        self.retried = True

        def with_proof(request: requests.PreparedRequest) -> requests.PreparedRequest:
            self.token._add_proof(request)
            return request

        retried = resend_on_same_connection(response, original, connection, with_proof, **kwargs)
        self.token.dpop_key.update_rs_nonce(retried)
        return retried
