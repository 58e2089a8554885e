"""Fixtures for the integration tests: a real authorization server on 127.0.0.1.

The `as_server` session fixture starts `tests/server/server.mjs` (panva's
oidc-provider) once per test session and yields a `Harness`. Everything here
uses `requests` only, never the library under test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.integration.harness import (  # noqa: E402
    Harness,
    ServerStartError,
    start_server,
    stop_server,
)

INTEGRATION_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration with `pytest.mark.integration`."""
    for item in items:
        if INTEGRATION_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def as_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """The authorization server for the whole test session."""
    state_dir = tmp_path_factory.mktemp("as-state")
    try:
        server = start_server(state_dir)
    except ServerStartError as exc:
        pytest.fail(f"could not start the authorization server: {exc}", pytrace=False)
    try:
        yield Harness.from_server(server)
    finally:
        stop_server(server)
