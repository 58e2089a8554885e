"""The token endpoint side of `OAuth2Client`: the token request every grant goes through, and one method per grant.

`OAuth2Client` inherits these methods. Each grant method assembles its parameters and calls `token_request()`, which
sends them through `_http.transport`, builds the token from the answer (`_protocol.token_response`) and validates the
ID Token it may carry (`id_token`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import requests
from jwskate import Jwk, Jwt, SignedJwt

from requests_oauth2client._client.keys import AuthorizationServerKeys
from requests_oauth2client._http.transport import Timeout, json_body, raise_endpoint_error, send_to_endpoint
from requests_oauth2client._protocol.expires_in import expires_at_after
from requests_oauth2client._protocol.pending import BackChannelAuthenticationResponse, DeviceAuthorizationResponse
from requests_oauth2client._protocol.token_response import check_token_response
from requests_oauth2client._protocol.token_types import get_token_type, token_value
from requests_oauth2client.authorization_request import AuthorizationResponse
from requests_oauth2client.dpop import DPoPKey, DPoPToken
from requests_oauth2client.enums import Endpoints, GrantTypes
from requests_oauth2client.exceptions import (
    InvalidScopeParam,
    InvalidTokenResponse,
    MissingAuthRequestId,
    MissingDeviceCode,
    MissingRefreshToken,
    RequestsOptionAsParameter,
    TokenEndpointError,
    UnknownActorTokenType,
    UnknownSubjectTokenType,
    UnknownTokenEndpointError,
    UnknownTokenType,
)
from requests_oauth2client.tokens import BearerToken, IdToken
from requests_oauth2client.utils import join_space_separated

__all__ = ["TokenEndpoint"]


class TokenEndpoint(AuthorizationServerKeys):
    """Token requests and the grants (a part of `OAuth2Client`).

    It extends the AS keys part: validating the ID Token of an answer may fetch the keys again.
    """

    if TYPE_CHECKING:  # provided by OAuth2Client (with what ID Token validation reads: see `id_token.IdTokenClient`)
        token_class: type[BearerToken]
        dpop_bound_access_tokens: bool
        dpop_key_generator: Callable[[str], DPoPKey]
        dpop_alg: str
        issuer: str | None
        id_token_signed_response_alg: str | None
        id_token_encrypted_response_alg: str | None
        id_token_decryption_key: Jwk | None

        @property
        def client_secret(self) -> str | None: ...

    def _dpop_key_for(self, dpop: bool | None, dpop_key: DPoPKey | None) -> DPoPKey | None:
        """Return the DPoP key a token request uses: the given one, a new one, or none."""
        if dpop_key is not None:
            return dpop_key
        if dpop is None:
            dpop = self.dpop_bound_access_tokens
        return self.dpop_key_generator(self.dpop_alg) if dpop else None

    # ----------------------------------------------------------------------------------------- token endpoint

    def token_request(
        self,
        data: dict[str, Any],
        *,
        timeout: Timeout | EllipsisType = ...,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        validate: bool = True,
        **requests_kwargs: Any,
    ) -> BearerToken:
        """Send a request to the token endpoint and return the token it answers with.

        Every grant method goes through here. An ID Token in the answer is validated like the one of the
        authorization code flow (signature with the AS keys, `alg`, `iss`, `aud`/`azp`, `exp`, `iat`, `nbf`,
        `sub`...; see [requests_oauth2client.id_token][]), without the checks bound to an authorization request
        (nonce, acr, max_age, c_hash, s_hash): this is how the device, CIBA, password, client credentials, token
        exchange, JWT bearer and custom grants validate theirs. The client must know its `issuer` and the AS keys
        (`authorization_server_jwks`, or a `jwks_uri` to fetch them from), or the client secret for an HMAC alg;
        without them the ID Token is refused (`UnverifiableIdToken`, `IdTokenSigningKeyNotFound`). Pass
        `validate=False` to get the ID Token unchecked.

        Args:
            data: the form parameters (None values are left out).
            timeout: the request timeout, in seconds (or `(connect, read)`); by default, the client's `timeout`;
                None: no `timeout` keyword for `requests` (a default set by the session applies).
            dpop: whether to ask for a DPoP-bound token (None: the client default, `dpop_bound_access_tokens`).
            dpop_key: the DPoP key to use (implies `dpop=True`).
            validate: validate the ID Token of the answer, if it carries one.
            **requests_kwargs: other keyword arguments for `requests`.

        Returns:
            a `BearerToken`, or a `DPoPToken` when the AS bound the token to the DPoP key.

        Raises:
            TokenEndpointError: (or another `EndpointError`) when the AS answers with an error.
            InvalidTokenResponse: when the answer is neither a token nor a standard error.
            InvalidIdToken: (a subclass of it) when the answer carries an ID Token that does not pass validation,
                or that the client cannot validate (`UnverifiableIdToken`). `exc.token_resp` is the token.
        """
        if timeout is not ...:  # the call's timeout wins over the client's
            requests_kwargs["timeout"] = timeout
        token = send_to_endpoint(
            self,
            Endpoints.TOKEN,
            self._endpoint(Endpoints.TOKEN),
            data=data,
            on_success=self.parse_token_response,
            on_failure=self.on_token_error,
            dpop_key=self._dpop_key_for(dpop, dpop_key),
            **requests_kwargs,
        )
        if validate and token.id_token is not None:
            token = token.validate_id_token(self)
        return token

    def parse_token_response(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> BearerToken:
        """Build a token from a successful token endpoint response.

        To a DPoP request, the token is a `DPoPToken` bound to the key, unless the AS explicitly answers
        `token_type=Bearer`: then it is a plain `BearerToken` and is used as such. (A missing `token_type` keeps
        the DPoP binding: sent as a Bearer token, a DPoP-bound token would be refused by the resource server.)

        Any problem with the response is handed to `on_token_error()`.
        """
        try:
            params = check_token_response(json_body(response))
            # a server's lifetime of 0 means "already expired", unlike `expires_in=0` given to a constructor
            params["expires_at"] = expires_at_after(params.pop("expires_in", None))
            token_type = params.get("token_type")
            if dpop_key is not None and (not token_type or token_type.lower() == "dpop"):
                if not token_type:
                    params.pop("token_type", None)  # the token class default: "DPoP"
                return dpop_key.dpop_token_class(**params, _dpop_key=dpop_key)
            return self.token_class(**params)
        except Exception as exc:  # any problem ends as a typed error, with the response
            try:
                return self.on_token_error(response, dpop_key=dpop_key)
            except InvalidTokenResponse as invalid:
                if type(invalid) is not InvalidTokenResponse or invalid.response is not response:
                    raise
                # a successful status with an unusable body: say what is wrong with it
                raise InvalidTokenResponse(response, self, f"unusable token response: {exc}") from exc

    def on_token_error(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> BearerToken:
        """Raise the exception matching a token endpoint error response.

        Raises:
            EndpointError: the exception that the `error` code maps to (`exception_classes`), or
                `UnknownTokenEndpointError` for an unknown code.
            InvalidTokenResponse: when the response is not a standard error.
        """
        raise_endpoint_error(
            self,
            response,
            family=TokenEndpointError,
            unknown_error=UnknownTokenEndpointError,
            invalid_response=InvalidTokenResponse,
        )

    def _grant(
        self,
        grant_type: str,
        params: Mapping[str, Any],
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: Mapping[str, Any] | None = None,
        validate: bool = True,
    ) -> BearerToken:
        RequestsOptionAsParameter.check(params, "the token request")
        data = {"grant_type": grant_type, **params}
        if "scope" in data:  # every grant: a list is space-joined, an empty scope is left out (RFC 6749 §3.3)
            data["scope"] = join_space_separated(data["scope"], InvalidScopeParam)
        return self.token_request(data, dpop=dpop, dpop_key=dpop_key, validate=validate, **(requests_kwargs or {}))

    def client_credentials(
        self,
        scope: str | Iterable[str] | None = None,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with the client credentials grant.

        Args:
            scope: the requested scope, as a string or an iterable of strings.
            dpop: whether to ask for a DPoP-bound token (None: the client default).
            dpop_key: the DPoP key to use.
            requests_kwargs: keyword arguments for `requests`.
            validate: validate the ID Token of the answer, if it carries one (see `token_request()`).
            **token_kwargs: other parameters for the token endpoint (`resource`, `audience`, ...).

        Example:
            >>> token = client.client_credentials(scope="myscope", resource="https://myapi.local")  # doctest: +SKIP
        """
        return self._grant(
            GrantTypes.CLIENT_CREDENTIALS,
            {"scope": scope, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def authorization_code(
        self,
        code: str | AuthorizationResponse,
        *,
        validate: bool = True,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Exchange an authorization code for tokens.

        Given an `AuthorizationResponse` (from `AuthorizationRequest.validate_callback()`), the
        `code_verifier` and `redirect_uri` are sent along, the DPoP key of the request is used, and the ID
        Token, if any, is validated against the request (nonce, max_age, acr_values, issuer). Given a bare code,
        the ID Token is validated without those request-bound checks. A response obtained from another issuer
        than this client's is refused before anything is sent (`IssuerMixUp`).

        Args:
            code: the code, or the validated authorization response.
            validate: validate the ID Token, if the answer carries one.
            dpop: ask for a DPoP-bound token.
            dpop_key: the DPoP key to use (replaced by the key of the authorization response, if given one).
            requests_kwargs: keyword arguments for `requests`.
            **token_kwargs: other parameters for the token endpoint.
        """
        azr: AuthorizationResponse | None = None
        if isinstance(code, AuthorizationResponse):
            azr = code
            azr.check_issuer(self.issuer)  # mix-up: never send a code to another AS than the one that issued it
            token_kwargs.setdefault("code_verifier", azr.code_verifier)
            token_kwargs.setdefault("redirect_uri", azr.redirect_uri)
            dpop_key = azr.dpop_key
            code = azr.code
        token = self._grant(
            GrantTypes.AUTHORIZATION_CODE,
            {"code": code, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=False,  # validated here, against the authorization response
        )
        if validate and token.id_token is not None:
            token = token.validate_id_token(self, azr)
        return token

    def refresh_token(
        self,
        refresh_token: str | BearerToken,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a new token with a refresh token.

        A `DPoPToken` is refreshed with its own DPoP key, keeping the binding. An ID Token in the response is
        validated (OpenID Connect Core §12.2): against the previous ID Token when `refresh_token` is a token
        that carries one (same `iss`, `sub`, `aud`, `azp` and `auth_time`).

        Args:
            refresh_token: the refresh token, or a `BearerToken` that has one.
            requests_kwargs: keyword arguments for `requests`.
            validate: validate the ID Token of the answer, if it carries one.
            **token_kwargs: other parameters for the token endpoint.

        Raises:
            MissingRefreshToken: when the given `BearerToken` has no refresh token.
        """
        previous: BearerToken | None = None
        dpop_key: DPoPKey | None = None
        if isinstance(refresh_token, BearerToken):
            previous = refresh_token
            if not isinstance(refresh_token.refresh_token, str):
                raise MissingRefreshToken(refresh_token)
            if isinstance(refresh_token, DPoPToken):
                dpop_key = refresh_token.dpop_key
            refresh_token = refresh_token.refresh_token
        token = self._grant(
            GrantTypes.REFRESH_TOKEN,
            {"refresh_token": refresh_token, **token_kwargs},
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=False,  # validated here, against the previous ID Token
        )
        if validate and token.id_token is not None:
            previous_id_token = previous.id_token if previous is not None else None
            token = token.validate_refreshed_id_token(self, previous_id_token)
        return token

    def device_code(
        self,
        device_code: str | DeviceAuthorizationResponse,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Poll the token endpoint once with the device code grant (RFC 8628).

        An ID Token in the answer is validated (see `token_request()`); `validate=False` skips that.

        Raises:
            AuthorizationPending: while the user has not finished.
            SlowDown: when polling too often.
            MissingDeviceCode: when the given response has no device code.
        """
        if isinstance(device_code, DeviceAuthorizationResponse):
            if not isinstance(device_code.device_code, str):
                raise MissingDeviceCode(device_code)
            device_code = device_code.device_code
        return self._grant(
            GrantTypes.DEVICE_CODE,
            {"device_code": device_code, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def ciba(
        self,
        auth_req_id: str | BackChannelAuthenticationResponse,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Poll the token endpoint once with the CIBA grant.

        An ID Token in the answer is validated (see `token_request()`); `validate=False` skips that.

        Raises:
            AuthorizationPending: while the user has not finished.
            SlowDown: when polling too often.
            MissingAuthRequestId: when the given response has no `auth_req_id`.
        """
        if isinstance(auth_req_id, BackChannelAuthenticationResponse):
            if not isinstance(auth_req_id.auth_req_id, str):
                raise MissingAuthRequestId(auth_req_id)
            auth_req_id = auth_req_id.auth_req_id
        return self._grant(
            GrantTypes.CLIENT_INITIATED_BACKCHANNEL_AUTHENTICATION,
            {"auth_req_id": auth_req_id, **token_kwargs},
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def token_exchange(
        self,
        *,
        subject_token: str | BearerToken | IdToken,
        subject_token_type: str | None = None,
        actor_token: str | BearerToken | IdToken | None = None,
        actor_token_type: str | None = None,
        requested_token_type: str | None = None,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Exchange a token for another (RFC 8693).

        Token types may be given as short names (`access_token`, `refresh_token`, `id_token`, `jwt`, `saml1`,
        `saml2`), or guessed from `BearerToken` and `IdToken` objects. An ID Token in the answer is validated (see
        `token_request()`); `validate=False` skips that.

        Raises:
            UnknownSubjectTokenType: when the subject token type cannot be determined.
            UnknownActorTokenType: when the actor token type cannot be determined.
        """
        try:
            subject_token_type = get_token_type(subject_token_type, subject_token)
        except UnknownTokenType as exc:
            raise UnknownSubjectTokenType(subject_token, subject_token_type) from exc
        params: dict[str, Any] = {
            "subject_token": token_value(subject_token, subject_token_type),
            "subject_token_type": subject_token_type,
        }
        if actor_token is not None:
            try:
                actor_token_type = get_token_type(actor_token_type, actor_token)
            except UnknownTokenType as exc:
                raise UnknownActorTokenType(actor_token, actor_token_type) from exc
            params["actor_token"] = token_value(actor_token, actor_token_type)
            params["actor_token_type"] = actor_token_type
        if requested_token_type is not None:
            params["requested_token_type"] = get_token_type(requested_token_type)
        return self._grant(
            GrantTypes.TOKEN_EXCHANGE,
            {**params, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def jwt_bearer(
        self,
        assertion: Jwt | str,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with a JWT assertion (RFC 7523).

        A str assertion is parsed first, so that a malformed one fails before any request. An ID Token in the
        answer is validated (see `token_request()`); `validate=False` skips that.
        """
        if not isinstance(assertion, Jwt):
            assertion = SignedJwt(assertion)
        return self._grant(
            GrantTypes.JWT_BEARER,
            {"assertion": str(assertion), **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    def resource_owner_password(
        self,
        username: str,
        password: str,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool = True,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with the resource owner password grant (deprecated by OAuth 2.1; use it only if you must).

        An ID Token in the answer is validated (see `token_request()`); `validate=False` skips that.
        """
        return self._grant(
            GrantTypes.RESOURCE_OWNER_PASSWORD,
            {"username": username, "password": password, **token_kwargs},
            dpop=dpop,
            dpop_key=dpop_key,
            requests_kwargs=requests_kwargs,
            validate=validate,
        )

    get_token_type = staticmethod(get_token_type)
