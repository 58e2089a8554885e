"""URI validation helpers, space-separated parameter values, and the `expires_in` to `expires_at` conversion."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from requests_oauth2client._protocol.expires_in import InvalidExpiresIn, argument_expires_at

__all__ = [
    "InvalidExpiresIn",
    "InvalidUri",
    "accepts_expires_in",
    "check_endpoint_url",
    "join_space_separated",
    "split_space_separated",
    "validate_endpoint_uri",
    "validate_issuer_uri",
]


class InvalidUri(ValueError):
    """Raised when a URI does not pass validation.

    Each boolean attribute tells whether the check of the same name failed.

    Args:
        url: the offending URI.
        https: `True` if the URI does not use https.
        no_credentials: `True` if the URI contains basic credentials.
        no_port: `True` if the URI has a custom port.
        no_fragment: `True` if the URI has a fragment.
        path: `True` if the URI has no path other than `/`.
        host: `True` if the URI has no host.
    """

    def __init__(
        self,
        url: str,
        *,
        https: bool,
        no_credentials: bool,
        no_port: bool,
        no_fragment: bool,
        path: bool,
        host: bool = False,
    ) -> None:
        super().__init__("Invalid endpoint uri.")
        self.url = url
        self.https = https
        self.no_credentials = no_credentials
        self.no_port = no_port
        self.no_fragment = no_fragment
        self.path = path
        self.host = host

    def errors(self) -> list[str]:
        """Return the description of each failed check, in a fixed order."""
        checks = (
            (self.https, "must use https"),
            (self.no_credentials, "must not contain basic credentials"),
            (self.no_port, "no custom port number allowed"),
            (self.no_fragment, "must not contain a uri fragment"),
            (self.path, "must include a path other than /"),
            (self.host, "must include a host"),
        )
        return [message for failed, message in checks if failed]

    def __str__(self) -> str:
        return "Invalid URI: " + ", ".join(self.errors())


def validate_endpoint_uri(
    uri: str,
    *,
    https: bool = True,
    no_credentials: bool = True,
    no_port: bool = False,
    no_fragment: bool = True,
    path: bool = True,
) -> str:
    """Check that a URI is suitable as an endpoint URI.

    A host is always required (`https:///token` is refused whatever the options).

    Args:
        uri: the URI to check.
        https: require the `https` scheme.
        no_credentials: refuse a `user:password@` part.
        no_port: refuse any port other than 443.
        no_fragment: refuse a `#fragment`.
        path: require a path other than empty or `/`.

    Returns:
        the URI, unchanged.

    Raises:
        InvalidUri: listing every failed check.

    Example:
        >>> validate_endpoint_uri("https://as.example.com/token")
        'https://as.example.com/token'
    """
    try:
        parts = urlsplit(uri)
        port = parts.port
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidUri(
            str(uri), https=True, no_credentials=False, no_port=False, no_fragment=False, path=False
        ) from exc
    failed_https = https and parts.scheme != "https"
    failed_credentials = no_credentials and (parts.username is not None or parts.password is not None)
    failed_port = no_port and port is not None and port != 443
    failed_fragment = no_fragment and bool(parts.fragment)
    failed_path = path and parts.path in ("", "/")
    failed_host = not parts.hostname
    if failed_https or failed_credentials or failed_port or failed_fragment or failed_path or failed_host:
        raise InvalidUri(
            uri,
            https=failed_https,
            no_credentials=failed_credentials,
            no_port=failed_port,
            no_fragment=failed_fragment,
            path=failed_path,
            host=failed_host,
        )
    return uri


def check_endpoint_url(uri: str, *, testing: bool = False, path: bool = True) -> str:
    """Check the URL of an endpoint or a document as the library does everywhere.

    Without `testing`, `validate_endpoint_uri()` with its defaults (and `path` as given); with `testing` (a local
    server in tests), only a host is required: any scheme, port, credentials, fragment or path.

    Returns:
        the URL, unchanged.

    Raises:
        InvalidUri: listing every failed check.
    """
    if testing:
        return validate_endpoint_uri(uri, https=False, no_credentials=False, no_fragment=False, path=False)
    return validate_endpoint_uri(uri, path=path)


def validate_issuer_uri(uri: str) -> str:
    """Check that a URI is suitable as an issuer identifier (an endpoint URI whose path may be empty).

    Raises:
        InvalidUri: if the URI is not suitable.
    """
    return validate_endpoint_uri(uri, path=False)


def join_space_separated(value: object, error: Callable[[object], Exception]) -> str | None:
    """Render a list parameter (`scope`, `acr_values`...) as its space-separated value.

    A str is kept as is, an iterable of str is joined with spaces. An empty value (`None`, `""`, `[]`, `()`) is
    no value: `None` is returned, so that the parameter is left out (RFC 6749 §3.3 has no empty scope).

    Args:
        value: the parameter value.
        error: builds the exception to raise from the offending value.

    Returns:
        the space-separated value, or `None` for an empty value.

    Raises:
        Exception: `error(value)` when the value is neither a str nor an iterable of str.

    Example:
        >>> join_space_separated(["openid", "email"], ValueError)
        'openid email'
        >>> join_space_separated([], ValueError) is None
        True
    """
    if value is None or isinstance(value, str):
        return value or None
    if not isinstance(value, Iterable):
        raise error(value)
    values = split_space_separated(value, error)
    return " ".join(values) or None if values else None


def split_space_separated(value: object, error: Callable[[object], Exception]) -> tuple[str, ...] | None:
    """Turn a list parameter into a tuple of str: a str is split on single spaces, an iterable of str is kept.

    An empty value (`None`, `""`, `[]`, `()`, or any falsy value) gives `None`.

    Args:
        value: the parameter value.
        error: builds the exception to raise from the offending value.

    Raises:
        Exception: `error(value)` when the value is neither a str nor an iterable of str.

    Example:
        >>> split_space_separated("openid email", ValueError)
        ('openid', 'email')
    """
    if isinstance(value, str):
        return tuple(value.split(" ")) if value else None
    if not value:
        return None
    if not isinstance(value, Iterable):
        raise error(value)
    try:
        values = tuple(value)
    except Exception as exc:  # an iterable that fails while iterating
        raise error(value) from exc
    if not all(isinstance(item, str) for item in values):
        raise error(value)
    return values or None


F = TypeVar("F", bound=Callable[..., Any])


def accepts_expires_in(f: F) -> F:
    """Decorate a constructor so that it accepts `expires_in` (seconds) instead of `expires_at`.

    A non-zero `expires_in` wins over `expires_at` and is converted to an aware UTC datetime, with microseconds
    dropped; `0` and None leave `expires_at` as given. The accepted forms and the errors are those of the one
    `expires_in` policy (`requests_oauth2client._protocol.expires_in`): an int, a float (rounded away from zero) or a
    string of digits; anything else raises `InvalidExpiresIn`.
    """

    @functools.wraps(f)
    def decorator(*args: Any, expires_in: float | str | None = None, **kwargs: Any) -> Any:
        expires_at = argument_expires_at(expires_in)
        if expires_at is not None:
            kwargs["expires_at"] = expires_at
        return f(*args, **kwargs)

    return decorator  # type: ignore[return-value]
