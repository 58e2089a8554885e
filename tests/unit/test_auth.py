from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import attrs
import pytest
import requests
import requests_mock as rm
from freezegun import freeze_time

from requests_oauth2client.auth import (
    NonRenewableTokenError,
    OAuth2AccessTokenAuth,
    OAuth2AuthorizationCodeAuth,
    OAuth2ClientCredentialsAuth,
    OAuth2DeviceCodeAuth,
    OAuth2ResourceOwnerPasswordAuth,
)
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.client_authentication import TlsClientAuth
from requests_oauth2client.device_authorization import DeviceAuthorizationResponse
from requests_oauth2client.exceptions import AuthorizationPending, InvalidGrant, SlowDown
from requests_oauth2client.mtls import MismatchingCertificateBinding, MissingClientCertificate, certificate_thumbprint
from requests_oauth2client.polling import PollingExpired
from requests_oauth2client.tokens import BearerToken, ExpiredAccessToken
from tests.integration.pki import TestPki

API = "https://api.example.com/resource"
TOKEN_ENDPOINT = "https://as.example.com/token"
THREADS = 32
DEADLOCK_GUARD = 10  # seconds; only there so that a broken lock fails the test instead of hanging it


def error(cls: type[Exception], code: str) -> Exception:
    return cls(requests.Response(), None, code)  # type: ignore[call-arg]


class FakeClient:
    """A duck-typed OAuth2Client: counts calls, issues tokens at1, at2, ... and rotates refresh tokens."""

    def __init__(self, *, expires_in: int = 3600, refresh_tokens: bool = False, rotate: bool = True) -> None:
        self.expires_in = expires_in
        self.refresh_tokens = refresh_tokens
        self.rotate = rotate
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.issued = 0
        self.valid_refresh_token: str | None = None
        self.gate: Callable[[], None] | None = None  # called inside each token request, to hold it open
        self._lock = threading.Lock()

    def _issue(
        self, method: str, kwargs: dict[str, Any], *, refresh_token: str | None = None, gated: bool = True
    ) -> BearerToken:
        if gated and self.gate is not None:
            self.gate()
        with self._lock:
            self.calls.append((method, kwargs))
            self.issued += 1
            n = self.issued
            if refresh_token is None and self.refresh_tokens:
                refresh_token = f"rt{n}"
            if refresh_token is not None:
                self.valid_refresh_token = refresh_token
        return BearerToken(f"at{n}", expires_in=self.expires_in, refresh_token=refresh_token)

    def client_credentials(self, **kwargs: Any) -> BearerToken:
        return self._issue("client_credentials", kwargs)

    def resource_owner_password(self, **kwargs: Any) -> BearerToken:
        return self._issue("resource_owner_password", kwargs)

    def authorization_code(self, **kwargs: Any) -> BearerToken:
        return self._issue("authorization_code", kwargs)

    def device_code(self, device_code: str, **kwargs: Any) -> BearerToken:
        return self._issue("device_code", {"device_code": device_code, **kwargs})

    def refresh_token(self, refresh_token: BearerToken, **kwargs: Any) -> BearerToken:
        if self.gate is not None:
            self.gate()
        used = refresh_token.refresh_token
        new = f"rt-{used}" if self.rotate else None
        with self._lock:  # check and rotate atomically, like an AS would
            if self.valid_refresh_token is not None and used != self.valid_refresh_token:
                raise error(InvalidGrant, "invalid_grant")  # an old (rotated) refresh token was reused
            if new is not None:
                self.valid_refresh_token = new
        return self._issue("refresh_token", {"refresh_token": used, **kwargs}, refresh_token=new, gated=False)

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


def send(auth: requests.auth.AuthBase) -> requests.PreparedRequest:
    return auth(requests.Request("GET", API).prepare())  # type: ignore[no-any-return]


def expired(access_token: str = "old", refresh_token: str | None = None) -> BearerToken:  # noqa: S107
    return BearerToken(access_token, expires_in=-10, refresh_token=refresh_token)


# --- structure ----------------------------------------------------------------------------------------------------


ALL_CLASSES = [
    OAuth2AccessTokenAuth,
    OAuth2ClientCredentialsAuth,
    OAuth2AuthorizationCodeAuth,
    OAuth2ResourceOwnerPasswordAuth,
    OAuth2DeviceCodeAuth,
]


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_field_order(cls: type) -> None:
    assert [f.name for f in attrs.fields(cls)][:4] == ["client", "token", "leeway", "token_kwargs"]
    assert issubclass(cls, requests.auth.AuthBase)


def test_subclass_fields() -> None:
    names = [f.name for f in attrs.fields(OAuth2DeviceCodeAuth)]
    assert names.index("device_code") < names.index("interval") < names.index("expires_in")
    assert {"code"} <= {f.name for f in attrs.fields(OAuth2AuthorizationCodeAuth)}
    assert {"username", "password"} <= {f.name for f in attrs.fields(OAuth2ResourceOwnerPasswordAuth)}


def test_read_only_fields_and_mutable_token() -> None:
    auth = OAuth2ClientCredentialsAuth(FakeClient(), scope="x")
    for name, value in (("leeway", 10), ("client", FakeClient()), ("token_kwargs", {})):
        with pytest.raises(attrs.exceptions.FrozenAttributeError):
            setattr(auth, name, value)
    auth.token = "raw"  # type: ignore[assignment]
    assert auth.token == BearerToken("raw")


def test_str_token_is_wrapped() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), "abc")
    assert isinstance(auth.token, BearerToken)
    assert send(auth).headers["Authorization"] == "Bearer abc"


def test_defaults_and_token_kwargs() -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True, scope="x", resource="r")
    assert auth.leeway == 20
    assert auth.token is None
    assert auth.token_kwargs == {"scope": "x", "resource": "r"}
    assert auth.renew_on_invalid_token is True
    assert OAuth2ClientCredentialsAuth(client).renew_on_invalid_token is False


def test_eq() -> None:
    client = FakeClient()
    assert OAuth2ClientCredentialsAuth(client, scope="x") == OAuth2ClientCredentialsAuth(client, scope="x")
    assert OAuth2ClientCredentialsAuth(client, scope="x") != OAuth2ClientCredentialsAuth(client, scope="y")


def test_repr_has_no_secrets() -> None:
    client = FakeClient()
    token = BearerToken("SECRET_AT", refresh_token="SECRET_RT")
    handlers = [
        OAuth2AccessTokenAuth(client, token),
        OAuth2ClientCredentialsAuth(client, token=token),
        OAuth2AuthorizationCodeAuth(client, "SECRET_CODE", token=token),
        OAuth2ResourceOwnerPasswordAuth(client, username="user", password="SECRET_PW", token=token),
        OAuth2DeviceCodeAuth(client, "SECRET_DC", token=token),
    ]
    for handler in handlers:
        text = repr(handler)
        assert type(handler).__name__ in text
        assert "SECRET" not in text
        assert "leeway=20" in text
    assert "username='user'" in repr(handlers[3])


# --- OAuth2ClientCredentialsAuth ----------------------------------------------------------------------------------


def test_client_credentials_fetches_once_and_after_forget() -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, scope="x")
    assert send(auth).headers["Authorization"] == "Bearer at1"
    assert send(auth).headers["Authorization"] == "Bearer at1"
    assert client.calls == [("client_credentials", {"scope": "x"})]
    auth.forget_token()
    assert auth.token is None
    assert send(auth).headers["Authorization"] == "Bearer at2"
    assert client.methods() == ["client_credentials", "client_credentials"]


def test_client_credentials_renews_within_leeway() -> None:
    client = FakeClient(expires_in=3600)
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2ClientCredentialsAuth(client, leeway=30)
        send(auth)
        frozen.tick(3600 - 31)
        assert send(auth).headers["Authorization"] == "Bearer at1"
        frozen.tick(2)
        assert send(auth).headers["Authorization"] == "Bearer at2"
    assert client.methods() == ["client_credentials", "client_credentials"]


def test_client_credentials_uses_refresh_token_then_grant_on_invalid_grant() -> None:
    client = FakeClient(refresh_tokens=True)
    auth = OAuth2ClientCredentialsAuth(client, token=expired(refresh_token="rt0"), scope="s", dpop=False)
    client.valid_refresh_token = "rt0"
    assert send(auth).headers["Authorization"] == "Bearer at1"
    # dpop is a grant parameter: the refreshed token keeps the key of the token it replaces
    assert client.calls == [("refresh_token", {"refresh_token": "rt0", "scope": "s"})]

    auth.token = expired(refresh_token="revoked")
    assert send(auth).headers["Authorization"] == "Bearer at2"
    assert client.calls[-1] == ("client_credentials", {"scope": "s", "dpop": False})


def test_explicit_renew_token() -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, token=BearerToken("valid", expires_in=3600))
    auth.renew_token()
    assert auth.token is not None
    assert auth.token.access_token == "at1"


# --- OAuth2AccessTokenAuth ----------------------------------------------------------------------------------------


def test_access_token_refreshes_before_first_request() -> None:
    client = FakeClient()
    token = BearerToken("old", expires_in=10, refresh_token="rt")
    auth = OAuth2AccessTokenAuth(client, token, leeway=20, scope="s", resource="r")
    assert send(auth).headers["Authorization"] == "Bearer at1"
    assert client.calls == [("refresh_token", {"refresh_token": "rt", "scope": "s", "resource": "r"})]
    assert auth.token is not None
    assert auth.token.refresh_token == "rt-rt"


def test_access_token_used_while_valid() -> None:
    client = FakeClient()
    auth = OAuth2AccessTokenAuth(client, BearerToken("good", expires_in=3600, refresh_token="rt"))
    assert send(auth).headers["Authorization"] == "Bearer good"
    assert client.calls == []


def test_access_token_without_token_nor_refresh_path() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), None)
    with pytest.raises(NonRenewableTokenError):
        send(auth)


def test_expired_token_without_refresh_token_raises_expired() -> None:
    client = FakeClient()
    auth = OAuth2AccessTokenAuth(client, expired())
    with pytest.raises(ExpiredAccessToken):
        send(auth)
    assert client.calls == []


def test_token_within_leeway_without_refresh_is_still_used() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), BearerToken("soon", expires_in=5))
    assert send(auth).headers["Authorization"] == "Bearer soon"


def test_refresh_without_new_refresh_token_keeps_the_old_one() -> None:
    client = FakeClient(rotate=False)
    auth = OAuth2AccessTokenAuth(client, expired(refresh_token="rt"))
    send(auth)
    assert auth.token is not None
    assert auth.token.access_token == "at1"
    assert auth.token.refresh_token == "rt"


def test_renew_token_without_refresh_token_is_a_no_op() -> None:
    client = FakeClient()
    token = BearerToken("x")
    auth = OAuth2AccessTokenAuth(client, token)
    auth.renew_token()
    assert auth.token is token
    assert client.calls == []


def test_forget_token() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), "x")
    auth.forget_token()
    assert auth.token is None
    with pytest.raises(NonRenewableTokenError):
        send(auth)


# --- OAuth2AuthorizationCodeAuth ----------------------------------------------------------------------------------


def test_authorization_code_exchanged_once_then_refreshed() -> None:
    client = FakeClient(refresh_tokens=True)
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2AuthorizationCodeAuth(client, "code1", redirect_uri="u", code_verifier="v")
        assert send(auth).headers["Authorization"] == "Bearer at1"
        assert auth.code is None
        send(auth)
        assert client.calls == [("authorization_code", {"code": "code1", "redirect_uri": "u", "code_verifier": "v"})]
        frozen.tick(3600)
        assert send(auth).headers["Authorization"] == "Bearer at2"
    # the refresh request does not carry the code exchange parameters
    assert client.calls[1] == ("refresh_token", {"refresh_token": "rt1"})


def test_authorization_code_positional_and_exchange_only_once() -> None:
    client = FakeClient()
    auth = OAuth2AuthorizationCodeAuth(client, "c")
    auth.exchange_code_for_token()
    assert auth.code is None
    with pytest.raises(NonRenewableTokenError):
        auth.exchange_code_for_token()
    assert client.methods() == ["authorization_code"]


def test_authorization_code_without_refresh_token_after_expiry() -> None:
    client = FakeClient(expires_in=60)
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2AuthorizationCodeAuth(client, "c", leeway=0)
        send(auth)
        frozen.tick(61)
        with pytest.raises(ExpiredAccessToken):
            send(auth)
    assert client.methods() == ["authorization_code"]


# --- OAuth2ResourceOwnerPasswordAuth ------------------------------------------------------------------------------


def test_resource_owner_password() -> None:
    client = FakeClient()
    auth = OAuth2ResourceOwnerPasswordAuth(client, username="u", password="p", scope="s")
    assert send(auth).headers["Authorization"] == "Bearer at1"
    assert client.calls == [("resource_owner_password", {"username": "u", "password": "p", "scope": "s"})]
    auth.forget_token()
    auth.renew_token()
    assert client.methods() == ["resource_owner_password", "resource_owner_password"]


# --- OAuth2DeviceCodeAuth -----------------------------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr("requests_oauth2client.polling.time.sleep", recorded.append)
    return recorded


class PendingClient(FakeClient):
    """Answers the device code grant with the given errors first, then a token."""

    def __init__(self, *errors: Exception) -> None:
        super().__init__()
        self.errors = list(errors)
        self.polls = 0

    def device_code(self, device_code: str, **kwargs: Any) -> BearerToken:
        self.polls += 1
        if self.errors:
            raise self.errors.pop(0)
        return super().device_code(device_code, **kwargs)


@pytest.mark.parametrize("how", ["positional", "keyword"])
def test_device_code_str(how: str, sleeps: list[float]) -> None:
    client = PendingClient(error(AuthorizationPending, "authorization_pending"), error(SlowDown, "slow_down"))
    auth = OAuth2DeviceCodeAuth(client, "dc") if how == "positional" else OAuth2DeviceCodeAuth(client, device_code="dc")
    assert (auth.interval, auth.expires_in) == (5, 360)
    assert send(auth).headers["Authorization"] == "Bearer at1"
    assert auth.device_code is None
    assert client.polls == 3
    assert sleeps == [5, 5, 10]
    assert client.calls[0][1]["device_code"] == "dc"
    send(auth)
    assert client.polls == 3


def test_device_code_from_device_authorization_response(sleeps: list[float]) -> None:
    da_resp = DeviceAuthorizationResponse("dc", "UC", "https://as.example.com/device", expires_in=600, interval=3)
    client = PendingClient(error(AuthorizationPending, "authorization_pending"))
    auth = OAuth2DeviceCodeAuth(client, da_resp, scope="ignored-by-fake")
    assert auth.device_code == "dc"
    assert auth.interval == 3
    assert auth.expires_at == da_resp.expires_at
    assert send(auth).headers["Authorization"] == "Bearer at1"
    assert sleeps == [3, 3]


def test_device_code_explicit_interval_wins(sleeps: list[float]) -> None:
    da_resp = DeviceAuthorizationResponse("dc", "UC", "https://as.example.com/device", interval=3)
    auth = OAuth2DeviceCodeAuth(PendingClient(), da_resp, interval=7)
    send(auth)
    assert sleeps == [7]


def test_device_code_polling_is_bounded(sleeps: list[float]) -> None:
    client = PendingClient(*[error(AuthorizationPending, "authorization_pending") for _ in range(100)])
    auth = OAuth2DeviceCodeAuth(client, "dc", interval=5, expires_in=20)
    with pytest.raises(PollingExpired):
        send(auth)
    assert client.polls == 5  # ceil(20 / 5) + 1, although the patched sleep lets no time pass
    assert auth.device_code == "dc"


def test_device_code_stops_at_the_response_expiry(sleeps: list[float]) -> None:
    with freeze_time("2024-01-01 00:00:00"):
        da_resp = DeviceAuthorizationResponse("dc", "UC", "https://as.example.com/device", expires_in=60)
    with freeze_time("2024-01-01 00:02:00"):
        client = PendingClient()
        with pytest.raises(PollingExpired):
            send(OAuth2DeviceCodeAuth(client, da_resp))
    assert client.polls == 0


def test_device_code_refreshes_after_exchange(sleeps: list[float]) -> None:
    client = PendingClient()
    client.refresh_tokens = True
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2DeviceCodeAuth(client, "dc")
        send(auth)
        frozen.tick(3600)
        assert send(auth).headers["Authorization"] == "Bearer at2"
    assert client.methods() == ["device_code", "refresh_token"]


def test_device_code_arguments() -> None:
    with pytest.raises(TypeError):
        OAuth2DeviceCodeAuth(FakeClient())
    with pytest.raises(TypeError):
        OAuth2DeviceCodeAuth(FakeClient(), object())  # type: ignore[arg-type]
    auth = OAuth2DeviceCodeAuth(FakeClient(), token="at")
    assert send(auth).headers["Authorization"] == "Bearer at"
    with pytest.raises(NonRenewableTokenError):
        auth.exchange_device_code_for_token()


# --- single-flight renewal ----------------------------------------------------------------------------------------


def run_threads(target: Callable[[int], None], count: int = THREADS) -> list[BaseException]:
    errors: list[BaseException] = []

    def wrapper(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLOCK_GUARD)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.fixture
def held_open() -> tuple[threading.Barrier, Callable[[], None], Callable[[], None]]:
    """A barrier all threads cross together, and a gate that holds token requests until they all entered."""
    barrier = threading.Barrier(THREADS)
    all_entered = threading.Event()
    count = [0]
    count_lock = threading.Lock()

    def enter() -> None:
        with count_lock:
            count[0] += 1
            if count[0] == THREADS:
                all_entered.set()

    def gate() -> None:
        assert all_entered.wait(DEADLOCK_GUARD)

    return barrier, enter, gate


def test_single_flight_client_credentials(held_open: Any) -> None:
    barrier, enter, gate = held_open
    client = FakeClient()
    client.gate = gate
    auth = OAuth2ClientCredentialsAuth(client, token=expired("stale"))
    headers: list[str] = []

    def worker(_: int) -> None:
        barrier.wait()
        enter()
        headers.append(send(auth).headers["Authorization"])

    assert run_threads(worker) == []
    assert client.methods() == ["client_credentials"]
    assert headers == ["Bearer at1"] * THREADS


def test_single_flight_refresh_with_rotation(held_open: Any) -> None:
    barrier, enter, gate = held_open
    client = FakeClient()
    client.gate = gate
    client.valid_refresh_token = "rt0"
    auth = OAuth2AccessTokenAuth(client, expired("stale", refresh_token="rt0"))
    headers: list[str] = []

    def worker(_: int) -> None:
        barrier.wait()
        enter()
        headers.append(send(auth).headers["Authorization"])

    assert run_threads(worker) == []
    assert client.calls == [("refresh_token", {"refresh_token": "rt0"})]
    assert headers == ["Bearer at1"] * THREADS
    assert auth.token is not None
    assert auth.token.refresh_token == "rt-rt0"
    # the rotated refresh token is the one used next
    auth.renew_token()
    assert client.calls[-1] == ("refresh_token", {"refresh_token": "rt-rt0"})


def test_concurrent_explicit_renewals_never_reuse_a_rotated_refresh_token(held_open: Any) -> None:
    barrier, enter, gate = held_open
    client = FakeClient()
    client.gate = gate
    client.valid_refresh_token = "rt0"
    auth = OAuth2AccessTokenAuth(client, BearerToken("at0", expires_in=3600, refresh_token="rt0"))

    def worker(_: int) -> None:
        barrier.wait()
        enter()
        auth.renew_token()

    assert run_threads(worker) == []  # the fake raises InvalidGrant if an old refresh token is reused
    assert 1 <= len(client.calls) <= THREADS
    assert auth.token is not None
    assert auth.token.access_token == f"at{len(client.calls)}"
    assert auth.token.refresh_token == client.valid_refresh_token


def test_single_flight_on_the_wire(requests_mock: rm.Mocker, held_open: Any) -> None:
    barrier, enter, gate = held_open
    requests_mock.get(API, text="ok")
    client = FakeClient()
    client.gate = gate
    auth = OAuth2ClientCredentialsAuth(client)
    session = requests.Session()

    def worker(_: int) -> None:
        barrier.wait()
        enter()
        assert session.get(API, auth=auth).text == "ok"

    assert run_threads(worker) == []
    assert client.methods() == ["client_credentials"]
    assert requests_mock.call_count == THREADS
    assert {r.headers["Authorization"] for r in requests_mock.request_history} == {"Bearer at1"}


# --- opt-in renewal after 401 invalid_token -----------------------------------------------------------------------

INVALID_TOKEN = {"status_code": 401, "headers": {"WWW-Authenticate": 'Bearer error="invalid_token"'}}


def test_401_invalid_token_is_not_retried_by_default(requests_mock: rm.Mocker) -> None:
    requests_mock.get(API, [INVALID_TOKEN, {"text": "ok"}])
    client = FakeClient()
    resp = requests.get(API, auth=OAuth2ClientCredentialsAuth(client))
    assert resp.status_code == 401
    assert requests_mock.call_count == 1
    assert client.methods() == ["client_credentials"]


def test_401_invalid_token_renews_and_resends_once(requests_mock: rm.Mocker) -> None:
    requests_mock.get(API, [INVALID_TOKEN, {"text": "ok"}])
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True)
    resp = requests.get(API, auth=auth)
    assert resp.status_code == 200
    assert resp.text == "ok"
    assert [r.headers["Authorization"] for r in requests_mock.request_history] == ["Bearer at1", "Bearer at2"]
    assert [r.status_code for r in resp.history] == [401]
    assert client.methods() == ["client_credentials", "client_credentials"]


def test_401_invalid_token_never_loops(requests_mock: rm.Mocker) -> None:
    requests_mock.get(API, **INVALID_TOKEN)
    client = FakeClient()
    resp = requests.get(API, auth=OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True))
    assert resp.status_code == 401
    assert requests_mock.call_count == 2
    assert len(client.calls) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
        {"WWW-Authenticate": 'Bearer realm="x"'},
        # `error=invalid_token` inside another parameter's value, or in a header that is not well-formed
        {"WWW-Authenticate": 'Bearer error="insufficient_scope", error_description="not error=invalid_token"'},
        {"WWW-Authenticate": 'Bearer error="invalid_token" error_description="no comma"'},
    ],
)
def test_other_401_are_not_retried(requests_mock: rm.Mocker, headers: dict[str, str]) -> None:
    requests_mock.get(API, status_code=401, headers=headers)
    client = FakeClient()
    resp = requests.get(API, auth=OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True))
    assert resp.status_code == 401
    assert requests_mock.call_count == 1
    assert len(client.calls) == 1


def test_401_with_a_token_renewed_meanwhile_resends_without_renewing(requests_mock: rm.Mocker) -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True)

    def first(request: requests.PreparedRequest, context: Any) -> str:
        auth.token = BearerToken("renewed-elsewhere", expires_in=3600)  # another thread renewed meanwhile
        context.status_code = 401
        context.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return ""

    requests_mock.get(API, [{"text": first}, {"text": "ok"}])
    resp = requests.get(API, auth=auth)
    assert resp.text == "ok"
    assert requests_mock.request_history[1].headers["Authorization"] == "Bearer renewed-elsewhere"
    assert client.methods() == ["client_credentials"]


def test_401_with_a_non_renewable_token_stands(requests_mock: rm.Mocker) -> None:
    requests_mock.get(API, **INVALID_TOKEN)
    resp = requests.get(API, auth=OAuth2AccessTokenAuth(FakeClient(), "static", renew_on_invalid_token=True))
    assert resp.status_code == 401
    assert requests_mock.call_count == 1


def test_401_refresh_and_resend_with_body(requests_mock: rm.Mocker) -> None:
    requests_mock.post(API, [INVALID_TOKEN, {"text": "ok"}])
    client = FakeClient()
    client.valid_refresh_token = "rt0"
    token = BearerToken("at0", expires_in=3600, refresh_token="rt0")
    auth = OAuth2AccessTokenAuth(client, token, renew_on_invalid_token=True)
    resp = requests.post(API, data={"a": "1"}, auth=auth)
    assert resp.text == "ok"
    assert requests_mock.last_request.text == "a=1"
    assert requests_mock.last_request.headers["Authorization"] == "Bearer at1"
    assert client.calls == [("refresh_token", {"refresh_token": "rt0"})]


def test_401_with_a_streamed_body_is_not_resent(requests_mock: rm.Mocker) -> None:
    requests_mock.post(API, [INVALID_TOKEN, {"text": "ok"}])
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True)
    resp = requests.post(API, data=iter([b"chunk"]), auth=auth)
    assert resp.status_code == 401
    assert requests_mock.call_count == 1
    assert client.methods() == ["client_credentials"]  # nothing renewed for a request that cannot be resent


class _RecordingAdapter(requests.adapters.BaseAdapter):
    """Answers 401 invalid_token, then 200; records the body of each request as it was read."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[object] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body
        self.bodies.append(body.read() if hasattr(body, "read") else body)
        response = requests.Response()
        response.status_code = 401 if len(self.bodies) == 1 else 200
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        response._content = b""
        response.request = request
        response.url = request.url or ""
        response.connection = self  # type: ignore[attr-defined]
        return response

    def close(self) -> None:
        pass


def test_401_with_a_seekable_stream_body_is_rewound_and_resent() -> None:
    # The same rule as DPoP's nonce retry (`_http.resend`): a stream that can seek back is read again from where
    # it was when the request was prepared.
    import io

    session = requests.Session()
    adapter = _RecordingAdapter()
    session.mount("https://", adapter)
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True)
    body = io.BytesIO(b"header|payload")
    body.read(7)  # the request sends what follows the current position
    response = session.post(API, data=body, auth=auth, timeout=10)
    assert response.status_code == 200
    assert adapter.bodies == [b"payload", b"payload"]
    assert client.methods() == ["client_credentials", "client_credentials"]


# --- with a real OAuth2Client -------------------------------------------------------------------------------------


@pytest.fixture
def oauth2client() -> OAuth2Client:
    return OAuth2Client(TOKEN_ENDPOINT, ("client_id", "client_secret"))


def token_json(access_token: str, **extra: Any) -> dict[str, Any]:
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600, **extra}


def form(request: Any) -> dict[str, list[str]]:
    return parse_qs(request.text)


def test_client_credentials_on_the_wire(requests_mock: rm.Mocker, oauth2client: OAuth2Client) -> None:
    requests_mock.post(TOKEN_ENDPOINT, json=token_json("AT"))
    requests_mock.get(API, text="ok")
    auth = OAuth2ClientCredentialsAuth(oauth2client, scope="myscope", resource="https://myapi.local")
    session = requests.Session()
    session.auth = auth
    session.get(API)
    session.get(API)
    token_requests = [r for r in requests_mock.request_history if r.url == TOKEN_ENDPOINT]
    assert len(token_requests) == 1
    assert form(token_requests[0]) == {
        "grant_type": ["client_credentials"],
        "scope": ["myscope"],
        "resource": ["https://myapi.local"],
        "client_id": ["client_id"],
        "client_secret": ["client_secret"],
    }
    assert requests_mock.last_request.headers["Authorization"] == "Bearer AT"


def test_access_token_refresh_on_the_wire(requests_mock: rm.Mocker, oauth2client: OAuth2Client) -> None:
    requests_mock.post(TOKEN_ENDPOINT, json=token_json("NEW", refresh_token="rt2"))
    requests_mock.get(API, text="ok")
    token = BearerToken("old", expires_in=10, refresh_token="rt")
    auth = OAuth2AccessTokenAuth(oauth2client, token, leeway=20, scope="s")
    requests.get(API, auth=auth)
    assert form(requests_mock.request_history[0]) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["rt"],
        "scope": ["s"],
        "client_id": ["client_id"],
        "client_secret": ["client_secret"],
    }
    assert requests_mock.last_request.headers["Authorization"] == "Bearer NEW"
    assert auth.token is not None
    assert auth.token.refresh_token == "rt2"


def test_authorization_code_on_the_wire(requests_mock: rm.Mocker, oauth2client: OAuth2Client) -> None:
    requests_mock.post(TOKEN_ENDPOINT, json=token_json("AT"))
    requests_mock.get(API, text="ok")
    auth = OAuth2AuthorizationCodeAuth(oauth2client, "code1", redirect_uri="https://app/cb")
    requests.get(API, auth=auth)
    requests.get(API, auth=auth)
    assert requests_mock.call_count == 3
    assert form(requests_mock.request_history[0])["code"] == ["code1"]
    assert auth.code is None


def test_device_code_expiry_from_now(sleeps: list[float]) -> None:
    # with no DeviceAuthorizationResponse, polling gives up expires_in seconds after it starts
    client = PendingClient()
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with freeze_time(start):
        auth = OAuth2DeviceCodeAuth(client, "dc", expires_in=30)
    with freeze_time(start + timedelta(hours=1)):
        send(auth)
    assert client.polls == 1


# --- the fast path ------------------------------------------------------------------------------------------------


def test_assigned_token_is_used_at_once() -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client)
    send(auth)
    auth.token = BearerToken("manual", expires_in=3600)
    assert send(auth).headers["Authorization"] == "Bearer manual"
    auth.token = expired("gone")
    assert send(auth).headers["Authorization"] == "Bearer at2"
    assert client.methods() == ["client_credentials", "client_credentials"]


SEEN: list[str] = []


@attrs.frozen(init=False)
class ProofToken(BearerToken):
    """A token subclass that adds something to every request (like DPoPToken does)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        SEEN.append(self.access_token)
        request.headers["X-Proof"] = str(len(SEEN))
        return super().__call__(request)


def test_token_subclasses_are_called_on_every_request() -> None:
    SEEN.clear()
    auth = OAuth2AccessTokenAuth(FakeClient(), ProofToken("p", expires_in=3600))
    assert send(auth).headers["X-Proof"] == "1"
    assert send(auth).headers["X-Proof"] == "2"
    assert send(auth).headers["Authorization"] == "Bearer p"
    assert SEEN == ["p", "p", "p"]


def test_token_without_expiry_is_reused() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), "forever")
    for _ in range(3):
        assert send(auth).headers["Authorization"] == "Bearer forever"


# --- tokens stay with their origin (issue 12) -----------------------------------------------------------------------

ELSEWHERE = "https://evil.example.net/collect"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_401_from_another_origin_renews_nothing_and_gets_no_token(requests_mock: rm.Mocker, status: int) -> None:
    requests_mock.get(API, status_code=status, headers={"Location": ELSEWHERE})
    evil = requests_mock.get(ELSEWHERE, **INVALID_TOKEN)
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True)
    resp = requests.get(API, auth=auth)
    assert resp.status_code == 401
    assert evil.call_count == 1  # the redirect was followed once, and nothing was sent again
    assert "Authorization" not in evil.last_request.headers
    assert client.methods() == ["client_credentials"]  # no renewal for a 401 of another origin
    assert auth.token is not None and auth.token.access_token == "at1"


def test_an_upgrade_to_https_is_another_origin_too(requests_mock: rm.Mocker) -> None:
    # requests keeps `Authorization` on an http -> https redirect of the same host; the handler does not
    http_api = "http://api.example.com/resource"
    requests_mock.get(http_api, status_code=301, headers={"Location": API})
    https_api = requests_mock.get(API, **INVALID_TOKEN)
    client = FakeClient()
    resp = requests.get(http_api, auth=OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True))
    assert resp.status_code == 401
    assert https_api.call_count == 1
    assert "Authorization" not in https_api.last_request.headers
    assert client.methods() == ["client_credentials"]


def test_a_401_after_a_redirect_within_the_origin_renews_and_resends(requests_mock: rm.Mocker) -> None:
    moved = "https://api.example.com/v2/resource"
    requests_mock.get(API, status_code=302, headers={"Location": "/v2/resource"})
    requests_mock.get(moved, [INVALID_TOKEN, {"text": "ok"}])
    client = FakeClient()
    resp = requests.get(API, auth=OAuth2ClientCredentialsAuth(client, renew_on_invalid_token=True))
    assert resp.text == "ok"
    assert [r.headers.get("Authorization") for r in requests_mock.request_history] == [
        "Bearer at1",
        "Bearer at1",
        "Bearer at2",
    ]
    assert [r.url for r in requests_mock.request_history][-1] == moved
    assert client.methods() == ["client_credentials", "client_credentials"]


def test_authorization_code_auth_refuses_a_response_of_another_issuer(requests_mock: rm.Mocker) -> None:
    from requests_oauth2client.authorization_request import AuthorizationResponse
    from requests_oauth2client.exceptions import MismatchingIssuer

    token_endpoint = requests_mock.post(TOKEN_ENDPOINT, json=token_json("AT"))
    client = OAuth2Client(TOKEN_ENDPOINT, ("client_id", "client_secret"), issuer="https://as.example.com")
    azr = AuthorizationResponse(code="code1", code_verifier="v" * 43, issuer="https://other-as.example.org")
    with pytest.raises(MismatchingIssuer):
        OAuth2AuthorizationCodeAuth(client, azr)
    # also when the response changes after the handler was built (it is checked again at the exchange)
    auth = OAuth2AuthorizationCodeAuth(client, "code1")
    auth.code = azr
    with pytest.raises(MismatchingIssuer):
        requests.get(API, auth=auth)
    assert not token_endpoint.called


@pytest.mark.parametrize("scope", [[], (), ""], ids=repr)
def test_auth_handlers_leave_an_empty_scope_out(requests_mock: rm.Mocker, scope: Any) -> None:
    client = OAuth2Client(TOKEN_ENDPOINT, ("cid", "secret"))
    requests_mock.post(TOKEN_ENDPOINT, json={"access_token": "at", "token_type": "Bearer", "expires_in": 60})
    requests_mock.get(API, text="ok")
    handlers = [
        OAuth2ClientCredentialsAuth(client, scope=scope),
        OAuth2ResourceOwnerPasswordAuth(client, username="u", password="p", scope=scope),
        OAuth2AuthorizationCodeAuth(client, "code", scope=scope),
        OAuth2AccessTokenAuth(client, BearerToken("old", expires_in=-1, refresh_token="rt"), scope=scope),
    ]
    for handler in handlers:
        requests.get(API, auth=handler, timeout=5)
        token_request = requests_mock.request_history[-2]
        assert token_request.url == TOKEN_ENDPOINT
        assert "scope" not in parse_qs(token_request.text, keep_blank_values=True)


# ------------------------------------------------------------------------------------- certificate-bound tokens


def test_a_token_bound_to_another_certificate_is_not_sent(pki: TestPki) -> None:
    thumbprint = certificate_thumbprint(pki.client_tls.pair)
    bound = BearerToken("bound-at", expires_in=3600, cnf={"x5t#S256": thumbprint})
    right = OAuth2Client("https://as.example.com/token", auth=TlsClientAuth("c", cert=pki.client_tls.pair))
    wrong = OAuth2Client("https://as.example.com/token", auth=TlsClientAuth("c", cert=pki.client_other.pair))
    none = OAuth2Client("https://as.example.com/token", auth=("c", "s"))
    with rm.Mocker() as mocker:
        mocker.get(rm.ANY, text="ok")
        requests.get("https://api.example.com/", auth=OAuth2AccessTokenAuth(right, bound))
        assert mocker.last_request.headers["Authorization"] == "Bearer bound-at"
        with pytest.raises(MismatchingCertificateBinding) as exc_info:
            requests.get("https://api.example.com/", auth=OAuth2AccessTokenAuth(wrong, bound))
        assert exc_info.value.token is bound
        with pytest.raises(MissingClientCertificate):
            requests.get("https://api.example.com/", auth=OAuth2AccessTokenAuth(none, bound))
        assert mocker.call_count == 1
