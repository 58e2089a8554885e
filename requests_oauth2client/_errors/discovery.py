"""The errors of discovery: the metadata or the public keys of an Authorization Server are unusable or unreachable.

They are public in [requests_oauth2client.exceptions][] (and the package root); `MismatchingDiscoveryIssuer`, which
is also an `InvalidParam`, is defined there.
"""

from __future__ import annotations

import requests

__all__ = ["DiscoveryHTTPError", "DiscoveryRedirectError", "FailedDiscoveryError", "InvalidDiscoveryDocument"]


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
    """

    def __init__(self, response: requests.Response, url: str) -> None:
        super().__init__(
            f"The document at '{url}' could not be fetched: HTTP status {response.status_code}.", None, url
        )
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
