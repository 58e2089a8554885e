"""Unit tests for `requests_oauth2client.device_authorization` (fake client, patched sleep, frozen clock)."""

from __future__ import annotations

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
from requests_oauth2client.device_authorization import DeviceAuthorizationPollingJob, DeviceAuthorizationResponse
from requests_oauth2client.exceptions import AccessDenied, AuthorizationPending, ExpiredToken, SlowDown
from requests_oauth2client.polling import BaseTokenEndpointPollingJob, PollingExpired

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
TOKEN = object()

# RFC 8628 §3.2 example
RFC_RESPONSE = {
    "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://example.com/device",
    "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
    "expires_in": 1800,
    "interval": 5,
}


class FakeClient:
    """Stands for OAuth2Client: `device_code()` raises or returns scripted outcomes and records its calls."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def device_code(self, device_code: str, requests_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        self.calls.append((device_code, {"requests_kwargs": requests_kwargs, **kwargs}))
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


# --- DeviceAuthorizationResponse ---


def test_response_from_rfc_example(frozen: FrozenDateTimeFactory) -> None:
    resp = DeviceAuthorizationResponse.from_json(dict(RFC_RESPONSE, custom="x"))
    assert resp.device_code == RFC_RESPONSE["device_code"]
    assert resp.user_code == "WDJB-MJHT"
    assert resp.verification_uri == "https://example.com/device"
    assert resp.verification_uri_complete == "https://example.com/device?user_code=WDJB-MJHT"
    assert resp.expires_at == NOW + timedelta(seconds=1800)
    assert resp.interval == 5
    assert resp.other == {"custom": "x"}


def test_googles_verification_url_stands_for_verification_uri() -> None:
    # https://developers.google.com/identity/protocols/oauth2/limited-input-device#step-2:-handle-the-authorization-server-response
    google = {
        "device_code": "4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8",
        "user_code": "GQVQ-JKEC",
        "verification_url": "https://www.google.com/device",
        "expires_in": 1800,
        "interval": 5,
    }
    resp = DeviceAuthorizationResponse.from_json(google)
    assert resp.verification_uri == "https://www.google.com/device"
    assert resp.verification_uri_complete is None
    assert resp.other == {}
    complete = DeviceAuthorizationResponse.from_json(
        {**google, "verification_url_complete": "https://www.google.com/device?user_code=GQVQ-JKEC"}
    )
    assert complete.verification_uri_complete == "https://www.google.com/device?user_code=GQVQ-JKEC"


def test_the_standard_names_win_over_their_aliases() -> None:
    resp = DeviceAuthorizationResponse.from_json(
        {**RFC_RESPONSE, "verification_url": "https://other/device", "verification_url_complete": "https://other/c"}
    )
    assert resp.verification_uri == "https://example.com/device"
    assert resp.verification_uri_complete == "https://example.com/device?user_code=WDJB-MJHT"
    assert resp.other == {"verification_url": "https://other/device", "verification_url_complete": "https://other/c"}


def test_without_verification_uri_nor_url_the_answer_is_refused() -> None:
    answer = {key: value for key, value in RFC_RESPONSE.items() if key != "verification_uri"}
    with pytest.raises(ValueError, match="no `verification_uri`"):
        DeviceAuthorizationResponse.from_json(answer)
    with pytest.raises(TypeError, match="`verification_uri` must be a string"):
        DeviceAuthorizationResponse.from_json({**answer, "verification_url": 12})


def test_response_defaults() -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device")
    assert resp.verification_uri_complete is None
    assert resp.expires_at is None
    assert resp.interval is None
    assert resp.other == {}
    assert resp.is_expired() is None


def test_response_positional_parameters() -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", "https://as/device?u=uc", NOW, 7)
    assert resp.verification_uri_complete == "https://as/device?u=uc"
    assert resp.expires_at == NOW
    assert resp.interval == 7


def test_response_has_no_attribute_passthrough_and_no_expires_in() -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", expires_in=60, custom="x")
    with pytest.raises(AttributeError):
        resp.custom  # noqa: B018
    with pytest.raises(AttributeError):
        resp.expires_in  # noqa: B018


def test_response_equality_is_identity() -> None:
    a = DeviceAuthorizationResponse("dc", "uc", "https://as/device")
    b = DeviceAuthorizationResponse("dc", "uc", "https://as/device")
    assert a == a  # noqa: PLR0124
    assert a != b


@pytest.mark.parametrize("expires_in", [600, "600", 600.0])
def test_response_expires_in(frozen: FrozenDateTimeFactory, expires_in: object) -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", expires_in=expires_in)
    assert resp.expires_at == NOW + timedelta(seconds=600)


def test_response_expires_in_wins_over_expires_at(frozen: FrozenDateTimeFactory) -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", expires_at=NOW, expires_in=30)
    assert resp.expires_at == NOW + timedelta(seconds=30)


def test_response_is_expired_with_leeway(frozen: FrozenDateTimeFactory) -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", expires_in=10)
    assert resp.is_expired() is False
    frozen.tick(timedelta(seconds=11))
    assert resp.is_expired() is True
    # the leeway is subtracted from the current time
    assert resp.is_expired(leeway=2) is False
    assert resp.is_expired(leeway=-5) is True


def test_response_interval_text_is_converted() -> None:
    assert DeviceAuthorizationResponse("dc", "uc", "https://as/device", interval="3").interval == 3


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("device_code", None, TypeError),
        ("device_code", "", ValueError),
        ("device_code", 123, TypeError),
        ("user_code", ["x"], TypeError),
        ("user_code", "", ValueError),
        ("verification_uri", {"u": 1}, TypeError),
        ("verification_uri", "", ValueError),
        ("verification_uri_complete", 1, TypeError),
        ("verification_uri_complete", "", ValueError),
        ("interval", -1, ValueError),
        ("interval", 10**9, ValueError),
        ("interval", "soon", ValueError),
        ("interval", 2.5, ValueError),
        ("interval", True, TypeError),
        ("interval", [5], TypeError),
        ("expires_in", -1, ValueError),
        ("expires_in", 10**20, ValueError),
        ("expires_in", "later", ValueError),
        ("expires_in", [1800], ValueError),
        ("expires_in", None, ValueError),
    ],
)
def test_response_refuses_bad_values(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=f"`{field}`"):
        DeviceAuthorizationResponse.from_json(dict(RFC_RESPONSE, **{field: value}))


def test_from_json_requires_expires_in() -> None:
    # RFC 8628 §3.2: REQUIRED; without it, polling would never stop
    data = dict(RFC_RESPONSE)
    del data["expires_in"]
    with pytest.raises(ValueError, match="`expires_in` is missing"):
        DeviceAuthorizationResponse.from_json(data)


def test_from_json_expiry_comes_from_expires_in_only(frozen: FrozenDateTimeFactory) -> None:
    resp = DeviceAuthorizationResponse.from_json(dict(RFC_RESPONSE, expires_at="2099-01-01", expires_in=2**31 - 1))
    assert resp.expires_at == NOW + timedelta(seconds=2**31 - 1)
    resp = DeviceAuthorizationResponse.from_json(dict(RFC_RESPONSE, expires_in=0))
    assert resp.is_expired() is True


@pytest.mark.parametrize("field", ["device_code", "user_code", "verification_uri"])
def test_from_json_requires_fields(field: str) -> None:
    data = dict(RFC_RESPONSE)
    del data[field]
    with pytest.raises(ValueError, match=f"no `{field}`"):
        DeviceAuthorizationResponse.from_json(data)


@pytest.mark.parametrize("obj", [[RFC_RESPONSE], "device_code", None, 42])
def test_from_json_requires_an_object(obj: object) -> None:
    with pytest.raises(TypeError, match="must be a JSON object"):
        DeviceAuthorizationResponse.from_json(obj)


def test_error_messages_do_not_leak_the_device_code() -> None:
    with pytest.raises(ValueError, match="interval") as exc_info:
        DeviceAuthorizationResponse.from_json(dict(RFC_RESPONSE, interval=-3))
    assert RFC_RESPONSE["device_code"] not in str(exc_info.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)


@given(
    st.dictionaries(
        st.sampled_from(
            ["device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval"]
        )
        | st.text(max_size=10),
        json_values,
    )
)
def test_from_json_only_raises_type_or_value_errors(data: dict[str, Any]) -> None:
    try:
        resp = DeviceAuthorizationResponse.from_json(data)
    except (TypeError, ValueError):
        return
    assert isinstance(resp.device_code, str)
    assert resp.device_code
    assert resp.interval is None or isinstance(resp.interval, int)
    assert resp.expires_at is not None  # REQUIRED: polling always has an end
    assert resp.expires_at.tzinfo is not None


# --- DeviceAuthorizationPollingJob ---


def test_job_defaults() -> None:
    job = DeviceAuthorizationPollingJob(FakeClient(), "dc")
    assert job.device_code == "dc"
    assert job.interval == 5
    assert job.slow_down_interval == 5
    assert job.requests_kwargs == {}
    assert job.token_kwargs == {}
    assert job.expires_at is None
    assert isinstance(job, BaseTokenEndpointPollingJob)


def test_job_from_response_uses_its_interval_and_expiry(frozen: FrozenDateTimeFactory) -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", interval=3, expires_in=60)
    job = DeviceAuthorizationPollingJob(FakeClient(), resp)
    assert job.device_code == "dc"
    assert job.interval == 3
    assert job.expires_at == NOW + timedelta(seconds=60)


def test_job_from_response_without_interval_uses_5() -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device")
    assert DeviceAuthorizationPollingJob(FakeClient(), resp).interval == 5


def test_job_explicit_values_win_over_the_response() -> None:
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", interval=3, expires_at=NOW)
    later = NOW + timedelta(hours=1)
    job = DeviceAuthorizationPollingJob(FakeClient(), resp, 8, 2, expires_at=later)
    assert job.interval == 8
    assert job.slow_down_interval == 2
    assert job.expires_at == later


def test_job_sends_device_code_with_kwargs(sleeps: list[float]) -> None:
    client = FakeClient(TOKEN)
    job = DeviceAuthorizationPollingJob(client, "dc", requests_kwargs={"timeout": 3}, custom="v")  # type: ignore[arg-type]
    assert job.token_kwargs == {"custom": "v"}
    assert job() is TOKEN
    assert client.calls == [("dc", {"requests_kwargs": {"timeout": 3}, "custom": "v"})]


def test_job_pending_slow_down_then_token(sleeps: list[float]) -> None:
    client = FakeClient(error(AuthorizationPending, "authorization_pending"), error(SlowDown, "slow_down"), TOKEN)
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", interval=3, expires_in=600)
    job = DeviceAuthorizationPollingJob(client, resp)  # type: ignore[arg-type]
    assert job() is None
    assert job() is None
    assert job() is TOKEN
    assert sleeps == [3, 3, 8]
    assert [call[0] for call in client.calls] == ["dc", "dc", "dc"]


@pytest.mark.parametrize(("cls", "code"), [(AccessDenied, "access_denied"), (ExpiredToken, "expired_token")])
def test_job_denial_and_expiry_from_the_as(sleeps: list[float], cls: type[Exception], code: str) -> None:
    client = FakeClient(error(AuthorizationPending, "authorization_pending"), error(cls, code))
    job = DeviceAuthorizationPollingJob(client, "dc")  # type: ignore[arg-type]
    assert job() is None
    with pytest.raises(cls):
        job()
    assert sleeps == [5, 5]


def test_job_stops_at_the_response_expiry(sleeps: list[float]) -> None:
    client = FakeClient(*[error(AuthorizationPending, "authorization_pending")] * 10)
    resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", interval=5, expires_in=12)
    job = DeviceAuthorizationPollingJob(client, resp)  # type: ignore[arg-type]
    assert job() is None
    assert job() is None
    with pytest.raises(PollingExpired):
        job()
    assert sleeps == [5, 5, 2]
    assert len(client.calls) == 2


def test_job_device_code_is_read_only_and_hidden_from_repr() -> None:
    job = DeviceAuthorizationPollingJob(FakeClient(), "secret-device-code")
    with pytest.raises(attrs.exceptions.FrozenAttributeError):
        job.device_code = "other"  # type: ignore[misc]
    assert "secret-device-code" not in repr(job)
    assert "interval=5" in repr(job)


@pytest.mark.parametrize(("device_code", "error_class"), [(None, TypeError), ("", ValueError), (42, TypeError)])
def test_job_refuses_a_bad_device_code(device_code: object, error_class: type[Exception]) -> None:
    with pytest.raises(error_class, match="device_code"):
        DeviceAuthorizationPollingJob(FakeClient(), device_code)  # type: ignore[arg-type]


def test_job_with_real_client_and_mocked_token_endpoint(sleeps: list[float]) -> None:
    """Spec example: the AS answers pending, slow_down, then a token (needs the real OAuth2Client)."""
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
                {"json": {"access_token": "at", "token_type": "Bearer", "expires_in": 60}},
            ],
        )
        job = DeviceAuthorizationPollingJob(client, "dc", interval=2)
        assert job() is None
        assert job() is None
        token = job()
        assert isinstance(token, tokens_module.BearerToken)
        assert token.access_token == "at"
        assert sleeps == [2, 2, 7]
        assert mocker.call_count == 3
        body = mocker.last_request.text
        assert "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code" in body
        assert "device_code=dc" in body
