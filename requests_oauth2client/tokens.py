"""Token responses, and the errors raised when an ID Token does not pass validation.

`BearerToken` holds a token endpoint response and works as a `requests` auth handler. `IdToken` lives with its
validation in [requests_oauth2client.id_token][] and is importable from here; `BearerToken.validate_id_token()` feeds
that validation with a client's configuration. The `InvalidIdToken` error family and `ExpiredAccessToken` are defined
in a private module and importable from here.
"""

from __future__ import annotations

import copy
import math
import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import jwskate
import requests

from requests_oauth2client._errors.id_token import (
    ExpiredAccessToken,
    ExpiredIdToken,
    IdTokenAuthTimeInTheFuture,
    IdTokenAuthTimeTooOld,
    IdTokenDecryptionError,
    IdTokenIssuedInTheFuture,
    IdTokenIssuedTooLongAgo,
    IdTokenNotYetValid,
    IdTokenSigningKeyNotFound,
    InvalidAccessTokenValue,
    InvalidIdToken,
    InvalidIdTokenClaim,
    InvalidIdTokenEncryption,
    InvalidIdTokenHeader,
    InvalidIdTokenSignature,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAlg,
    MismatchingIdTokenAudience,
    MismatchingIdTokenAzp,
    MismatchingIdTokenHash,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MismatchingIdTokenSubject,
    MismatchingRefreshedIdTokenClaim,
    MissingIdToken,
    MissingIdTokenClaim,
    MissingIdTokenEncryption,
    UnexpectedIdTokenEncryption,
    UnsupportedIdTokenAlg,
    UnsupportedIdTokenEncryptionAlg,
    UnverifiableIdToken,
)
from requests_oauth2client._jose.checks import UNTRUSTED_PARSE_ERRORS
from requests_oauth2client._moved import moved_names
from requests_oauth2client.enums import AccessTokenTypes, TokenType
from requests_oauth2client.exceptions import UnsupportedTokenTypeError
from requests_oauth2client.id_token import (
    AuthorizationResponseLike,
    IdToken,
    IdTokenClient,
    id_token_converter,
    validate_id_token_with_client,
)
from requests_oauth2client.utils import accepts_expires_in

# RFC 6749 Appendix A.12: an access token is 1*VSCHAR (printable ASCII and space)
_VSCHAR = re.compile(r"[\x20-\x7e]+")

__all__ = [
    "AccessTokenTypes",
    "BearerToken",
    "ExpiredAccessToken",
    "InvalidAccessTokenValue",
    "ExpiredIdToken",
    "IdToken",
    "IdTokenAuthTimeInTheFuture",
    "IdTokenAuthTimeTooOld",
    "IdTokenDecryptionError",
    "IdTokenIssuedInTheFuture",
    "IdTokenIssuedTooLongAgo",
    "IdTokenNotYetValid",
    "IdTokenSigningKeyNotFound",
    "InvalidIdToken",
    "InvalidIdTokenClaim",
    "InvalidIdTokenEncryption",
    "InvalidIdTokenHeader",
    "InvalidIdTokenSignature",
    "MismatchingIdTokenAcr",
    "MismatchingIdTokenAlg",
    "MismatchingIdTokenAudience",
    "MismatchingIdTokenAzp",
    "MismatchingIdTokenHash",
    "MismatchingIdTokenIssuer",
    "MismatchingIdTokenNonce",
    "MismatchingIdTokenSubject",
    "MismatchingRefreshedIdTokenClaim",
    "MissingIdToken",
    "MissingIdTokenClaim",
    "MissingIdTokenEncryption",
    "TokenResponse",
    "TokenType",
    "UnexpectedIdTokenEncryption",
    "UnsupportedIdTokenAlg",
    "UnsupportedIdTokenEncryptionAlg",
    "UnsupportedTokenType",
    "UnverifiableIdToken",
    "id_token_converter",
]

if not TYPE_CHECKING:  # the names this module published in version 1.7 resolve, with a DeprecationWarning
    __getattr__ = moved_names(__name__)


UnsupportedTokenType = UnsupportedTokenTypeError
"""The 1.7 name, in this module, of the error for a `token_type` a token class does not support.

Not the root `UnsupportedTokenType`, which is the revocation endpoint error `unsupported_token_type`. `TokenType` and
`AccessTokenTypes` (now in `enums`) are importable from here too, as in version 1.7.
"""


# ---------------------------------------------------------------------------------------------------------------
# Token responses
# ---------------------------------------------------------------------------------------------------------------


class TokenResponse:
    """Base class for the responses of a token endpoint. Subclasses set `TOKEN_TYPE`."""

    TOKEN_TYPE: ClassVar[str]


def _redacted(value: object) -> str:
    return "None" if value is None else "'<redacted>'"


def _aware_datetime(value: datetime | None) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


T = TypeVar("T", bound="BearerToken")

if TYPE_CHECKING:  # a default (PEP 696): a bare `BearerToken` is `BearerToken[IdToken | JweCompact | None]`
    from typing_extensions import TypeVar as TypeVarWithDefault

    IdTokenT_co = TypeVarWithDefault(
        "IdTokenT_co",
        bound="IdToken | jwskate.JweCompact | None",
        default="IdToken | jwskate.JweCompact | None",
        covariant=True,
    )
else:
    IdTokenT_co = TypeVar("IdTokenT_co", covariant=True)


@attrs.frozen(init=False)
class _BearerTokenFields(TokenResponse, requests.auth.AuthBase):
    """The fields and the behaviour of `BearerToken`, which adds its type parameter (see `BearerToken`)."""

    TOKEN_TYPE: ClassVar[str] = AccessTokenTypes.BEARER.value
    AUTHORIZATION_HEADER: ClassVar[str] = "Authorization"
    AUTHORIZATION_SCHEME: ClassVar[str] = AccessTokenTypes.BEARER.value

    access_token: str = attrs.field(validator=attrs.validators.instance_of(str), repr=_redacted)
    expires_at: datetime | None = attrs.field(
        default=None,
        converter=_aware_datetime,
        validator=attrs.validators.optional(attrs.validators.instance_of(datetime)),
    )
    scope: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(str))
    )
    refresh_token: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(str)), repr=_redacted
    )
    token_type: str = attrs.field(default=AccessTokenTypes.BEARER.value)
    id_token: IdToken | jwskate.JweCompact | None = attrs.field(
        default=None, converter=id_token_converter, repr=_redacted
    )
    kwargs: dict[str, Any] = attrs.field(factory=dict, validator=attrs.validators.instance_of(dict))

    @accepts_expires_in
    def __init__(
        self,
        access_token: str,
        *,
        expires_at: datetime | None = None,
        scope: str | None = None,
        refresh_token: str | None = None,
        token_type: str = TOKEN_TYPE,
        id_token: str | bytes | IdToken | jwskate.JweCompact | None = None,
        **kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            access_token=access_token,
            expires_at=expires_at,
            scope=scope,
            refresh_token=refresh_token,
            token_type=token_type,
            id_token=id_token,
            kwargs=kwargs,
        )

    @token_type.validator
    def _validate_token_type(self, _attribute: attrs.Attribute[str], _value: str) -> None:
        self._check_token_type()

    def _check_token_type(self) -> None:
        """Check `token_type` (run at init): `TOKEN_TYPE` in any case. Subclasses override it to change the rule.

        Raises:
            UnsupportedTokenTypeError: if the value is not acceptable.
        """
        token_type = self.token_type
        if not isinstance(token_type, str) or token_type.lower() != self.TOKEN_TYPE.lower():
            raise UnsupportedTokenTypeError(token_type)

    def is_expired(self, leeway: float = 0) -> bool | None:
        """Tell whether the access token is expired, `leeway` seconds from now.

        Returns:
            None when the expiration date is unknown, else whether `now + leeway > expires_at`.
        """
        expires_at = self._expires_at_timestamp
        if expires_at is None:
            return None
        # the same comparison as `now + leeway > expires_at`, on POSIX timestamps: this runs on every request
        return time.time() + leeway > expires_at

    @cached_property
    def _expires_at_timestamp(self) -> float | None:
        return None if self.expires_at is None else self.expires_at.timestamp()

    @property
    def expires_in(self) -> int | None:
        """The number of seconds until expiration (rounded up, negative once expired), computed now; or None."""
        if self.expires_at is None:
            return None
        return math.ceil((self.expires_at - datetime.now(tz=timezone.utc)).total_seconds())

    def authorization_header(self) -> str:
        """The value of the `Authorization` header for this token: `"<scheme> <access_token>"`.

        Raises:
            InvalidAccessTokenValue: if the access token holds characters that cannot be sent in a header.
        """
        return self._authorization_header

    @cached_property
    def _authorization_header(self) -> str:
        # checked once per token: a token built by hand may hold CR/LF (header injection) or non-ASCII characters,
        # which `http.client` would refuse with the whole header value in its message
        if not _VSCHAR.fullmatch(self.access_token):
            raise InvalidAccessTokenValue(self.access_token)
        return f"{self.AUTHORIZATION_SCHEME} {self.access_token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `Authorization` header to a request.

        Raises:
            ExpiredAccessToken: if the access token is expired.
        """
        if self.is_expired():
            raise ExpiredAccessToken(self)
        request.headers[self.AUTHORIZATION_HEADER] = self.authorization_header()
        return request

    def __str__(self) -> str:
        return self.access_token

    def __getattr__(self, name: str) -> Any:
        """Read an extra response field (kept in `kwargs`) as an attribute.

        As in the published releases, a field whose value is falsy (`0`, `""`, `false`, `null`) reads as missing;
        `token["name"]` (or `token.kwargs`) gives any field, whatever its value.

        Raises:
            AttributeError: if there is no such field, or its value is falsy.
        """
        if name.startswith("__") or name == "kwargs":
            raise AttributeError(name)
        try:
            extra = object.__getattribute__(self, "kwargs")
        except AttributeError:  # not initialised yet (copy, unpickling)
            raise AttributeError(name) from None
        value = extra.get(name)
        if not value:
            raise AttributeError(name)
        return value

    def __getitem__(self, name: str) -> Any:
        """Read an extra response field with subscription: `token["custom"]`.

        Raises:
            KeyError: if there is no such field.
        """
        return self.kwargs[name]

    def __contains__(self, name: object) -> bool:
        """Tell whether the response has an extra field of that name."""
        return name in self.kwargs

    def as_dict(self, *, with_expires_in: bool = True) -> dict[str, Any]:
        """Return the token as a dict: the fields, then `expires_in`, then the extra fields; None values dropped.

        Args:
            with_expires_in: replace `expires_at` with the current `expires_in` (else keep `expires_at`).
        """
        result: dict[str, Any] = {}
        for field in attrs.fields(type(self)):
            if field.name == "kwargs" or (with_expires_in and field.name == "expires_at"):
                continue
            result[field.name] = getattr(self, field.name)
        if with_expires_in:
            result["expires_in"] = self.expires_in
        result.update(self.kwargs)
        return {key: value for key, value in result.items() if value is not None}

    @cached_property
    def access_token_jwt(self) -> jwskate.SignedJwt:
        """The access token parsed as a signed JWT (not verified).

        Raises:
            jwskate.InvalidJwt: if the access token is not a JWT.
        """
        return jwskate.SignedJwt(self.access_token)

    @property
    def x5t_s256(self) -> str | None:
        """The thumbprint of the certificate this access token is bound to (RFC 8705 §3), when known.

        It is the `x5t#S256` member of the token's confirmation (`cnf`): the one recorded with `with_cnf()` (from
        an introspection answer, RFC 8705 §3.2) or sent in the token response, else the one of the `cnf` claim of
        a JWT access token (RFC 8705 §3.1; read, not verified: it only serves to refuse sending the token with
        another certificate). None when the token is not known to be bound to a certificate.
        """
        cnf = self.kwargs.get("cnf")
        if cnf is None and self.access_token.count(".") == 2:  # a JWT access token, maybe
            try:
                cnf = self.access_token_jwt.claims.get("cnf")
            except UNTRUSTED_PARSE_ERRORS:  # not a JWT after all
                cnf = None
        thumbprint = cnf.get("x5t#S256") if isinstance(cnf, dict) else None
        return thumbprint if isinstance(thumbprint, str) and thumbprint else None


class BearerToken(_BearerTokenFields, Generic[IdTokenT_co]):
    """A token endpoint response holding a Bearer access token (RFC 6750); also a `requests` auth handler.

    Extra response fields are kept in `kwargs` and readable as attributes (`token.custom`) or by subscription
    (`token["custom"]`). `expires_in=` (seconds) may be given instead of `expires_at`.

    Args:
        access_token: the access token.
        expires_at: the access token expiration date (aware; a naive datetime is taken as UTC).
        scope: the granted scope.
        refresh_token: the refresh token.
        token_type: the token type, compared case-insensitively to `TOKEN_TYPE`.
        id_token: the ID Token, as `str`/`bytes`/`IdToken`, or an encrypted `JweCompact`.
        **kwargs: any other response field.

    Raises:
        UnsupportedTokenTypeError: if `token_type` is not `TOKEN_TYPE` (case-insensitively).
        InvalidIdToken: if `id_token` is neither a compact JWS nor a compact JWE.
        TypeError: if a field has the wrong type.

    Example:
        >>> token = BearerToken("my_access_token", expires_in=60)
        >>> token.authorization_header()
        'Bearer my_access_token'

    `BearerToken` is generic in the type of its ID Token, for type checkers only: `BearerToken[IdToken | None]` is
    what the grants of `OAuth2Client` return when they validate the ID Token (the default), so that
    `token.id_token.subject` type-checks once `token.id_token` is known not to be None. A bare `BearerToken` is
    `BearerToken[IdToken | JweCompact | None]`: an ID Token that was not validated may be still encrypted.

    Subclassing: declare the subclass with `@attrs.frozen(init=False)`, add fields after `kwargs` (with
    `kw_only=True` or a default), override `_check_token_type()` to change the token_type rule, and write an
    `__init__` that calls `self.__attrs_init__(...)` with every field (decorated with `accepts_expires_in`).
    `validate_id_token()` and `as_dict()` carry the extra fields over.
    """

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def id_token(self) -> IdTokenT_co:
            """The ID Token: an `IdToken` (validated, unless validation was skipped), an encrypted `JweCompact` that
            was not validated, or None."""  # noqa: D205, D209
            ...

    def with_cnf(self: T, cnf: Mapping[str, Any]) -> T:
        """Return a copy of this token that records its confirmation (`cnf`), e.g. from an introspection answer.

        RFC 8705 §3.2 and RFC 9449 §6.2: the introspection answer of a bound token carries its `cnf`
        (`{"x5t#S256": ...}` for a certificate-bound token); recording it lets the token check, before it is sent,
        that it goes with the certificate it is bound to (`x5t_s256`).

        Args:
            cnf: the confirmation, e.g. `client.introspect_token(token)["cnf"]`.

        Raises:
            TypeError: when `cnf` is not a mapping.

        Example:
            ```python
            token = token.with_cnf(client.introspect_token(token)["cnf"])
            ```
        """
        if not isinstance(cnf, Mapping):
            raise TypeError(f"`cnf` must be a mapping (a JSON object), not {type(cnf).__name__}")
        new = copy.copy(self)
        object.__setattr__(new, "kwargs", {**self.kwargs, "cnf": dict(cnf)})
        return new

    def _with_id_token(self: T, id_token: IdToken) -> T:
        """Return a copy of this token holding another ID Token; every other field (of subclasses too) is kept."""
        return with_fields(self, id_token=id_token)

    def validate_id_token(
        self: T,
        client: IdTokenClient,
        azr: AuthorizationResponseLike | None = None,
        exp_leeway: int = 0,
        auth_time_leeway: int = 10,
    ) -> T:
        """Validate the ID Token of this token response (OpenID Connect Core 3.1.3.7).

        See [requests_oauth2client.id_token.validate_id_token][] for the checks. The client gives `client_id`,
        `client_secret`, `issuer`, `authorization_server_jwks`, `id_token_signed_response_alg` (RS256 when unset),
        `id_token_encrypted_response_alg`, `id_token_decryption_key`, and `refresh_authorization_server_public_keys()`
        (or `update_authorization_server_public_keys()`) to fetch the JWKS again when the `kid` is unknown. For the
        authorization code flow, the AuthorizationResponse gives `code`, `state`, `nonce`, `acr_values`, `max_age`,
        and `issuer` (used when the client has none; when both are known they must be equal, else the response
        comes from another Authorization Server and the ID Token is refused). Without it (grants that have no
        authorization request, such as device, CIBA or password), those request-bound checks are left out.

        Args:
            client: the client that obtained this token (usually an `OAuth2Client`).
            azr: the `AuthorizationResponse` whose code was exchanged for this token, if any.
            exp_leeway: seconds of leeway when checking `exp`.
            auth_time_leeway: seconds of leeway when checking `auth_time` against `max_age`.

        Returns:
            a new token of the same class, holding the validated (and decrypted) `IdToken`.

        Raises:
            InvalidIdToken: (a subclass of it) if the ID Token is missing or does not pass validation.
        """
        try:
            id_token = validate_id_token_with_client(
                self.id_token,
                client,
                azr=azr,
                access_token=self.access_token,
                exp_leeway=exp_leeway,
                auth_time_leeway=auth_time_leeway,
            )
        except InvalidIdToken as exc:
            if exc.token_resp is None:
                exc.token_resp = self
            raise
        return self._with_id_token(id_token)

    def validate_refreshed_id_token(
        self: T,
        client: IdTokenClient,
        previous: BearerToken | IdToken | jwskate.JweCompact | str | None = None,
        exp_leeway: int = 0,
    ) -> T:
        """Validate the ID Token of a refresh token response (OpenID Connect Core 12.2).

        Same checks as `validate_id_token()` without the authorization-request ones (nonce, acr, max_age,
        c_hash, s_hash); when the previous ID Token is known, `iss`, `sub`, `aud`, `azp` and `auth_time` must be the
        same as in it.

        Args:
            client: the client that obtained this token.
            previous: the token (or ID Token) that was refreshed, if known.
            exp_leeway: seconds of leeway when checking `exp`.

        Returns:
            a new token of the same class, holding the validated (and decrypted) `IdToken`.

        Raises:
            InvalidIdToken: (a subclass of it) if the ID Token is missing or does not pass validation.
        """
        previous_id_token = previous.id_token if isinstance(previous, BearerToken) else previous
        try:
            id_token = validate_id_token_with_client(
                self.id_token,
                client,
                previous_id_token=previous_id_token,
                access_token=self.access_token,
                exp_leeway=exp_leeway,
            )
        except InvalidIdToken as exc:
            if exc.token_resp is None:
                exc.token_resp = self
            raise
        return self._with_id_token(id_token)


def with_fields(token: T, **changes: Any) -> T:
    """A copy of a token with some fields changed; every other field (of subclasses too, e.g. a DPoP key) is kept.

    Tokens are frozen: this is how a part of the package derives one token from another (a refreshed token keeping
    the previous refresh token, a stored token with its exact expiration). The values are set as given, without
    the conversions and checks of the constructor: pass values of the right type.

    Args:
        token: the token to copy.
        **changes: field names and their new values.
    """
    new = copy.copy(token)  # values cached from the old fields (the expiration timestamp) are not copied
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new
