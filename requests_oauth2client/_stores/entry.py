"""`TokenStoreEntry`: the renewal protocol that lets a whole fleet of processes renew a shared token once.

The protocol, run by `TokenStoreEntry.renew()` when a process finds its token missing or about to expire:

1. read the shared token: if another process renewed it already, use it (no lock, no token request);
2. otherwise take the store lock of the key (wait at most `lock_timeout` seconds);
3. read the shared token again: another process may have renewed it while this one waited for the lock;
4. otherwise renew it, starting from the newest token known (the stored one, which carries the latest rotated
   refresh token, or this process's own when it is newer or the store has none);
5. write the new token (and its refresh token) back, still under the lock; release the lock.

Failures never stop requests:

- **the store is down** (`TokenStoreUnavailable`): the process renews on its own, as without a store, and keeps
  working; one warning is logged when the outage starts (never with a secret in it) and one info message when
  the store works again. Renewals then happen once per process instead of once per fleet.
- **a lock holder died**: its lock expires after `lock_ttl` seconds (Redis), or at once (file and in-process
  locks), and the next waiter renews. Waiters wait up to `lock_timeout`, which should exceed `lock_ttl`.
- **the lock is not acquired within `lock_timeout`**: a warning is logged and the process renews without the
  lock (then writes the token back).
- **the refresh fails with `invalid_grant`** because another worker already used the refresh token (rotation):
  the store is read again, and its token is used if it is another one that is still good (`recover()`); else
  the error propagates.

How the auth handlers use it (`_auth.base`): a handler keeps its lock-free fast path on its own copy of the
token and, in its single-flight slow path (under its thread lock, after its own double check), calls
`entry.renew(self.token, needs_renewal=..., renew=...)`, where `renew(base)` refreshes `base` when it has a refresh
token (on `InvalidGrant`, `entry.recover(base, ...)` before running the grant again) and otherwise runs the grant.
`forget_token()` also calls `entry.forget()`; a one-time exchange (authorization code, device code) calls
`entry.save(token)`. The key comes from `token_cache_key(client, grant, subject=..., **token_kwargs)`.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType

from requests_oauth2client._stores.base import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_LOCK_TTL,
    TokenStore,
    TokenStoreLockTimeout,
    TokenStoreUnavailable,
    check_lock_parameters,
)
from requests_oauth2client.exceptions import InvalidGrant
from requests_oauth2client.tokens import BearerToken

__all__ = ["TokenStoreEntry"]

logger = logging.getLogger("requests_oauth2client")


def _newest(shared: BearerToken | None, own: BearerToken | None) -> BearerToken | None:
    """The token to renew from: the stored one, unless this process's own token expires later."""
    if shared is None or own is None:
        return own if shared is None else shared
    if own.expires_at is not None and shared.expires_at is not None and own.expires_at > shared.expires_at:
        return own
    return shared


class TokenStoreEntry:
    """One key of a token store, and the renewal protocol run on it (see the module documentation).

    An auth handler holds one entry and keeps its own copy of the token for the per-request fast path; it calls
    `renew()` only when that copy is missing or needs renewal, under its own thread lock, so that one thread per
    process goes to the store.

    Args:
        store: the token store.
        key: the key of the token in the store (see `token_cache_key`).
        lock_timeout: seconds to wait for the store lock.
        lock_ttl: seconds after which the store lock expires if its holder dies: longer than a token request.

    Example:
        ```python
        entry = TokenStoreEntry(store, token_cache_key(client, "client_credentials", scope="read"))
        token = entry.renew(
            None,
            needs_renewal=lambda token: token.is_expired(leeway=20),
            renew=lambda base: client.client_credentials(scope="read"),
        )
        ```
    """

    def __init__(
        self,
        store: TokenStore,
        key: str,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        lock_ttl: float = DEFAULT_LOCK_TTL,
    ) -> None:
        check_lock_parameters(lock_timeout, lock_ttl)
        self.store = store
        self.key = key
        self.lock_timeout = lock_timeout
        self.lock_ttl = lock_ttl
        self._outage = False  # whether the store failed last time (the warning was logged)
        self._outage_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenStoreEntry({self.store!r}, {self.key!r})"

    # ----------------------------------------------------------------------------------------- store operations

    def _store_failed(self, exc: TokenStoreUnavailable) -> None:
        """Log the first failure of an outage as a warning, the following ones at debug level."""
        with self._outage_lock:
            first, self._outage = not self._outage, True
        if first:
            logger.warning("%s Until it works again, this process renews its tokens on its own.", exc)
        else:
            logger.debug("The token store still fails: %s", exc)

    def _store_worked(self) -> None:
        if self._outage:
            with self._outage_lock:
                recovered, self._outage = self._outage, False
            if recovered:
                logger.info("The token store %r works again.", self.store)

    def _read(self) -> tuple[bool, BearerToken | None]:
        """Read the shared token: (whether the store answered, the token or None)."""
        try:
            token = self.store.get(self.key)
        except TokenStoreUnavailable as exc:
            self._store_failed(exc)
            return False, None
        self._store_worked()
        return True, token

    def load(self) -> BearerToken | None:
        """The shared token, or `None` when there is none or the store is down (then a warning is logged once)."""
        return self._read()[1]

    def save(self, token: BearerToken) -> bool:
        """Write `token` to the store (e.g. a token obtained with a one-time code); `False` if the store is down."""
        try:
            self.store.set(self.key, token)
        except TokenStoreUnavailable as exc:
            self._store_failed(exc)
            return False
        self._store_worked()
        return True

    def forget(self) -> None:
        """Delete the shared token (for `forget_token()`); when the store is down, a warning is logged once."""
        try:
            self.store.delete(self.key)
        except TokenStoreUnavailable as exc:
            self._store_failed(exc)
        else:
            self._store_worked()

    def _release(
        self,
        lock: AbstractContextManager[None],
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Release the store lock; a store that fails then is reported, not raised (the lock expires anyway)."""
        try:
            lock.__exit__(exc_type, exc, tb)
        except TokenStoreUnavailable as failure:
            self._store_failed(failure)

    # --------------------------------------------------------------------------------------------- the protocol

    def recover(self, used: BearerToken, *, needs_renewal: Callable[[BearerToken], object]) -> BearerToken | None:
        """After a refresh with `used` failed with `invalid_grant`: the store's token, if another worker renewed.

        With refresh token rotation, a refresh token is good for one refresh: if another worker used it first,
        the store holds the token it obtained. That token is returned when it is another token than `used` and
        does not need renewal; otherwise `None` (the error stands, or the grant is run again).

        Args:
            used: the token whose refresh token was refused.
            needs_renewal: tells whether a token must be renewed (e.g. expires within the leeway).
        """
        _, shared = self._read()
        if shared is None or shared.access_token == used.access_token or needs_renewal(shared):
            return None
        return shared

    def _renew_from(
        self,
        base: BearerToken | None,
        needs_renewal: Callable[[BearerToken], object],
        renew: Callable[[BearerToken | None], BearerToken],
    ) -> BearerToken:
        """`renew(base)`, with `recover()` when a refresh fails with `invalid_grant`."""
        try:
            return renew(base)
        except InvalidGrant:
            recovered = None if base is None else self.recover(base, needs_renewal=needs_renewal)
            if recovered is None:
                raise
            return recovered

    def renew(
        self,
        current: BearerToken | None,
        *,
        needs_renewal: Callable[[BearerToken], object],
        renew: Callable[[BearerToken | None], BearerToken],
    ) -> BearerToken:
        """A token good for the next request: the shared one if another worker renewed it, else a new one.

        `renew(base)` is called at most once, and only when this process must obtain a token (so an `on_token`
        hook placed in it fires for the renewals this process made). `base` is the newest known token (the
        stored one, or `current`), whose refresh token to use, or `None` when there is none.

        Args:
            current: this process's own token (possibly expired), or `None`.
            needs_renewal: tells whether a token must be renewed (e.g. `lambda t: t.is_expired(leeway)`).
            renew: obtains a new token from `base` (a refresh, or the grant again).

        Raises:
            Exception: whatever `renew` raises (errors of the Authorization Server). Failures of the store are
                never raised: see the module documentation.
        """
        answered, shared = self._read()
        if shared is not None and not needs_renewal(shared):
            return shared
        if not answered:
            return renew(current)  # the store is down: renew on our own, as without a store
        lock = self.store.lock(self.key, timeout=self.lock_timeout, ttl=self.lock_ttl)
        try:
            lock.__enter__()
        except TokenStoreUnavailable as exc:
            self._store_failed(exc)
            return renew(_newest(shared, current))
        except TokenStoreLockTimeout as exc:
            logger.warning("%s This process renews the token without the lock.", exc)
            return self._renew_and_save(current, needs_renewal, renew)
        try:
            token = self._renew_and_save(current, needs_renewal, renew)
        except BaseException:
            self._release(lock, *sys.exc_info())
            raise
        self._release(lock, None, None, None)
        return token

    def _renew_and_save(
        self,
        current: BearerToken | None,
        needs_renewal: Callable[[BearerToken], object],
        renew: Callable[[BearerToken | None], BearerToken],
    ) -> BearerToken:
        """Steps 3 to 5 of the protocol (normally under the lock): read again, renew if needed, write back."""
        _, shared = self._read()
        if shared is not None and not needs_renewal(shared):
            return shared  # renewed by another worker while this one waited for the lock
        token = self._renew_from(_newest(shared, current), needs_renewal, renew)
        self.save(token)
        return token
