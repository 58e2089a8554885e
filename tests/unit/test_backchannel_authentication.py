"""Unit tests for `requests_oauth2client.backchannel_authentication` (fake client, patched sleep, frozen clock)."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
import requests
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client import polling
from requests_oauth2client.backchannel_authentication import (
    BackChannelAuthenticationPollingJob,
    BackChannelAuthenticationResponse,
)
from requests_oauth2client.exceptions import AccessDenied, AuthorizationPending, ExpiredToken, SlowDown
from requests_oauth2client.polling import BaseTokenEndpointPollingJob, PollingExpired

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
TOKEN = object()

# CIBA Core §7.3 example
CIBA_RESPONSE = {"auth_req_id": "1c266114-a1be-4252-8ad1-04986c5b9ac1", "expires_in": 120, "interval": 2}


class FakeClient:
    """Stands for OAuth2Client: `ciba()` raises or returns scripted outcomes and records its calls."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def ciba(self, auth_req_id: str, requests_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        self.calls.append((auth_req_id, {"requests_kwargs": requests_kwargs, **kwargs}))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def error(cls: type[Exception], code: str) -> Exception:
    return cls(requests.Response(), None, code)


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch, frozen: FrozenDateTimeFactory) -> list[float]:
    recorded: list[float] = []

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)
        frozen.tick(timedelta(seconds=seconds))

    monkeypatch.setattr(polling.time, "sleep", fake_sleep)
    return recorded


# --- BackChannelAuthenticationResponse ---


def test_response_from_spec_example(frozen: FrozenDateTimeFactory) -> None:
    resp = BackChannelAuthenticationResponse.from_json(CIBA_RESPONSE)
    assert resp.auth_req_id == CIBA_RESPONSE["auth_req_id"]
    assert resp.expires_at == NOW + timedelta(seconds=120)
    assert resp.expires_in == 120
    assert resp.interval == 2
    assert resp.other == {}


def test_response_defaults() -> None:
    resp = BackChannelAuthenticationResponse("req")
    assert resp.expires_at is None
    assert resp.expires_in is None
    assert resp.interval == 20
    assert resp.is_expired() is None
    assert BackChannelAuthenticationResponse("req", interval=None).interval == 20


def test_response_equality_is_identity() -> None:
    assert BackChannelAuthenticationResponse("req") != BackChannelAuthenticationResponse("req")


def test_response_extra_values_are_attributes() -> None:
    resp = BackChannelAuthenticationResponse("req", custom="x", zero=0, empty="")
    assert resp.custom == "x"
    assert resp.other == {"custom": "x", "zero": 0, "empty": ""}
    for name in ("missing", "zero", "empty"):  # missing and falsy values are not attributes
        with pytest.raises(AttributeError, match=name):
            getattr(resp, name)


def test_response_dunders_are_not_looked_up_in_other() -> None:
    resp = BackChannelAuthenticationResponse("req", __deepcopy__="x", custom="y")
    with pytest.raises(AttributeError):
        resp.__deepcopy__  # noqa: B018
    clone = copy.deepcopy(resp)
    assert clone.custom == "y"
    restored = pickle.loads(pickle.dumps(resp))  # noqa: S301
    assert restored.auth_req_id == "req"
    assert restored.custom == "y"


def test_response_expires_in_is_live_and_rounded_up(frozen: FrozenDateTimeFactory) -> None:
    resp = BackChannelAuthenticationResponse("req", expires_in="60")
    assert resp.expires_at == NOW + timedelta(seconds=60)
    frozen.tick(timedelta(seconds=10.5))
    assert resp.expires_in == 50
    assert resp.is_expired() is False
    frozen.tick(timedelta(seconds=55))
    assert resp.expires_in == -5
    assert resp.is_expired() is True
    assert resp.is_expired(leeway=10) is False


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("auth_req_id", None, TypeError),
        ("auth_req_id", "", ValueError),
        ("auth_req_id", 1234, TypeError),
        ("interval", -2, ValueError),
        ("interval", 10**7, ValueError),
        ("interval", "often", ValueError),
        ("interval", False, TypeError),
        ("expires_in", -120, ValueError),
        ("expires_in", 10**15, ValueError),
        ("expires_in", {"s": 1}, ValueError),
        ("expires_in", None, ValueError),
    ],
)
def test_response_refuses_bad_values(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=f"`{field}`"):
        BackChannelAuthenticationResponse.from_json(dict(CIBA_RESPONSE, **{field: value}))


def test_from_json_requires_expires_in() -> None:
    # CIBA Core §7.3: REQUIRED; without it, polling would never stop
    with pytest.raises(ValueError, match="`expires_in` is missing"):
        BackChannelAuthenticationResponse.from_json({"auth_req_id": "req", "interval": 2})


def test_from_json_zero_expires_in_is_already_expired(frozen: FrozenDateTimeFactory) -> None:
    resp = BackChannelAuthenticationResponse.from_json({"auth_req_id": "req", "expires_in": 0})
    assert resp.is_expired() is True
    assert resp.expires_in == 0


def test_from_json_requires_auth_req_id() -> None:
    with pytest.raises(ValueError, match="no `auth_req_id`"):
        BackChannelAuthenticationResponse.from_json({"expires_in": 120})


@pytest.mark.parametrize("obj", [[CIBA_RESPONSE], "req", None])
def test_from_json_requires_an_object(obj: object) -> None:
    with pytest.raises(TypeError, match="must be a JSON object"):
        BackChannelAuthenticationResponse.from_json(obj)


def test_constructor_without_auth_req_id_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        BackChannelAuthenticationResponse(expires_in=120)  # type: ignore[call-arg]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)


@given(st.dictionaries(st.sampled_from(["auth_req_id", "expires_in", "interval"]) | st.text(max_size=10), json_values))
def test_from_json_only_raises_type_or_value_errors(data: dict[str, Any]) -> None:
    try:
        resp = BackChannelAuthenticationResponse.from_json(data)
    except (TypeError, ValueError):
        return
    assert isinstance(resp.auth_req_id, str)
    assert resp.auth_req_id
    assert isinstance(resp.interval, int)
    assert resp.expires_at is not None  # REQUIRED: polling always has an end
    assert resp.expires_at.tzinfo is not None


# --- BackChannelAuthenticationPollingJob ---


def test_job_from_bare_auth_req_id_defaults_to_5() -> None:
    job = BackChannelAuthenticationPollingJob(FakeClient(), "req")
    assert job.auth_req_id == "req"
    assert job.interval == 5
    assert job.slow_down_interval == 5
    assert job.requests_kwargs == {}
    assert job.token_kwargs == {}
    assert job.expires_at is None
    assert isinstance(job, BaseTokenEndpointPollingJob)


def test_job_from_response_uses_its_interval_and_expiry(frozen: FrozenDateTimeFactory) -> None:
    job = BackChannelAuthenticationPollingJob(FakeClient(), BackChannelAuthenticationResponse("req", expires_in=90))
    assert job.auth_req_id == "req"
    assert job.interval == 20
    assert job.expires_at == NOW + timedelta(seconds=90)


def test_job_explicit_values_win() -> None:
    resp = BackChannelAuthenticationResponse("req", interval=7, expires_at=NOW)
    later = NOW + timedelta(minutes=5)
    job = BackChannelAuthenticationPollingJob(FakeClient(), resp, interval=1, slow_down_interval=3, expires_at=later)
    assert job.interval == 1
    assert job.slow_down_interval == 3
    assert job.expires_at == later


def test_job_parameters_after_auth_req_id_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        BackChannelAuthenticationPollingJob(FakeClient(), "req", 5)  # type: ignore[misc]


def test_job_sends_auth_req_id_with_kwargs(sleeps: list[float]) -> None:
    client = FakeClient(TOKEN)
    job = BackChannelAuthenticationPollingJob(client, "req", requests_kwargs={"timeout": 3}, custom="v")  # type: ignore[arg-type]
    assert job() is TOKEN
    assert client.calls == [("req", {"requests_kwargs": {"timeout": 3}, "custom": "v"})]


def test_job_pending_slow_down_then_token(sleeps: list[float]) -> None:
    client = FakeClient(error(AuthorizationPending, "authorization_pending"), error(SlowDown, "slow_down"), TOKEN)
    job = BackChannelAuthenticationPollingJob(client, BackChannelAuthenticationResponse.from_json(CIBA_RESPONSE))  # type: ignore[arg-type]
    assert [job(), job(), job()] == [None, None, TOKEN]
    assert sleeps == [2, 2, 7]


@pytest.mark.parametrize(("cls", "code"), [(AccessDenied, "access_denied"), (ExpiredToken, "expired_token")])
def test_job_denial_and_expiry_from_the_as(sleeps: list[float], cls: type[Exception], code: str) -> None:
    job = BackChannelAuthenticationPollingJob(FakeClient(error(cls, code)), "req", interval=1)  # type: ignore[arg-type]
    with pytest.raises(cls):
        job()
    assert sleeps == [1]


def test_job_stops_at_the_response_expiry(sleeps: list[float]) -> None:
    client = FakeClient(*[error(AuthorizationPending, "authorization_pending")] * 10)
    resp = BackChannelAuthenticationResponse("req", expires_in=45)
    job = BackChannelAuthenticationPollingJob(client, resp)  # type: ignore[arg-type]
    assert job() is None
    assert job() is None
    with pytest.raises(PollingExpired):
        job()
    assert sleeps == [20, 20, 5]
    assert len(client.calls) == 2


def test_job_auth_req_id_is_read_only_and_hidden_from_repr() -> None:
    job = BackChannelAuthenticationPollingJob(FakeClient(), "secret-auth-req-id")
    with pytest.raises(attrs.exceptions.FrozenAttributeError):
        job.auth_req_id = "other"  # type: ignore[misc]
    assert "secret-auth-req-id" not in repr(job)


def test_job_refuses_a_bad_auth_req_id() -> None:
    with pytest.raises(TypeError, match="auth_req_id"):
        BackChannelAuthenticationPollingJob(FakeClient(), None)  # type: ignore[arg-type]


def test_job_with_real_client_and_mocked_token_endpoint(sleeps: list[float]) -> None:
    """The AS answers pending, slow_down, then a token (needs the real OAuth2Client)."""
    requests_mock = pytest.importorskip("requests_mock")
    client_module = pytest.importorskip("requests_oauth2client.client")
    tokens_module = pytest.importorskip("requests_oauth2client.tokens")
    client = client_module.OAuth2Client("https://as.example.com/token", ("client_id", "client_secret"))
    with requests_mock.Mocker() as mocker:
        mocker.post(
            "https://as.example.com/token",
            [
                {"status_code": 400, "json": {"error": "authorization_pending"}},
                {"status_code": 400, "json": {"error": "slow_down"}},
                {"json": {"access_token": "at", "token_type": "Bearer"}},
            ],
        )
        job = BackChannelAuthenticationPollingJob(client, BackChannelAuthenticationResponse("req", interval=1))
        assert [job(), job()] == [None, None]
        token = job()
        assert isinstance(token, tokens_module.BearerToken)
        assert token.access_token == "at"
        assert sleeps == [1, 1, 6]
        body = mocker.last_request.text
        assert "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba" in body
        assert "auth_req_id=req" in body
