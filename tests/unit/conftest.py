"""Fixtures of the unit tests."""

from __future__ import annotations

import pytest

from tests.integration.pki import TestPki, make_test_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """Throw-away certificates and keys as PEM files (the ones the TLS instance of the test server uses)."""
    return make_test_pki(tmp_path_factory.mktemp("unit-pki"))
