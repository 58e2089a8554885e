"""The device authorization (RFC 8628) and CIBA request endpoints of `OAuth2Client`.

`OAuth2Client` inherits these methods; the answers are values of `_protocol.pending`, and the polling
that follows them lives in `device_authorization`, `backchannel_authentication` and `polling`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import requests
from jwskate import Jwk, Jwt, to_jwk

from requests_oauth2client._client.part import ClientPart
from requests_oauth2client._http.transport import json_body, raise_endpoint_error, send_to_endpoint
from requests_oauth2client._protocol.authorization_urls import signed_request_claims
from requests_oauth2client._protocol.pending import BackChannelAuthenticationResponse, DeviceAuthorizationResponse
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.enums import Endpoints
from requests_oauth2client.exceptions import (
    BackChannelAuthenticationError,
    DeviceAuthorizationError,
    InvalidAcrValuesParam,
    InvalidBackchannelAuthenticationRequestHintParam,
    InvalidBackChannelAuthenticationResponse,
    InvalidDeviceAuthorizationResponse,
    InvalidScopeParam,
    RequestsOptionAsParameter,
)
from requests_oauth2client.utils import join_space_separated


class DeviceAndBackchannelEndpoints(ClientPart):
    """Device authorization and CIBA requests (a part of `OAuth2Client`)."""

    if TYPE_CHECKING:  # provided by OAuth2Client
        issuer: str | None

    # ------------------------------------------------------------------------------------- CIBA and device

    def backchannel_authentication_request(
        self,
        scope: str | Iterable[str] | None = "openid",
        *,
        client_notification_token: str | None = None,
        acr_values: str | Iterable[str] | None = None,
        login_hint_token: str | None = None,
        id_token_hint: str | None = None,
        login_hint: str | None = None,
        binding_message: str | None = None,
        user_code: str | None = None,
        requested_expiry: int | None = None,
        private_jwk: Jwk | dict[str, Any] | None = None,
        alg: str | None = None,
        requests_kwargs: dict[str, Any] | None = None,
        **ciba_kwargs: Any,
    ) -> BackChannelAuthenticationResponse:
        """Start a Client-Initiated Backchannel Authentication (CIBA) request.

        Exactly one of `login_hint`, `login_hint_token` and `id_token_hint` is required. With `private_jwk`,
        the parameters are sent as a signed request (CIBA Core §7.1.1) that also carries `iss` (the client_id),
        `aud` (the issuer, when the client knows it), `iat`, `nbf`, `exp` (60 seconds later) and a random `jti`,
        as signed request objects do.

        Raises:
            InvalidBackchannelAuthenticationRequestHintParam: without exactly one hint.
        """
        RequestsOptionAsParameter.check(ciba_kwargs, "the backchannel authentication request")
        hints = [hint for hint in (login_hint, login_hint_token, id_token_hint) if hint is not None]
        if len(hints) != 1:
            raise InvalidBackchannelAuthenticationRequestHintParam(
                "One and only one of `login_hint`, `login_hint_token` or `id_token_hint` must be provided."
            )
        scope = join_space_separated(scope, InvalidScopeParam)
        acr_values = join_space_separated(acr_values, InvalidAcrValuesParam)
        params = {
            "scope": scope,
            "client_notification_token": client_notification_token,
            "acr_values": acr_values,
            "login_hint_token": login_hint_token,
            "id_token_hint": id_token_hint,
            "login_hint": login_hint,
            "binding_message": binding_message,
            "user_code": user_code,
            "requested_expiry": requested_expiry,
            **ciba_kwargs,
        }
        params = {key: value for key, value in params.items() if value is not None}
        data: dict[str, Any] = params
        if private_jwk is not None:
            # CIBA Core §7.1.1: signed like a request object, so that it is good once, for this AS, briefly
            claims = signed_request_claims(params, client_id=self.client_id, audience=self.issuer)
            data = {"request": str(Jwt.sign(claims, key=to_jwk(private_jwk), alg=alg))}
        return send_to_endpoint(
            self,
            Endpoints.BACKCHANNEL_AUTHENTICATION,
            self._endpoint(Endpoints.BACKCHANNEL_AUTHENTICATION),
            data=data,
            on_success=self.parse_backchannel_authentication_response,
            on_failure=self.on_backchannel_authentication_error,
            **(requests_kwargs or {}),
        )

    def parse_backchannel_authentication_response(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> BackChannelAuthenticationResponse:
        """Build a `BackChannelAuthenticationResponse` from a successful answer."""
        try:
            return BackChannelAuthenticationResponse.from_json(json_body(response))
        except (TypeError, ValueError) as exc:
            raise InvalidBackChannelAuthenticationResponse(response, self, str(exc)) from exc

    def on_backchannel_authentication_error(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> BackChannelAuthenticationResponse:
        """Raise the exception matching a backchannel authentication error response."""
        raise_endpoint_error(
            self,
            response,
            family=BackChannelAuthenticationError,
            invalid_response=InvalidBackChannelAuthenticationResponse,
        )

    def authorize_device(
        self, requests_kwargs: dict[str, Any] | None = None, **data: Any
    ) -> DeviceAuthorizationResponse:
        """Start a device authorization (RFC 8628) and return the codes to show to the user.

        Args:
            requests_kwargs: keyword arguments for `requests`.
            **data: the parameters for the device authorization endpoint (`scope`, ...).
        """
        RequestsOptionAsParameter.check(data, "the device authorization request")
        if "scope" in data:
            data["scope"] = join_space_separated(data["scope"], InvalidScopeParam)  # an empty scope is left out
        return send_to_endpoint(
            self,
            Endpoints.DEVICE_AUTHORIZATION,
            self._endpoint(Endpoints.DEVICE_AUTHORIZATION),
            data=data,
            on_success=self.parse_device_authorization_response,
            on_failure=self.on_device_authorization_error,
            **(requests_kwargs or {}),
        )

    def parse_device_authorization_response(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> DeviceAuthorizationResponse:
        """Build a `DeviceAuthorizationResponse` from a successful answer."""
        try:
            return DeviceAuthorizationResponse.from_json(json_body(response))
        except (TypeError, ValueError) as exc:
            raise InvalidDeviceAuthorizationResponse(response, self, str(exc)) from exc

    def on_device_authorization_error(
        self, response: requests.Response, *, dpop_key: DPoPKey | None = None
    ) -> DeviceAuthorizationResponse:
        """Raise the exception matching a device authorization error response."""
        raise_endpoint_error(
            self,
            response,
            family=DeviceAuthorizationError,
            invalid_response=InvalidDeviceAuthorizationResponse,
        )
