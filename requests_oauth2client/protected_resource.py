"""Protected resources: their metadata (RFC 9728), and the errors of their challenges (RFC 6750, RFC 9470).

`validate_resource_metadata()` checks a protected resource metadata document and returns a
`ProtectedResourceMetadata`; it does no I/O (`ApiClient.from_metadata_endpoint()` fetches the document, with the
redirect rules of discovery: within the document's origin only). The checks, in order:

1. the document is a JSON object (`InvalidDiscoveryDocument`);
2. `resource` is a non-empty string without fragment (`InvalidDiscoveryDocument`), identical to the resource
   identifier the document was fetched for (RFC 9728 §3.3, `MismatchingResourceIdentifier`): the one given, else the
   one the well-known URL of the document names;
3. `authorization_servers`, when present, is a list of issuer identifiers (absolute http(s) URLs without query nor
   fragment); the other members RFC 9728 §2 defines have their types (lists of strings, strings, booleans).
   `signed_metadata` is not verified, and its claims are not used.

`check_authorization_server()` then tells whether the resource accepts tokens of an issuer
(`MismatchingAuthorizationServerIdentifier`); the issuer's own metadata must name that same issuer, which
`OAuth2Client.from_discovery_endpoint(issuer=...)` checks.

`raise_for_resource_error()` turns a refusal whose challenge says `insufficient_scope` or
`insufficient_user_authentication` into `InsufficientScope` or `InsufficientUserAuthentication`, carrying the
challenge. `ApiClient` calls it whenever it raises for error statuses (`raise_for_status=True`, the default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from attrs import frozen

from ._errors.resource import RESOURCE_ERROR_CLASSES
from .discovery import oauth2_protected_resource_metadata_url
from .enums import WellKnownDocument
from .exceptions import (
    InvalidDiscoveryDocument,
    MismatchingAuthorizationServerIdentifier,
    MismatchingResourceIdentifier,
)
from .www_authenticate import response_challenges

if TYPE_CHECKING:
    import requests

__all__ = [
    "ProtectedResourceMetadata",
    "check_authorization_server",
    "raise_for_resource_error",
    "resource_of_metadata_url",
    "validate_resource_metadata",
]

_STRING_LISTS = (
    "scopes_supported",
    "bearer_methods_supported",
    "resource_signing_alg_values_supported",
    "authorization_details_types_supported",
    "dpop_signing_alg_values_supported",
)
_STRINGS = ("jwks_uri", "resource_name", "resource_documentation", "resource_policy_uri", "resource_tos_uri")
_BOOLEANS = ("tls_client_certificate_bound_access_tokens", "dpop_bound_access_tokens_required")
_WELL_KNOWN_PREFIX = f"/.well-known/{WellKnownDocument.OAUTH_PROTECTED_RESOURCE}"


@frozen
class ProtectedResourceMetadata:
    """A checked protected resource metadata document (RFC 9728 §2).

    Attributes:
        resource: the resource identifier (an URL): the base URL of its API, and the RFC 8707 `resource` to ask
            tokens for.
        authorization_servers: the issuers of the Authorization Servers whose tokens the resource accepts.
        scopes_supported: the scopes the resource uses, if it says.
        document: the whole document, with every member (also the ones not listed here).
        url: the URL the document was fetched from, if known.
    """

    resource: str
    authorization_servers: tuple[str, ...]
    scopes_supported: tuple[str, ...] | None
    document: Mapping[str, Any]
    url: str | None = None

    def get(self, name: str) -> Any:
        """Return a member of the document, or None when it has none."""
        return self.document.get(name)

    @property
    def dpop_bound_access_tokens_required(self) -> bool:
        """Whether the resource accepts only DPoP-bound access tokens (RFC 9728 §2)."""
        return self.document.get("dpop_bound_access_tokens_required") is True


def resource_of_metadata_url(url: str) -> str | None:
    """Return the resource identifier that a protected resource metadata URL names (RFC 9728 §3.1), or None.

    Example:
        >>> resource_of_metadata_url("https://api.example.com/.well-known/oauth-protected-resource/v1")
        'https://api.example.com/v1'
        >>> resource_of_metadata_url("https://api.example.com/other") is None
        True
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = parts.path
    if (
        not parts.scheme
        or not parts.netloc
        or not (path == _WELL_KNOWN_PREFIX or path.startswith(_WELL_KNOWN_PREFIX + "/"))
    ):
        return None
    return urlunsplit((parts.scheme, parts.netloc, path[len(_WELL_KNOWN_PREFIX) :], parts.query, ""))


def validate_resource_metadata(
    document: object, resource: str | None = None, *, url: str | None = None
) -> ProtectedResourceMetadata:
    """Check a protected resource metadata document, and return it as a `ProtectedResourceMetadata`.

    Args:
        document: the decoded JSON document.
        resource: the resource identifier it was fetched for, which its `resource` must be identical to. For
            a document whose URL came from a `resource_metadata` challenge parameter, that is the URL of the
            request that was refused (RFC 9728 §3.3).
        url: the URL the document was fetched from. Without `resource`, when it is a well-known URL, the
            resource it names is expected (a slash alone after the host apart, which the well-known URL drops).

    Returns:
        the checked metadata.

    Raises:
        InvalidDiscoveryDocument: when the document is not a JSON object, or a member has the wrong type.
        MismatchingResourceIdentifier: when its `resource` is not the expected one.
    """
    if not isinstance(document, Mapping):
        raise InvalidDiscoveryDocument("The protected resource metadata is not a JSON object.", document, url)
    received = document.get("resource")
    if not isinstance(received, str) or not received or "#" in received:
        raise InvalidDiscoveryDocument(
            "The protected resource metadata has no valid `resource` (a URL without fragment).", document, url
        )
    if resource is not None:
        if received != resource:
            raise MismatchingResourceIdentifier(resource, document, url)
    elif url is not None:
        named = resource_of_metadata_url(url)
        if named is not None and oauth2_protected_resource_metadata_url(received) != url.split("#")[0]:
            raise MismatchingResourceIdentifier(named, document, url)
    authorization_servers = document.get("authorization_servers", [])
    if not isinstance(authorization_servers, list) or not all(_is_issuer(item) for item in authorization_servers):
        raise InvalidDiscoveryDocument(
            "The `authorization_servers` of the protected resource metadata is not a list of issuer identifiers.",
            document,
            url,
        )
    for name in _STRING_LISTS:
        value = document.get(name)
        if value is not None and (not isinstance(value, list) or not all(isinstance(item, str) for item in value)):
            raise InvalidDiscoveryDocument(
                f"The `{name}` of the protected resource metadata is not a list of strings.", document, url
            )
    for name, kind in (*((name, str) for name in _STRINGS), *((name, bool) for name in _BOOLEANS)):
        value = document.get(name)
        if value is not None and not isinstance(value, kind):
            raise InvalidDiscoveryDocument(
                f"The `{name}` of the protected resource metadata is not a {kind.__name__}.", document, url
            )
    scopes = document.get("scopes_supported")
    return ProtectedResourceMetadata(
        resource=received,
        authorization_servers=tuple(authorization_servers),
        scopes_supported=tuple(scopes) if scopes is not None else None,
        document=dict(document),
        url=url,
    )


def check_authorization_server(metadata: ProtectedResourceMetadata, issuer: str | None) -> None:
    """Check that a protected resource accepts tokens from an issuer: it is one of its `authorization_servers`.

    Raises:
        MismatchingAuthorizationServerIdentifier: when it is not (or when `issuer` is None: unknown).
    """
    if issuer is None or issuer not in metadata.authorization_servers:
        raise MismatchingAuthorizationServerIdentifier(issuer, metadata.document, metadata.url)


def raise_for_resource_error(response: requests.Response) -> None:
    """Raise the typed error of a refusal from a protected resource, when its challenge names a known one.

    A 401 or 403 response whose `WWW-Authenticate` header has a challenge with `error="insufficient_scope"` raises
    `InsufficientScope`, with `error="insufficient_user_authentication"` `InsufficientUserAuthentication` (both are
    `requests.HTTPError`s, carrying the response and the challenge). Anything else returns None: call
    `response.raise_for_status()` for the other errors. A header that does not follow the syntax names nothing.

    Raises:
        ProtectedResourceError: the typed error.
    """
    if response.status_code not in (401, 403):
        return
    for challenge in response_challenges(response, strict=False):
        error_class = RESOURCE_ERROR_CLASSES.get(challenge.error or "")
        if error_class is not None:
            raise error_class(response, challenge)


def _is_issuer(value: object) -> bool:
    """Tell whether a value is an issuer identifier: an absolute http(s) URL with a host, without query nor fragment."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname) and not parts.query and not parts.fragment
