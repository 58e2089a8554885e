"""The grants of `OAuth2Client`: one short method per grant, each assembling its parameters for `token_request()`.

`OAuth2Client` inherits these methods. Each grant validates an ID Token in its answer (`validate=True`, the default;
see `TokenEndpoint.token_request()`), and its return type says so: `BearerToken[IdToken | None]`, whose `id_token`
is an `IdToken` when present. With `validate=False`, an encrypted ID Token is kept as it came (a `JweCompact`): the
return type is then a bare `BearerToken`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, overload

from jwskate import Jwt, SignedJwt

from requests_oauth2client._client.token_endpoint import TokenEndpoint
from requests_oauth2client._protocol.pending import BackChannelAuthenticationResponse, DeviceAuthorizationResponse
from requests_oauth2client._protocol.token_types import get_token_type, token_value
from requests_oauth2client.authorization_request import AuthorizationResponse
from requests_oauth2client.dpop import DPoPKey, DPoPToken
from requests_oauth2client.enums import GrantTypes
from requests_oauth2client.exceptions import (
    MissingAuthRequestId,
    MissingDeviceCode,
    MissingRefreshToken,
    UnknownActorTokenType,
    UnknownSubjectTokenType,
    UnknownTokenType,
)
from requests_oauth2client.tokens import BearerToken, IdToken

__all__ = ["Grants"]


class Grants(TokenEndpoint):
    """The grants (a part of `OAuth2Client`), on top of the token request.

    A keyword argument of a grant that is an option of `requests` (`timeout`, `verify`...) is refused with
    `RequestsOptionAsParameter` (it would be sent to the AS as a parameter): give it in `requests_kwargs`.
    """

    @overload
    def client_credentials(
        self,
        scope: str | Iterable[str] | None = None,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: Literal[True] = True,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def client_credentials(
        self,
        scope: str | Iterable[str] | None = None,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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

    @overload
    def authorization_code(
        self,
        code: str | AuthorizationResponse,
        *,
        validate: Literal[True] = True,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def authorization_code(
        self,
        code: str | AuthorizationResponse,
        *,
        validate: bool,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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

    @overload
    def refresh_token(
        self,
        refresh_token: str | BearerToken,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: Literal[True] = True,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def refresh_token(
        self,
        refresh_token: str | BearerToken,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: bool,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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

    @overload
    def device_code(
        self,
        device_code: str | DeviceAuthorizationResponse,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: Literal[True] = True,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def device_code(
        self,
        device_code: str | DeviceAuthorizationResponse,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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

    @overload
    def ciba(
        self,
        auth_req_id: str | BackChannelAuthenticationResponse,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: Literal[True] = True,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def ciba(
        self,
        auth_req_id: str | BackChannelAuthenticationResponse,
        requests_kwargs: dict[str, Any] | None = None,
        *,
        validate: bool,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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

    @overload
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
        validate: Literal[True] = True,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
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
        validate: bool,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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

    @overload
    def jwt_bearer(
        self,
        assertion: Jwt | str,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: Literal[True] = True,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def jwt_bearer(
        self,
        assertion: Jwt | str,
        *,
        dpop: bool = False,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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

    @overload
    def resource_owner_password(
        self,
        username: str,
        password: str,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: Literal[True] = True,
        **token_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def resource_owner_password(
        self,
        username: str,
        password: str,
        *,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        validate: bool,
        **token_kwargs: Any,
    ) -> BearerToken: ...

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
