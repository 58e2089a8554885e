"""Authorization requests and responses: the URL a user is sent to, and the check of the redirect back.

`AuthorizationRequest` builds the authorization URL (with state, nonce and PKCE by default), signs it as a
request object (JAR, RFC 9101), and validates the callback into an `AuthorizationResponse` that carries what
the token request and the ID Token checks need. Everything here is pure: no I/O.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from types import EllipsisType
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeAlias

from attrs import field, frozen
from jwskate import JweCompact, Jwk, JwkSet, Jwt, SignedJwt

from requests_oauth2client._moved import moved_names
from requests_oauth2client._protocol.authorization_response import AuthorizationResponse
from requests_oauth2client._protocol.authorization_urls import (
    ParamValue,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
    UnparsableCallback,
    UriRequest,
    claim_value,
    param_value,
    parse_callback,
    request_encryption_key,
    signed_request_claims,
    to_jwk,
    to_jwk_set,
)
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.enums import CodeChallengeMethods, ResponseTypes
from requests_oauth2client.exceptions import (
    AuthorizationResponseError,
    ConsentRequired,
    InteractionRequired,
    InvalidAcrValuesParam,
    InvalidAuthResponse,
    InvalidScopeParam,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingIssuer,
    MissingIssuerParam,
    SessionSelectionRequired,
)
from requests_oauth2client.jarm import JARM_RESPONSE_MODES, InvalidJarmResponse, verify_jarm_response
from requests_oauth2client.pkce import InvalidCodeVerifierParam, PkceUtils, UnsupportedCodeChallengeMethod
from requests_oauth2client.utils import join_space_separated, split_space_separated

if TYPE_CHECKING:
    from yarl import URL


__all__ = [
    "AuthorizationRequest",
    "AuthorizationResponse",
    "CodeChallengeMethods",
    "InvalidCodeVerifierParam",
    "InvalidJarmResponse",
    "InvalidMaxAgeParam",
    "MissingIssuerParam",
    "PkceUtils",
    "RequestParameterAuthorizationRequest",
    "RequestUriParameterAuthorizationRequest",
    "ResponseTypes",
    "UnsupportedCodeChallengeMethod",
    "UnsupportedResponseTypeParam",
]

if not TYPE_CHECKING:  # the names this module published in version 1.7 resolve, with a DeprecationWarning
    __getattr__ = moved_names(__name__)

REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
"""The `typ` header of signed request objects (RFC 9101 §10.8)."""


# Parameters that `AuthorizationResponse` fills from the request: a callback can never override them.
_RESPONSE_RESERVED = frozenset(
    {"code", "state", "redirect_uri", "code_verifier", "nonce", "acr_values", "max_age", "issuer", "dpop_key"}
)
_ERROR_PARAMS = ("error", "error_description", "error_uri")

CallbackResponse: TypeAlias = "str | URL | Mapping[str, str]"
"""What `validate_callback` accepts: a redirect URL (a str or a `yarl.URL`), its query string, or the parameters as
a mapping."""


class InvalidMaxAgeParam(ValueError):
    """The `max_age` parameter is not a non-negative integer."""

    def __init__(self) -> None:
        super().__init__("Invalid 'max_age' parameter: it must be a non-negative integer, in seconds.")


class UnsupportedResponseTypeParam(ValueError):
    """The `response_type` is not `code`, the only one this library supports.

    Attributes:
        response_type: the offending value.
    """

    def __init__(self, response_type: str) -> None:
        super().__init__("The only supported response type is 'code'.", response_type)
        self.response_type = response_type


@frozen(init=False, repr=False)
class AuthorizationRequest(UriRequest):
    """An authorization request (RFC 6749 §4.1.1), with PKCE, OIDC, RAR, DPoP, JAR and JARM support.

    `state`, `nonce` (when `openid` is in scope) and the PKCE `code_verifier` are generated with secure
    randomness unless given. Extra keyword arguments become request parameters: `resource` as a list is sent
    as repeated parameters, `authorization_details` (list or dict) and other dict values as one JSON string,
    other lists space-joined.

    Example:
        >>> azr = AuthorizationRequest(
        ...     "https://as.example.com/authorize", client_id="my_client", redirect_uri="https://app/cb"
        ... )
        >>> azr.uri.startswith("https://as.example.com/authorize?client_id=my_client")
        True

    Args:
        authorization_endpoint: the authorization endpoint URI.
        client_id: the client_id.
        redirect_uri: the redirect_uri.
        scope: the scope, as a space-separated str or an iterable of str.
        response_type: the response type; only `code` is supported.
        state: the state; `...` (default) for a random value, `None` for none.
        nonce: the nonce; `...` (default) for a random value when `openid` is in scope, `None` for none.
        code_verifier: the PKCE code verifier; generated if `None` and PKCE is on.
        code_challenge_method: `S256` (default), `plain`, or `None` to disable PKCE.
        acr_values: requested Authentication Context Class References (str or iterable).
        max_age: maximum authentication age, in seconds.
        issuer: the expected issuer identifier of the Authorization Server.
        authorization_response_iss_parameter_supported: the AS always sends `iss` in responses (RFC 9207).
        dpop: generate a DPoP key and bind the authorization code to it (RFC 9449 `dpop_jkt`).
        dpop_alg: the alg of the generated DPoP key.
        dpop_key: a DPoP key to bind the authorization code to.
        authorization_server_jwks: the AS public keys, needed to verify JARM responses.
        authorization_response_decryption_key: the client private key that decrypts encrypted JARM responses.
        authorization_signed_response_alg: the only alg accepted for JARM responses (else any asymmetric alg).
        **kwargs: extra request parameters (`resource`, `authorization_details`, `prompt`, `login_hint`,
            `response_mode`, ...).

    Raises:
        UnsupportedResponseTypeParam: if `response_type` is not `code`.
        MissingIssuerParam: if `authorization_response_iss_parameter_supported` is set without `issuer`.
        InvalidMaxAgeParam: if `max_age` is negative or not an integer.
        UnsupportedCodeChallengeMethod: if the method is neither `S256`, `plain` nor `None`.
        InvalidCodeVerifierParam: if the given `code_verifier` is malformed.
        ValueError: if a `code_challenge` is given (pass the `code_verifier` instead).
    """

    exception_classes: ClassVar[dict[str, type[AuthorizationResponseError]]] = {
        "interaction_required": InteractionRequired,
        "login_required": LoginRequired,
        "session_selection_required": SessionSelectionRequired,
        "consent_required": ConsentRequired,
    }
    """Map of authorization response `error` codes to exceptions; other codes raise `AuthorizationResponseError`."""

    authorization_endpoint: str
    client_id: str
    redirect_uri: str | None
    scope: tuple[str, ...] | None
    response_type: str
    state: str | None
    nonce: str | None
    code_challenge_method: str | None
    acr_values: tuple[str, ...] | None
    max_age: int | None
    kwargs: dict[str, Any]
    code_verifier: str | None
    authorization_response_iss_parameter_supported: bool
    issuer: str | None
    dpop_key: DPoPKey | None
    authorization_server_jwks: JwkSet | None = field(default=None, eq=False, repr=False, kw_only=True)
    authorization_response_decryption_key: Jwk | None = field(default=None, eq=False, repr=False, kw_only=True)
    authorization_signed_response_alg: str | None = field(default=None, kw_only=True)

    def __init__(
        self,
        authorization_endpoint: str,
        *,
        client_id: str,
        redirect_uri: str | None = None,
        scope: str | Iterable[str] | None = "openid",
        response_type: str = ResponseTypes.CODE,
        state: str | EllipsisType | None = ...,
        nonce: str | EllipsisType | None = ...,
        code_verifier: str | None = None,
        code_challenge_method: str | None = CodeChallengeMethods.S256,
        acr_values: str | Iterable[str] | None = None,
        max_age: int | None = None,
        issuer: str | None = None,
        authorization_response_iss_parameter_supported: bool = False,
        dpop: bool = False,
        dpop_alg: str = "ES256",
        dpop_key: DPoPKey | Mapping[str, Any] | None = None,
        authorization_server_jwks: JwkSet | Mapping[str, Any] | None = None,
        authorization_response_decryption_key: Jwk | Mapping[str, Any] | None = None,
        authorization_signed_response_alg: str | None = None,
        **kwargs: Any,
    ) -> None:
        if response_type != ResponseTypes.CODE:
            raise UnsupportedResponseTypeParam(response_type)
        if authorization_response_iss_parameter_supported and not issuer:
            raise MissingIssuerParam
        if "code_challenge" in kwargs:
            raise ValueError(
                "A 'code_challenge' must not be passed: pass the 'code_verifier' and it will be derived from it."
            )
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
            raise InvalidMaxAgeParam
        scopes = split_space_separated(scope, InvalidScopeParam)
        if state is ...:
            state = self.generate_state()
        elif state is not None and not isinstance(state, str):
            state = str(state)
        if nonce is ...:
            nonce = self.generate_nonce() if scopes is not None and "openid" in scopes else None
        elif nonce is not None and not isinstance(nonce, str):
            nonce = str(nonce)
        if code_challenge_method:
            if code_challenge_method not in (CodeChallengeMethods.S256, CodeChallengeMethods.plain):
                raise UnsupportedCodeChallengeMethod(code_challenge_method)
            code_challenge_method = str(code_challenge_method)
            if code_verifier is None:
                code_verifier = PkceUtils.generate_code_verifier()
            else:
                PkceUtils.derive_challenge(code_verifier, code_challenge_method)  # checks the verifier syntax
        else:
            code_challenge_method = None
            code_verifier = None
        if isinstance(dpop_key, Mapping):
            dpop_key = DPoPKey(**dpop_key)
        elif dpop and dpop_key is None:
            dpop_key = DPoPKey.generate(dpop_alg)

        self.__attrs_init__(
            authorization_endpoint=authorization_endpoint,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scopes,
            response_type=str(response_type),
            state=state,
            nonce=nonce,
            code_challenge_method=code_challenge_method,
            acr_values=split_space_separated(acr_values, InvalidAcrValuesParam),
            max_age=max_age,
            kwargs=kwargs,
            code_verifier=code_verifier,
            authorization_response_iss_parameter_supported=bool(authorization_response_iss_parameter_supported),
            issuer=issuer,
            dpop_key=dpop_key,
            authorization_server_jwks=to_jwk_set(authorization_server_jwks),
            authorization_response_decryption_key=to_jwk(authorization_response_decryption_key),
            authorization_signed_response_alg=authorization_signed_response_alg,
        )

    @classmethod
    def generate_state(cls) -> str:
        """Generate a random `state` (32 random bytes, base64url: 43 characters)."""
        return secrets.token_urlsafe(32)

    @classmethod
    def generate_nonce(cls) -> str:
        """Generate a random `nonce` (32 random bytes, base64url: 43 characters)."""
        return secrets.token_urlsafe(32)

    @property
    def code_challenge(self) -> str | None:
        """The PKCE code challenge derived from the code verifier, or `None` without PKCE."""
        if self.code_verifier is None or self.code_challenge_method is None:
            return None
        return PkceUtils.derive_challenge(self.code_verifier, self.code_challenge_method)

    @property
    def dpop_jkt(self) -> str | None:
        """The thumbprint of the DPoP key (RFC 9449 `dpop_jkt`), or `None` without DPoP."""
        return self.dpop_key.dpop_jkt if self.dpop_key is not None else None

    @property
    def args(self) -> dict[str, ParamValue]:
        """The request parameters, as sent in the URL (or to a PAR endpoint); `None` values are left out.

        Values are strings, except numbers (`max_age`, and extra parameters given as numbers), which keep their type,
        and a list `resource` (repeated parameters). `scope` and `acr_values` are space-joined.
        """
        params: dict[str, object] = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": join_space_separated(self.scope, InvalidScopeParam),
            "response_type": self.response_type,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge_method": self.code_challenge_method,
            "acr_values": join_space_separated(self.acr_values, InvalidAcrValuesParam),
            "max_age": self.max_age,
            "code_challenge": self.code_challenge,
            "dpop_jkt": self.dpop_jkt,
            **self.kwargs,
        }
        return {name: param_value(name, value) for name, value in params.items() if value is not None}

    def as_dict(self) -> dict[str, Any]:
        """Return the request as a dict, with extra parameters flattened: `AuthorizationRequest(**d)` rebuilds it.

        The DPoP key, when present, is a dict with its private JWK and alg.
        """
        result: dict[str, Any] = {
            "authorization_endpoint": self.authorization_endpoint,
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "response_type": self.response_type,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge_method": self.code_challenge_method,
            "acr_values": self.acr_values,
            "max_age": self.max_age,
            **self.kwargs,
            "code_verifier": self.code_verifier,
            "authorization_response_iss_parameter_supported": self.authorization_response_iss_parameter_supported,
            "issuer": self.issuer,
            "dpop_key": (
                {"private_key": dict(self.dpop_key.private_key), "alg": self.dpop_key.alg}
                if self.dpop_key is not None
                else None
            ),
        }
        if self.authorization_server_jwks is not None:
            result["authorization_server_jwks"] = self.authorization_server_jwks.to_dict()
        if self.authorization_response_decryption_key is not None:
            result["authorization_response_decryption_key"] = dict(self.authorization_response_decryption_key)
        if self.authorization_signed_response_alg is not None:
            result["authorization_signed_response_alg"] = self.authorization_signed_response_alg
        return result

    # ------------------------------------------------------------------------------------------- callback

    def validate_callback(
        self,
        response: CallbackResponse,
        *,
        authorization_server_jwks: JwkSet | Mapping[str, Any] | None = None,
        authorization_response_decryption_key: Jwk | Mapping[str, Any] | None = None,
    ) -> AuthorizationResponse:
        """Validate the authorization response (the redirect back to the client) and return its content.

        Checks, in order: the response parses (repeated parameters are refused); a JARM `response` JWT is
        verified and its claims used as the parameters; `iss` (RFC 9207: a wrong value is always refused, a
        missing one when the AS is known to send it); `state`; an error response raises its mapped exception;
        a `code` is present.

        A response without any parameter goes through the same checks (so it fails the `iss` or `state` check,
        or lacks a `code`).

        Args:
            response: the full redirect URL (a str with `?`, or a `yarl.URL`), its query string, or the parameters
                as a mapping.
            authorization_server_jwks: AS public keys for JARM, overriding `self.authorization_server_jwks`.
            authorization_response_decryption_key: key for encrypted JARM responses, overriding the request's.

        Returns:
            the `AuthorizationResponse`, carrying the code, the request's `code_verifier`, `redirect_uri`,
            `nonce`, `acr_values`, `max_age`, `issuer` and `dpop_key`, and other parameters in `kwargs`.

        Raises:
            InvalidAuthResponse: if the response cannot be parsed or is an invalid JARM response.
            MissingIssuer: if `iss` is missing while `authorization_response_iss_parameter_supported` is set.
            MismatchingIssuer: if `iss` differs from `issuer`.
            MismatchingState: if `state` differs from the request's (absent on either side included).
            AuthorizationResponseError: (or a subclass from `exception_classes`) for an error response.
            MissingAuthCode: if there is no `code`.
        """
        response_mode = self.kwargs.get("response_mode")
        try:
            params = parse_callback(response, response_mode)
        except UnparsableCallback as exc:
            raise InvalidAuthResponse(str(exc), self, response) from None
        if "response" in params or response_mode in JARM_RESPONSE_MODES:
            params = self._verify_jarm(
                params, response, authorization_server_jwks, authorization_response_decryption_key
            )

        received_issuer = params.get("iss")
        if received_issuer is None:
            if self.authorization_response_iss_parameter_supported:
                raise MissingIssuer(self, response)
        elif self.issuer is not None and received_issuer != self.issuer:
            raise MismatchingIssuer(received_issuer, self.issuer, self, response)

        received_state = params.get("state")
        if received_state != self.state:
            raise MismatchingState(received_state, self.state, self, response)

        if any(name in params for name in _ERROR_PARAMS):
            self.on_response_error(response, params)

        code = params.get("code")
        if not code:
            raise MissingAuthCode(self, response)

        extra = {name: value for name, value in params.items() if name not in _RESPONSE_RESERVED}
        return AuthorizationResponse(
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=self.code_verifier,
            state=received_state,
            nonce=self.nonce,
            acr_values=self.acr_values,
            max_age=self.max_age,
            issuer=self.issuer,
            dpop_key=self.dpop_key,
            **extra,
        )

    def _verify_jarm(
        self,
        params: Mapping[str, str],
        response: CallbackResponse,
        jwks: JwkSet | Mapping[str, Any] | None,
        decryption_key: Jwk | Mapping[str, Any] | None,
    ) -> dict[str, str]:
        """Verify a JARM response and return its claims as the response parameters (outer ones are ignored)."""
        jarm_response = params.get("response")
        if jarm_response is None:
            raise InvalidJarmResponse("a JWT `response` parameter is expected (JARM response_mode)", self, response)
        key_set = to_jwk_set(jwks) if jwks is not None else self.authorization_server_jwks
        if not key_set:
            raise InvalidJarmResponse(
                "a JARM response needs the Authorization Server public keys (authorization_server_jwks)",
                self,
                response,
            )
        if not self.issuer:
            raise InvalidJarmResponse("a JARM response needs the expected `issuer`", self, response)
        try:
            return verify_jarm_response(
                jarm_response,
                jwks=key_set,
                issuer=self.issuer,
                client_id=self.client_id,
                decryption_key=to_jwk(decryption_key) or self.authorization_response_decryption_key,
                alg=self.authorization_signed_response_alg,
            )
        except InvalidJarmResponse as exc:
            raise InvalidJarmResponse(exc.detail, self, response) from exc

    def on_response_error(self, response: CallbackResponse, params: Mapping[str, str] | None = None) -> NoReturn:
        """Raise the exception matching an error response (`exception_classes`, else `AuthorizationResponseError`).

        Args:
            response: the authorization response, as given to `validate_callback` (a str, a `yarl.URL`, or a
                mapping of parameters).
            params: its parameters, if already parsed.

        Raises:
            AuthorizationResponseError: always (or a subclass); `error` is `"missing_error_code"` when absent.
        """
        if params is None:
            try:
                params = parse_callback(response, self.kwargs.get("response_mode"))
            except UnparsableCallback as exc:
                raise InvalidAuthResponse(str(exc), self, response) from None
        error = params.get("error") or "missing_error_code"
        exception_class = self.exception_classes.get(error, AuthorizationResponseError)
        raise exception_class(
            request=self,
            response=response,
            error=error,
            description=params.get("error_description"),
            uri=params.get("error_uri"),
        )

    # ------------------------------------------------------------------------------------------------ JAR

    def _request_object_claims(self, lifetime: int | None) -> dict[str, Any]:
        """The claims of a request object: the parameters as JSON values, plus the RFC 9101 claims."""
        claims: dict[str, Any] = {name: value for name, value in self.args.items() if name not in self.kwargs}
        if self.max_age is not None:
            claims["max_age"] = self.max_age
        claims.update({name: claim_value(value) for name, value in self.kwargs.items() if value is not None})
        return signed_request_claims(claims, client_id=self.client_id, audience=self.issuer, lifetime=lifetime)

    def sign_request_jwt(
        self, jwk: Jwk | Mapping[str, Any], alg: str | None = None, lifetime: int | None = None
    ) -> SignedJwt:
        """Sign this request as a request object (JAR, RFC 9101).

        The JWT has the header `typ: oauth-authz-req+jwt` and, besides the request parameters (as JSON values:
        `authorization_details` stays an array, `max_age` a number), the claims `iss` (client_id), `aud` (the
        issuer, omitted when this request has no `issuer`), `iat`, `nbf`, `exp` and a fresh random `jti`.

        Args:
            jwk: the client private signing key.
            alg: the signature alg, if the key has none.
            lifetime: the lifetime of the request object in seconds (60 by default).

        Returns:
            the signed request object.
        """
        return Jwt.sign(self._request_object_claims(lifetime), jwk, alg=alg, typ=REQUEST_OBJECT_TYP)

    def sign(
        self,
        jwk: Jwk | Mapping[str, Any],
        alg: str | None = None,
        lifetime: int | None = None,
        **kwargs: Any,
    ) -> RequestParameterAuthorizationRequest:
        """Sign this request and return a `RequestParameterAuthorizationRequest` using it as `request`.

        Args:
            jwk: the client private signing key.
            alg: the signature alg, if the key has none.
            lifetime: the lifetime of the request object in seconds (60 by default).
            **kwargs: extra parameters to send outside the request object.
        """
        request_jwt = self.sign_request_jwt(jwk, alg, lifetime)
        return RequestParameterAuthorizationRequest(
            self.authorization_endpoint,
            self.client_id,
            request_jwt,
            expires_at=request_jwt.expires_at,
            dpop_key=self.dpop_key,
            **kwargs,
        )

    def sign_and_encrypt_request_jwt(
        self,
        sign_jwk: Jwk | Mapping[str, Any],
        enc_jwk: Jwk | JwkSet | Mapping[str, Any] | None = None,
        sign_alg: str | None = None,
        enc_alg: str | None = None,
        enc: str = "A128CBC-HS256",
        lifetime: int | None = None,
    ) -> JweCompact:
        """Sign this request as a request object (same claims as `sign_request_jwt`), then encrypt it (RFC 9101 §6.1).

        Args:
            sign_jwk: the client private signing key.
            enc_jwk: the Authorization Server public encryption key, or its JWKS (the key for `enc_alg` is chosen
                in it: `use` absent or `enc`, `alg` absent or `enc_alg`); None for `authorization_server_jwks`.
            sign_alg: the signature alg, if the signing key has none.
            enc_alg: the key management alg, if the encryption key has none (needed to choose in a JWKS).
            enc: the content encryption alg.
            lifetime: the lifetime of the request object in seconds (60 by default).

        Returns:
            the encrypted request object.

        Raises:
            ValueError: when there is no encryption key, or no single key of the JWKS suits `enc_alg`.
        """
        key = request_encryption_key(enc_jwk, enc_alg, self.authorization_server_jwks)
        return self.sign_request_jwt(sign_jwk, sign_alg, lifetime).encrypt(key, enc=enc, alg=enc_alg)

    def sign_and_encrypt(
        self,
        sign_jwk: Jwk | Mapping[str, Any],
        enc_jwk: Jwk | JwkSet | Mapping[str, Any] | None = None,
        sign_alg: str | None = None,
        enc_alg: str | None = None,
        enc: str = "A128CBC-HS256",
        lifetime: int | None = None,
    ) -> RequestParameterAuthorizationRequest:
        """Sign and encrypt this request and return a `RequestParameterAuthorizationRequest` using it.

        Same arguments as `sign_and_encrypt_request_jwt`.
        """
        key = request_encryption_key(enc_jwk, enc_alg, self.authorization_server_jwks)
        signed = self.sign_request_jwt(sign_jwk, sign_alg, lifetime)
        return RequestParameterAuthorizationRequest(
            self.authorization_endpoint,
            self.client_id,
            signed.encrypt(key, enc=enc, alg=enc_alg),
            expires_at=signed.expires_at,
            dpop_key=self.dpop_key,
        )
