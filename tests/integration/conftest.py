"""Fixtures for the integration tests: a real authorization server on 127.0.0.1.

The `as_server` session fixture starts `tests/server/server.mjs` (panva's
oidc-provider) once per test session and yields a `Harness`; its logins and
consents are automatic. `interactive_as_server` is a second instance, started
only when a test asks for it, that shows oidc-provider's own HTML login and
consent pages instead (`HARNESS_INTERACTIONS=dev`), for the browser tests
(`tests/integration/browser.py` drives them). Everything here uses `requests`
only, never the library under test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def running_harness(state_dir: Path, env: dict[str, str] | None = None) -> Iterator[Harness]:
    """Start an authorization server (failing the test if it does not come up), yield its Harness, stop it."""
    try:
        server = start_server(state_dir, env=env)
    except ServerStartError as exc:
        pytest.fail(f"could not start the authorization server: {exc}", pytrace=False)
    try:
        yield Harness.from_server(server)
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def as_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """The authorization server for the whole test session."""
    with running_harness(tmp_path_factory.mktemp("as-state")) as harness:
        yield harness


@pytest.fixture(scope="session")
def interactive_as_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """A second authorization server whose users sign in and consent on real HTML pages (for browser tests).

    Its interaction mode is process-wide, hence a second process. Any login and password are accepted; the
    helpers in `tests/integration/browser.py` fill in the forms.
    """
    with running_harness(tmp_path_factory.mktemp("as-interactive-state"), {"HARNESS_INTERACTIONS": "dev"}) as harness:
        yield harness
