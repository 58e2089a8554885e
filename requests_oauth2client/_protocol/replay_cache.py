"""Replay detection for one-time JWTs (back-channel logout tokens): remember each `jti` until the token expires.

A `ReplayCache` has one operation, `add_if_absent(key, expires_at=, now=)`, atomic: it records a key and tells whether
it was new. `MemoryReplayCache` keeps the keys of one process, thread-safe, bounded in size. Applications that run
several processes behind one back-channel logout URL share a cache of their own (a Redis `SET key 1 NX EXAT ...`
fits the protocol).

Private module: the names are re-exported by [requests_oauth2client.logout][].
"""

from __future__ import annotations

import heapq
import math
import threading
from datetime import datetime
from typing import Any, Protocol

__all__ = ["DEFAULT_REPLAY_CACHE_SIZE", "MemoryReplayCache", "ReplayCache"]

DEFAULT_REPLAY_CACHE_SIZE = 10_000
"""How many keys a `MemoryReplayCache` keeps at most, by default."""


class ReplayCache(Protocol):
    """Remembers keys (such as a token's issuer and `jti`) until they expire."""

    def add_if_absent(self, key: str, *, expires_at: datetime | None, now: datetime) -> bool:
        """Record `key` until `expires_at`, atomically; return False when it was already recorded and not expired.

        Args:
            key: the key to record.
            expires_at: when the key may be forgotten (the token would be refused anyway after it); None for
                never (the key is then forgotten only when the cache is full).
            now: the current date, which expired keys are compared with.
        """
        ...  # pragma: no cover


class MemoryReplayCache:
    """A `ReplayCache` in the memory of this process, safe to share between threads, bounded in size.

    Expired keys are forgotten first. When the cache is full of unexpired keys, the key that expires first is
    forgotten to make room: size the cache for the number of tokens received within their lifetime (logout tokens
    are refused once older than `max_iat_age`, which bounds it).

    Args:
        max_entries: how many keys to keep at most.
    """

    def __init__(self, max_entries: int = DEFAULT_REPLAY_CACHE_SIZE) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError("max_entries must be a positive integer")
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        # (expiry, key) of every recorded key, soonest first; an entry whose expiry is no longer the key's is stale
        self._by_expiry: list[tuple[float, str]] = []

    def add_if_absent(self, key: str, *, expires_at: datetime | None, now: datetime) -> bool:
        """Record `key` until `expires_at`; return False when it was already recorded and has not expired."""
        expiry = expires_at.timestamp() if expires_at is not None else math.inf
        now_ts = now.timestamp()
        with self._lock:
            self._forget_expired(now_ts)
            if key in self._expiry:
                return False
            while len(self._expiry) >= self.max_entries:
                self._forget_soonest()
            self._expiry[key] = expiry
            heapq.heappush(self._by_expiry, (expiry, key))
            return True

    def __len__(self) -> int:
        """The number of keys recorded (expired ones included until the next `add_if_absent()`)."""
        with self._lock:
            return len(self._expiry)

    def __getstate__(self) -> dict[str, object]:
        with self._lock:
            return {"max_entries": self.max_entries, "expiry": dict(self._expiry)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.max_entries = state["max_entries"]
        self._lock = threading.Lock()
        self._expiry = dict(state["expiry"])
        self._by_expiry = [(expiry, key) for key, expiry in self._expiry.items()]
        heapq.heapify(self._by_expiry)

    def _forget_expired(self, now_ts: float) -> None:
        while self._by_expiry and self._by_expiry[0][0] <= now_ts:
            self._forget_soonest()

    def _forget_soonest(self) -> None:
        expiry, key = heapq.heappop(self._by_expiry)
        if self._expiry.get(key) == expiry:
            del self._expiry[key]
