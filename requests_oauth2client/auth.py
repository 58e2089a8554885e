"""`requests` auth handlers that obtain, cache and renew OAuth 2.0 access tokens.

Each handler holds an `OAuth2Client` and the current token. On each request it adds the token, after obtaining
a new one when there is none or when it expires within `leeway` seconds: with the refresh token when there is
one, else by running the grant again (client credentials, resource owner password), or once with the grant the
handler was built for (authorization code, device code).

Handlers can be shared between threads. Renewal is single-flight: when many threads find the token expired at
the same time, exactly one of them asks the Authorization Server for a new token while the others wait, then
they all use that new token. A new (rotated) refresh token is stored before any other thread can renew again,
so the old one is never reused.

Example:
    ```python
    import requests
    from requests_oauth2client import OAuth2Client, OAuth2ClientCredentialsAuth

    client = OAuth2Client("https://as.example/token", ("client_id", "client_secret"))
    session = requests.Session()
    session.auth = OAuth2ClientCredentialsAuth(client, scope="myscope", leeway=30)
    session.get("https://myapi.local/resource")
    ```
"""

from __future__ import annotations

import copy
import functools
import math
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import requests
from attrs import define, field, setters

from requests_oauth2client._http.origins import forget_credentials_before_leaving as forget_if_leaving
from requests_oauth2client._http.resend import Resend
from requests_oauth2client.authorization_request import AuthorizationResponse
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.device_authorization import DeviceAuthorizationPollingJob, DeviceAuthorizationResponse
from requests_oauth2client.exceptions import InvalidGrant
from requests_oauth2client.polling import PollingExpired
from requests_oauth2client.tokens import BearerToken
from requests_oauth2client.www_authenticate import response_challenges

__all__ = [
    "NonRenewableTokenError",
    "OAuth2AccessTokenAuth",
    "OAuth2AuthorizationCodeAuth",
    "OAuth2ClientCredentialsAuth",
    "OAuth2DeviceCodeAuth",
    "OAuth2ResourceOwnerPasswordAuth",
]

# Grant parameters that `OAuth2Client.refresh_token()` must not receive: a refreshed DPoP token keeps the key of
# the token it replaces, and the authorization code and device code grant parameters mean nothing there.
# (`validate` is passed on: `validate=False` also applies to the ID Tokens of refresh responses.)
_NOT_FOR_REFRESH = frozenset({"dpop", "dpop_key", "code_verifier", "redirect_uri", "slow_down_interval"})


class NonRenewableTokenError(Exception):
    """Raised when an auth handler has no usable token and no way to obtain one."""


def _to_token(value: str | BearerToken | None) -> BearerToken | None:
    """Convert a token value (attrs converter): a str token is a Bearer access token."""
    if isinstance(value, str):
        return BearerToken(value)
    return value


def _carry_forward(new: BearerToken, old: BearerToken) -> BearerToken:
    """Keep what a refresh response may leave out: the refresh token and the ID Token of the previous token.

    The refresh token stays valid when the AS issues no new one (RFC 6749 §6). The ID Token is kept so that the
    next refresh still has the original one to compare a refreshed ID Token with (OpenID Connect Core §12.2).
    """
    kept = {
        name: getattr(old, name)
        for name in ("refresh_token", "id_token")
        if getattr(new, name) is None and getattr(old, name) is not None
    }
    if not kept:
        return new
    merged = copy.copy(new)
    for name, value in kept.items():
        object.__setattr__(merged, name, value)  # frozen token: same trick as BearerToken
    return merged


@define(init=False)
class OAuth2AccessTokenAuth(requests.auth.AuthBase):
    """A `requests` auth handler that adds an access token to requests, and refreshes it when it expires.

    When the token expires within `leeway` seconds and has a refresh token, a new token is obtained with
    `client.refresh_token(refresh_token=token, **token_kwargs)` before the request is sent. A token without
    refresh token is used until it expires; then requests raise `ExpiredAccessToken`.

    Args:
        client: the `OAuth2Client` used to refresh tokens.
        token: the access token (a `str` is taken as a Bearer access token), or `None`.
        leeway: renew the token when it expires within this number of seconds.
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` (the resource server no longer accepts the token, e.g. it was
            revoked) makes the handler renew the token once and send the request again, once. The retry is never
            repeated; a token that cannot be renewed leaves the `401` response as is. Only a `401` from the origin
            the token was sent to counts: after a redirect to another origin, nothing is renewed nor resent.
        **token_kwargs: extra parameters for the token requests (e.g. `scope`, `resource`).

    Raises:
        NonRenewableTokenError: (on a request) when there is no token and no way to obtain one.

    Attributes:
        token: the current token. `client`, `leeway` and `token_kwargs` are read-only.

    Example:
        ```python
        auth = OAuth2AccessTokenAuth(client, token, leeway=30)
        requests.get("https://myapi.local/resource", auth=auth)
        ```
    """

    client: OAuth2Client = field(on_setattr=setters.frozen)
    token: BearerToken | None = field(converter=_to_token)
    leeway: int = field(on_setattr=setters.frozen)
    token_kwargs: dict[str, Any] = field(on_setattr=setters.frozen)
    renew_on_invalid_token: bool = field(repr=False, on_setattr=setters.frozen)
    _lock: threading.RLock = field(init=False, factory=threading.RLock, eq=False, repr=False)
    # (token, POSIX time until which it needs no renewal, its Authorization header value or None): lets
    # `__call__` skip the datetime arithmetic of `is_expired()` while the same token stays valid.
    _checked: tuple[BearerToken | None, float, str | None] = field(
        init=False, default=(None, 0.0, None), eq=False, repr=False
    )

    # token_kwargs that `_refresh()` leaves out (see `_NOT_FOR_REFRESH`); none for this class, whose only grant
    # is the refresh token grant.
    _not_for_refresh: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        client: OAuth2Client,
        token: str | BearerToken | None,
        *,
        leeway: int = 20,
        renew_on_invalid_token: bool = False,
        **token_kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
        )

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the access token to `request`, after obtaining a new one when needed.

        Raises:
            NonRenewableTokenError: when there is no token and no way to obtain one.
            ExpiredAccessToken: when the token is expired and cannot be renewed.
        """
        token = self.token
        checked_token, valid_until, header = self._checked
        # Fast path, without locking: the same token as last time, still good for at least `leeway` seconds.
        if token is not None and token is checked_token and time.time() < valid_until:
            if header is not None:
                request.headers["Authorization"] = header
            else:
                request = token(request)
        else:
            if token is None or token.is_expired(self.leeway):
                token = self._fresh_token(token)
            request = token(request)  # raises ExpiredAccessToken when the token is expired and not renewable
            self._remember(token)
        if self.renew_on_invalid_token:
            hook = functools.partial(self._renew_and_resend, token, Resend(request))
            request.hooks["response"].append(hook)
        return request

    def _remember(self, token: BearerToken) -> None:
        """Record that `token` was checked, and until when it needs no renewal."""
        expires_at = token.expires_at
        valid_until = math.inf if expires_at is None else expires_at.timestamp() - max(self.leeway, 0)
        # Only a plain BearerToken is reduced to its header; subclasses (DPoPToken...) add more to each request.
        header = token.authorization_header() if type(token) is BearerToken else None
        self._checked = (token, valid_until, header)

    def _fresh_token(self, seen: BearerToken | None) -> BearerToken:
        """Return a token good for the next request, renewing it if no other thread did (single-flight)."""
        with self._lock:
            current = self.token
            if current is not None and current != seen and not current.is_expired():
                return current  # renewed by another thread while this one waited for the lock
            if current is None or current.is_expired(self.leeway):
                self._obtain_token()
                current = self.token
        if current is None:
            msg = "No token is available, and this auth handler has no way to obtain one."
            raise NonRenewableTokenError(msg)
        return current

    def _obtain_token(self) -> None:
        """Obtain a token when there is none or it expires soon. Called with the lock held."""
        self._renew()

    def _renew(self) -> None:
        """Obtain a new token in place of the current one. Called with the lock held."""
        token = self.token
        if token is not None and token.refresh_token is not None:
            self.token = self._refresh(token)

    def _refresh(self, token: BearerToken) -> BearerToken:
        """Send a refresh token request; keep the old refresh token and ID Token when the answer has none."""
        kwargs = {key: value for key, value in self.token_kwargs.items() if key not in self._not_for_refresh}
        return _carry_forward(self.client.refresh_token(refresh_token=token, **kwargs), token)

    def renew_token(self) -> None:
        """Obtain a new token now, with the refresh token when there is one.

        Safe to call from several threads: a call that had to wait while another thread renewed the token
        does not renew it again.
        """
        seen = self.token
        with self._lock:
            if self.token != seen:
                return  # renewed by another thread meanwhile
            self._renew()

    def forget_token(self) -> None:
        """Forget the current token: the next request obtains a new one (when this handler can)."""
        with self._lock:
            self.token = None

    def _renew_and_resend(
        self, used: BearerToken, resend: Resend, response: requests.Response, **kw: Any
    ) -> requests.Response:
        """Response hook: on `401` + `invalid_token` from the origin the token went to, renew and resend once.

        A redirect to another origin gets no `Authorization` header, and its 401 renews nothing. When the request
        cannot be sent again (see `_http.resend`), nothing is renewed and the 401 stands.
        """
        forget_if_leaving(response, resend.origin, ("Authorization",))
        if response.status_code != 401 or not resend.answered_by_origin(response):
            return response
        # `error="invalid_token"` in a challenge, Bearer or DPoP (RFC 6750 §3, RFC 9449 §7.1)
        if not any(challenge.error == "invalid_token" for challenge in response_challenges(response, strict=False)):
            return response
        if not resend.possible(response):
            return response
        with self._lock:
            current = self.token
            if current is None or current == used:  # else another thread already renewed it: just resend
                self._renew()
                current = self.token
        if current is None or current == used:
            return response  # the token could not be renewed: the 401 stands

        return resend.send_again(response, current, **kw)


@define(init=False)
class _RepeatableGrantAuth(OAuth2AccessTokenAuth):
    """Base for handlers whose grant can be run again: refresh when possible, else (or on failure) the grant."""

    _not_for_refresh: ClassVar[frozenset[str]] = _NOT_FOR_REFRESH

    def _renew(self) -> None:
        token = self.token
        if token is not None and token.refresh_token is not None:
            try:
                self.token = self._refresh(token)
            except InvalidGrant:
                pass  # the refresh token expired or was revoked: run the grant again
            else:
                return
        self.token = self._grant()

    def _grant(self) -> BearerToken:
        raise NotImplementedError


@define(init=False)
class OAuth2ClientCredentialsAuth(_RepeatableGrantAuth):
    """A `requests` auth handler that obtains access tokens with the Client Credentials grant.

    A token is obtained on the first request with `client.client_credentials(**token_kwargs)`, reused while it is
    valid, and renewed when it expires within `leeway` seconds: with its refresh token if it has one, else (or if
    the refresh fails with `invalid_grant`) with the Client Credentials grant again.

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        leeway: renew the token when it expires within this number of seconds.
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler obtain a new token once and send the request
            again, once (never more).
        **token_kwargs: parameters for the token requests, e.g. `scope`, `resource`, `audience`, `dpop`.

    Example:
        ```python
        auth = OAuth2ClientCredentialsAuth(client, scope="myscope", resource="https://myapi.local")
        requests.get("https://myapi.local/resource", auth=auth)
        ```
    """

    def __init__(
        self,
        client: OAuth2Client,
        *,
        leeway: int = 20,
        token: str | BearerToken | None = None,
        renew_on_invalid_token: bool = False,
        **token_kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
        )

    def renew_token(self) -> None:
        """Obtain a new token now: with the refresh token if there is one, else with the Client Credentials grant.

        Safe to call from several threads: a call that had to wait while another thread renewed the token
        does not renew it again.
        """
        super().renew_token()

    def _grant(self) -> BearerToken:
        return self.client.client_credentials(**self.token_kwargs)


@define(init=False)
class OAuth2ResourceOwnerPasswordAuth(_RepeatableGrantAuth):  # type: ignore[override]  # __attrs_init__ gains the subclass fields
    """A `requests` auth handler that obtains access tokens with the Resource Owner Password Credentials grant.

    This grant is deprecated by OAuth 2.1: use it only when nothing else is possible. Tokens are obtained with
    `client.resource_owner_password(username=..., password=..., **token_kwargs)` and renewed like
    `OAuth2ClientCredentialsAuth` does. The password never appears in `repr()`.

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        username: the resource owner's user name.
        password: the resource owner's password.
        leeway: renew the token when it expires within this number of seconds.
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler obtain a new token once and send the request
            again, once (never more).
        **token_kwargs: extra parameters for the token requests, e.g. `scope`.
    """

    username: str
    password: str = field(repr=False)

    def __init__(
        self,
        client: OAuth2Client,
        *,
        username: str,
        password: str,
        leeway: int = 20,
        token: str | BearerToken | None = None,
        renew_on_invalid_token: bool = False,
        **token_kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
            username=username,
            password=password,
        )

    def renew_token(self) -> None:
        """Obtain a new token now: with the refresh token if there is one, else with the password grant.

        Safe to call from several threads: a call that had to wait while another thread renewed the token
        does not renew it again.
        """
        super().renew_token()

    def _grant(self) -> BearerToken:
        return self.client.resource_owner_password(username=self.username, password=self.password, **self.token_kwargs)


@define(init=False)
class OAuth2AuthorizationCodeAuth(OAuth2AccessTokenAuth):  # type: ignore[override]  # __attrs_init__ gains the subclass fields
    """A `requests` auth handler that exchanges an authorization code for tokens, then refreshes them.

    On the first request, the code is exchanged with `client.authorization_code(code=code, **token_kwargs)`,
    exactly once, and `code` is set to `None`. The token is then refreshed with its refresh token when it expires
    within `leeway` seconds. The code never appears in `repr()`.

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        code: the authorization code, or the `AuthorizationResponse` holding it (its `code_verifier`,
            `redirect_uri` and DPoP key are then used), or `None` when `token` is given.
        leeway: refresh the token when it expires within this number of seconds.
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler refresh the token once and send the request
            again, once (never more).
        **token_kwargs: extra parameters for the code exchange, e.g. `redirect_uri`, `code_verifier` (parameters
            meaningless for the refresh token grant, such as these, are not sent when refreshing), or `validate`
            (`validate=False` leaves the ID Tokens unchecked, of the exchange and of the refreshes).

    Raises:
        IssuerMixUp: when `code` is an `AuthorizationResponse` from another issuer than the client's.

    Example:
        ```python
        api = ApiClient("https://your.protected.api/endpoint", auth=OAuth2AuthorizationCodeAuth(client, code))
        ```
    """

    code: str | AuthorizationResponse | None = field(repr=False)

    _not_for_refresh: ClassVar[frozenset[str]] = _NOT_FOR_REFRESH

    def __init__(
        self,
        client: OAuth2Client,
        code: str | AuthorizationResponse | None,
        *,
        leeway: int = 20,
        token: str | BearerToken | None = None,
        renew_on_invalid_token: bool = False,
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
            code=code,
        )

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
        self.token = self.client.authorization_code(code=code, **self.token_kwargs)
        self.code = None


@define(init=False)
class OAuth2DeviceCodeAuth(OAuth2AccessTokenAuth):  # type: ignore[override]  # __attrs_init__ gains the subclass fields
    """A `requests` auth handler that obtains tokens with the Device Authorization grant (RFC 8628).

    On the first request, the handler polls the token endpoint with a `DeviceAuthorizationPollingJob` until the
    user approves the authorization (this blocks), then sets `device_code` to `None`. Polling stops with
    `PollingExpired` once the device code expires: at the `expires_at` of the `DeviceAuthorizationResponse` when
    one is given, else `expires_in` seconds after polling starts. The token is then refreshed with its refresh
    token when it expires within `leeway` seconds.

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        device_code: the device code, or the `DeviceAuthorizationResponse` holding it (its `interval` and
            `expires_at` are then used), or `None` when `token` is given. May be passed by position.
        leeway: refresh the token when it expires within this number of seconds.
        interval: seconds between two polling requests (default: the response's interval, else 5).
        expires_in: how long, in seconds, to poll at most when the device code's expiration is unknown.
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler refresh the token once and send the request
            again, once (never more).
        **token_kwargs: extra parameters for the token requests.

    Raises:
        TypeError: when neither a device code nor a token is given, or `device_code` has no usable device code.

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

    _not_for_refresh: ClassVar[frozenset[str]] = _NOT_FOR_REFRESH

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
        if device_code is None and token is None:
            msg = "OAuth2DeviceCodeAuth needs a `device_code` (or a DeviceAuthorizationResponse), or a `token`."
            raise TypeError(msg)
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
            device_code=device_code,
            interval=5 if interval is None else interval,
            expires_in=expires_in,
            expires_at=expires_at,
        )

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
                self.token = token
                self.device_code = None
                return
        raise PollingExpired(deadline)
