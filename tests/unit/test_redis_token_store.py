"""RedisTokenStore against a real redis-server: key names and expiry, the SET NX PX lock with its safe release and
its expiry, an ACL user limited to the prefix, and what an unreachable or stopped server does (the contract shared
with the other stores is in test_token_store.py)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from tests.integration.harness import free_port
from tests.services import require_module
from tests.services.redis_server import HOW_TO_ENABLE, start_redis, stop_redis

require_module("redis", "redis-py", HOW_TO_ENABLE)

import redis  # noqa: E402

from requests_oauth2client import (  # noqa: E402
    BearerToken,
    RedisTokenStore,
    TokenStoreEntry,
    TokenStoreLockTimeout,
    TokenStoreUnavailable,
)

LOGGER = "requests_oauth2client"


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def test_token_key_and_expiry(client: redis.Redis) -> None:
    store = RedisTokenStore(client, expiry_margin=60)
    store.set("k", BearerToken("a", expires_in=600))
    assert client.keys("*") == [b"requests_oauth2client:token:k"]
    assert 600_000 - 5_000 < client.pttl("requests_oauth2client:token:k") <= 660_000

    store.set("k", BearerToken("a", expires_in=600, refresh_token="r"))
    assert client.pttl("requests_oauth2client:token:k") == -1  # kept: the refresh token outlives the token


def test_custom_prefix_and_string_responses(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisTokenStore(client, prefix="app1:")
    token = BearerToken("a", expires_in=600)
    store.set("k", token)
    assert store.get("k") == token
    with store.lock("k", timeout=1, ttl=5):
        assert sorted(client.keys("*")) == ["app1:lock:k", "app1:token:k"]
    assert client.keys("*") == ["app1:token:k"]


def test_lock_key_has_a_random_value_and_an_expiry(client: redis.Redis) -> None:
    store = RedisTokenStore(client)
    values = []
    for _ in range(2):
        with store.lock("k", timeout=1, ttl=7):
            values.append(client.get("requests_oauth2client:lock:k"))
            assert 0 < client.pttl("requests_oauth2client:lock:k") <= 7_000
    assert values[0] != values[1]
    assert all(value and len(value) >= 24 for value in values)
    assert client.exists("requests_oauth2client:lock:k") == 0


def test_lock_left_by_a_dead_holder_expires(client: redis.Redis) -> None:
    store = RedisTokenStore(client)
    client.set("requests_oauth2client:lock:k", "value-of-a-holder-that-died", px=300)
    with pytest.raises(TokenStoreLockTimeout), store.lock("k", timeout=0, ttl=5):
        pass
    with store.lock("k", timeout=10, ttl=5):
        assert client.get("requests_oauth2client:lock:k") != b"value-of-a-holder-that-died"


def test_release_never_deletes_the_lock_of_another_holder(
    client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisTokenStore(client)
    with caplog.at_level(logging.WARNING, logger=LOGGER), store.lock("k", timeout=1, ttl=5):
        # our lock expired and another worker took it
        client.set("requests_oauth2client:lock:k", "the-other-holder", px=5_000)
    assert client.get("requests_oauth2client:lock:k") == b"the-other-holder"
    assert "expired before it was released" in caplog.text


def test_acl_user_limited_to_the_prefix(redis_url: str, client: redis.Redis) -> None:
    """The ACL the documentation recommends is enough for every operation of the store."""
    client.execute_command(
        "ACL SETUSER token-app on >app-password resetkeys ~requests_oauth2client:* "
        "-@all +get +set +del +evalsha +eval +script|load"
    )
    try:
        host_port = redis_url.removeprefix("redis://")
        store = RedisTokenStore.from_url(f"redis://token-app:app-password@{host_port}")
        store.set("k", BearerToken("a", expires_in=60))
        assert store.get("k") is not None
        with store.lock("k", timeout=1, ttl=5):
            pass
        store.delete("k")
        with pytest.raises(redis.exceptions.NoPermissionError):
            store.redis.set("another-app:key", "x")
    finally:
        client.execute_command("ACL DELUSER token-app")


def test_unreachable_server_is_reported_without_credentials(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    store = RedisTokenStore.from_url(f"redis://user:hunter2@127.0.0.1:{port}/3", socket_connect_timeout=2)
    assert repr(store) == f"RedisTokenStore(redis at 127.0.0.1:{port}/3, prefix='requests_oauth2client:')"
    for operation, call in [
        ("read a token", lambda: store.get("k")),
        ("write a token", lambda: store.set("k", BearerToken("secret-token"))),
        ("delete a token", lambda: store.delete("k")),
        ("take a lock", lambda: store.lock("k", timeout=1, ttl=1).__enter__()),
    ]:
        with pytest.raises(TokenStoreUnavailable) as info:
            call()
        assert info.value.operation == operation
        assert info.value.store == f"redis at 127.0.0.1:{port}/3"
        assert isinstance(info.value.__cause__, redis.exceptions.ConnectionError)
        assert "hunter2" not in str(info.value)
        assert "secret-token" not in str(info.value)

    # the renewal protocol falls back to renewing in this process, with one warning
    entry = TokenStoreEntry(store, "k")
    renewed = []
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for i in range(3):
            token = entry.renew(
                None, needs_renewal=lambda token: bool(token.is_expired()), renew=lambda base, i=i: BearerToken(f"t{i}")
            )
            renewed.append(token.access_token)
    assert renewed == ["t0", "t1", "t2"]
    assert len(caplog.records) == 1
    assert f"redis at 127.0.0.1:{port}/3" in caplog.text
    assert "hunter2" not in caplog.text


def test_stopped_server_makes_processes_renew_on_their_own(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = start_redis(tmp_path)
    try:
        store = RedisTokenStore.from_url(server.url)
        entry = TokenStoreEntry(store, "k", lock_timeout=2, lock_ttl=1)
        count = 0

        def renew(base: BearerToken | None) -> BearerToken:
            nonlocal count
            count += 1
            return BearerToken(f"token-{count}", expires_in=1, refresh_token=None)

        def needs_renewal(token: BearerToken) -> bool:
            return token.access_token == "token-1"  # the first one "expires" at once

        assert entry.renew(None, needs_renewal=needs_renewal, renew=renew).access_token == "token-1"
        assert store.get("k") is not None
    finally:
        stop_redis(server)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        second = entry.renew(None, needs_renewal=needs_renewal, renew=renew)
        third = entry.renew(None, needs_renewal=lambda token: True, renew=renew)
    assert (second.access_token, third.access_token) == ("token-2", "token-3")
    assert len(caplog.records) == 1
    assert "failed to read a token" in caplog.text


def test_missing_redis_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r'pip install "requests_oauth2client\[redis\]"'):
        RedisTokenStore.from_url("redis://127.0.0.1:6379/0")
    with pytest.raises(ImportError, match="RedisTokenStore needs the redis package"):
        RedisTokenStore(object())  # type: ignore[arg-type]
