"""Pure handling of Authorization Server metadata documents (RFC 8414, OpenID Connect Discovery 1.0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exceptions import InvalidDiscoveryDocument, InvalidParam

ENDPOINT_KEYS = (
    "token_endpoint",
    "authorization_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "userinfo_endpoint",
    "pushed_authorization_request_endpoint",
    "device_authorization_endpoint",
    "backchannel_authentication_endpoint",
    "jwks_uri",
)
"""The metadata entries that name an endpoint the client uses, each mapped to the client attribute of that name."""


def client_settings_from_metadata(
    discovery: object, issuer: str | None = None, *, mtls: bool = False
) -> dict[str, Any]:
    """Check an Authorization Server metadata document and return the matching `OAuth2Client` settings.

    Args:
        discovery: the decoded metadata document.
        issuer: the expected issuer; when given, the document's `issuer` must be exactly equal.
        mtls: use the `mtls_endpoint_aliases` of the document (RFC 8705) in place of the plain endpoints.

    Returns:
        the keyword arguments for `OAuth2Client`: every endpoint the document names, `issuer` and
        `authorization_response_iss_parameter_supported`.

    Raises:
        InvalidDiscoveryDocument: if the document is not a JSON object, or has no valid `token_endpoint`.
        InvalidParam: if the document's issuer is not the expected one.
    """
    if not isinstance(discovery, Mapping):
        raise InvalidDiscoveryDocument("The discovery document is not a JSON object.", discovery)
    document_issuer = discovery.get("issuer")
    if issuer is not None and document_issuer != issuer:
        raise InvalidParam(
            f"Mismatching issuer value in discovery document (received '{document_issuer}', expected '{issuer}')."
        )
    if document_issuer is not None and not isinstance(document_issuer, str):
        raise InvalidDiscoveryDocument("The `issuer` of the discovery document is not a string.", discovery)
    aliases = discovery.get("mtls_endpoint_aliases") if mtls else None
    if not isinstance(aliases, Mapping):
        aliases = {}
    settings: dict[str, Any] = {}
    for key in ENDPOINT_KEYS:
        value = aliases.get(key, discovery.get(key))
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise InvalidDiscoveryDocument(f"The `{key}` of the discovery document is not a string.", discovery)
        settings[key] = value
    if "token_endpoint" not in settings:
        raise InvalidDiscoveryDocument("The discovery document has no `token_endpoint`.", discovery)
    settings["issuer"] = issuer if issuer is not None else document_issuer
    settings["authorization_response_iss_parameter_supported"] = (
        discovery.get("authorization_response_iss_parameter_supported") is True
    )
    return settings
