"""Enumerations of the standard values used in OAuth 2.x and OpenID Connect.

Every member is a `str`: it compares equal to its value, and `str(member)` is the value itself
(as with `enum.StrEnum`, which Python 3.10 lacks).
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "AccessTokenTypes",
    "CodeChallengeMethods",
    "Endpoints",
    "GrantTypes",
    "JwtTypes",
    "ResponseTypes",
    "TokenType",
    "WellKnownDocument",
]


class _StrEnum(str, Enum):
    """A `str` enum whose `str()` and `format()` give the value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return str(self.value).__format__(format_spec)


class Endpoints(_StrEnum):
    """The names of the Authorization Server endpoints, as used in its metadata document."""

    TOKEN = "token_endpoint"
    AUTHORIZATION = "authorization_endpoint"
    BACKCHANNEL_AUTHENTICATION = "backchannel_authentication_endpoint"
    DEVICE_AUTHORIZATION = "device_authorization_endpoint"
    INTROSPECTION = "introspection_endpoint"
    REVOCATION = "revocation_endpoint"
    PUSHED_AUTHORIZATION_REQUEST = "pushed_authorization_request_endpoint"
    JWKS = "jwks_uri"
    USER_INFO = "userinfo_endpoint"
    END_SESSION = "end_session_endpoint"
    REGISTRATION = "registration_endpoint"


class GrantTypes(_StrEnum):
    """The standard grant types."""

    CLIENT_CREDENTIALS = "client_credentials"
    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"
    RESOURCE_OWNER_PASSWORD = "password"
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
    JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    CLIENT_INITIATED_BACKCHANNEL_AUTHENTICATION = "urn:openid:params:grant-type:ciba"
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


class ResponseTypes(_StrEnum):
    """The response types of authorization requests."""

    CODE = "code"
    NONE = "none"
    TOKEN = "token"
    IDTOKEN = "id_token"
    CODE_IDTOKEN = "code id_token"
    CODE_TOKEN = "code token"
    CODE_IDTOKEN_TOKEN = "code id_token token"
    IDTOKEN_TOKEN = "id_token token"


class CodeChallengeMethods(_StrEnum):
    """The PKCE code challenge methods (RFC 7636)."""

    S256 = "S256"
    plain = "plain"


class TokenType(_StrEnum):
    """The short names of token types, usable as token type hints."""

    ACCESS_TOKEN = "access_token"
    REFRESH_TOKEN = "refresh_token"
    ID_TOKEN = "id_token"


class AccessTokenTypes(_StrEnum):
    """The access token types (values of `token_type` in token responses)."""

    BEARER = "Bearer"
    DPOP = "DPoP"


class JwtTypes(_StrEnum):
    """The `typ` header values of the JWTs this library produces."""

    CLIENT_AUTHENTICATION_JWT = "client-authentication+jwt"


class WellKnownDocument(_StrEnum):
    """The names of metadata documents under `/.well-known/` (RFC 8615)."""

    OPENID_CONFIGURATION = "openid-configuration"
    """OpenID Connect Discovery 1.0 §4."""
    OAUTH_AUTHORIZATION_SERVER = "oauth-authorization-server"
    """RFC 8414 §3."""
    OAUTH_PROTECTED_RESOURCE = "oauth-protected-resource"
    """RFC 9728 §3."""
