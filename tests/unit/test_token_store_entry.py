"""TokenStoreEntry, the renewal protocol: read the shared token, else lock, read again, renew, write back, release;
and what happens when the store fails, the lock times out, or a rotated refresh token was already used."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from requests_oauth2client import (
    BearerToken,
    InvalidGrant,
    MemoryTokenStore,
    TokenStoreEntry,
    TokenStoreLockTimeout,
    TokenStoreUnavailable,
)

UTC = timezone.utc
LOGGER = "requests_oauth2client"


def needs_renewal(token: BearerToken) -> bool:
    return bool(token.is_expired(leeway=20))


def fresh(name: str, refresh_token: str | None = None, seconds: int = 600) -> BearerToken:
    return BearerToken(name, expires_in=seconds, refresh_token=refresh_token)


def expired(name: str, refresh_token: str | None = None, seconds_ago: int = 5) -> BearerToken:
    return BearerToken(
        name, expires_at=datetime.now(tz=UTC) - timedelta(seconds=seconds_ago), refresh_token=refresh_token
    )


class Renewer:
    """A fake `renew` callback: records the base token of each call, returns gen-1, gen-2..."""

    def __init__(self) -> None:
        self.bases: list[BearerToken | None] = []
        self._guard = threading.Lock()

    def __call__(self, base: BearerToken | None) -> BearerToken:
        with self._guard:
            self.bases.append(base)
            count = len(self.bases)
        return fresh(f"gen-{count}", refresh_token=f"refresh-{count}")


class FlakyStore(MemoryTokenStore):
    """A memory store whose operations can be made to fail like a store that is down, and that counts locks."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()  # among get, set, delete, lock, release
        self.locks_taken = 0
        self.on_locked: list[BearerToken] = []  # tokens "another worker" writes while this one waits for the lock
        self.before_lock: Callable[[], object] = lambda: None

    def _maybe_fail(self, operation: str) -> None:
        if operation in self.failing:
            raise TokenStoreUnavailable("flaky store", operation, ConnectionError("connection refused"))

    def get(self, key: str) -> BearerToken | None:
        self._maybe_fail("get")
        return super().get(key)

    def set(self, key: str, token: BearerToken) -> None:
        self._maybe_fail("set")
        super().set(key, token)

    def delete(self, key: str) -> None:
        self._maybe_fail("delete")
        super().delete(key)

    @contextmanager
    def lock(self, key: str, *, timeout: float, ttl: float) -> Iterator[None]:
        self._maybe_fail("lock")
        self.before_lock()
        with super().lock(key, timeout=timeout, ttl=ttl):
            self.locks_taken += 1
            while self.on_locked:
                super().set(key, self.on_locked.pop(0))
            yield
            self._maybe_fail("release")


@pytest.fixture
def store() -> FlakyStore:
    return FlakyStore()


@pytest.fixture
def entry(store: FlakyStore) -> TokenStoreEntry:
    return TokenStoreEntry(store, "key", lock_timeout=1, lock_ttl=5)


@pytest.fixture
def renewer() -> Renewer:
    return Renewer()


def renew(entry: TokenStoreEntry, renewer: Renewer, current: BearerToken | None = None) -> BearerToken:
    return entry.renew(current, needs_renewal=needs_renewal, renew=renewer)


# ------------------------------------------------------------------------------------------------ the protocol


def test_a_shared_token_that_is_still_good_is_used_without_lock_or_renewal(
    store: FlakyStore, entry: TokenStoreEntry, renewer: Renewer
) -> None:
    shared = fresh("renewed-by-another-process")
    store.set("key", shared)
    assert renew(entry, renewer, current=expired("mine")) is shared
    assert renewer.bases == []
    assert store.locks_taken == 0


def test_no_shared_token_renews_from_the_own_token_under_the_lock_and_writes_back(
    store: FlakyStore, entry: TokenStoreEntry, renewer: Renewer
) -> None:
    mine = expired("mine", refresh_token="my-refresh")
    token = renew(entry, renewer, current=mine)
    assert token.access_token == "gen-1"
    assert renewer.bases == [mine]
    assert store.locks_taken == 1
    assert store.get("key") == token
    # the next renewal starts from the stored token, with its (rotated) refresh token
    store.set("key", expired("gen-1", refresh_token="refresh-1"))
    renew(entry, renewer, current=None)
    assert renewer.bases[1] is not None
    assert renewer.bases[1].refresh_token == "refresh-1"


def test_without_any_token_renew_gets_none(entry: TokenStoreEntry, renewer: Renewer) -> None:
    assert renew(entry, renewer).access_token == "gen-1"
    assert renewer.bases == [None]


def test_the_stored_token_wins_unless_the_own_one_is_newer(
    store: FlakyStore, entry: TokenStoreEntry, renewer: Renewer
) -> None:
    stored = expired("stored", refresh_token="stored-refresh", seconds_ago=5)
    store.set("key", stored)
    renew(entry, renewer, current=expired("older", refresh_token="old-refresh", seconds_ago=500))
    assert renewer.bases == [stored]

    store.set("key", expired("stale", refresh_token="stale-refresh", seconds_ago=500))
    newer = expired("newer", refresh_token="newer-refresh", seconds_ago=1)
    renew(entry, renewer, current=newer)
    assert renewer.bases[-1] is newer


def test_the_token_is_read_again_after_waiting_for_the_lock(
    store: FlakyStore, entry: TokenStoreEntry, renewer: Renewer
) -> None:
    store.set("key", expired("old"))
    store.on_locked.append(fresh("renewed-while-we-waited"))
    token = renew(entry, renewer, current=None)
    assert token.access_token == "renewed-while-we-waited"
    assert renewer.bases == []
    assert store.locks_taken == 1


def test_one_renewal_for_many_threads(store: FlakyStore, renewer: Renewer) -> None:
    """Each thread plays a process with its own entry: the store lock makes the renewal single-flight."""
    store.set("key", expired("old", refresh_token="r"))
    start = threading.Barrier(16)
    all_read_the_old_token = threading.Barrier(16)
    store.before_lock = all_read_the_old_token.wait  # every thread reaches the lock after reading the old token
    results: list[str] = []

    def worker() -> None:
        entry = TokenStoreEntry(store, "key", lock_timeout=10)
        start.wait()
        results.append(renew(entry, renewer, current=None).access_token)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["gen-1"] * 16
    assert len(renewer.bases) == 1


def test_a_failed_renewal_releases_the_lock(store: FlakyStore, entry: TokenStoreEntry) -> None:
    def failing(base: BearerToken | None) -> BearerToken:
        raise RuntimeError("the AS is down")

    with pytest.raises(RuntimeError, match="the AS is down"):
        entry.renew(None, needs_renewal=needs_renewal, renew=failing)
    with store.lock("key", timeout=0, ttl=1):
        pass
    assert store.get("key") is None


# ------------------------------------------------------------------------------- invalid_grant after rotation


def test_invalid_grant_uses_the_token_another_worker_stored(store: FlakyStore, entry: TokenStoreEntry) -> None:
    used = expired("old", refresh_token="already-rotated")

    def refresh_too_late(base: BearerToken | None) -> BearerToken:
        store.set("key", fresh("renewed-by-another-worker", refresh_token="rotated"))  # it won the race
        raise InvalidGrant(None, None, "invalid_grant")

    token = entry.renew(used, needs_renewal=needs_renewal, renew=refresh_too_late)
    assert token.access_token == "renewed-by-another-worker"


def test_invalid_grant_stands_when_the_store_has_nothing_better(store: FlakyStore, entry: TokenStoreEntry) -> None:
    store.set("key", expired("old", refresh_token="revoked"))

    def refused(base: BearerToken | None) -> BearerToken:
        raise InvalidGrant(None, None, "invalid_grant")

    with pytest.raises(InvalidGrant):
        entry.renew(None, needs_renewal=needs_renewal, renew=refused)


def test_recover_hook(store: FlakyStore, entry: TokenStoreEntry) -> None:
    used = expired("used", refresh_token="r1")
    assert entry.recover(used, needs_renewal=needs_renewal) is None  # nothing stored
    store.set("key", used)
    assert entry.recover(used, needs_renewal=needs_renewal) is None  # the same token
    store.set("key", expired("other", refresh_token="r2"))
    assert entry.recover(used, needs_renewal=needs_renewal) is None  # another one, but it needs renewal too
    good = fresh("good", refresh_token="r3")
    store.set("key", good)
    assert entry.recover(used, needs_renewal=needs_renewal) is good


# --------------------------------------------------------------------------------------------- store failures


def test_store_down_renews_locally_with_one_warning_per_outage(
    store: FlakyStore, entry: TokenStoreEntry, renewer: Renewer, caplog: pytest.LogCaptureFixture
) -> None:
    store.failing = {"get", "set", "lock", "delete"}
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        tokens = [renew(entry, renewer, current=expired(f"mine-{i}", refresh_token=f"r-{i}")) for i in range(3)]
        entry.forget()
        assert entry.load() is None
        assert entry.save(fresh("x")) is False
    assert [token.access_token for token in tokens] == ["gen-1", "gen-2", "gen-3"]
    assert [base.access_token for base in renewer.bases if base] == ["mine-0", "mine-1", "mine-2"]
    assert store.locks_taken == 0
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "flaky store" in warnings[0].getMessage()
    assert "renews its tokens on its own" in warnings[0].getMessage()

    # the store comes back: one info message, then the protocol runs again; a new outage warns again
    caplog.clear()
    store.failing = set()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        renew(entry, renewer, current=None)
        store.failing = {"get"}
        renew(entry, renewer, current=None)
    assert [record.levelno for record in caplog.records] == [logging.INFO, logging.WARNING]
    assert "works again" in caplog.records[0].getMessage()


def test_log_messages_hold_no_token(
    store: FlakyStore, entry: TokenStoreEntry, caplog: pytest.LogCaptureFixture
) -> None:
    store.failing = {"set", "release"}
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        entry.renew(
            expired("secret-old-access", refresh_token="secret-old-refresh"),
            needs_renewal=needs_renewal,
            renew=lambda base: fresh("secret-new-access", refresh_token="secret-new-refresh"),
        )
    assert caplog.records
    assert "secret" not in caplog.text


@pytest.mark.parametrize("failing", ["lock", "set", "release"])
def test_store_failures_around_the_renewal_never_stop_it(
    store: FlakyStore, entry: TokenStoreEntry, renewer: Renewer, caplog: pytest.LogCaptureFixture, failing: str
) -> None:
    store.failing = {failing}
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        token = renew(entry, renewer, current=None)
    assert token.access_token == "gen-1"
    assert len(renewer.bases) == 1  # renewed once, not again after the failure
    assert len(caplog.records) == 1
    assert f"failed to {failing}" in caplog.text


def test_lock_timeout_renews_without_the_lock(
    store: FlakyStore, renewer: Renewer, caplog: pytest.LogCaptureFixture
) -> None:
    entry = TokenStoreEntry(store, "key", lock_timeout=0.05, lock_ttl=5)
    with store.lock("key", timeout=1, ttl=5), caplog.at_level(logging.WARNING, logger=LOGGER):
        token = renew(entry, renewer, current=expired("mine", refresh_token="r"))
    assert token.access_token == "gen-1"
    assert store.get("key") == token  # written back, for the others
    assert "was not acquired within 0.05 s" in caplog.text
    assert "without the lock" in caplog.text


def test_lock_timeout_still_uses_a_token_renewed_meanwhile(store: FlakyStore, renewer: Renewer) -> None:
    entry = TokenStoreEntry(store, "key", lock_timeout=0.05, lock_ttl=5)
    with store.lock("key", timeout=1, ttl=5):
        store.set("key", expired("old"))
        original_get = store.get
        reads = iter([expired("old"), fresh("renewed-meanwhile")])
        store.get = lambda key: next(reads, None) or original_get(key)  # type: ignore[method-assign]
        token = renew(entry, renewer, current=None)
    assert token.access_token == "renewed-meanwhile"
    assert renewer.bases == []


def test_forget_deletes_the_shared_token(store: FlakyStore, entry: TokenStoreEntry) -> None:
    store.set("key", fresh("shared"))
    entry.forget()
    assert store.get("key") is None
    assert entry.load() is None


def test_lock_parameters_are_checked(store: FlakyStore) -> None:
    with pytest.raises(ValueError, match="timeout"):
        TokenStoreEntry(store, "key", lock_timeout=-1)
    with pytest.raises(ValueError, match="ttl"):
        TokenStoreEntry(store, "key", lock_ttl=0)


def test_lock_timeout_error_carries_key_and_timeout() -> None:
    error = TokenStoreLockTimeout("ro2c:v1:client_credentials:abc", 2.5)
    assert error.key == "ro2c:v1:client_credentials:abc"
    assert error.timeout == 2.5
    assert "within 2.5 s" in str(error)
