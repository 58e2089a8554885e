"""A fleet of processes sharing one token through a store, against the real server: 8 processes x 8 threads call
the protected resource for 20 s with access tokens living 2 s and refresh tokens rotating on every use.

The server counts the token requests (`/harness/stats`). With refresh token rotation, a refresh token used twice is
refused (`invalid_grant`) and oidc-provider then revokes the whole grant: a single duplicate renewal would show as
an error there and as failed calls in every process. So "no error at the token endpoint" proves that every token
was renewed once, by one process; and the resource, which refuses expired tokens strictly, proves that no call
carried an expired (or no) token.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration.fleet import Fleet, Report, call_the_resource
from tests.integration.harness import Harness
from tests.services.processes import run_in_processes

PROCESSES = 8
THREADS = 8
DURATION = 20.0
STARTUP = 4.0  # seconds for the workers to start (spawned interpreters) before they all call at once


@pytest.fixture(params=["redis", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "redis":
        return ("redis", request.getfixturevalue("redis_url"))
    return ("file", str(tmp_path / "tokens"))


def test_a_fleet_renews_each_token_once(as_server: Harness, store: tuple[str, str]) -> None:
    h = as_server
    client_id = h.rotating_client_id
    fleet = Fleet(
        issuer=h.issuer,
        client_id=client_id,
        client_secret=h.client_secret(client_id),
        username=h.demo_user["username"],
        password=h.demo_user["password"],
        resource_url=h.resource_url,
        store=store,
    )
    h.reset_token_stats(client_id)
    start_at = time.time() + STARTUP
    reports: list[Report] = run_in_processes(
        call_the_resource,
        [(fleet, THREADS, start_at, start_at + DURATION)] * PROCESSES,
        timeout=STARTUP + DURATION + 60,
    )
    stats = h.token_stats(client_id)[client_id]

    # no call failed: every call carried a valid token, no error of the library reached the callers
    assert [failure for report in reports for failure in report.failures] == []
    assert [warning for report in reports for warning in report.warnings] == []
    assert sum(report.calls for report in reports) > PROCESSES * THREADS * DURATION  # about 5 calls/s per thread

    # at the token endpoint: one password grant for the whole fleet, then refreshes that were never refused
    assert stats["password"] == {"requests": 1, "issued": 1, "errors": {}}
    refreshes = stats["refresh_token"]
    assert refreshes["errors"] == {}
    assert refreshes["requests"] == refreshes["issued"]
    # tokens live at most 2 s, and a token is used for at least half its lifetime (at least 0.5 s: expiration
    # dates are whole seconds): between DURATION / 2 and DURATION / 0.5 renewals, one per expiry
    assert DURATION / 2 <= refreshes["requests"] <= DURATION / 0.5 + 2

    # each token request was made by one process, whose on_token saw it; the calls used exactly those tokens
    renewals = [renewal for report in reports for renewal in report.renewals]
    assert len(renewals) == 1 + refreshes["issued"]
    assert len(set(renewals)) == len(renewals)
    assert set().union(*(report.sent for report in reports)) == set(renewals)
    assert sum(1 for report in reports if report.renewals) > 1  # renewals were shared out between processes
