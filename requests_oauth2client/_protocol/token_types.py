"""Resolution of RFC 8693 token type identifiers from short names and token objects."""

from __future__ import annotations

from requests_oauth2client.exceptions import UnknownTokenType
from requests_oauth2client.tokens import BearerToken, IdToken

_URN_PREFIX = "urn:ietf:params:oauth:token-type:"
_SHORT_NAMES = ("saml1", "saml2", "jwt")


def get_token_type(token_type: str | None = None, token: str | BearerToken | IdToken | None = None) -> str:
    """Return the RFC 8693 token type identifier for a token and/or a short type name.

    Args:
        token_type: a type, short (`access_token`, `refresh_token`, `id_token`, `saml1`, `saml2`, `jwt`)
            or full (`urn:...`). Any other value is returned unchanged.
        token: the token, used to guess the type when `token_type` is None, and checked against it otherwise.

    Returns:
        the token type identifier.

    Raises:
        UnknownTokenType: when the type cannot be determined, or does not match the token.
    """
    if token_type is None:
        if token is None:
            raise UnknownTokenType("neither a token nor a token type was provided", token, token_type)
        if isinstance(token, BearerToken):
            return _URN_PREFIX + "access_token"
        if isinstance(token, IdToken):
            return _URN_PREFIX + "id_token"
        raise UnknownTokenType(
            "a token type is required unless the token is a BearerToken or an IdToken", token, token_type
        )
    if token_type == "access_token":
        if token is not None and not isinstance(token, str | BearerToken):
            raise UnknownTokenType("this token is not an access token", token, token_type)
        return _URN_PREFIX + "access_token"
    if token_type == "refresh_token":
        if isinstance(token, BearerToken) and not isinstance(token.refresh_token, str):
            raise UnknownTokenType("this BearerToken has no refresh token", token, token_type)
        if token is not None and not isinstance(token, str | BearerToken):
            raise UnknownTokenType("this token is not a refresh token", token, token_type)
        return _URN_PREFIX + "refresh_token"
    if token_type == "id_token":
        if token is not None and not isinstance(token, str | IdToken):
            raise UnknownTokenType("this token is not an ID Token", token, token_type)
        return _URN_PREFIX + "id_token"
    if token_type in _SHORT_NAMES:
        return _URN_PREFIX + token_type
    return token_type


def token_value(token: str | BearerToken | IdToken, token_type: str) -> str:
    """Return the string to send for a token of a given (full) type."""
    if isinstance(token, BearerToken) and token_type == _URN_PREFIX + "refresh_token":
        return str(token.refresh_token)
    return str(token)
