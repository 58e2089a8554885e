"""`OAuth2AccessTokenAuth`: the token of each request, renewed once per expiry, optionally shared through a store.

Every handler derives from it. Per request, a lock-free fast path reuses the checked token; when the token is
missing or needs renewal, one thread takes the handler's lock and renews it (single-flight), the others wait and
use the new token. With a token store (`store=`), that renewal goes through `TokenStoreEntry.renew()`: the token
another process renewed is used, else this process renews it under the store's lock and writes it back. The fast
path never touches the store.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import requests
from attrs import define, field, setters

from requests_oauth2client._auth.renewal import call_on_token, lifetime_from_now, renewal_deadline, subject_of
from requests_oauth2client._http.origins import forget_credentials_before_leaving as forget_if_leaving
from requests_oauth2client._http.resend import Resend
from requests_oauth2client._stores.base import TokenStore
from requests_oauth2client._stores.cache_key import token_cache_key
from requests_oauth2client._stores.entry import TokenStoreEntry
from requests_oauth2client._stores.lifetime import stored_lifetime, with_stored_lifetime, without_stored_lifetime
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.enums import GrantTypes
from requests_oauth2client.exceptions import InvalidGrant
from requests_oauth2client.mtls import check_certificate_binding
from requests_oauth2client.tokens import BearerToken, with_fields
from requests_oauth2client.www_authenticate import response_challenges

__all__ = ["NOT_FOR_REFRESH", "NonRenewableTokenError", "OAuth2AccessTokenAuth", "OnToken", "StoreOption"]

logger = logging.getLogger("requests_oauth2client")

OnToken = Callable[[BearerToken], object]
"""The `on_token` hook: called with each new token a handler obtains."""

StoreOption = TokenStore | TokenStoreEntry | None
"""What `store=` accepts: a store (the key is derived), an entry (a key and lock settings of your choice), or None."""

NOT_FOR_REFRESH = frozenset({"dpop", "dpop_key", "code_verifier", "redirect_uri", "slow_down_interval"})
"""Grant parameters that handlers of other grants leave out of refresh requests: a refreshed DPoP token keeps the key
of the token it replaces, and the authorization code and device code grant parameters mean nothing there.
(`validate` is passed on: `validate=False` also applies to the ID Tokens of refresh responses.)"""

# Parameters that make no difference to tokens of a user, whose store key is made of the client, the grant and the
# subject: a stored DPoP token keeps its key, whatever the handler that reads it asked for.
_NOT_IN_USER_KEYS = frozenset({"dpop", "dpop_key"})


class NonRenewableTokenError(Exception):
    """Raised when an auth handler has no usable token and no way to obtain one."""


class _NoWayToRenew(Exception):
    """Raised inside a store renewal when the handler has no way to obtain a token (caught by the handler)."""


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
    return with_fields(new, **kept) if kept else new


def _check_store(store: object) -> None:
    if store is not None and not isinstance(store, (TokenStoreEntry, TokenStore)):
        msg = f"store= takes a TokenStore (or a TokenStoreEntry), not a {type(store).__name__}."
        raise TypeError(msg)


@define(init=False)
class OAuth2AccessTokenAuth(requests.auth.AuthBase):
    """A `requests` auth handler that adds an access token to requests, and refreshes it when it expires.

    When the token needs renewal and has a refresh token, a new token is obtained with
    `client.refresh_token(refresh_token=token, **token_kwargs)` before the request is sent. A token without
    refresh token is used until it expires; then requests raise `ExpiredAccessToken`.

    A token needs renewal when it expires within `leeway` seconds; for a token the handler obtained itself, within
    `min(leeway, lifetime / 2)` seconds, where `lifetime` is the `expires_in` it was issued with (so a token that
    lives 5 seconds is used for 2.5 seconds, not renewed before every request). A token given to the handler
    (`token=`, or assigned to `handler.token`) keeps the plain rule.

    With a token store (`store=`), the processes that share the store share one token: a handler reads the store
    when it has no token or its token needs renewal (never on the per-request path), uses the token another process
    renewed, or renews it under the store's lock and writes it back (a rotated refresh token included). A refresh
    refused with `invalid_grant` because another process already used the refresh token gives the stored token.
    The store's failures never fail a request: see [Token stores](../usage/token_stores.md).

    Args:
        client: the `OAuth2Client` used to refresh tokens.
        token: the access token (a `str` is taken as a Bearer access token), or `None`.
        leeway: renew the token when it expires within this number of seconds (see above).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` (the resource server no longer accepts the token, e.g. it was
            revoked) makes the handler renew the token once and send the request again, once. The retry is never
            repeated; a token that cannot be renewed leaves the `401` response as is. Only a `401` from the origin
            the token was sent to counts: after a redirect to another origin, nothing is renewed nor resent.
        store: a `TokenStore` shared with other handlers, processes or hosts; the key of the token is derived with
            `token_cache_key()` from the client, the grant, the `subject` and the `token_kwargs`. Or a
            `TokenStoreEntry`, to choose the key and the lock settings. `None` (the default): the handler keeps
            its token to itself.
        subject: with a store, who the tokens belong to (a user or session id, any stable string; it is hashed
            into the key). Default: the `sub` of the ID Token of `token`, when it has one.
        on_token: called as `on_token(token)` with each new token this handler obtains (under its lock, once per
            renewal): to keep a rotated refresh token, for instance. Not called for tokens read from a store (the
            process that obtained them called its own). What it raises is logged, and the request goes on.
        **token_kwargs: extra parameters for the token requests (e.g. `scope`, `resource`).

    Raises:
        NonRenewableTokenError: (on a request) when there is no token and no way to obtain one.
        TypeError: with a store, when there is no `subject` and the token has no ID Token to take one from.

    Attributes:
        token: the current token of this handler. `client`, `leeway`, `token_kwargs`, `store`, `subject` and
            `on_token` are read-only.

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
    store: StoreOption = field(repr=False, eq=False, on_setattr=setters.frozen)
    subject: str | None = field(repr=False, eq=False, on_setattr=setters.frozen)
    on_token: OnToken | None = field(repr=False, eq=False, on_setattr=setters.frozen)
    _lock: threading.RLock = field(init=False, factory=threading.RLock, eq=False, repr=False)
    # (token, POSIX time until which it needs no renewal, its Authorization header value or None): lets
    # `__call__` skip the expiry arithmetic while the same token stays valid.
    _checked: tuple[BearerToken | None, float, str | None] = field(
        init=False, default=(None, 0.0, None), eq=False, repr=False
    )
    # (a token this handler obtained, or read from its store, and the lifetime it was issued with): the leeway
    # rule applies `min(leeway, lifetime / 2)` to that very object only, so a token assigned later keeps the plain
    # rule.
    _known: tuple[BearerToken | None, float | None] = field(init=False, default=(None, None), eq=False, repr=False)
    _entry: TokenStoreEntry | None = field(init=False, default=None, eq=False, repr=False)

    # token_kwargs that `_refresh()` leaves out (`NOT_FOR_REFRESH` for handlers of other grants); none for this
    # class, whose only grant is the refresh token grant.
    _not_for_refresh: ClassVar[frozenset[str]] = frozenset()
    # the grant of this handler's tokens (for the store key), and whether they belong to a user (then the key needs
    # a subject)
    _store_grant: ClassVar[str] = GrantTypes.REFRESH_TOKEN.value
    _user_tokens: ClassVar[bool] = True

    def __init__(
        self,
        client: OAuth2Client,
        token: str | BearerToken | None,
        *,
        leeway: int = 20,
        renew_on_invalid_token: bool = False,
        store: StoreOption = None,
        subject: str | None = None,
        on_token: OnToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
            store=store,
            subject=subject,
            on_token=on_token,
        )

    def __attrs_post_init__(self) -> None:
        _check_store(self.store)
        self._entry = self._open_entry(wait_for_subject=self._exchange_pending())

    # ------------------------------------------------------------------------------------------- per request

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the access token to `request`, after obtaining a new one when needed.

        Raises:
            NonRenewableTokenError: when there is no token and no way to obtain one.
            ExpiredAccessToken: when the token is expired and cannot be renewed.
            MismatchingCertificateBinding: when the token is bound to another certificate than the client's.
        """
        token = self.token
        checked_token, valid_until, header = self._checked
        # Fast path, without locking: the same token as last time, and not yet due for renewal.
        if token is not None and token is checked_token and time.time() < valid_until:
            if header is not None:
                request.headers["Authorization"] = header
            else:
                request = token(request)
        else:
            if token is None or self._needs_renewal(token):
                token = self._fresh_token(token)
            if token.x5t_s256 is not None:  # a certificate-bound token (RFC 8705 §3): checked once per token
                check_certificate_binding(token, self.client.client_certificate)
            request = token(request)  # raises ExpiredAccessToken when the token is expired and not renewable
            self._remember(token)
        if self.renew_on_invalid_token:
            hook = functools.partial(self._renew_and_resend, token, Resend(request))
            request.hooks["response"].append(hook)
        return request

    def _deadline(self, token: BearerToken) -> float:
        """The POSIX time from which `token` needs renewal (see the leeway rule in the class documentation)."""
        known, lifetime = self._known
        if token is not known:  # a given token (no lifetime: the plain rule), or a token read from the store
            lifetime = stored_lifetime(token)
        expires_at = token.expires_at
        return renewal_deadline(None if expires_at is None else expires_at.timestamp(), lifetime, self.leeway)

    def _needs_renewal(self, token: BearerToken) -> bool:
        return time.time() >= self._deadline(token)

    def _remember(self, token: BearerToken) -> None:
        """Record that `token` was checked, and until when it needs no renewal."""
        # Only a plain BearerToken is reduced to its header; subclasses (DPoPToken...) add more to each request.
        header = token.authorization_header() if type(token) is BearerToken else None
        self._checked = (token, self._deadline(token), header)

    def _fresh_token(self, seen: BearerToken | None) -> BearerToken:
        """Return a token good for the next request, renewing it if no other thread did (single-flight)."""
        with self._lock:
            current = self.token
            if current is not None and current != seen and not current.is_expired():
                return current  # renewed by another thread while this one waited for the lock
            if current is None or self._needs_renewal(current):
                self._obtain_token()
                current = self.token
        if current is None:
            msg = "No token is available, and this auth handler has no way to obtain one."
            raise NonRenewableTokenError(msg)
        return current

    # ------------------------------------------------------------------------------------------------ renewal

    def _obtain_token(self) -> None:
        """Obtain a token when there is none or it needs renewal. Called with the lock held."""
        self._renew()

    def _obtain(self, base: BearerToken | None) -> BearerToken | None:
        """A new token from the AS in place of `base`; None when this handler has no way to obtain one.

        Called with the lock held. When the refresh is refused with `invalid_grant`, the store's token is returned
        if another process renewed meanwhile (with refresh token rotation, it used the refresh token first).

        Raises:
            InvalidGrant: the refresh token was refused, and the store has no newer token.
        """
        if base is None or base.refresh_token is None:
            return None
        try:
            return self._refresh(base)
        except InvalidGrant:
            entry = self._entry
            recovered = None if entry is None else entry.recover(base, needs_renewal=self._needs_renewal)
            if recovered is None:
                raise
            return recovered

    def _refresh(self, token: BearerToken) -> BearerToken:
        """Send a refresh token request; keep the old refresh token and ID Token when the answer has none."""
        kwargs = {key: value for key, value in self.token_kwargs.items() if key not in self._not_for_refresh}
        return self._received(_carry_forward(self.client.refresh_token(refresh_token=token, **kwargs), token))

    def _received(self, token: BearerToken) -> BearerToken:
        """Note a token just obtained from the AS, with its lifetime (the `expires_in` it was issued with)."""
        self._known = (token, lifetime_from_now(token))
        return token

    def _renew(self, replace: BearerToken | None = None) -> None:
        """Obtain a new token in place of the current one. Called with the lock held.

        Args:
            replace: a token to renew even when it does not need renewal yet (a resource server refused it, or a
                renewal was asked for), unless another process already replaced it in the store.
        """
        entry = self._entry
        if entry is None:
            new = self._obtain(self.token)
            if new is not None:
                self.token = new
                call_on_token(self.on_token, new, type(self).__name__)
            return
        fresh: list[tuple[BearerToken, BearerToken]] = []  # (as written to the store, as obtained)

        def needs_renewal(token: BearerToken) -> bool:
            return (replace is not None and token.access_token == replace.access_token) or self._needs_renewal(token)

        def renew(base: BearerToken | None) -> BearerToken:
            new = self._obtain(base)
            if new is None:
                raise _NoWayToRenew
            obtained, lifetime = self._known
            if new is obtained:  # from the AS (else recovered from the store)
                new = with_stored_lifetime(new, lifetime)
                fresh.append((new, obtained))
            return new

        try:
            shared = entry.renew(self.token, needs_renewal=needs_renewal, renew=renew)
        except _NoWayToRenew:
            return
        if fresh and shared is fresh[0][0]:
            self.token = fresh[0][1]
            call_on_token(self.on_token, self.token, type(self).__name__)
            return
        token, lifetime = without_stored_lifetime(shared)
        self._known = (token, lifetime)
        self.token = token

    def _obtained_once(self, token: BearerToken) -> None:
        """Use a token from a one-time exchange (code, device code), and write it to the store. Lock held."""
        self.token = token
        if self.store is not None and self._entry is None:
            try:
                self._entry = self._open_entry()
            except TypeError:
                logger.warning(
                    "%s has a token store but no subject, and the token has no ID Token to take it from: the"
                    " token is kept by this handler only. Pass subject= to share it.",
                    type(self).__name__,
                )
        if self._entry is not None:
            self._entry.save(with_stored_lifetime(token, self._known[1]))
        call_on_token(self.on_token, token, type(self).__name__)

    # ----------------------------------------------------------------------------------------------- the store

    def _exchange_pending(self) -> bool:
        """Whether a one-time exchange (code, device code) is still to come (the subject can come from it)."""
        return False

    def _key_parameters(self) -> dict[str, Any]:
        """The grant parameters that make this handler's tokens different (for `token_cache_key()`)."""
        return {name: value for name, value in self.token_kwargs.items() if name not in _NOT_IN_USER_KEYS}

    def _open_entry(self, *, wait_for_subject: bool = False) -> TokenStoreEntry | None:
        """The entry of this handler's token in its store (the key derived from the client, grant and subject).

        Args:
            wait_for_subject: return None, rather than raise, when the subject is not known yet (it will be, from
                the ID Token of a one-time exchange).

        Raises:
            TypeError: the tokens belong to a user and there is no subject (see `token_cache_key()`).
        """
        store = self.store
        if store is None or isinstance(store, TokenStoreEntry):
            return store
        subject = self.subject
        if subject is None and self._user_tokens:
            subject = subject_of(self.token)
            if subject is None and wait_for_subject:
                return None
            object.__setattr__(self, "subject", subject)  # read-only for users; set once, here
        key = token_cache_key(self.client, self._store_grant, subject=subject, **self._key_parameters())
        return TokenStoreEntry(store, key)

    # --------------------------------------------------------------------------------------------- public API

    def renew_token(self) -> None:
        """Obtain a new token now, with the refresh token when there is one.

        Safe to call from several threads: a call that had to wait while another thread renewed the token
        does not renew it again. With a store, a token another process renewed meanwhile is used instead.
        """
        seen = self.token
        with self._lock:
            if self.token != seen:
                return  # renewed by another thread meanwhile
            self._renew(replace=seen)

    def forget_token(self) -> None:
        """Forget the current token, and delete it from the store: the next request obtains a new one (if it can)."""
        with self._lock:
            self.token = None
            if self._entry is not None:
                self._entry.forget()

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
                self._renew(replace=used)
                current = self.token
        if current is None or current == used:
            return response  # the token could not be renewed: the 401 stands

        return resend.send_again(response, current, **kw)
