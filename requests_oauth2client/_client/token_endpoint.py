"""The token endpoint side of `OAuth2Client`: the token request every grant goes through.

`OAuth2Client` inherits these methods. The grant methods (`_client.grants`) assemble their parameters and call
`token_request()`, which sends them through `_http.transport`, builds the token from the answer
(`_protocol.token_response`) and validates the ID Token it may carry (`id_token`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Literal, overload

import requests
from jwskate import Jwk

from requests_oauth2client._client.keys import AuthorizationServerKeys
from requests_oauth2client._http.transport import Timeout, json_body, raise_endpoint_error, send_to_endpoint
from requests_oauth2client._protocol.expires_in import expires_at_after
from requests_oauth2client._protocol.token_response import check_token_response
from requests_oauth2client._protocol.token_types import get_token_type
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.enums import Endpoints
from requests_oauth2client.exceptions import (
    InvalidScopeParam,
    InvalidTokenResponse,
    RequestsOptionAsParameter,
    TokenEndpointError,
    UnknownTokenEndpointError,
)
from requests_oauth2client.tokens import BearerToken, IdToken
from requests_oauth2client.utils import join_space_separated

__all__ = ["TokenEndpoint"]


class TokenEndpoint(AuthorizationServerKeys):
    """Token requests (a part of `OAuth2Client`); the grants are built on it (`_client.grants`).

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

    @overload
    def token_request(
        self,
        data: dict[str, Any],
        *,
        timeout: Timeout | EllipsisType = ...,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        validate: Literal[True] = True,
        **requests_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def token_request(
        self,
        data: dict[str, Any],
        *,
        timeout: Timeout | EllipsisType = ...,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        validate: bool,
        **requests_kwargs: Any,
    ) -> BearerToken: ...

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

    get_token_type = staticmethod(get_token_type)
