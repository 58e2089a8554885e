"""The authorization endpoint side of `OAuth2Client`: building authorization requests, and pushing them (PAR).

`OAuth2Client` inherits these methods. The requests themselves (state, nonce, PKCE, JAR, callback validation) are
in `authorization_request`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import requests
from jwskate import to_jwk

from requests_oauth2client._client.part import ClientPart
from requests_oauth2client._http.transport import raise_endpoint_error, read_json_object, send_to_endpoint
from requests_oauth2client._jose.settings import DEFAULT_REQUEST_OBJECT_ENCRYPTION_ENC, JoseSettings
from requests_oauth2client._protocol.expires_in import InvalidExpiresIn, answer_expires_at
from requests_oauth2client.authorization_request import (
    AuthorizationRequest,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
    ResponseTypes,
)
from requests_oauth2client.client_authentication import PrivateKeyJwt
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.enums import Endpoints
from requests_oauth2client.exceptions import (
    InvalidPushedAuthorizationResponse,
    PushedAuthorizationRequestError,
    RequestsOptionAsParameter,
    UnknownTokenEndpointError,
)

if TYPE_CHECKING:
    from jwskate import Jwk, JwkSet


class AuthorizationEndpoints(ClientPart):
    """Authorization requests and pushed authorization requests (a part of `OAuth2Client`)."""

    if TYPE_CHECKING:  # provided by OAuth2Client
        redirect_uri: str | None
        issuer: str | None
        authorization_response_iss_parameter_supported: bool
        code_challenge_method: str | None
        dpop_bound_access_tokens: bool
        dpop_alg: str
        authorization_server_jwks: JwkSet
        jose: JoseSettings

    def authorization_request(
        self,
        *,
        scope: str | Iterable[str] | None = "openid",
        response_type: str = ResponseTypes.CODE,
        redirect_uri: str | None = None,
        state: str | EllipsisType | None = ...,
        nonce: str | EllipsisType | None = ...,
        code_verifier: str | None = None,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        dpop_alg: str | None = None,
        **kwargs: Any,
    ) -> AuthorizationRequest:
        """Build an authorization request with this client's settings.

        The request carries the client_id, redirect_uri, issuer, the RFC 9207 flag, the PKCE method, and the
        DPoP key thumbprint (`dpop_jkt`) when DPoP is on; state, nonce and PKCE verifier are random by default.
        JARM responses must be signed with `jose.authorization_signed_response_alg`, when set.

        Raises:
            RequestsOptionAsParameter: when an option of `requests` (`timeout`...) is given as a parameter (to push
                the request with it, give it to `pushed_authorization_request()` in `requests_kwargs`).
        """
        RequestsOptionAsParameter.check(kwargs, "an authorization request")
        kwargs.setdefault("authorization_signed_response_alg", self.jose.authorization_signed_response_alg)
        return AuthorizationRequest(
            self._endpoint(Endpoints.AUTHORIZATION),
            client_id=self.client_id,
            redirect_uri=redirect_uri or self.redirect_uri,
            issuer=self.issuer,
            authorization_response_iss_parameter_supported=self.authorization_response_iss_parameter_supported,
            response_type=response_type,
            scope=scope,
            state=state,
            nonce=nonce,
            code_verifier=code_verifier,
            code_challenge_method=self.code_challenge_method,
            dpop=dpop if dpop is not None else self.dpop_bound_access_tokens,
            dpop_key=dpop_key,
            dpop_alg=dpop_alg or self.dpop_alg,
            authorization_server_jwks=self.authorization_server_jwks,
            **kwargs,
        )

    def sign_authorization_request(
        self,
        authorization_request: AuthorizationRequest,
        sign_jwk: Jwk | Mapping[str, Any] | None = None,
        *,
        sign_alg: str | None = None,
        lifetime: int | None = None,
    ) -> RequestParameterAuthorizationRequest:
        """Sign an authorization request as a request object (JAR, RFC 9101), encrypted when the client is set so.

        With `jose.request_object_encryption_alg`, the signed request object is encrypted (a nested JWT, RFC 9101
        §6.1) to the key of the Authorization Server JWKS for that alg (`use` absent or `enc`), with
        `jose.request_object_encryption_enc` (A128CBC-HS256 by default). Send the user to the result's `uri`, or push
        it with `pushed_authorization_request()`; validate the callback with the original request.

        Args:
            authorization_request: the request to sign.
            sign_jwk: the client private signing key; by default, the private_key_jwt key of the client.
            sign_alg: the signature alg, if the key has none.
            lifetime: the lifetime of the request object, in seconds (60 by default).

        Raises:
            ValueError: when there is no signing key, or no single encryption key of the AS suits the alg.
        """
        key, sign_alg = self._request_object_signer(sign_jwk, sign_alg)
        if key is None:
            raise ValueError("a signing key is needed: pass `sign_jwk` (the client has no private_key_jwt key)")
        enc_alg = self.jose.request_object_encryption_alg
        if enc_alg is None:
            return authorization_request.sign(key, sign_alg, lifetime)
        return authorization_request.sign_and_encrypt(
            key,
            self.authorization_server_jwks,
            sign_alg=sign_alg,
            enc_alg=enc_alg,
            enc=self.jose.request_object_encryption_enc or DEFAULT_REQUEST_OBJECT_ENCRYPTION_ENC,
            lifetime=lifetime,
        )

    def _request_object_signer(
        self, sign_jwk: Jwk | Mapping[str, Any] | None, sign_alg: str | None
    ) -> tuple[Jwk | None, str | None]:
        """The key and alg that sign request objects: the given key (with `sign_alg`, else its own `alg`), or else
        the private_key_jwt key of the client (with its alg); `(None, sign_alg)` when there is no key.
        """  # noqa: D205
        if sign_jwk is not None:
            key = to_jwk(sign_jwk)
            return key, sign_alg or key.alg  # as jwskate signs: `sign_alg` wins over the key's
        if isinstance(self.auth, PrivateKeyJwt):
            return self.auth.private_jwk, sign_alg or self.auth.alg
        return None, sign_alg

    def pushed_authorization_request(
        self,
        authorization_request: AuthorizationRequest | RequestParameterAuthorizationRequest,
        requests_kwargs: dict[str, Any] | None = None,
    ) -> RequestUriParameterAuthorizationRequest:
        """Push an authorization request to the PAR endpoint (RFC 9126) and return the short request to use.

        The request may be a signed (or signed and encrypted) request object, as `sign_authorization_request()`
        makes. The request's DPoP key, if any, signs a proof for the PAR endpoint and stays attached to the result.
        """
        return send_to_endpoint(
            self,
            Endpoints.PUSHED_AUTHORIZATION_REQUEST,
            self._endpoint(Endpoints.PUSHED_AUTHORIZATION_REQUEST),
            data=authorization_request.args,
            on_success=self.parse_pushed_authorization_response,
            on_failure=self.on_pushed_authorization_request_error,
            dpop_key=authorization_request.dpop_key,
            **(requests_kwargs or {}),
        )

    def parse_pushed_authorization_response(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> RequestUriParameterAuthorizationRequest:
        """Build the request_uri authorization request from a successful PAR response."""
        body = read_json_object(response)
        request_uri = body.get("request_uri") if body is not None else None
        if body is None or not isinstance(request_uri, str) or not request_uri:
            raise InvalidPushedAuthorizationResponse(response, self, "the response has no valid `request_uri`")
        try:
            # REQUIRED (RFC 9126 §2.2); a lifetime of 0 means "already expired" (see `_protocol.expires_in`)
            expires_at = answer_expires_at(body.get("expires_in"), required=True)
        except InvalidExpiresIn as exc:
            raise InvalidPushedAuthorizationResponse(response, self, str(exc)) from exc
        return RequestUriParameterAuthorizationRequest(
            authorization_endpoint=self._endpoint(Endpoints.AUTHORIZATION),
            client_id=self.client_id,
            request_uri=request_uri,
            expires_at=expires_at,
            dpop_key=dpop_key,
        )

    def on_pushed_authorization_request_error(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> RequestUriParameterAuthorizationRequest:
        """Raise the exception matching a PAR endpoint error response."""
        raise_endpoint_error(
            self,
            response,
            family=PushedAuthorizationRequestError,
            unknown_error=UnknownTokenEndpointError,
            invalid_response=InvalidPushedAuthorizationResponse,
        )
