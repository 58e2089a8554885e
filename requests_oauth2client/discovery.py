"""Helpers that compute the URLs of standard metadata documents (RFC 8414, OpenID Connect Discovery, RFC 9728)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .enums import WellKnownDocument

__all__ = [
    "WellKnownDocument",
    "oauth2_discovery_document_url",
    "oauth2_protected_resource_metadata_url",
    "oidc_discovery_document_url",
    "well_known_uri",
]


def well_known_uri(origin: str, name: str, *, at_root: bool = True) -> str:
    """Return the URI of a `.well-known` document.

    Args:
        origin: the origin (and optional path) the document belongs to, usually an issuer identifier.
        name: the document name, such as `openid-configuration`.
        at_root: if `True`, `.well-known` goes right after the host and the origin path is appended after
            the name (RFC 8414 §3.1); otherwise it is appended to the origin path (OpenID Connect Discovery).

    Example:
        >>> well_known_uri("https://as.example.com/tenant", "openid-configuration", at_root=False)
        'https://as.example.com/tenant/.well-known/openid-configuration'
    """
    parts = urlsplit(origin)
    path = parts.path.strip("/")
    segments = [".well-known", name, path] if at_root else [path, ".well-known", name]
    full_path = "/" + "/".join(segment for segment in segments if segment)
    return urlunsplit((parts.scheme, parts.netloc, full_path, "", ""))


def oidc_discovery_document_url(issuer: str) -> str:
    """Return the OpenID Connect Discovery document URL for an issuer.

    Example:
        >>> oidc_discovery_document_url("https://as.example.com/t")
        'https://as.example.com/t/.well-known/openid-configuration'
    """
    return well_known_uri(issuer, WellKnownDocument.OPENID_CONFIGURATION, at_root=False)


def oauth2_discovery_document_url(issuer: str) -> str:
    """Return the RFC 8414 Authorization Server Metadata URL for an issuer.

    Example:
        >>> oauth2_discovery_document_url("https://as.example.com/t")
        'https://as.example.com/.well-known/oauth-authorization-server/t'
    """
    return well_known_uri(issuer, WellKnownDocument.OAUTH_AUTHORIZATION_SERVER, at_root=True)


def oauth2_protected_resource_metadata_url(resource: str) -> str:
    """Return the URL of the metadata of a protected resource (RFC 9728 §3.1).

    `/.well-known/oauth-protected-resource` goes between the host and the path of the resource identifier (a path
    of `/` alone is dropped); the path, and a query, are kept as they are, trailing slash included: the `resource`
    of the document must then be identical to the resource identifier (RFC 9728 §3.3), so nothing is normalised
    (unlike `well_known_uri()`, which strips slashes). A fragment, which resource identifiers cannot have, is
    left out.

    Example:
        >>> oauth2_protected_resource_metadata_url("https://api.example.com/v1")
        'https://api.example.com/.well-known/oauth-protected-resource/v1'
        >>> oauth2_protected_resource_metadata_url("https://api.example.com/")
        'https://api.example.com/.well-known/oauth-protected-resource'
    """
    parts = urlsplit(resource)
    path = "" if parts.path == "/" else parts.path
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            f"/.well-known/{WellKnownDocument.OAUTH_PROTECTED_RESOURCE}{path}",
            parts.query,
            "",
        )
    )
