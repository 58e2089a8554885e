"""The errors of discovery: metadata or keys of an Authorization Server or a resource are unusable or unreachable.

They are public in [requests_oauth2client.exceptions][] (and the package root); `MismatchingDiscoveryIssuer`, which
is also an `InvalidParam`, is defined there.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

__all__ = [
    "DiscoveryHTTPError",
    "DiscoveryRedirectError",
    "FailedDiscoveryError",
    "InvalidDiscoveryDocument",
    "MismatchingAuthorizationServerIdentifier",
    "MismatchingResourceIdentifier",
]


class FailedDiscoveryError(Exception):
    """The metadata or the public keys of an Authorization Server cannot be fetched, or are not usable.

    Args:
        message: what went wrong.
        metadata: the document at fault, when there is one.
        url: the URL of the document, when known.
    """

    def __init__(self, message: str, metadata: object = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata
        self.url = url


class InvalidDiscoveryDocument(FailedDiscoveryError, ValueError):
    """A discovery document (or a JSON Web Key Set) is not valid.

    Attributes:
        discovery_document: the offending document (also in `metadata`).
    """

    def __init__(self, message: str, discovery_document: object, url: str | None = None) -> None:
        super().__init__(message, discovery_document, url)
        self.discovery_document = discovery_document


class DiscoveryHTTPError(FailedDiscoveryError, requests.HTTPError):
    """A metadata document or a JSON Web Key Set was answered with an HTTP error status.

    It is also a `requests.HTTPError`, with the `response`.

    Args:
        response: the answer.
        url: the URL of the document.
        hint: what to do about it, added to the message.
    """

    def __init__(self, response: requests.Response, url: str, hint: str | None = None) -> None:
        message = f"The document at '{url}' could not be fetched: HTTP status {response.status_code}."
        if hint is None and response.status_code >= 500:
            hint = "The server failed or is unavailable: retrying later may succeed."
        super().__init__(f"{message} {hint}" if hint else message, None, url)
        self.response = response
        self.request = response.request


class DiscoveryRedirectError(FailedDiscoveryError):
    """Fetching a metadata document or a JSON Web Key Set was redirected to another origin, or too many times.

    Public documents of the AS follow redirects within their origin only, so that another server cannot
    substitute its own metadata or keys.

    Attributes:
        response: the redirect response.
        location: the `Location` it points to (None when it has none).
    """

    def __init__(self, message: str, response: requests.Response, url: str, location: str | None) -> None:
        super().__init__(message, None, url)
        self.response = response
        self.location = location


class MismatchingResourceIdentifier(FailedDiscoveryError):
    """The `resource` of a protected resource metadata document is not the resource it was fetched for.

    RFC 9728 §3.3: the `resource` must be identical to the resource identifier the metadata URL was built from (or
    to the URL of the request, when the URL came from a `resource_metadata` challenge parameter); otherwise the
    document describes another resource (perhaps one impersonating it) and must not be used.

    Attributes:
        expected: the resource identifier the document was fetched for.
        received: the `resource` of the document.
    """

    def __init__(self, expected: str, metadata: object, url: str | None = None) -> None:
        received = metadata.get("resource") if isinstance(metadata, Mapping) else None
        super().__init__(
            f"The protected resource metadata{_at(url)} describes the resource {received!r}, not {expected!r}"
            " (RFC 9728 §3.3): it is not used.",
            metadata,
            url,
        )
        self.expected = expected
        self.received = received


class MismatchingAuthorizationServerIdentifier(FailedDiscoveryError):
    """The issuer of the client is not one of the `authorization_servers` of a protected resource.

    Tokens of that Authorization Server are not meant for the resource, and the resource must not receive them.

    Attributes:
        expected: the issuer of the client (None when the client does not know its issuer).
        received: the `authorization_servers` of the protected resource metadata.
    """

    def __init__(self, expected: str | None, metadata: object, url: str | None = None) -> None:
        received = metadata.get("authorization_servers") if isinstance(metadata, Mapping) else None
        reason = (
            "the client does not know its issuer, so it cannot be checked: configure `issuer`, or pass"
            " `check_issuer=False`"
            if expected is None
            else f"the client's issuer {expected!r} is not one of them"
        )
        super().__init__(
            f"The protected resource metadata{_at(url)} names the authorization servers {received!r}; {reason}.",
            metadata,
            url,
        )
        self.expected = expected
        self.received = received


def _at(url: str | None) -> str:
    return f" at '{url}'" if url else ""
