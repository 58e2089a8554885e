"""Origins (`scheme://host:port`, RFC 6454) of URLs and responses, where a redirect leads, and resending.

Credentials are bound to an origin: DPoP nonces are kept per origin, an auth handler renews a token only for the
origin it sent it to, and nothing that carries a credential follows a redirect to another origin. These helpers
tell the origins apart (cached, with the standard library only, as they run on every request). Sending a request
again from a response hook is in `_http.resend`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable

    import requests


NO_ORIGIN = ""
"""What `origin_of()` returns for a URL without an origin; credentials filed under it are never sent."""


@lru_cache(maxsize=512)
def htu_and_origin(url: str) -> tuple[str, str]:
    """Return the DPoP `htu` of a URL (query, fragment and userinfo removed) and its origin (`scheme://host:port`).

    The origin is `NO_ORIGIN` (`""`) when the URL has none (a relative or unparsable URL).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # e.g. an invalid port or IPv6 literal: still never send the query or fragment
        return url.split("#", 1)[0].split("?", 1)[0], NO_ORIGIN
    netloc = parts.netloc.rpartition("@")[2]
    if not parts.scheme and not netloc:
        return parts.path, NO_ORIGIN
    htu = f"{parts.scheme}://{netloc}{parts.path}"
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None:
        port = {"https": 443, "http": 80}.get(scheme)
    origin = f"{scheme}://{host}:{port}" if port is not None else f"{scheme}://{host}"
    return htu, origin


def origin_of(url: str) -> str:
    """Return the origin of a URL, `scheme://host:port` (default ports made explicit), or `NO_ORIGIN` if none."""
    return htu_and_origin(url)[1]


def same_origin(url: str, other: str) -> bool:
    """Tell whether two URLs have the same, known origin."""
    origin = origin_of(url)
    return bool(origin) and origin == origin_of(other)


def response_origin(response: requests.Response) -> str | None:
    """Return the origin of the request that a response answers, or None when it is unknown."""
    request = getattr(response, "request", None)
    url = getattr(request, "url", None) or getattr(response, "url", None)
    return origin_of(url) if isinstance(url, str) and url else None


def redirect_location(response: requests.Response) -> str | None:
    """Return the absolute URL a redirect response points to, or None when it has no `Location`."""
    location = response.headers.get("Location")
    if not location:
        return None
    request = getattr(response, "request", None)
    base = getattr(request, "url", None) or response.url or ""
    try:
        return urljoin(base, location)
    except ValueError:
        return location


def leaves_origin(response: requests.Response, origin: str) -> bool:
    """Tell whether a response redirects to a URL outside `origin` (an unknown target counts as outside)."""
    if not response.is_redirect:
        return False
    target = redirect_location(response)
    return target is None or origin_of(target) != origin or not origin


def forget_credentials_before_leaving(response: requests.Response, origin: str, headers: Iterable[str]) -> None:
    """Remove credential headers from the request a redirect will copy, when the redirect leaves `origin`.

    `requests` builds each hop of a redirect by copying the request of the previous response, after that
    response's hooks ran; it drops `Authorization` when the host changes, but not other headers (such as the DPoP
    proof) nor `Authorization` on an http to https upgrade of the same host. A response hook calls this so that no
    credential of `origin` reaches another origin.
    """
    request = response.request
    if request is None or not leaves_origin(response, origin):
        return
    for name in headers:
        request.headers.pop(name, None)
