"""Real services for the tests (Chromium, Redis, worker processes) and the rule for when one is missing.

A test that needs a service it cannot find is skipped locally, with a message saying how to get the service.
In CI the environment variable `RO2C_REQUIRE_SERVICES=1` turns that skip into a failure, so such tests can never
be skipped silently there (`.ci/run` sets it). Every fixture that needs a service goes through
`require_service()`.

A service that is present but fails to start is always a failure, flag or not: that is a bug to see.

    tests/services/chromium.py      find and launch the system's Chromium through Playwright
    tests/services/redis_server.py  start a throw-away `redis-server` on a free loopback port
    tests/services/processes.py     run functions in real worker processes without ever hanging the parent
    tests/services/plugin.py        the pytest fixtures and hooks (registered by tests/conftest.py)
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import NoReturn, TypeVar

import pytest

T = TypeVar("T")

REQUIRE_SERVICES_ENV = "RO2C_REQUIRE_SERVICES"
"""Set to 1 (CI does) to make a missing Chromium or Redis fail the tests that need it instead of skipping them."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

TESTS_EXTRA = "pip install -e '.[tests]' (or `make venv`)"


class ServiceUnavailable(Exception):
    """A service a test needs is not installed here (a program or a Python package is missing)."""

    def __init__(self, name: str, reason: str, how_to_enable: str) -> None:
        super().__init__(f"{name} is not available: {reason}")
        self.name = name
        self.reason = reason
        self.how_to_enable = how_to_enable


class ServiceStartError(RuntimeError):
    """A service is installed but did not start or answer: always a test failure."""


def services_required() -> bool:
    """Whether a missing service must fail the tests (`RO2C_REQUIRE_SERVICES` is set to a true value).

    Raises:
        ValueError: the variable holds something that is neither true nor false, so a typo cannot silently
            turn the check off.
    """
    value = os.environ.get(REQUIRE_SERVICES_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{REQUIRE_SERVICES_ENV}={value!r}: use 1 (missing services fail the tests) or 0 (they skip)")


def require_service(name: str, reason: str, how_to_enable: str) -> NoReturn:
    """Skip the current test because `name` is missing, or fail it when `RO2C_REQUIRE_SERVICES` is set.

    Call it from a fixture, a test, or the top of a test module, where the service turned out to be missing.

    Args:
        name: the service, e.g. "Chromium" or "redis-server".
        reason: what is missing, e.g. "no chromium executable on PATH".
        how_to_enable: the commands that install it, e.g. "apt-get install chromium".
    """
    message = f"{name} is not available ({reason}). To run these tests: {how_to_enable}."
    if services_required():
        pytest.fail(f"{REQUIRE_SERVICES_ENV} is set and {message}", pytrace=False)
    pytest.skip(f"{message} (CI sets {REQUIRE_SERVICES_ENV}=1 to make this a failure)", allow_module_level=True)


def require_module(module: str, name: str, how_to_enable: str) -> None:
    """`require_service()` unless the Python package `module` is installed.

    Call it in a fixture, or at the top of a test module before importing the package (the whole module is then
    skipped, or fails to collect under `RO2C_REQUIRE_SERVICES=1`).
    """
    if importlib.util.find_spec(module) is None:
        require_service(name, f"the Python package {module} is not installed", how_to_enable)


def start_service(start: Callable[[], T]) -> T:
    """Return `start()`; if it raises `ServiceUnavailable`, `require_service()`; `ServiceStartError` fails the test."""
    try:
        return start()
    except (ServiceUnavailable, ServiceStartError) as exc:
        problem = exc
    # outside the except block, so that the report is this one message without a chained traceback
    if isinstance(problem, ServiceStartError):
        pytest.fail(str(problem), pytrace=False)
    require_service(problem.name, problem.reason, problem.how_to_enable)
