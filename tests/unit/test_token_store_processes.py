"""Token stores across real processes (spawned): the file and Redis locks exclude each other across processes, a
worker SIGKILLed while it holds the lock does not block the others, and the renewal protocol run by many processes
x threads renews exactly once per expiry."""

from __future__ import annotations

import math
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from requests_oauth2client import (
    BearerToken,
    FileTokenStore,
    RedisTokenStore,
    TokenStore,
    TokenStoreEntry,
    TokenStoreLockTimeout,
)
from tests.services.processes import Workers, run_in_processes

UTC = timezone.utc
KEY = "ro2c:v1:client_credentials:shared"
LEEWAY = 0.5  # a token is renewed when it expires within LEEWAY seconds

StoreSpec = tuple[str, str]  # ("file", directory) or ("redis", url): picklable, for the workers


@pytest.fixture(params=["file", "redis"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> StoreSpec:
    if request.param == "file":
        return ("file", str(tmp_path / "store"))
    return ("redis", request.getfixturevalue("redis_url"))


def open_store(spec: StoreSpec) -> TokenStore:
    kind, where = spec
    return FileTokenStore(where) if kind == "file" else RedisTokenStore.from_url(where)


# ---------------------------------------------------------------------- what the workers run (module level)


def count_in_critical_sections(spec: StoreSpec, rounds: int, directory: str) -> int:
    """Increment a counter file `rounds` times under the store lock, with a read-modify-write that races."""
    store = open_store(spec)
    counter, inside = Path(directory) / "counter", Path(directory) / "inside"
    for _ in range(rounds):
        with store.lock(KEY, timeout=60, ttl=30):
            os.close(os.open(inside, os.O_CREAT | os.O_EXCL))  # FileExistsError if another holder is inside
            value = int(counter.read_text())
            time.sleep(0.001)
            counter.write_text(str(value + 1))
            inside.unlink()
    return rounds


def renew_forever(spec: StoreSpec, lock_ttl: float, renewing: Any) -> None:
    """Run the renewal protocol with a renewal that never ends: this worker dies holding the lock."""

    def hang(base: BearerToken | None) -> BearerToken:
        renewing.set()
        time.sleep(3600)
        raise AssertionError("killed before")  # pragma: no cover

    TokenStoreEntry(open_store(spec), KEY, lock_timeout=5, lock_ttl=lock_ttl).renew(
        None, needs_renewal=lambda token: True, renew=hang
    )


def renew_once(spec: StoreSpec, lock_timeout: float) -> str:
    entry = TokenStoreEntry(open_store(spec), KEY, lock_timeout=lock_timeout, lock_ttl=30)
    token = entry.renew(None, needs_renewal=lambda token: False, renew=lambda base: BearerToken("after-the-kill"))
    return token.access_token


def generation(token: BearerToken | None) -> int:
    return 0 if token is None else int(token.access_token.removeprefix("gen-"))


def needs_renewal(token: BearerToken) -> bool:
    return bool(token.is_expired(leeway=LEEWAY))  # type: ignore[arg-type]  # a float leeway works


class Handler:
    """What an auth handler will do with a store: an in-process copy, a thread lock, the entry when renewing."""

    def __init__(self, entry: TokenStoreEntry, log: Path) -> None:
        self.entry, self.log = entry, log
        self.token: BearerToken | None = None
        self.lock = threading.Lock()

    def renew(self, base: BearerToken | None) -> BearerToken:
        """The fake token request: the next generation of `base`, logged; lives 1.5 to 2.5 s."""
        new = generation(base) + 1
        with self.log.open("a") as log:  # O_APPEND: lines of concurrent writers never mix
            log.write(f"{generation(base)} {new} {os.getpid()}\n")
        expires_at = datetime.fromtimestamp(math.floor(time.time()) + 2.5, tz=UTC)
        return BearerToken(f"gen-{new}", expires_at=expires_at)

    def token_for_a_request(self) -> BearerToken:
        token = self.token
        if token is not None and not needs_renewal(token):
            return token  # the lock-free fast path
        with self.lock:
            token = self.token
            if token is None or needs_renewal(token):
                token = self.entry.renew(token, needs_renewal=needs_renewal, renew=self.renew)
                self.token = token
            return token


def send_requests(spec: StoreSpec, threads: int, last_generation: int, log: str) -> dict[str, Any]:
    """Threads "send requests" until they see `last_generation`; report what they saw."""
    handler = Handler(TokenStoreEntry(open_store(spec), KEY, lock_timeout=30, lock_ttl=10), Path(log))
    seen: set[int] = set()
    expired: list[str] = []
    requests = [0]
    guard = threading.Lock()
    deadline = time.monotonic() + 45

    def work() -> None:
        while time.monotonic() < deadline:
            token = handler.token_for_a_request()
            with guard:
                requests[0] += 1
                seen.add(generation(token))
                if token.is_expired():
                    expired.append(token.access_token)
            if generation(token) >= last_generation:
                return
            time.sleep(0.005)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"seen": sorted(seen), "expired": expired, "requests": requests[0]}


# ----------------------------------------------------------------------------------------------------- tests


def test_lock_excludes_other_processes(spec: StoreSpec, tmp_path: Path) -> None:
    (tmp_path / "counter").write_text("0")
    results = run_in_processes(count_in_critical_sections, [(spec, 25, str(tmp_path))] * 4, timeout=120)
    assert results == [25] * 4
    assert (tmp_path / "counter").read_text() == "100"  # no lost update: never two holders at once


def test_a_worker_killed_while_renewing_does_not_block_the_others(spec: StoreSpec) -> None:
    lock_ttl = 2.0
    store = open_store(spec)
    with Workers(timeout=60) as workers:
        renewing = workers.context.Event()
        holder = workers.start(renew_forever, spec, lock_ttl, renewing)
        assert renewing.wait(30), "the holder never started renewing"
        with pytest.raises(TokenStoreLockTimeout), store.lock(KEY, timeout=0.1, ttl=5):
            pass  # the lock is really held, by a live process
        holder.process.kill()  # SIGKILL: no finally block, no release
        holder.process.join(10)
        assert holder.process.exitcode == -9
        if isinstance(store, RedisTokenStore):
            assert store.redis.exists(f"{store.prefix}lock:{KEY}") == 1  # only its expiry will free it
        successor = workers.start(renew_once, spec, 30.0)
        outcomes = workers.collect()
    assert outcomes[successor.index].ok, outcomes[successor.index].describe()
    assert outcomes[successor.index].value == "after-the-kill"
    assert store.get(KEY) == BearerToken("after-the-kill")


def test_many_processes_and_threads_renew_once_per_expiry(spec: StoreSpec, tmp_path: Path) -> None:
    log = tmp_path / "renewals.log"
    log.touch()
    last_generation = 4
    reports = run_in_processes(send_requests, [(spec, 6, last_generation, str(log))] * 4, timeout=120)

    renewals = [tuple(int(part) for part in line.split()[:2]) for line in log.read_text().splitlines()]
    # every renewal started from the latest token: no expiry was renewed twice, by any process or thread
    assert renewals == [(n, n + 1) for n in range(len(renewals))]
    assert len(renewals) >= last_generation
    for report in reports:
        assert report["expired"] == []  # no request ever carried an expired token
        assert report["seen"][-1] >= last_generation
    assert sum(report["requests"] for report in reports) > len(renewals)
