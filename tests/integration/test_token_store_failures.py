"""Auth handlers with a token store when things go wrong, against the real server: a worker killed (SIGKILL) while
it holds the store lock, a store that goes down and comes back; and the store side of `forget_token()` and of the
tokens of a user (authorization code)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from requests_oauth2client import (
    ClientSecretBasic,
    FileTokenStore,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    RedisTokenStore,
    TokenStoreLockTimeout,
    token_cache_key,
)
from tests.integration.fleet import SCOPE, Fleet, call_once, die_while_renewing, stored_token
from tests.integration.harness import Harness
from tests.services import require_module, start_service
from tests.services.processes import Workers
from tests.services.redis_server import HOW_TO_ENABLE, RedisServer, restart_redis, start_redis, stop_redis

LOGGER = "requests_oauth2client"


def fleet_of(h: Harness, store: tuple[str, str], lock_ttl: float = 20.0) -> Fleet:
    client_id = h.rotating_client_id
    return Fleet(
        issuer=h.issuer,
        client_id=client_id,
        client_secret=h.client_secret(client_id),
        username=h.demo_user["username"],
        password=h.demo_user["password"],
        resource_url=h.resource_url,
        store=store,
        lock_ttl=lock_ttl,
        lock_timeout=30.0,
    )


# ----------------------------------------------------------------------------------------- a lock holder dies


@pytest.mark.parametrize(
    ("kind", "when"),
    [
        ("redis", "before"),  # killed before its refresh reached the AS: the next worker refreshes
        ("redis", "after"),  # killed after the AS rotated the refresh token: the next worker's refresh is refused
        ("file", "after"),
    ],
)
def test_a_worker_killed_while_renewing_under_the_lock(
    as_server: Harness, kind: str, when: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    h = as_server
    where = request.getfixturevalue("redis_url") if kind == "redis" else str(tmp_path / "tokens")
    fleet = fleet_of(h, (kind, where), lock_ttl=3.0)
    h.reset_token_stats(fleet.client_id)
    assert call_once(fleet)["status"] == 200  # the fleet's token is in the store
    first = stored_token(fleet)
    assert first is not None

    store = fleet.open_store()
    key = token_cache_key(fleet.client(), "password", username=fleet.username, scope=SCOPE)
    with Workers(timeout=90) as workers:
        renewing = workers.context.Event()
        holder = workers.start(die_while_renewing, fleet, when, renewing)
        assert renewing.wait(30), "the worker never renewed"
        with pytest.raises(TokenStoreLockTimeout), store.lock(key, timeout=0.1, ttl=5):
            pass  # it holds the store lock
        holder.process.kill()  # a real SIGKILL: no `finally`, the lock is never released by its holder
        holder.process.join(10)
        assert holder.process.exitcode == -9
        if isinstance(store, RedisTokenStore):
            assert store.redis.exists(f"{store.prefix}lock:{key}") == 1  # until it expires (lock_ttl)
        successor = workers.start(call_once, fleet)
        outcomes = workers.collect()

    outcome = outcomes[successor.index]
    assert outcome.ok, outcome.describe()
    assert outcome.value == {"status": 200, "warnings": []}  # no error, nothing to warn about
    renewed = stored_token(fleet)
    assert renewed is not None
    assert renewed.access_token != first.access_token
    stats = h.token_stats(fleet.client_id)[fleet.client_id]
    if when == "before":  # the rotated refresh token was never issued: the successor refreshed
        assert stats["refresh_token"] == {"requests": 1, "issued": 1, "errors": {}}
        assert stats["password"]["requests"] == 1
    else:
        # the AS rotated the refresh token for the dead worker; the successor's refresh with the old one is refused
        # (and oidc-provider revokes the grant), the store holds nothing newer: it runs the password grant again
        assert stats["refresh_token"] == {"requests": 2, "issued": 1, "errors": {"invalid_grant": 1}}
        assert stats["password"] == {"requests": 2, "issued": 2, "errors": {}}


# --------------------------------------------------------------------------------------- the store goes down


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[list[RedisServer]]:
    """A Redis server of this test only (it is stopped and started again): a one-item list, the current server."""
    require_module("redis", "redis-py", HOW_TO_ENABLE)
    servers = [start_service(lambda: start_redis(tmp_path / "redis"))]
    try:
        yield servers
    finally:
        stop_redis(servers[-1])


def short_ttl_client(h: Harness) -> OAuth2Client:
    client_id = h.short_ttl_client_id
    return OAuth2Client(
        h.endpoint("token_endpoint"), auth=ClientSecretBasic(client_id, h.client_secret(client_id)), testing=True
    )


def test_a_store_outage_makes_each_process_renew_on_its_own_with_one_warning(
    as_server: Harness, own_redis: list[RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    h = as_server
    client = short_ttl_client(h)  # client_credentials, tokens of 2 s
    store = RedisTokenStore.from_url(own_redis[0].url, socket_timeout=1, socket_connect_timeout=1)
    key = token_cache_key(client, "client_credentials", scope="api:read")
    h.reset_token_stats(client.client_id)
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read", store=store)
    session = requests.Session()
    session.auth = auth

    def call_for(seconds: float) -> list[int]:
        statuses, until = [], time.monotonic() + seconds
        while time.monotonic() < until:
            statuses.append(session.get(h.resource_url, timeout=10).status_code)
            time.sleep(0.05)
        return statuses

    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert set(call_for(1)) == {200}
        assert store.get(key) is not None
        stop_redis(own_redis[0])  # the outage
        assert set(call_for(5)) == {200}  # tokens expire and are renewed meanwhile, by this process alone
        during = h.token_stats(client.client_id)[client.client_id]["client_credentials"]["issued"]
        own_redis.append(restart_redis(own_redis[0]))  # back, empty
        assert set(call_for(3)) == {200}
    assert during >= 3  # the first token, and renewals during the outage
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings  # one warning for the whole outage
    assert f"redis at 127.0.0.1:{own_redis[0].port}/0" in warnings[0]
    assert "renews its tokens on its own" in warnings[0]
    assert any("works again" in record.getMessage() for record in caplog.records if record.levelno == logging.INFO)
    shared = store.get(key)  # the renewals after the outage are shared again
    assert shared is not None
    assert auth.token is not None
    assert shared.access_token == auth.token.access_token


# --------------------------------------------------------------------------------------- forget, user tokens


def test_forget_token_clears_the_stored_token(as_server: Harness, redis_url: str) -> None:
    h = as_server
    client = short_ttl_client(h)
    store = RedisTokenStore.from_url(redis_url)
    key = token_cache_key(client, "client_credentials", scope="api:read")
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read", store=store)
    assert requests.get(h.resource_url, auth=auth, timeout=10).status_code == 200
    assert store.redis.exists(f"{store.prefix}token:{key}") == 1
    auth.forget_token()
    assert store.redis.exists(f"{store.prefix}token:{key}") == 0
    assert store.get(key) is None


def test_the_handlers_of_a_user_share_the_token_of_a_login(as_server: Harness, tmp_path: Path) -> None:
    h = as_server
    client_id = h.rotating_client_id  # 2 s access tokens, refresh tokens rotating on every use
    client = OAuth2Client.from_discovery_endpoint(
        issuer=h.issuer,
        auth=ClientSecretBasic(client_id, h.client_secret(client_id)),
        redirect_uri=h.redirect_uri,
        testing=True,
    )
    h.reset_token_stats(client_id)
    azr = client.authorization_request(scope="openid offline_access", prompt="consent")
    response = azr.validate_callback(h.authorize(azr.uri, h.redirect_uri))
    login = OAuth2AuthorizationCodeAuth(client, response, store=FileTokenStore(tmp_path / "tokens"))
    assert requests.get(h.resource_url, auth=login, timeout=10).status_code == 200
    assert login.subject == h.demo_user["username"]  # from the ID Token
    # elsewhere (another process, a later request of the web app): the same user's token, from the store
    elsewhere = OAuth2AuthorizationCodeAuth(
        client, None, subject=login.subject, store=FileTokenStore(tmp_path / "tokens")
    )
    for _ in range(30):  # 3 s: both handlers cross expiries, and renew the one token of the user once each time
        for auth in (login, elsewhere):
            assert requests.get(h.resource_url, auth=auth, timeout=10).status_code == 200
        time.sleep(0.1)
    stats = h.token_stats(client_id)[client_id]
    assert stats["authorization_code"]["issued"] == 1
    assert stats["refresh_token"]["errors"] == {}  # a rotated refresh token was never used twice
    assert stats["refresh_token"]["issued"] >= 2
