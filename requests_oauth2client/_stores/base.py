"""The `TokenStore` protocol, its errors, and the rules every store shares (entry lifetimes, lock waits).

A token store keeps tokens under string keys (see `token_cache_key`) so that several auth handlers, threads,
processes or hosts use one token instead of each obtaining its own, and a lock per key so that only one of them
renews it at a time. `TokenStoreEntry` runs the renewal protocol on top of these four operations.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from requests_oauth2client.tokens import BearerToken

__all__ = [
    "DEFAULT_EXPIRY_MARGIN",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_LOCK_TTL",
    "TokenStore",
    "TokenStoreError",
    "TokenStoreLockTimeout",
    "TokenStoreUnavailable",
    "check_lock_parameters",
    "entry_lifetime",
    "wait_for_lock",
]

DEFAULT_LOCK_TTL = 20.0
"""Seconds after which a store lock expires by itself, when its holder died without releasing it."""

DEFAULT_LOCK_TIMEOUT = 25.0
"""Seconds a renewal waits for the store lock; longer than `DEFAULT_LOCK_TTL`, so a dead holder's lock is outlived."""

DEFAULT_EXPIRY_MARGIN = 60.0
"""Seconds a store keeps a token (without refresh token) after its expiration, before dropping it."""

# Polling a lock held by another process: short first waits (a renewal usually takes a few ms to a few hundred),
# doubling up to a cap, each with random jitter so that many waiters do not retry in lockstep.
_FIRST_POLL = 0.002
_MAX_POLL = 0.05


class TokenStoreError(Exception):
    """Base class of the errors raised by token stores."""


class TokenStoreUnavailable(TokenStoreError):
    """The token store could not be read or written: a network error, a stopped server, a file system error.

    The message names the store (without credentials) and the operation; the original error is `__cause__`.

    Attributes:
        store: a description of the store, e.g. `redis at 10.0.0.5:6379/0` or a directory path.
        operation: what failed, e.g. `read a token` or `take a lock`.
    """

    def __init__(self, store: str, operation: str, cause: BaseException) -> None:
        super().__init__(f"The token store ({store}) failed to {operation}: {type(cause).__name__}: {cause}")
        self.store = store
        self.operation = operation


class TokenStoreLockTimeout(TokenStoreError):
    """The lock of a token store key was not acquired within the allowed time.

    Another worker holds it: it is renewing the token, or it died and the lock has not expired yet.

    Attributes:
        key: the key whose lock was requested.
        timeout: how many seconds were waited.
    """

    def __init__(self, key: str, timeout: float) -> None:
        super().__init__(
            f"The token store lock of '{key}' was not acquired within {timeout:g} s: another worker holds it"
            " (it is renewing the token, or it died and the lock has not expired yet)."
        )
        self.key = key
        self.timeout = timeout


@runtime_checkable
class TokenStore(Protocol):
    """Where auth handlers keep tokens shared between threads, processes or hosts.

    A store maps keys (from `token_cache_key`) to tokens, and has a lock per key so that only one worker renews a
    token at a time. `MemoryTokenStore`, `FileTokenStore` and `RedisTokenStore` implement it; any object with
    these four methods does too.

    Backend failures raise `TokenStoreUnavailable`; a stored value that cannot be read back is reported as absent
    (and logged), so that it gets replaced.
    """

    def get(self, key: str) -> BearerToken | None:
        """Return the token stored under `key`, or `None` when there is none (or it was dropped after expiring).

        Raises:
            TokenStoreUnavailable: the store could not be read.
        """
        ...  # pragma: no cover

    def set(self, key: str, token: BearerToken) -> None:
        """Store `token` under `key`, replacing any previous one.

        The store keeps the token until it expires plus a margin (`entry_lifetime`); a token with a refresh token
        is kept until replaced or deleted, since its refresh token may be the only valid one.

        Raises:
            TokenStoreUnavailable: the store could not be written.
        """
        ...  # pragma: no cover

    def delete(self, key: str) -> None:
        """Remove the token stored under `key`, if any.

        Raises:
            TokenStoreUnavailable: the store could not be written.
        """
        ...  # pragma: no cover

    def lock(self, key: str, *, timeout: float, ttl: float) -> AbstractContextManager[None]:
        """A context manager holding the exclusive lock of `key` (not reentrant).

        Args:
            key: the key to lock (locks and tokens are independent: locking does not read or write the token).
            timeout: how many seconds to wait for the lock.
            ttl: after how many seconds the lock expires by itself, in case its holder dies without releasing it.
                Stores whose locks die with their holder (in-process and file locks) need no expiry.

        Raises:
            TokenStoreLockTimeout: the lock was not acquired within `timeout` seconds.
            TokenStoreUnavailable: the store could not be reached (when acquiring or releasing the lock).
        """
        ...  # pragma: no cover


def entry_lifetime(token: BearerToken, margin: float, now: float | None = None) -> float | None:
    """How many seconds a store keeps `token`: until it expires, plus `margin`.

    `None` (keep it until it is replaced or deleted) for a token without expiration, and for a token with a
    refresh token: once the access token has expired, the refresh token is what the next renewal needs, and with
    refresh token rotation the stored one may be the only valid one.

    Args:
        token: the token to store.
        margin: seconds to keep an expired token (it is useless, but clocks of hosts may differ a little).
        now: the current POSIX time (default: `time.time()`).
    """
    if token.refresh_token is not None or token.expires_at is None:
        return None
    now = time.time() if now is None else now
    return max(token.expires_at.timestamp() - now, 0.0) + margin


def check_lock_parameters(timeout: float, ttl: float) -> None:
    """Refuse a negative lock `timeout` and a lock `ttl` that is not positive.

    Raises:
        ValueError: one of them is out of range.
    """
    if not timeout >= 0:
        raise ValueError(f"A lock timeout must be 0 or more seconds, got {timeout!r}.")
    if not ttl > 0:
        raise ValueError(f"A lock ttl must be more than 0 seconds, got {ttl!r}.")


def wait_for_lock(try_acquire: Callable[[], bool], *, key: str, timeout: float) -> None:
    """Call `try_acquire()` until it returns `True`, polling with growing, jittered pauses, for `timeout` seconds.

    `try_acquire()` is called at least once, even with a `timeout` of 0.

    Raises:
        TokenStoreLockTimeout: `try_acquire()` did not succeed within `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    pause = _FIRST_POLL
    while not try_acquire():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TokenStoreLockTimeout(key, timeout)
        jitter = 0.5 + secrets.randbelow(1000) / 1000  # between 0.5 and 1.5 times the pause
        time.sleep(min(pause * jitter, remaining))
        pause = min(pause * 2, _MAX_POLL)
