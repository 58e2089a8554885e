"""`MemoryTokenStore`: tokens shared by the auth handlers of one process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from requests_oauth2client._stores.base import (
    DEFAULT_EXPIRY_MARGIN,
    TokenStoreLockTimeout,
    check_lock_parameters,
    entry_lifetime,
)
from requests_oauth2client.tokens import BearerToken

__all__ = ["MemoryTokenStore"]


class MemoryTokenStore:
    """A token store in the memory of this process: what every auth handler does by itself, made shareable.

    Tokens are kept as objects (nothing is serialized), so DPoP tokens keep their key as is. Handlers of one
    process that share a `MemoryTokenStore` (and derive the same key) share one token and renew it once. Nothing
    survives the process, and other processes do not see it: use `FileTokenStore` or `RedisTokenStore` for that.

    Locks are `threading.Lock`s: they die with the process, so `lock()` ignores its `ttl`.

    Args:
        expiry_margin: seconds to keep a token without refresh token after its expiration.

    Example:
        ```python
        store = MemoryTokenStore()
        store.set("my-key", BearerToken("access_token", expires_in=3600))
        with store.lock("my-key", timeout=5, ttl=20):
            token = store.get("my-key")
        ```
    """

    def __init__(self, *, expiry_margin: float = DEFAULT_EXPIRY_MARGIN) -> None:
        self.expiry_margin = expiry_margin
        # key -> (token, POSIX time after which it is dropped, or None to keep it)
        self._entries: dict[str, tuple[BearerToken, float | None]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryTokenStore(<{len(self._entries)} tokens>)"

    def get(self, key: str) -> BearerToken | None:
        """Return the token stored under `key`, or `None`."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        token, keep_until = entry
        if keep_until is not None and time.time() > keep_until:
            return None
        return token

    def set(self, key: str, token: BearerToken) -> None:
        """Store `token` under `key`."""
        lifetime = entry_lifetime(token, self.expiry_margin)
        keep_until = None if lifetime is None else time.time() + lifetime
        with self._guard:
            self._entries[key] = (token, keep_until)

    def delete(self, key: str) -> None:
        """Remove the token stored under `key`, if any."""
        with self._guard:
            self._entries.pop(key, None)

    @contextmanager
    def lock(self, key: str, *, timeout: float, ttl: float) -> Iterator[None]:
        """Hold the lock of `key` (a `threading.Lock`, not reentrant); `ttl` is not needed here.

        Raises:
            TokenStoreLockTimeout: the lock was not acquired within `timeout` seconds.
        """
        check_lock_parameters(timeout, ttl)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=timeout):
            raise TokenStoreLockTimeout(key, timeout)
        try:
            yield
        finally:
            lock.release()
