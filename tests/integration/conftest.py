"""Fixtures for the integration tests: a real authorization server on 127.0.0.1.

The `as_server` session fixture starts `tests/server/server.mjs` (panva's
oidc-provider) once per test session and yields a `Harness`; its logins and
consents are automatic. Everything here uses `requests` only, never the library
under test.

More instances, each started only when a test asks for it, once per session:
- `interactive_as_server`: oidc-provider's own HTML login and consent pages
  (`HARNESS_INTERACTIONS=dev`), for the browser tests (`tests/integration/browser.py`
  drives them);
- `tls_server`: an https issuer plus an mTLS listener (RFC 8705), certificates from `test_pki`;
- `registration_server`: dynamic registration needing an initial access token, rotating the
  registration access token on every update.
`backchannel_listener` is the loopback endpoint `as_server` sends back-channel logout tokens to.
"""

from __future__ import annotations

import secrets
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
from tests.integration.listener import CallbackListener  # noqa: E402
from tests.integration.pki import TestPki, make_test_pki  # noqa: E402

INTEGRATION_DIR = Path(__file__).resolve().parent
BACKCHANNEL_LOGOUT_PATH = "/backchannel-logout"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration with `pytest.mark.integration`."""
    for item in items:
        if INTEGRATION_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.integration)


@contextmanager
def running_harness(
    state_dir: Path, env: dict[str, str] | None = None, *, tls: TestPki | None = None
) -> Iterator[Harness]:
    """Start an authorization server (failing the test if it does not come up), yield its Harness, stop it."""
    try:
        server = start_server(state_dir, env=env)
    except ServerStartError as exc:
        pytest.fail(f"could not start the authorization server: {exc}", pytrace=False)
    try:
        yield Harness.from_server(server, tls=tls)
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def backchannel_listener() -> Iterator[CallbackListener]:
    """Loopback listener behind `client-backchannel-logout`'s `backchannel_logout_uri` (path `/backchannel-logout`)."""
    listener = CallbackListener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture(scope="session")
def as_server(tmp_path_factory: pytest.TempPathFactory, backchannel_listener: CallbackListener) -> Iterator[Harness]:
    """The authorization server for the whole test session."""
    env = {"BACKCHANNEL_LOGOUT_URI": backchannel_listener.url(BACKCHANNEL_LOGOUT_PATH)}
    with running_harness(tmp_path_factory.mktemp("as-state"), env) as harness:
        yield harness


@pytest.fixture(scope="session")
def interactive_as_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """A second authorization server whose users sign in and consent on real HTML pages (for browser tests).

    Its interaction mode is process-wide, hence a second process. Any login and password are accepted; the
    helpers in `tests/integration/browser.py` fill in the forms.
    """
    with running_harness(tmp_path_factory.mktemp("as-interactive-state"), {"HARNESS_INTERACTIONS": "dev"}) as harness:
        yield harness


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """A throw-away CA with server and client certificates (see `tests/integration/pki.py`)."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki) -> Iterator[Harness]:
    """An instance with an https issuer and an mTLS listener (its `mtls_endpoint_aliases`).

    Requests to it need `verify=harness.verify` (the test CA) on each call; client certificates are in
    `harness.tls`.
    """
    with running_harness(tmp_path_factory.mktemp("as-tls-state"), test_pki.server_env(), tls=test_pki) as harness:
        yield harness


@pytest.fixture(scope="session")
def registration_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """An instance whose registration endpoint demands an initial access token and rotates registration tokens.

    The initial access token is `harness.contract["registration"]["initial_access_token"]`.
    """
    env = {
        "REGISTRATION_INITIAL_ACCESS_TOKEN": secrets.token_urlsafe(32),
        "REGISTRATION_ROTATE_ACCESS_TOKEN": "1",
    }
    with running_harness(tmp_path_factory.mktemp("as-registration-state"), env) as harness:
        yield harness
