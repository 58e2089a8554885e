"""Pure handling of Authorization Server metadata documents (RFC 8414, OpenID Connect Discovery 1.0) and key sets.

`client_settings_from_metadata()` checks a metadata document and returns the `OAuth2Client` settings it gives;
`jwks_from_document()` checks a JSON Web Key Set. Both take any decoded JSON and either return a result or raise
`InvalidDiscoveryDocument` (or a subclass).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jwskate import Jwk, JwkSet

from requests_oauth2client._http.origins import origin_of
from requests_oauth2client.discovery import oauth2_discovery_document_url
from requests_oauth2client.enums import Endpoints
from requests_oauth2client.exceptions import InvalidDiscoveryDocument, MismatchingDiscoveryIssuer

ENDPOINT_KEYS = tuple(endpoint.value for endpoint in Endpoints)
"""The metadata entries that name an endpoint the client uses (`enums.Endpoints`), each the client attribute of that
name."""

WELL_KNOWN_DOCUMENTS = ("openid-configuration", "oauth-authorization-server")
"""The names of the metadata documents under `/.well-known/` (OpenID Connect Discovery §4, RFC 8414 §3)."""


def client_settings_from_metadata(
    discovery: object, issuer: str | None = None, *, mtls: bool = False, url: str | None = None
) -> dict[str, Any]:
    """Check an Authorization Server metadata document and return the matching `OAuth2Client` settings.

    Args:
        discovery: the decoded metadata document.
        issuer: the expected issuer; when given, the document's `issuer` must be exactly equal.
        mtls: use the `mtls_endpoint_aliases` of the document (RFC 8705) in place of the plain endpoints.
        url: the URL the document was fetched from. Without `issuer`, when it is a well-known URL, the issuer it
            names is expected (see `issuer_from_well_known_url()`), a trailing slash apart.

    Returns:
        the keyword arguments for `OAuth2Client`: every endpoint the document names, `issuer` and
        `authorization_response_iss_parameter_supported`.

    Raises:
        MismatchingDiscoveryIssuer: if the document's issuer is not the expected one (it is an `InvalidParam` too).
        InvalidDiscoveryDocument: if the document is not a JSON object, has no valid `token_endpoint`, or names an
            endpoint that is not an absolute http(s) URL with a host.
    """
    if not isinstance(discovery, Mapping):
        raise InvalidDiscoveryDocument("The discovery document is not a JSON object.", discovery, url)
    document_issuer = discovery.get("issuer")
    if issuer is not None and document_issuer != issuer:
        raise MismatchingDiscoveryIssuer(document_issuer, issuer, discovery, url)
    if document_issuer is not None and not isinstance(document_issuer, str):
        raise InvalidDiscoveryDocument("The `issuer` of the discovery document is not a string.", discovery, url)
    expected = issuer_from_well_known_url(url) if issuer is None and url is not None else None
    if expected is not None and not _same_issuer(document_issuer, expected):
        raise MismatchingDiscoveryIssuer(document_issuer, expected, discovery, url)
    aliases = discovery.get("mtls_endpoint_aliases") if mtls else None
    if not isinstance(aliases, Mapping):
        aliases = {}
    settings: dict[str, Any] = {}
    for key in ENDPOINT_KEYS:
        value = aliases.get(key, discovery.get(key))
        if value is None:
            continue
        if not isinstance(value, str) or not _is_absolute_url(value):
            raise InvalidDiscoveryDocument(
                f"The `{key}` of the discovery document is not an absolute http(s) URL with a host.", discovery, url
            )
        settings[key] = value
    if "token_endpoint" not in settings:
        raise InvalidDiscoveryDocument("The discovery document has no `token_endpoint`.", discovery, url)
    settings["issuer"] = issuer if issuer is not None else document_issuer
    settings["authorization_response_iss_parameter_supported"] = (
        discovery.get("authorization_response_iss_parameter_supported") is True
    )
    return settings


def client_secret_method(discovery: Mapping[str, Any]) -> str:
    """The method a client sends its secret with, for an AS whose metadata is `discovery`.

    `client_secret_basic` when the AS lists its `token_endpoint_auth_methods_supported` without
    `client_secret_post`; else `client_secret_post`, the default of `OAuth2Client` (so, also without that list).
    """
    methods = discovery.get("token_endpoint_auth_methods_supported")
    if isinstance(methods, list) and "client_secret_post" not in methods:
        return "client_secret_basic"
    return "client_secret_post"


def issuer_from_well_known_url(url: str) -> str | None:
    """Return the issuer that a well-known metadata URL belongs to, or None when the URL is not one.

    The document name (`openid-configuration` or `oauth-authorization-server`) under `/.well-known/` is either
    appended to the issuer (OpenID Connect Discovery §4) or inserted between the host and the issuer path
    (RFC 8414 §3.1, also used for `openid-configuration` by some servers, RFC 8414 §5). Query and fragment are
    ignored.

    Example:
        >>> issuer_from_well_known_url("https://as.example.com/tenant/.well-known/openid-configuration")
        'https://as.example.com/tenant'
        >>> issuer_from_well_known_url("https://as.example.com/.well-known/oauth-authorization-server/tenant")
        'https://as.example.com/tenant'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    path = parts.path
    for name in WELL_KNOWN_DOCUMENTS:
        marker = f"/.well-known/{name}"
        if path.endswith(marker):
            issuer_path = path[: -len(marker)]
        elif path.startswith(marker + "/"):
            issuer_path = path[len(marker) :]
        else:
            continue
        return urlunsplit((parts.scheme, parts.netloc, issuer_path, "", ""))
    return None


def oauth_authorization_server_url(url: str) -> str | None:
    """The RFC 8414 metadata URL of the issuer whose OpenID Connect discovery URL is `url`; None for another URL.

    RFC 8414 §3.1 inserts `/.well-known/oauth-authorization-server` between the host and the issuer path, where
    OpenID Connect Discovery §4 appends `/.well-known/openid-configuration` to the issuer: the two URLs are at the
    same place only for an issuer without path.

    Example:
        >>> oauth_authorization_server_url("https://as.example.com/tenant/.well-known/openid-configuration")
        'https://as.example.com/.well-known/oauth-authorization-server/tenant'
    """
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    issuer = issuer_from_well_known_url(url) if path.endswith("/.well-known/openid-configuration") else None
    return oauth2_discovery_document_url(issuer) if issuer is not None else None


def jwks_from_document(document: object, url: str | None = None) -> JwkSet:
    """Check a JSON Web Key Set document (RFC 7517 §5) and return its usable keys.

    Keys that are not valid JWKs, or of a type this library does not know, are left out: they cannot verify
    anything, and a new key type published by the AS must not make its other keys unusable.

    Raises:
        InvalidDiscoveryDocument: if the document is not a JSON object with a `keys` array.
    """
    keys = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(keys, list):
        raise InvalidDiscoveryDocument("The jwks_uri did not return a JSON Web Key Set.", document, url)
    jwks = JwkSet()
    for key in keys:
        if not isinstance(key, Mapping):
            continue
        try:
            jwks.add_jwk(Jwk(key))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return jwks


def _is_absolute_url(value: str) -> bool:
    """Tell whether a value is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError:
        return False
    return parts.scheme.lower() in ("https", "http") and bool(parts.hostname)


def _same_issuer(document_issuer: object, expected: str) -> bool:
    """Compare an issuer with the one a well-known URL names: same origin, same path but for a trailing slash."""
    if not isinstance(document_issuer, str):
        return False
    try:
        received, wanted = urlsplit(document_issuer), urlsplit(expected)
    except ValueError:
        return False
    return (
        not received.query
        and not received.fragment
        and bool(origin_of(expected))
        and origin_of(document_issuer) == origin_of(expected)
        and received.path.rstrip("/") == wanted.path.rstrip("/")
    )
