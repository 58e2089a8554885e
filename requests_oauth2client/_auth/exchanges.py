"""Handlers that start with a one-time exchange, then refresh: authorization code and device code."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from attrs import define, field

from requests_oauth2client._auth.base import (
    NOT_FOR_REFRESH,
    NonRenewableTokenError,
    OAuth2AccessTokenAuth,
    OnToken,
    StoreOption,
)
from requests_oauth2client.authorization_request import AuthorizationResponse
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.device_authorization import DeviceAuthorizationPollingJob, DeviceAuthorizationResponse
from requests_oauth2client.enums import GrantTypes
from requests_oauth2client.polling import PollingExpired
from requests_oauth2client.tokens import BearerToken

__all__ = ["OAuth2AuthorizationCodeAuth", "OAuth2DeviceCodeAuth"]


@define(init=False)
class OAuth2AuthorizationCodeAuth(OAuth2AccessTokenAuth):  # type: ignore[override]  # __attrs_init__ gains the subclass fields
    """A `requests` auth handler that exchanges an authorization code for tokens, then refreshes them.

    On the first request, the code is exchanged with `client.authorization_code(code=code, **token_kwargs)`,
    exactly once, and `code` is set to `None`. The token is then refreshed with its refresh token when it needs
    renewal (see `OAuth2AccessTokenAuth` for the leeway rule). The code never appears in `repr()`.

    With a store, the token obtained with the code is written to the store under a key made of the client and the
    `subject` (the `sub` of the ID Token when `subject` is not given); the handlers of other processes find it with
    `OAuth2AuthorizationCodeAuth(client, None, subject=..., store=...)` and share its renewals.

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        code: the authorization code, or the `AuthorizationResponse` holding it (its `code_verifier`,
            `redirect_uri` and DPoP key are then used), or `None` when `token` (or `store` and `subject`) is given.
        leeway: refresh the token when it expires within this number of seconds (at most half its lifetime).
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler refresh the token once and send the request
            again, once (never more).
        store: a `TokenStore` to share the user's token with other processes, or a `TokenStoreEntry`.
        subject: with a store, who the token belongs to (a user or session id). Default: the `sub` of the ID
            Token, once the code is exchanged (read it from `auth.subject` to find the token again later).
        on_token: called with each new token this handler obtains (see `OAuth2AccessTokenAuth`).
        **token_kwargs: extra parameters for the code exchange, e.g. `redirect_uri`, `code_verifier` (parameters
            meaningless for the refresh token grant, such as these, are not sent when refreshing), or `validate`
            (`validate=False` leaves the ID Tokens unchecked, of the exchange and of the refreshes).

    Raises:
        IssuerMixUp: when `code` is an `AuthorizationResponse` from another issuer than the client's.
        TypeError: with a store, no code, no `subject` and no token with an ID Token to take it from.

    Example:
        ```python
        api = ApiClient("https://your.protected.api/endpoint", auth=OAuth2AuthorizationCodeAuth(client, code))
        ```
    """

    code: str | AuthorizationResponse | None = field(repr=False)

    _not_for_refresh: ClassVar[frozenset[str]] = NOT_FOR_REFRESH
    _store_grant: ClassVar[str] = GrantTypes.AUTHORIZATION_CODE.value

    def __init__(
        self,
        client: OAuth2Client,
        code: str | AuthorizationResponse | None,
        *,
        leeway: int = 20,
        token: str | BearerToken | None = None,
        renew_on_invalid_token: bool = False,
        store: StoreOption = None,
        subject: str | None = None,
        on_token: OnToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        if isinstance(code, AuthorizationResponse):
            code.check_issuer(getattr(client, "issuer", None))  # fail now rather than on the first request
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
            store=store,
            subject=subject,
            on_token=on_token,
            code=code,
        )

    def _exchange_pending(self) -> bool:
        return self.code is not None

    def _obtain_token(self) -> None:
        token = self.token
        if self.code is not None and (token is None or token.is_expired()):
            self._exchange_code()
        else:
            self._renew()

    def exchange_code_for_token(self) -> None:
        """Exchange the authorization code for a token now, then forget the code.

        Raises:
            NonRenewableTokenError: when the code was already exchanged.
        """
        with self._lock:
            self._exchange_code()

    def _exchange_code(self) -> None:
        code = self.code
        if code is None:
            msg = "The authorization code has already been exchanged for a token."
            raise NonRenewableTokenError(msg)
        token = self._received(self.client.authorization_code(code=code, **self.token_kwargs))
        self.code = None
        self._obtained_once(token)


@define(init=False)
class OAuth2DeviceCodeAuth(OAuth2AccessTokenAuth):  # type: ignore[override]  # __attrs_init__ gains the subclass fields
    """A `requests` auth handler that obtains tokens with the Device Authorization grant (RFC 8628).

    On the first request, the handler polls the token endpoint with a `DeviceAuthorizationPollingJob` until the
    user approves the authorization (this blocks), then sets `device_code` to `None`. Polling stops with
    `PollingExpired` once the device code expires: at the `expires_at` of the `DeviceAuthorizationResponse` when
    one is given, else `expires_in` seconds after polling starts. The token is then refreshed with its refresh
    token when it needs renewal (see `OAuth2AccessTokenAuth` for the leeway rule).

    With a store, the token obtained is written to the store under a key made of the client and the `subject`
    (the `sub` of the ID Token when `subject` is not given); other processes, or this program when it starts again,
    find it with `OAuth2DeviceCodeAuth(client, subject=..., store=...)` (no device code).

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        device_code: the device code, or the `DeviceAuthorizationResponse` holding it (its `interval` and
            `expires_at` are then used), or `None` when `token` (or `store`) is given. May be passed by position.
        leeway: refresh the token when it expires within this number of seconds (at most half its lifetime).
        interval: seconds between two polling requests (default: the response's interval, else 5).
        expires_in: how long, in seconds, to poll at most when the device code's expiration is unknown.
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler refresh the token once and send the request
            again, once (never more).
        store: a `TokenStore` to share the user's token with other processes, or a `TokenStoreEntry`.
        subject: with a store, who the token belongs to (a user or session id). Default: the `sub` of the ID
            Token, once the device code is exchanged.
        on_token: called with each new token this handler obtains (see `OAuth2AccessTokenAuth`).
        **token_kwargs: extra parameters for the token requests.

    Raises:
        TypeError: when neither a device code, a token nor a store is given, or `device_code` has no usable device
            code; with a store, no device code, no `subject` and no token with an ID Token to take it from.

    Example:
        ```python
        device_auth_resp = client.authorize_device()
        print(device_auth_resp.user_code, device_auth_resp.verification_uri)
        api = ApiClient("https://your.protected.api/endpoint", auth=OAuth2DeviceCodeAuth(client, device_auth_resp))
        ```
    """

    device_code: str | None = field(repr=False)
    interval: int
    expires_in: int
    expires_at: datetime | None

    _not_for_refresh: ClassVar[frozenset[str]] = NOT_FOR_REFRESH
    _store_grant: ClassVar[str] = GrantTypes.DEVICE_CODE.value

    def __init__(
        self,
        client: OAuth2Client,
        device_code: str | DeviceAuthorizationResponse | None = None,
        *,
        leeway: int = 20,
        interval: int | None = None,
        expires_in: int = 360,
        token: str | BearerToken | None = None,
        renew_on_invalid_token: bool = False,
        store: StoreOption = None,
        subject: str | None = None,
        on_token: OnToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        expires_at: datetime | None = None
        if device_code is not None and not isinstance(device_code, str):
            response = device_code
            device_code = getattr(response, "device_code", None)
            if not isinstance(device_code, str):
                msg = "`device_code` must be a device code or a DeviceAuthorizationResponse."
                raise TypeError(msg)
            if interval is None:
                interval = getattr(response, "interval", None)
            expires_at = getattr(response, "expires_at", None)
        if device_code is None and token is None and store is None:
            msg = (
                "OAuth2DeviceCodeAuth needs a `device_code` (or a DeviceAuthorizationResponse), a `token`,"
                " or a `store` to read the token from."
            )
            raise TypeError(msg)
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
            store=store,
            subject=subject,
            on_token=on_token,
            device_code=device_code,
            interval=5 if interval is None else interval,
            expires_in=expires_in,
            expires_at=expires_at,
        )

    def _exchange_pending(self) -> bool:
        return self.device_code is not None

    def _obtain_token(self) -> None:
        if self.device_code is not None and self.token is None:
            self._exchange_device_code()
        else:
            self._renew()

    def exchange_device_code_for_token(self) -> None:
        """Poll the token endpoint until the user approves the authorization (blocking), then forget the code.

        Raises:
            NonRenewableTokenError: when the device code was already exchanged.
            PollingExpired: when the device code expires before the user approves.
        """
        with self._lock:
            self._exchange_device_code()

    def _exchange_device_code(self) -> None:
        device_code = self.device_code
        if device_code is None:
            msg = "The device code has already been exchanged for a token."
            raise NonRenewableTokenError(msg)
        now = datetime.now(tz=timezone.utc)
        deadline = self.expires_at or now + timedelta(seconds=self.expires_in)
        job = DeviceAuthorizationPollingJob(
            self.client, device_code, interval=self.interval, expires_at=deadline, **self.token_kwargs
        )
        # The job stops at the deadline by itself; also bound the number of polls, whatever the clock does.
        max_polls = math.ceil(max((deadline - now).total_seconds(), 0) / max(self.interval, 1)) + 1
        for _ in range(max_polls):
            token = job()
            if token is not None:
                self.device_code = None
                self._obtained_once(self._received(token))
                return
        raise PollingExpired(deadline)
