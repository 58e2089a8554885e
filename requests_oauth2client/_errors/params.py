"""The errors of the parameters given to the library: a value is missing, has the wrong type or is not usable.

Private module: every name is re-exported by [requests_oauth2client.exceptions][] (and the package root); most are
`ValueError`s, `InvalidParam` the base of the client configuration errors. No message shows a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from requests_oauth2client._errors.discovery import InvalidDiscoveryDocument

__all__ = [
    "InvalidAcrValuesParam",
    "InvalidBackchannelAuthenticationRequestHintParam",
    "InvalidEndpointUri",
    "InvalidIssuer",
    "InvalidParam",
    "InvalidScopeParam",
    "MismatchingDiscoveryIssuer",
    "MissingAuthRequestId",
    "MissingDeviceCode",
    "MissingEndpointUri",
    "MissingIdTokenEncryptedResponseAlgParam",
    "MissingIssuerParam",
    "MissingRefreshToken",
    "RequestsOptionAsParameter",
    "UnknownActorTokenType",
    "UnknownSubjectTokenType",
    "UnknownTokenType",
    "UnsupportedTokenTypeError",
]


class InvalidParam(ValueError):
    """A parameter given to the library is not valid."""


class MissingIdTokenEncryptedResponseAlgParam(InvalidParam):
    """An ID Token decryption key was given without an `alg` nor `id_token_encrypted_response_alg`."""

    def __init__(self) -> None:
        super().__init__(
            "An ID Token decryption key was provided but no decryption alg is known: "
            "pass `id_token_encrypted_response_alg` or use a key that carries an `alg`."
        )


class InvalidEndpointUri(InvalidParam):
    """An endpoint URI given to `OAuth2Client` is not valid.

    Attributes:
        endpoint: the name of the endpoint.
        uri: the offending URI.
    """

    def __init__(self, endpoint: str, uri: str, exc: Exception) -> None:
        super().__init__(f"Invalid endpoint uri '{uri}' for '{endpoint}': {exc}{_plain_http_hint(exc)}")
        self.endpoint = endpoint
        self.uri = uri


class InvalidIssuer(InvalidEndpointUri):
    """The issuer identifier is not valid (RFC 8414 §2: an https URL without query nor fragment)."""

    def __init__(self, endpoint: str, uri: str, exc: Exception) -> None:
        InvalidParam.__init__(
            self,
            f"Invalid issuer '{uri}' (the issuer identifier of the authorization server): {exc}{_plain_http_hint(exc)}",
        )
        self.endpoint = endpoint
        self.uri = uri


def _plain_http_hint(exc: Exception) -> str:
    """The hint for a URL refused because it does not use https (`exc` is a `utils.InvalidUri`)."""
    if getattr(exc, "https", False):
        return ". `testing=True` allows plain http, for a local server in tests"
    return ""


class InvalidScopeParam(InvalidParam):
    """The `scope` parameter is neither a string nor an iterable of strings."""

    def __init__(self, scope: object) -> None:
        super().__init__(
            f"Invalid scope parameter: {scope!r}. It must be a string or an iterable of strings (joined with spaces)."
        )
        self.scope = scope


class UnknownTokenType(InvalidParam, TypeError):
    """The type of a token cannot be determined, or does not match the token.

    Attributes:
        token: the token.
        token_type: the type hint that was given.
    """

    def __init__(self, message: str, token: object, token_type: str | None) -> None:
        super().__init__(f"Unable to determine the type of token provided: {message}")
        self.token = token
        self.token_type = token_type


class UnknownSubjectTokenType(UnknownTokenType):
    """The `subject_token_type` of a token exchange cannot be determined."""

    def __init__(self, subject_token: object, subject_token_type: str | None) -> None:
        super().__init__(
            "pass a `subject_token_type`, or a BearerToken or IdToken as `subject_token`",
            subject_token,
            subject_token_type,
        )


class UnknownActorTokenType(UnknownTokenType):
    """The `actor_token_type` of a token exchange cannot be determined."""

    def __init__(self, actor_token: object, actor_token_type: str | None) -> None:
        super().__init__(
            "pass an `actor_token_type`, or a BearerToken or IdToken as `actor_token`",
            actor_token,
            actor_token_type,
        )


class InvalidBackchannelAuthenticationRequestHintParam(InvalidParam):
    """A CIBA request must carry exactly one of `login_hint`, `login_hint_token` and `id_token_hint`."""


class InvalidAcrValuesParam(InvalidParam):
    """The `acr_values` parameter is neither a string nor an iterable of strings."""

    def __init__(self, acr_values: object) -> None:
        super().__init__(f"Invalid acr_values parameter: {acr_values!r}")
        self.acr_values = acr_values


class MissingRefreshToken(ValueError):
    """A refresh token is required but the given token has none."""

    def __init__(self, token: object) -> None:
        super().__init__("This token has no refresh token.")
        self.token = token


class MissingDeviceCode(ValueError):
    """The device authorization response has no `device_code`."""

    def __init__(self, dar: object) -> None:
        super().__init__("This device authorization response has no device_code.")
        self.device_authorization_response = dar


class MissingAuthRequestId(ValueError):
    """The backchannel authentication response has no `auth_req_id`."""

    def __init__(self, bcar: object) -> None:
        super().__init__("This backchannel authentication response has no auth_req_id.")
        self.backchannel_authentication_response = bcar


class MismatchingDiscoveryIssuer(InvalidDiscoveryDocument, InvalidParam):
    """The `issuer` of a discovery document is not the expected one.

    The expected issuer is the one given as `issuer=`, or the one the well-known URL of the document names.

    Attributes:
        received: the `issuer` of the document.
        expected: the expected issuer.
    """

    def __init__(self, received: object, expected: str, discovery_document: object, url: str | None = None) -> None:
        super().__init__(
            f"Mismatching issuer value in discovery document (received '{received}', expected '{expected}').",
            discovery_document,
            url,
        )
        self.received = received
        self.expected = expected


class MissingIssuerParam(ValueError):
    """`authorization_response_iss_parameter_supported` is set but no `issuer` is known."""

    def __init__(self) -> None:
        super().__init__(
            "When `authorization_response_iss_parameter_supported` is True, you must provide the expected `issuer`."
        )


class MissingEndpointUri(AttributeError):
    """The client has no URI for the endpoint a method needs."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(f"No '{endpoint}' defined for this client.")
        self.endpoint = endpoint


class UnsupportedTokenTypeError(ValueError):
    """A token response has a `token_type` that the token class does not support.

    Attributes:
        token_type: the unsupported value.
    """

    def __init__(self, token_type: object) -> None:
        super().__init__(f"Unsupported token_type: {token_type}")
        self.token_type = token_type


class RequestsOptionAsParameter(TypeError):
    """An option of `requests` (`timeout`, `verify`...) was given as a parameter of a request to the AS.

    Such keyword arguments of a grant (or of a revocation, an introspection, a device authorization, a CIBA or an
    authorization request) are sent as parameters to the AS, where they mean nothing, while the option the caller
    meant is not applied: a `TypeError`, as for an unexpected keyword argument.

    Attributes:
        name: the name of the option.
        request: what the option was given to (`"the token request"`...).
    """

    OPTIONS: ClassVar[dict[str, str]] = {
        "timeout": "pass `requests_kwargs={'timeout': ...}` to this call, or set `OAuth2Client(timeout=...)` for"
        " every call of the client",
        "verify": "pass `requests_kwargs={'verify': ...}` to this call, or set `verify` on the client's session",
        "proxies": "pass `requests_kwargs={'proxies': ...}` to this call, or set `proxies` on the client's session",
        "cert": "pass `requests_kwargs={'cert': ...}` to this call, or set `cert` on the client's session",
        "headers": "pass `requests_kwargs={'headers': {...}}` to this call, or set `headers` on the client's session",
        "stream": "pass `requests_kwargs={'stream': ...}` to this call",
        "allow_redirects": "requests to the authorization server never follow redirects: give the endpoint's final"
        " URL to the client",
        "auth": "the client authentication is a setting of the client (`OAuth2Client(auth=...)`); to call an API"
        " with a token, give the token (or an auth handler) as `auth=` to `requests` or `ApiClient`",
    }
    """The options of `requests` that are refused as parameters, and where each goes instead."""

    def __init__(self, name: str, request: str) -> None:
        super().__init__(f"`{name}` is an option of `requests`, not a parameter of {request}: {self.OPTIONS[name]}.")
        self.name = name
        self.request = request

    @classmethod
    def check(cls, parameters: Iterable[str], request: str) -> None:
        """Refuse the options of `requests` among the names of `parameters` (of the request named `request`).

        Raises:
            RequestsOptionAsParameter: for the first such name.
        """
        if cls.OPTIONS.keys().isdisjoint(parameters):  # the usual case, on every request: one set operation
            return
        raise cls(next(name for name in parameters if name in cls.OPTIONS), request)
