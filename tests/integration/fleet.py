"""What the worker processes of the token store tests run (module-level functions, picklable arguments).

A worker builds its own client, store and auth handler, as a process of a real fleet would, and calls the
protected resource of the test server, which refuses expired tokens strictly. It reports what it saw: every
failed call, the tokens it sent (as short hashes, never the tokens), the renewals it made (`on_token`) and the
warnings the library logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from requests_oauth2client import (
    BearerToken,
    ClientSecretBasic,
    FileTokenStore,
    OAuth2Client,
    OAuth2ResourceOwnerPasswordAuth,
    RedisTokenStore,
    TokenStore,
    TokenStoreEntry,
    token_cache_key,
)

LOGGER = "requests_oauth2client"
SCOPE = "openid api:read"


@dataclass(frozen=True)
class Fleet:
    """Where the workers find the server, the client, the user and the store."""

    issuer: str
    client_id: str
    client_secret: str
    username: str
    password: str
    resource_url: str
    store: tuple[str, str]  # ("redis", url) or ("file", directory)
    lock_ttl: float = 20.0
    lock_timeout: float = 25.0

    def open_store(self) -> TokenStore:
        kind, where = self.store
        return RedisTokenStore.from_url(where) if kind == "redis" else FileTokenStore(where)

    def client(self) -> OAuth2Client:
        return OAuth2Client.from_discovery_endpoint(
            issuer=self.issuer, auth=ClientSecretBasic(self.client_id, self.client_secret), testing=True
        )

    def handler(self, client: OAuth2Client, on_token: Any = None) -> OAuth2ResourceOwnerPasswordAuth:
        """The password grant handler of the demo user, sharing its token through the store."""
        key = token_cache_key(client, "password", username=self.username, scope=SCOPE)
        entry = TokenStoreEntry(self.open_store(), key, lock_ttl=self.lock_ttl, lock_timeout=self.lock_timeout)
        return OAuth2ResourceOwnerPasswordAuth(
            client, username=self.username, password=self.password, scope=SCOPE, store=entry, on_token=on_token
        )


def digest(value: str) -> str:
    """A short hash of a token, to compare tokens without handling them."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


@dataclass
class Report:
    pid: int
    calls: int = 0
    failures: list[str] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)  # hashes of the Authorization headers sent
    renewals: list[str] = field(default_factory=list)  # hashes of the tokens this process obtained (on_token)
    warnings: list[str] = field(default_factory=list)


class _Warnings(logging.Handler):
    def __init__(self, report: Report) -> None:
        super().__init__(logging.WARNING)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        self.report.warnings.append(record.getMessage())


def call_the_resource(fleet: Fleet, threads: int, start_at: float, until: float) -> Report:
    """`threads` threads share one handler and call the resource from `start_at` until `until` (POSIX times)."""
    report = Report(pid=os.getpid())
    logging.getLogger(LOGGER).addHandler(_Warnings(report))
    guard = threading.Lock()
    client = fleet.client()
    auth = fleet.handler(client, on_token=lambda token: report.renewals.append(digest(token.access_token)))
    session = requests.Session()
    session.auth = auth
    session.mount("http://", HTTPAdapter(pool_maxsize=threads))

    def work() -> None:
        pause = random.Random(threading.get_ident())  # noqa: S311 (spreading the calls, not security)
        while time.time() < until:
            try:
                response = session.get(fleet.resource_url, timeout=30)
            except Exception as exc:  # an error of the library (InvalidGrant...) that reached the caller
                outcome, header = f"{type(exc).__name__}: {exc}", None
            else:
                header = response.request.headers.get("Authorization")
                outcome = "" if response.status_code == 200 else f"HTTP {response.status_code} {response.text[:200]}"
            with guard:
                report.calls += 1
                if header:
                    report.sent.add(digest(header.partition(" ")[2]))
                if outcome:
                    report.failures.append(outcome)
            time.sleep(pause.uniform(0.1, 0.3))

    time.sleep(max(start_at - time.time(), 0))
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return report


class _HangingAdapter(HTTPAdapter):
    """Hangs in the refresh token request: before it is sent, or after the AS answered (having rotated)."""

    def __init__(self, when: str, renewing: Any) -> None:
        super().__init__()
        self.when, self.renewing = when, renewing

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        body = request.body if isinstance(request.body, str) else (request.body or b"").decode()
        if "grant_type=refresh_token" not in body:
            return super().send(request, *args, **kwargs)
        if self.when == "after":
            response = super().send(request, *args, **kwargs)
            self.renewing.set()
            time.sleep(3600)
            return response  # pragma: no cover (killed before)
        self.renewing.set()
        time.sleep(3600)
        raise AssertionError("killed before")  # pragma: no cover


def die_while_renewing(fleet: Fleet, when: str, renewing: Any) -> None:
    """Take the store's token, then renew it under the store lock and hang there (to be SIGKILLed)."""
    client = fleet.client()
    client.session.mount("http://", _HangingAdapter(when, renewing))
    auth = fleet.handler(client)
    requests.get(fleet.resource_url, auth=auth, timeout=30).raise_for_status()  # the stored token, or a new one
    while True:  # call until the token needs renewal: the renewal hangs
        requests.get(fleet.resource_url, auth=auth, timeout=30)
        time.sleep(0.05)


def call_once(fleet: Fleet) -> dict[str, Any]:
    """One call to the resource, with a new handler on the store: its status and the warnings logged."""
    report = Report(pid=os.getpid())
    logging.getLogger(LOGGER).addHandler(_Warnings(report))
    auth = fleet.handler(fleet.client())
    response = requests.get(fleet.resource_url, auth=auth, timeout=60)
    return {"status": response.status_code, "warnings": report.warnings}


def stored_token(fleet: Fleet) -> BearerToken | None:
    """The token of the fleet in its store."""
    client = fleet.client()
    return fleet.open_store().get(token_cache_key(client, "password", username=fleet.username, scope=SCOPE))
