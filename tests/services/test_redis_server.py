"""The Redis fixtures: a real redis-server on loopback, reached through redis-py."""

from __future__ import annotations

from pathlib import Path

from tests.integration.harness import pid_exists, port_is_free
from tests.services import require_module
from tests.services.redis_server import HOW_TO_ENABLE, RedisServer, ping, restart_redis, start_redis, stop_redis

require_module("redis", "redis-py", HOW_TO_ENABLE)

import redis  # noqa: E402


def test_set_and_get_through_redis_py(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.set("greeting", "hello", px=60_000) is True
        assert client.get("greeting") == b"hello"
        assert 0 < client.pttl("greeting") <= 60_000
        assert client.set("greeting", "again", nx=True) is None  # the SET NX a lock is built on
    finally:
        client.close()


def test_redis_url_starts_each_test_empty(redis_server: RedisServer, redis_url: str) -> None:
    assert redis_url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0  # the previous test's key is gone
        client.set("left-over", "1")
        redis_server.flush()
        assert client.dbsize() == 0
    finally:
        client.close()


def test_server_is_loopback_only_and_persists_nothing(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    try:
        config = client.config_get("*")
    finally:
        client.close()
    assert config["bind"] == "127.0.0.1"
    assert config["save"] == ""
    assert config["appendonly"] == "no"
    assert Path(str(config["dir"])) == redis_server.directory


def test_start_and_stop_by_pid(redis_server: RedisServer, tmp_path: Path) -> None:
    """A second server on another port; stopping it ends its process and frees its port."""
    server = start_redis(tmp_path)
    try:
        assert server.port != redis_server.port
        assert ping(server.port)
        assert pid_exists(server.pid)
    finally:
        stop_redis(server)
    assert not pid_exists(server.pid)
    assert port_is_free(server.port)
    assert not ping(server.port)
    stop_redis(server)  # idempotent


def test_restart_on_the_same_port(tmp_path: Path) -> None:
    """An outage: the server stops, then a new one answers at the same URL, empty."""
    server = start_redis(tmp_path)
    try:
        redis.Redis.from_url(server.url).set("before", "1")
        stop_redis(server)
        assert not ping(server.port)
        server = restart_redis(server)
        assert ping(server.port)
        assert redis.Redis.from_url(server.url).get("before") is None
    finally:
        stop_redis(server)
