"""Unit tests for `requests_oauth2client.polling` (no real sleeping: `time.sleep` is patched, clocks are frozen)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
import requests
from attrs import define
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client import polling
from requests_oauth2client._protocol.pending import (
    MAX_INTERVAL,
    checked_expires_at,
    checked_interval,
    checked_text,
)
from requests_oauth2client.exceptions import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    SlowDown,
)
from requests_oauth2client.polling import BaseTokenEndpointPollingJob, PollingExpired

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
TOKEN = object()  # what the fake token endpoint returns on success


def pending() -> AuthorizationPending:
    return AuthorizationPending(requests.Response(), None, "authorization_pending")


def slow_down() -> SlowDown:
    return SlowDown(requests.Response(), None, "slow_down")


def access_denied() -> AccessDenied:
    return AccessDenied(requests.Response(), None, "access_denied", "the user said no")


def expired_token() -> ExpiredToken:
    return ExpiredToken(requests.Response(), None, "expired_token")


@define(init=False)
class ScriptedJob(BaseTokenEndpointPollingJob):
    """A polling job whose token endpoint answers come from a script (exceptions are raised, values returned)."""

    script: list[Any]
    requests_sent: int

    def __init__(self, script: list[Any], interval: int = 5, expires_at: datetime | None = None) -> None:
        self.__attrs_init__(
            client=None,
            requests_kwargs={},
            token_kwargs={},
            slow_down_interval=5,
            interval=interval,
            expires_at=expires_at,
            script=list(script),
            requests_sent=0,
        )

    def token_request(self) -> Any:
        self.requests_sent += 1
        outcome = self.script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch, frozen: FrozenDateTimeFactory) -> list[float]:
    """Record every `time.sleep()` made through the polling module; each sleep moves the frozen clock."""
    recorded: list[float] = []

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)
        frozen.tick(timedelta(seconds=seconds))

    monkeypatch.setattr(polling.time, "sleep", fake_sleep)
    return recorded


def test_pending_slow_down_then_token(sleeps: list[float]) -> None:
    job = ScriptedJob([pending(), slow_down(), TOKEN], interval=5)
    assert job() is None
    assert job() is None
    assert job() is TOKEN
    assert sleeps == [5, 5, 10]
    assert job.interval == 10
    assert job.requests_sent == 3


def test_each_slow_down_adds_the_slow_down_interval(sleeps: list[float]) -> None:
    job = ScriptedJob([slow_down(), slow_down(), pending(), TOKEN], interval=2)
    results = [job() for _ in range(4)]
    assert results == [None, None, None, TOKEN]
    assert sleeps == [2, 7, 12, 12]


def test_sleep_comes_before_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    monkeypatch.setattr(polling.time, "sleep", lambda seconds: events.append(f"sleep {seconds}"))

    @define(init=False)
    class RecordingJob(ScriptedJob):
        def token_request(self) -> Any:
            events.append("request")
            return super().token_request()

    job = RecordingJob([pending(), TOKEN], interval=3)
    job()
    job()
    assert events == ["sleep 3", "request", "sleep 3", "request"]


def test_authorization_pending_hook_is_called(sleeps: list[float]) -> None:
    calls: list[int] = []

    @define(init=False)
    class CountingJob(ScriptedJob):
        def authorization_pending(self) -> None:
            calls.append(self.interval)

    job = CountingJob([pending(), pending(), TOKEN])
    assert [job(), job(), job()] == [None, None, TOKEN]
    assert calls == [5, 5]
    assert job.interval == 5


@pytest.mark.parametrize("make_error", [access_denied, expired_token, lambda: InvalidGrant(None, None, "x")])
def test_other_errors_propagate(sleeps: list[float], make_error: Callable[[], Exception]) -> None:
    error = make_error()
    job = ScriptedJob([pending(), error], interval=4)
    assert job() is None
    with pytest.raises(type(error)) as exc_info:
        job()
    assert exc_info.value is error
    assert job.interval == 4
    assert sleeps == [4, 4]


def test_access_denied_carries_the_error_details(sleeps: list[float]) -> None:
    job = ScriptedJob([access_denied()])
    with pytest.raises(AccessDenied) as exc_info:
        job()
    assert exc_info.value.error == "access_denied"
    assert exc_info.value.description == "the user said no"


def test_stops_at_the_deadline_without_sleeping_past_it(sleeps: list[float]) -> None:
    job = ScriptedJob([pending(), pending(), TOKEN], interval=5, expires_at=NOW + timedelta(seconds=12))
    assert job() is None
    assert job() is None
    with pytest.raises(PollingExpired) as exc_info:
        job()
    # the last sleep is cut to the 2 seconds left, and no request is sent once the deadline is reached
    assert sleeps == [5, 5, 2]
    assert job.requests_sent == 2
    assert exc_info.value.expires_at == NOW + timedelta(seconds=12)
    # later calls fail at once: no sleep, no request
    with pytest.raises(PollingExpired):
        job()
    assert sleeps == [5, 5, 2]
    assert job.requests_sent == 2


def test_already_expired_raises_before_sleeping(sleeps: list[float]) -> None:
    job = ScriptedJob([TOKEN], expires_at=NOW - timedelta(seconds=1))
    with pytest.raises(PollingExpired):
        job()
    assert sleeps == []
    assert job.requests_sent == 0


def test_deadline_exactly_now_is_expired(sleeps: list[float]) -> None:
    job = ScriptedJob([TOKEN], expires_at=NOW)
    with pytest.raises(PollingExpired):
        job()
    assert job.requests_sent == 0


def test_token_before_the_deadline(sleeps: list[float]) -> None:
    job = ScriptedJob([slow_down(), TOKEN], interval=5, expires_at=NOW + timedelta(seconds=60))
    assert job() is None
    assert job() is TOKEN
    assert sleeps == [5, 10]


def test_polling_expired_message() -> None:
    deadline = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
    exc = PollingExpired(deadline)
    assert isinstance(exc, TimeoutError)
    assert exc.expires_at is deadline
    assert str(exc).startswith("The pending authorization expired at 2024-05-01T12:30:00+00:00")


def test_base_token_request_is_abstract(sleeps: list[float]) -> None:
    job = BaseTokenEndpointPollingJob(None, {}, {}, 5, 5)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError):
        job()
    assert sleeps == [5]


def test_base_fields_and_generated_init() -> None:
    assert [a.name for a in attrs.fields(BaseTokenEndpointPollingJob)] == [
        "client",
        "requests_kwargs",
        "token_kwargs",
        "slow_down_interval",
        "interval",
        "expires_at",
    ]
    client = object()
    job = BaseTokenEndpointPollingJob(client, {"timeout": 3}, {"scope": "a"}, 7, 2)  # type: ignore[arg-type]
    assert job.client is client
    assert job.requests_kwargs == {"timeout": 3}
    assert job.token_kwargs == {"scope": "a"}
    assert job.slow_down_interval == 7
    assert job.interval == 2
    assert job.expires_at is None
    with pytest.raises(TypeError):
        BaseTokenEndpointPollingJob(client, {}, {}, 5)  # type: ignore[call-arg,arg-type]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("client", object()),
        ("requests_kwargs", {}),
        ("token_kwargs", {}),
        ("slow_down_interval", 1),
        ("expires_at", NOW),
    ],
)
def test_read_only_attributes(name: str, value: object) -> None:
    job = ScriptedJob([])
    with pytest.raises(attrs.exceptions.FrozenAttributeError):
        setattr(job, name, value)


def test_interval_is_mutable_and_validated() -> None:
    job = ScriptedJob([])
    job.interval = 9
    assert job.interval == 9
    with pytest.raises(ValueError, match="non-negative"):
        job.interval = -1
    assert job.interval == 9


@pytest.mark.parametrize(
    ("interval", "error"),
    [(-1, ValueError), (math.inf, ValueError), (math.nan, ValueError), ("5", TypeError), (True, TypeError)],
)
def test_bad_interval_is_refused(interval: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="`interval`"):
        ScriptedJob([], interval=interval)  # type: ignore[arg-type]


def test_naive_deadline_is_taken_as_utc(sleeps: list[float]) -> None:
    job = ScriptedJob([TOKEN], expires_at=datetime(2024, 5, 1, 12, 0, 3))
    assert job.expires_at == NOW + timedelta(seconds=3)
    with pytest.raises(PollingExpired):
        job()
    assert sleeps == [3]


def test_deadline_in_another_timezone(sleeps: list[float]) -> None:
    paris = timezone(timedelta(hours=2))
    job = ScriptedJob([pending()], interval=5, expires_at=datetime(2024, 5, 1, 14, 0, 4, tzinfo=paris))
    with pytest.raises(PollingExpired):
        job()
    assert sleeps == [4]


def test_expires_at_must_be_a_datetime() -> None:
    with pytest.raises(TypeError, match="`expires_at` must be a datetime"):
        ScriptedJob([], expires_at=1714564800)  # type: ignore[arg-type]


def test_sleep_is_looked_up_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    job = ScriptedJob([TOKEN], interval=1)
    recorded: list[float] = []
    monkeypatch.setattr("requests_oauth2client.polling.time.sleep", recorded.append)
    assert job() is TOKEN
    assert recorded == [1]


# --- value checks shared by the device authorization and CIBA responses ---


@given(st.integers(min_value=0, max_value=MAX_INTERVAL))
def test_checked_interval_accepts_whole_seconds(seconds: int) -> None:
    assert checked_interval(seconds) == seconds
    assert checked_interval(str(seconds)) == seconds
    assert checked_interval(float(seconds)) == seconds


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_INTERVAL + 1)))
def test_checked_interval_refuses_out_of_range(seconds: int) -> None:
    with pytest.raises(ValueError, match="`interval`"):
        checked_interval(seconds)


@given(st.text().filter(lambda s: not s.strip().lstrip("-").isdecimal()))
def test_checked_interval_refuses_non_numeric_text(text: str) -> None:
    with pytest.raises(ValueError, match="non-numeric"):
        checked_interval(text)


@pytest.mark.parametrize("value", [True, None, [5], {"a": 1}, b"5", 5j])
def test_checked_interval_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        checked_interval(value)


@pytest.mark.parametrize("value", [2.5, math.inf, math.nan, "1" * 20, "5.0"])
def test_checked_numbers_refuse_fractional_or_absurd_values(value: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        checked_interval(value)


def test_checked_text() -> None:
    assert checked_text("device_code", "abc") == "abc"
    with pytest.raises(ValueError, match="`device_code` must not be empty"):
        checked_text("device_code", "")
    with pytest.raises(TypeError, match="`device_code` must be a string, got int"):
        checked_text("device_code", 1)


def test_checked_expires_at() -> None:
    assert checked_expires_at(None) is None
    assert checked_expires_at(NOW) is NOW
    assert checked_expires_at(datetime(2024, 5, 1, 12)) == NOW
    with pytest.raises(TypeError):
        checked_expires_at("2024-05-01T12:00:00Z")
