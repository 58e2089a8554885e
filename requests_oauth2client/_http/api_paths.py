"""The paths of `ApiClient`: joined under its base URL, and refused when they could lead outside it.

Absolute URLs, scheme-relative `//host` paths, backslashes, control characters and `..` segments that would climb
above the base path are refused with `InvalidPathParam`, so that a client never sends a request (nor its
credentials) outside its API. Pure; `InvalidPathParam` and `PathType` are public in `api_client` (and the root).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = ["InvalidPathParam", "PathType", "check_relative_path", "join_parts", "resolve", "resolve_cached"]

#: What `ApiClient` accepts as a path: a string (or bytes), or an iterable of parts.
PathType = str | bytes | Iterable[str | bytes | int]

# "scheme:" at the start of a path: RFC 3986 scheme syntax.
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# ASCII control characters: some URL parsers silently drop tabs and newlines, which could hide a `..` segment.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Where the path part of a relative path ends.
_QUERY_OR_FRAGMENT_RE = re.compile(r"[?#]")


class InvalidPathParam(TypeError, ValueError):
    """Raised when a path given to `ApiClient` is unusable, or would lead outside its `base_url`.

    Args:
        path: the offending path, also available as `.url`.
        reason: why it is refused.
    """

    def __init__(self, path: object, reason: str = "it is not a valid relative path") -> None:
        super().__init__(f"Invalid path {path!r}: {reason}.")
        self.url = path


def check_relative_path(original: object, path: str) -> None:
    """Refuse anything in a (decoded) relative path that could lead outside the base URL."""
    if "://" in path:
        raise InvalidPathParam(original, "absolute URLs are not allowed")
    if _CONTROL_RE.search(path):
        raise InvalidPathParam(original, "control characters are not allowed")
    path_part = _QUERY_OR_FRAGMENT_RE.split(path, maxsplit=1)[0]
    if "\\" in path_part:
        raise InvalidPathParam(original, "backslashes are not allowed")
    if path_part.startswith("//"):
        raise InvalidPathParam(original, "scheme-relative URLs are not allowed")
    if _SCHEME_RE.match(path_part.lstrip("/")):
        raise InvalidPathParam(original, "absolute URLs are not allowed")
    # Walk the segments the way a server decoding %2e / %2f, merging slashes and removing dot segments would.
    depth = 0
    for segment in unquote(path_part).replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            depth -= 1
            if depth < 0:
                raise InvalidPathParam(original, "it climbs above the base URL")
        else:
            depth += 1


def resolve(base_url: str, original: object, relative: str) -> str:
    """Check `relative` (the decoded form of the path `original`) and join it under `base_url`.

    Raises:
        InvalidPathParam: if `relative` could lead outside `base_url`.
    """
    check_relative_path(original, relative)
    relative = relative.lstrip("/")
    if not relative:
        return base_url
    scheme, netloc, base_path, base_query, _ = urlsplit(base_url)
    before_fragment, has_fragment, fragment = relative.partition("#")
    rel_path, has_query, rel_query = before_fragment.partition("?")
    joined_path = f"{base_path.rstrip('/')}/{rel_path}"
    query = rel_query if has_query else base_query
    return urlunsplit((scheme, netloc, joined_path, query, fragment if has_fragment else ""))


# An API client usually sends requests to a handful of fixed paths: caching the checked and joined URL per
# (base_url, path) takes the path checks and URL parsing off the per-request cost. Only exact `str` paths are
# cached (see `ApiClient.to_absolute_url()`), so the result is the one `resolve()` would compute; refused paths
# raise and are never cached. Bounded, so that paths built from ids only churn a small cache.
@lru_cache(maxsize=256)
def resolve_cached(base_url: str, path: str) -> str:
    """`resolve()` for a `str` path, cached."""
    return resolve(base_url, path, path)


def join_parts(original: object, parts: Iterable[str | bytes | int]) -> str:
    """Join path parts with `/`, each one URL-quoted (a `/` inside a part stays encoded)."""
    try:
        texts = [part.decode() if isinstance(part, bytes) else str(part) for part in parts]
    except (TypeError, ValueError) as exc:
        raise InvalidPathParam(original, "it must be a string or an iterable of path parts") from exc
    # `/` around a part is the caller's separator, not part of the name (["/users", 42] is users/42); a `/` inside a
    # part stays encoded
    stripped = (text.strip("/") for text in texts)
    return "/".join(quote(text, safe="") for text in stripped if text)
