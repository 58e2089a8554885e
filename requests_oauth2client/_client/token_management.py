"""The token management endpoints of `OAuth2Client`.

Revocation (RFC 7009), introspection (RFC 7662, and as a JWT: RFC 9701) and OpenID Connect UserInfo (JSON, or a
signed and/or encrypted JWT). `OAuth2Client` inherits these methods; they only assemble parameters and parse answers
(signed answers are checked by `_jose.jwt_responses`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from requests_oauth2client._client.part import ClientPart
from requests_oauth2client._errors.jwt import JwtValidationError
from requests_oauth2client._http.transport import (
    endpoint_error,
    raise_endpoint_error,
    read_json_object,
    send_to_endpoint,
)
from requests_oauth2client._jose.jwt_responses import (
    JWT_INTROSPECTION_MEDIA_TYPE,
    JWT_MEDIA_TYPE,
    USERINFO_KIND,
    InvalidJwtIntrospectionResponse,
    InvalidJwtUserinfoResponse,
    verify_introspection_jwt,
    verify_jwt_response,
)
from requests_oauth2client._jose.settings import JoseSettings
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.enums import Endpoints
from requests_oauth2client.exceptions import (
    IntrospectionError,
    InvalidUserinfoResponse,
    MismatchingUserinfoSubject,
    MissingRefreshToken,
    RequestsOptionAsParameter,
    RevocationError,
    UnknownIntrospectionError,
    UnknownTokenType,
)
from requests_oauth2client.mtls import check_certificate_binding, client_certificate
from requests_oauth2client.tokens import BearerToken, IdToken

if TYPE_CHECKING:
    from jwskate import Jwk, JwkSet


class TokenManagementEndpoints(ClientPart):
    """Revocation, introspection and UserInfo requests (a part of `OAuth2Client`)."""

    if TYPE_CHECKING:  # provided by OAuth2Client
        issuer: str | None
        authorization_server_jwks: JwkSet
        id_token_decryption_key: Jwk | None
        jose: JoseSettings

        @property
        def client_secret(self) -> str | None: ...

        def refresh_authorization_server_public_keys(self) -> JwkSet: ...

    # ---------------------------------------------------------------------------- userinfo, revocation, etc.

    def userinfo(self, access_token: BearerToken | str) -> dict[str, Any]:
        """Call the UserInfo endpoint with an access token and return its decoded JSON answer.

        With `jose.userinfo_signed_response_alg` (or `userinfo_encrypted_response_alg`), the answer is asked for
        as `application/jwt`, and must be a JWT signed (or encrypted) that way, with the issuer as `iss` and the
        client_id in `aud` (OpenID Connect Core §5.3.2); its claims are returned. When the token carries an ID
        Token, the `sub` of the answer must be the ID Token's: an answer about another user is refused.

        Raises:
            requests.HTTPError: when the endpoint answers with an error status.
            InvalidUserinfoResponse: when the answer is not a JSON object.
            InvalidJwtUserinfoResponse: when a signed or encrypted answer does not pass validation (`.reason`
                tells which check failed).
            MismatchingUserinfoSubject: when its `sub` is not the `sub` of the token's ID Token.
            UnexpectedRedirect: when the endpoint answers with a redirect (never followed).
            MismatchingCertificateBinding: when the token is bound to another certificate than the client's (RFC
                8705 §3); nothing is sent.
        """
        if not isinstance(access_token, BearerToken):
            access_token = BearerToken(access_token)
        check_certificate_binding(access_token, client_certificate(self.auth, self.session))
        id_token = access_token.id_token
        subject = id_token.claims.get("sub") if isinstance(id_token, IdToken) else None

        def on_success(response: requests.Response, *, dpop_key: DPoPKey | None = None) -> dict[str, Any]:
            userinfo = self.parse_userinfo_response(response, dpop_key=dpop_key)
            if isinstance(subject, str) and userinfo.get("sub") != subject:
                raise MismatchingUserinfoSubject(response, self, userinfo.get("sub"), subject)
            return userinfo

        return send_to_endpoint(
            self,
            Endpoints.USER_INFO,
            self._endpoint(Endpoints.USER_INFO),
            auth=access_token,
            on_success=on_success,
            on_failure=self.on_userinfo_error,
            headers={"Accept": JWT_MEDIA_TYPE} if self.jose.jwt_userinfo else None,
        )

    def parse_userinfo_response(self, resp: requests.Response, *, dpop_key: DPoPKey | None = None) -> dict[str, Any]:
        """Decode a UserInfo response: a JSON object, or a JWT when the client expects one (`jose`).

        Raises:
            InvalidUserinfoResponse: when the body is not a JSON object.
            InvalidJwtUserinfoResponse: when a JWT answer does not pass validation.
        """
        settings = self.jose
        if settings.jwt_userinfo:
            try:
                return verify_jwt_response(
                    resp.content,
                    kind=USERINFO_KIND,
                    signed_alg=settings.userinfo_signed_response_alg,
                    encrypted_alg=settings.userinfo_encrypted_response_alg,
                    encrypted_enc=settings.userinfo_encrypted_response_enc,
                    **self._jwt_response_keys(),
                )
            except JwtValidationError as exc:
                raise InvalidJwtUserinfoResponse(resp, self, exc) from exc
        userinfo = read_json_object(resp)
        if userinfo is None:
            if resp.headers.get("Content-Type", "").lower().startswith("application/jwt"):
                raise InvalidUserinfoResponse(
                    resp,
                    self,
                    "the UserInfo response is a JWT, but the client expects JSON: configure its "
                    "`userinfo_signed_response_alg` (or `userinfo_encrypted_response_alg`) to verify it",
                )
            raise InvalidUserinfoResponse(resp, self, "the UserInfo response is not a JSON object")
        return userinfo

    def _jwt_response_keys(self) -> dict[str, Any]:
        """What verifying a signed or encrypted answer takes from this client: who it is, whom it trusts, its keys."""
        return {
            "client_id": self.client_id,
            "issuer": self.issuer,
            "jwks": self.authorization_server_jwks,
            "client_secret": self.client_secret,
            "refresh_jwks": self.refresh_authorization_server_public_keys,
            "decryption_keys": self.jose.decryption_keys or self.id_token_decryption_key,
        }

    def on_userinfo_error(self, resp: requests.Response, *, dpop_key: DPoPKey | None = None) -> Any:
        """Raise `requests.HTTPError` for a UserInfo error response."""
        resp.raise_for_status()

    def revoke_token(
        self,
        token: str | BearerToken,
        token_type_hint: str | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        **revoke_kwargs: Any,
    ) -> bool:
        """Revoke a token (RFC 7009).

        Returns:
            True when the AS accepted the request, False when it answered with a non-standard error.

        Raises:
            RevocationError: (or a subclass) when the AS answers with a standard error.
            MissingEndpointUri: when this client has no revocation endpoint.
        """
        RequestsOptionAsParameter.check(revoke_kwargs, "the revocation request")
        endpoint = self._endpoint(Endpoints.REVOCATION)
        if token_type_hint == "refresh_token" and isinstance(token, BearerToken):
            if not isinstance(token.refresh_token, str):
                raise MissingRefreshToken(token)
            token = token.refresh_token
        data = {"token": str(token), **revoke_kwargs}
        if token_type_hint:
            data["token_type_hint"] = token_type_hint
        return send_to_endpoint(
            self,
            Endpoints.REVOCATION,
            endpoint,
            data=data,
            on_success=self.parse_revocation_response,
            on_failure=self.on_revocation_error,
            **(requests_kwargs or {}),
        )

    def revoke_access_token(
        self, access_token: BearerToken | str, requests_kwargs: dict[str, Any] | None = None, **revoke_kwargs: Any
    ) -> bool:
        """Revoke an access token."""
        return self.revoke_token(access_token, "access_token", requests_kwargs, **revoke_kwargs)

    def revoke_refresh_token(
        self, refresh_token: str | BearerToken, requests_kwargs: dict[str, Any] | None = None, **revoke_kwargs: Any
    ) -> bool:
        """Revoke a refresh token (or the refresh token of a `BearerToken`)."""
        if isinstance(refresh_token, BearerToken) and not isinstance(refresh_token.refresh_token, str):
            raise MissingRefreshToken(refresh_token)
        return self.revoke_token(refresh_token, "refresh_token", requests_kwargs, **revoke_kwargs)

    def parse_revocation_response(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> bool:
        """A successful revocation response means True."""
        return True

    def on_revocation_error(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> bool:
        """Raise the exception matching a revocation error, or return False for a non-standard error."""
        error = endpoint_error(self, response, family=RevocationError)
        if error is None:
            return False
        raise error

    def introspect_token(
        self,
        token: str | BearerToken,
        token_type_hint: str | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        **introspect_kwargs: Any,
    ) -> dict[str, Any] | str:
        """Introspect a token (RFC 7662) and return the answer: its JSON object, or its text when it is not one.

        With `jose.introspection_signed_response_alg`, the answer is asked for as a JWT (RFC 9701: `Accept:
        application/token-introspection+jwt`); it must be signed (and encrypted, with
        `introspection_encrypted_response_alg`) that way, typed `token-introspection+jwt`, with the issuer as
        `iss`, the client_id in `aud` and an `iat`; its `token_introspection` claim is returned.

        Raises:
            InvalidJwtIntrospectionResponse: when a JWT answer does not pass validation (`.reason` tells which
                check failed).
            UnknownTokenType: with a `BearerToken` and a hint other than access_token or refresh_token.
            MissingRefreshToken: with the refresh_token hint and a `BearerToken` without one.
            IntrospectionError: when the AS answers with a standard error.
            UnknownIntrospectionError: when it answers with a non-standard error.
        """
        RequestsOptionAsParameter.check(introspect_kwargs, "the introspection request")
        endpoint = self._endpoint(Endpoints.INTROSPECTION)
        if isinstance(token, BearerToken):
            if token_type_hint is None or token_type_hint == "access_token":
                token = token.access_token
            elif token_type_hint == "refresh_token":
                if not isinstance(token.refresh_token, str):
                    raise MissingRefreshToken(token)
                token = token.refresh_token
            else:
                raise UnknownTokenType(
                    "a BearerToken can only be introspected as an access_token or a refresh_token",
                    token,
                    token_type_hint,
                )
        data = {"token": str(token), **introspect_kwargs}
        if token_type_hint:
            data["token_type_hint"] = token_type_hint
        requests_kwargs = dict(requests_kwargs or {})
        if self.jose.jwt_introspection:
            headers = dict(requests_kwargs.pop("headers", None) or {})
            headers.setdefault("Accept", JWT_INTROSPECTION_MEDIA_TYPE)
            requests_kwargs["headers"] = headers
        return send_to_endpoint(
            self,
            Endpoints.INTROSPECTION,
            endpoint,
            data=data,
            on_success=self.parse_introspection_response,
            on_failure=self.on_introspection_error,
            **requests_kwargs,
        )

    def parse_introspection_response(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> dict[str, Any] | str:
        """Decode an introspection response: its JSON object, or its raw text when it is not a JSON object.

        When the client expects JWT answers (`jose.introspection_signed_response_alg`), the answer is verified and
        its `token_introspection` claim returned.

        Raises:
            InvalidJwtIntrospectionResponse: when a JWT answer does not pass validation.
        """
        settings = self.jose
        if settings.jwt_introspection:
            try:
                return verify_introspection_jwt(
                    response.content,
                    signed_alg=settings.introspection_signed_response_alg,
                    encrypted_alg=settings.introspection_encrypted_response_alg,
                    encrypted_enc=settings.introspection_encrypted_response_enc,
                    **self._jwt_response_keys(),
                )
            except JwtValidationError as exc:
                raise InvalidJwtIntrospectionResponse(response, self, exc) from exc
        answer = read_json_object(response)
        return answer if answer is not None else response.text

    def on_introspection_error(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> dict[str, Any] | str:
        """Raise the exception matching an introspection error response."""
        raise_endpoint_error(self, response, family=IntrospectionError, invalid_response=UnknownIntrospectionError)
