"""Tests for `MemoryReplayCache` (`_protocol.replay_cache`): replays, expiry, size bound, threads."""

from __future__ import annotations

import pickle
import threading
from datetime import datetime, timedelta, timezone

import pytest

from requests_oauth2client.logout import MemoryReplayCache, ReplayCache

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_a_key_is_accepted_once_until_it_expires() -> None:
    cache: ReplayCache = MemoryReplayCache()
    assert cache.add_if_absent("a", expires_at=at(10), now=NOW) is True
    assert cache.add_if_absent("a", expires_at=at(10), now=at(9)) is False
    assert cache.add_if_absent("b", expires_at=at(10), now=at(9)) is True
    # once expired, the key is forgotten (the token would be refused anyway by then)
    assert cache.add_if_absent("a", expires_at=at(20), now=at(10)) is True
    assert cache.add_if_absent("a", expires_at=at(20), now=at(19)) is False


def test_expired_keys_are_forgotten() -> None:
    cache = MemoryReplayCache()
    for i in range(5):
        cache.add_if_absent(f"k{i}", expires_at=at(i + 1), now=NOW)
    assert len(cache) == 5
    cache.add_if_absent("new", expires_at=at(100), now=at(3))
    assert len(cache) == 3  # k3 (expires at 4), k4 and new


def test_size_is_bounded_and_the_soonest_expiring_key_goes_first() -> None:
    cache = MemoryReplayCache(max_entries=3)
    cache.add_if_absent("late", expires_at=at(300), now=NOW)
    cache.add_if_absent("soon", expires_at=at(100), now=NOW)
    cache.add_if_absent("never", expires_at=None, now=NOW)
    assert cache.add_if_absent("new", expires_at=at(200), now=NOW) is True
    assert len(cache) == 3
    assert cache.add_if_absent("soon", expires_at=at(100), now=NOW) is True  # it was evicted
    for key in ("late", "never"):
        assert cache.add_if_absent(key, expires_at=at(300), now=NOW) is False


def test_keys_without_expiry_stay() -> None:
    cache = MemoryReplayCache()
    cache.add_if_absent("a", expires_at=None, now=NOW)
    assert cache.add_if_absent("a", expires_at=None, now=at(10**9)) is False


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_max_entries_must_be_a_positive_integer(value: object) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryReplayCache(max_entries=value)  # type: ignore[arg-type]


def test_one_thread_wins() -> None:
    cache = MemoryReplayCache()
    barrier = threading.Barrier(16)
    results: list[bool] = []
    lock = threading.Lock()

    def add() -> None:
        barrier.wait()
        added = cache.add_if_absent("jti", expires_at=at(60), now=NOW)
        with lock:
            results.append(added)

    threads = [threading.Thread(target=add) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 15 + [True]


def test_pickling_keeps_the_keys() -> None:
    cache = MemoryReplayCache(max_entries=5)
    cache.add_if_absent("a", expires_at=at(10), now=NOW)
    copy = pickle.loads(pickle.dumps(cache))  # noqa: S301 - our own bytes
    assert copy.max_entries == 5
    assert copy.add_if_absent("a", expires_at=at(10), now=NOW) is False
    assert copy.add_if_absent("a", expires_at=at(20), now=at(10)) is True
