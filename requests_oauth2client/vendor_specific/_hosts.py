"""Host names given to the vendor helpers: a bare name, or an `https://` URL without a path."""

from __future__ import annotations

import re

__all__ = ["host_name"]

# A DNS host name: dot-separated labels of letters, digits and inner hyphens.
_HOST_NAME = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\Z",
    re.IGNORECASE | re.ASCII,
)


def host_name(value: str, what: str) -> str:
    """Return the host name in `value`: the value itself, or the host of an `https://host` URL.

    Args:
        value: a host name (`login.example.com`), optionally with an `https://` prefix and a trailing `/`.
        what: what the value is, for the error messages (`"Okta domain"`).

    Returns:
        the host name.

    Raises:
        ValueError: if the value is empty, uses a scheme other than https, or is not a host name.
    """
    if not isinstance(value, str) or not value:
        msg = f"You must specify the {what}."
        raise ValueError(msg)
    host = value
    if "://" in host:
        scheme, _, host = host.partition("://")
        if scheme.lower() != "https":
            msg = f"Invalid {what} '{value}': it is only reachable over https, not '{scheme}'."
            raise ValueError(msg)
    if host.endswith("/"):
        host = host[:-1]
    if not _HOST_NAME.match(host):
        msg = f"Invalid {what} '{value}': it must be a domain name."
        raise ValueError(msg)
    return host
