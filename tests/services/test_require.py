"""A missing service skips its tests locally and fails them when RO2C_REQUIRE_SERVICES is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services import REQUIRE_SERVICES_ENV, require_service, services_required

REPO_ROOT = Path(__file__).resolve().parents[2]

# One inner test per service fixture; they run in a pytest subprocess whose PATH holds nothing at all.
INNER_TESTS = """
def test_needs_redis(redis_server):
    pass

def test_needs_a_browser(browser_page):
    pass
"""
# A module that needs a Python package that is not installed.
INNER_MODULE = """
from tests.services import require_module

require_module("ro2c_no_such_package", "Thing", "pip install thing")

def test_never_runs():
    pass
"""


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_true_values_require_services(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(REQUIRE_SERVICES_ENV, value)
    assert services_required() is True


@pytest.mark.parametrize("value", ["", "0", "false", "No", "off"])
def test_false_values_do_not(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(REQUIRE_SERVICES_ENV, value)
    assert services_required() is False


def test_unset_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_SERVICES_ENV, raising=False)
    assert services_required() is False


def test_a_typo_is_an_error_not_a_silent_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_SERVICES_ENV, "ture")
    with pytest.raises(ValueError, match=r"RO2C_REQUIRE_SERVICES='ture': use 1"):
        services_required()


def test_missing_service_skips_with_how_to_enable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_SERVICES_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        require_service("Thing", "no thing on PATH", "apt-get install thing")
    assert str(info.value) == (
        "Thing is not available (no thing on PATH). To run these tests: apt-get install thing. "
        "(CI sets RO2C_REQUIRE_SERVICES=1 to make this a failure)"
    )


def test_missing_service_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_SERVICES_ENV, "1")
    with pytest.raises(pytest.fail.Exception) as info:
        require_service("Thing", "no thing on PATH", "apt-get install thing")
    assert str(info.value) == (
        "RO2C_REQUIRE_SERVICES is set and Thing is not available (no thing on PATH). "
        "To run these tests: apt-get install thing."
    )


def run_without_services(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, flag: str) -> pytest.RunResult:
    """Run INNER_TESTS in a pytest subprocess with an empty PATH: no redis-server, no chromium."""
    empty = pytester.mkdir("empty-path")
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv(REQUIRE_SERVICES_ENV, flag)
    monkeypatch.delenv("RO2C_CHROMIUM", raising=False)
    pytester.makepyfile(test_inner=INNER_TESTS, test_inner_module=INNER_MODULE)
    return pytester.runpytest_subprocess(
        "-p", "tests.services.plugin", "-rs", "-p", "no:cacheprovider", "--continue-on-collection-errors"
    )


def test_services_missing_locally_skip(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_without_services(pytester, monkeypatch, "0")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(
        [
            "*Thing is not available (the Python package ro2c_no_such_package is not installed). "
            "To run these tests: pip install thing*",
            "*redis-server is not available (no redis-server executable on PATH). "
            "To run these tests: apt-get install redis-server*",
            "*Chromium is not available (none of chromium, chromium-browser, google-chrome-stable, google-chrome "
            "is on PATH). To run these tests: apt-get install chromium*",
        ],
        consecutive=False,
    )


def test_services_missing_in_ci_fail(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_without_services(pytester, monkeypatch, "1")
    result.assert_outcomes(errors=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*RO2C_REQUIRE_SERVICES is set and Thing is not available*",
            "*RO2C_REQUIRE_SERVICES is set and redis-server is not available*",
            "*RO2C_REQUIRE_SERVICES is set and Chromium is not available*",
        ],
        consecutive=False,
    )
