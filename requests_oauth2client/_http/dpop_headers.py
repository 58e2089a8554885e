"""The values DPoP reads from and writes to HTTP messages: `htu`, nonces, and the `DPoP` challenge. A pure leaf.

Helpers for [requests_oauth2client.dpop][]: the `htu` of a URL (cached, computed with the standard library on the hot
path), the syntax of `DPoP-Nonce` values and the nonce a response provides, the nonces a key keeps per server origin
(`OriginNonces`), and the parsing of the `DPoP` challenge of a `WWW-Authenticate` header. Origins are computed in
`_http.origins`; the response hook that resends a request with a new nonce is next to `DPoPToken`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from requests_oauth2client._errors.dpop import InvalidUseDPoPNonceResponse, MissingDPoPNonce
from requests_oauth2client._http.origins import htu_and_origin
from requests_oauth2client.www_authenticate import InvalidWwwAuthenticate, find_challenge, parse_www_authenticate

if TYPE_CHECKING:
    import requests

DPOP_NONCE_HEADER = "DPoP-Nonce"

# RFC 9449 §8.1: nonce = 1*NQCHAR
NONCE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
MAX_NONCE_LENGTH = 1024


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


def provided_nonce(response: requests.Response) -> str:
    """The nonce a server asks to use, from the `DPoP-Nonce` header of its response.

    Raises:
        MissingDPoPNonce: if the response has no `DPoP-Nonce` header.
        InvalidUseDPoPNonceResponse: if the header does not hold a valid nonce value.
    """
    raw = response.headers.get(DPOP_NONCE_HEADER)
    if not raw:
        raise MissingDPoPNonce(response)
    nonce = valid_nonce(raw)
    if nonce is None:
        raise InvalidUseDPoPNonceResponse(response, "The DPoP-Nonce header does not hold a valid nonce value.")
    return nonce


class OriginNonces:
    """The nonces that the servers of one kind (authorization servers, or resource servers) gave one DPoP key.

    One nonce per origin, the most recent last (`by_origin`), and the origin of the current nonce (`origin`), whose
    value the key holds (`as_nonce`, `rs_nonce`): a current nonce without origin was set by hand, and goes to any
    server of that kind that gave none of its own.
    """

    __slots__ = ("by_origin", "origin")

    def __init__(self) -> None:
        self.by_origin: dict[str, str] = {}
        self.origin: str | None = None

    def nonce_for(self, origin: str | None, current: str | None) -> str | None:
        """The nonce for a server origin: the last one it provided, else `current` when it was set by hand."""
        if origin:  # "" is no origin: nonces filed under it (from older serialized keys) are never sent
            nonce = self.by_origin.get(origin)
            if nonce is not None:
                return nonce
        return current if self.origin is None else None

    def record(self, origin: str | None, nonce: str) -> None:
        """Record the nonce that `origin` provided; it becomes the current one."""
        if origin is not None:
            self.by_origin.pop(origin, None)  # the most recent nonce comes last (DPoPKey.as_dict() relies on it)
            self.by_origin[origin] = nonce
        self.origin = origin


def dpop_challenge(www_authenticate: str | None) -> dict[str, str] | None:
    """Return the auth-params of the `DPoP` challenge in a `WWW-Authenticate` header, or None if there is none."""
    if not www_authenticate:
        return None
    try:
        challenge = find_challenge(parse_www_authenticate(www_authenticate), "DPoP")
    except InvalidWwwAuthenticate:
        return None  # a malformed header asks for nothing
    return dict(challenge.params) if challenge is not None else None
