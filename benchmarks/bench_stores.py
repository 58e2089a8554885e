"""Benchmarks of auth handlers with a token store (imported by `run.py`, which prints and records the rows).

1. The per-request cost of a handler whose token is shared through Redis, once the token is cached in-process,
   against the same handler without a store (the default, per-handler memory): the store must cost nothing on the
   per-request path (target: within 5 µs).
2. Token requests per expiry for N processes x M threads sharing one Redis store, against a local token endpoint
   that issues tokens living 2 s and rotates refresh tokens strictly (a refresh token used twice is refused): the
   target is exactly 1.

Both need `redis-server` on PATH and redis-py; without them the rows say so.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests

from requests_oauth2client import (
    BearerToken,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    RedisTokenStore,
    token_cache_key,
)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the Redis server and worker process helpers of the tests

from tests.services.processes import run_in_processes  # noqa: E402
from tests.services.redis_server import RedisServer, start_redis, stop_redis  # noqa: E402

URL = "https://api.example.com/resource"
PROCESSES = 4
THREADS = 4
DURATION = 8.0
LIFETIME = 2


def redis_available() -> bool:
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return shutil.which("redis-server") is not None


def with_redis(bench: Callable[[RedisServer], Any]) -> Any:
    """Run `bench(server)` with a throw-away Redis server."""
    server = start_redis(Path(tempfile.mkdtemp(prefix="ro2c-bench-redis-")))
    try:
        return bench(server)
    finally:
        stop_redis(server)


# ---------------------------------------------------------------------------------- the per-request fast path


def cached_token_handlers(redis_url: str) -> tuple[OAuth2ClientCredentialsAuth, OAuth2ClientCredentialsAuth]:
    """Two handlers holding the same valid token: one without store, one sharing it through Redis."""
    client = OAuth2Client("https://as.example.com/token", ("client", "secret"))
    token = BearerToken("static", expires_in=3600)
    store = RedisTokenStore.from_url(redis_url)
    store.set(token_cache_key(client, "client_credentials"), token)
    with_store = OAuth2ClientCredentialsAuth(client, store=store)
    prepared = requests.Request("GET", URL).prepare()
    with_store(prepared)  # the first request reads the token from Redis; the following ones do not
    assert prepared.headers["Authorization"] == "Bearer static"
    return OAuth2ClientCredentialsAuth(client, token=token), with_store


# ------------------------------------------------------------------------------------ token requests per expiry


class RotatingTokenEndpoint(BaseHTTPRequestHandler):
    """Client credentials and refresh grants; tokens live LIFETIME s; a refresh token works once."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    lock = threading.Lock()
    counts: dict[str, int] = {}
    valid_refresh_token: str | None = None
    issued = 0

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        grant = form.get("grant_type", [""])[0]
        cls = RotatingTokenEndpoint
        with cls.lock:
            cls.counts[grant] = cls.counts.get(grant, 0) + 1
            if grant == "refresh_token" and form.get("refresh_token", [""])[0] != cls.valid_refresh_token:
                cls.counts["refused"] = cls.counts.get("refused", 0) + 1
                status, body = 400, {"error": "invalid_grant"}
            else:
                cls.issued += 1
                cls.valid_refresh_token = f"rt-{cls.issued}"
                status = 200
                body = {
                    "access_token": f"at-{cls.issued}",
                    "token_type": "Bearer",
                    "expires_in": LIFETIME,
                    "refresh_token": cls.valid_refresh_token,
                }
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def send_requests(token_url: str, redis_url: str, threads: int, start_at: float, until: float) -> dict[str, int]:
    """A worker process: `threads` threads add the shared token to requests (fake transport) until `until`."""
    client = OAuth2Client(token_url, ("client", "secret"), testing=True)
    auth = OAuth2ClientCredentialsAuth(client, store=RedisTokenStore.from_url(redis_url))
    counts = {"requests": 0, "expired": 0}
    guard = threading.Lock()

    def work() -> None:
        while time.time() < until:
            prepared = auth(requests.Request("GET", URL).prepare())
            token = auth.token
            with guard:
                counts["requests"] += 1
                if token is None or token.is_expired() or not prepared.headers.get("Authorization"):
                    counts["expired"] += 1
            time.sleep(0.01)

    time.sleep(max(start_at - time.time(), 0))
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return counts


def requests_per_expiry(redis_url: str) -> dict[str, Any]:
    """Run the fleet; return what the token endpoint counted and what the workers saw."""
    RotatingTokenEndpoint.counts = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), RotatingTokenEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token_url = f"http://127.0.0.1:{server.server_address[1]}/token"
    try:
        start_at = time.time() + 3
        reports = run_in_processes(
            send_requests,
            [(token_url, redis_url, THREADS, start_at, start_at + DURATION)] * PROCESSES,
            timeout=DURATION + 60,
        )
    finally:
        server.shutdown()
    counts = dict(RotatingTokenEndpoint.counts)
    return {
        "grants": counts.get("client_credentials", 0),
        "refreshes": counts.get("refresh_token", 0),
        "refused": counts.get("refused", 0),
        "requests": sum(report["requests"] for report in reports),
        "expired": sum(report["expired"] for report in reports),
    }
