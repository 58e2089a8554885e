"""Options of `requests` in the right place: the client-wide timeout (every AS call, discovery and keys included,
a call's own timeout winning, None passing none), and options of `requests` refused as parameters of a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import requests_mock

from requests_oauth2client import (
    AuthorizationRequest,
    InvalidParam,
    OAuth2Client,
    RequestsOptionAsParameter,
)

AS = "https://as.example.com"
TOKEN = f"{AS}/token"
DISCOVERY = f"{AS}/.well-known/openid-configuration"


class RecordingSession(requests.Session):
    """A session that records the keyword arguments of each request, and may apply its own default timeout."""

    def __init__(self, default_timeout: float | None = None) -> None:
        super().__init__()
        self.default_timeout = default_timeout
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append(dict(kwargs))
        if self.default_timeout is not None:
            kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def as_server(mock: requests_mock.Mocker) -> None:
    """Mock every endpoint of the AS with a successful answer."""
    mock.get(
        DISCOVERY,
        json={
            "issuer": AS,
            "token_endpoint": TOKEN,
            "revocation_endpoint": f"{AS}/revoke",
            "introspection_endpoint": f"{AS}/introspect",
            "userinfo_endpoint": f"{AS}/userinfo",
            "device_authorization_endpoint": f"{AS}/device",
            "backchannel_authentication_endpoint": f"{AS}/bc-authorize",
            "pushed_authorization_request_endpoint": f"{AS}/par",
            "authorization_endpoint": f"{AS}/authorize",
            "jwks_uri": f"{AS}/jwks",
        },
    )
    mock.get(f"{AS}/jwks", json={"keys": []})
    mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "refresh_token": "rt"})
    mock.post(f"{AS}/revoke", text="")
    mock.post(f"{AS}/introspect", json={"active": False})
    mock.get(f"{AS}/userinfo", json={"sub": "alice"})
    mock.post(f"{AS}/userinfo", json={"sub": "alice"})
    mock.post(
        f"{AS}/device",
        json={"device_code": "dc", "user_code": "uc", "verification_uri": f"{AS}/verify", "expires_in": 60},
    )
    mock.post(f"{AS}/bc-authorize", json={"auth_req_id": "ar", "expires_in": 60})
    mock.post(f"{AS}/par", status_code=201, json={"request_uri": "urn:r", "expires_in": 60})


CALLS: dict[str, Callable[[OAuth2Client], object]] = {
    "client_credentials": lambda c: c.client_credentials(scope="a"),
    "refresh_token": lambda c: c.refresh_token("rt"),
    "token_exchange": lambda c: c.token_exchange(subject_token="st", subject_token_type="access_token"),
    "revocation": lambda c: c.revoke_access_token("at"),
    "introspection": lambda c: c.introspect_token("at"),
    "userinfo": lambda c: c.userinfo("at"),
    "device": lambda c: c.authorize_device(scope="a"),
    "ciba": lambda c: c.backchannel_authentication_request(login_hint="alice"),
    "par": lambda c: c.pushed_authorization_request(c.authorization_request(redirect_uri="https://rp/cb")),
    "keys": lambda c: c.update_authorization_server_public_keys(),
}


def discovered(session: requests.Session, **kwargs: Any) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=AS, client_id="c", client_secret="s", session=session, redirect_uri="https://rp/cb", **kwargs
    )


# ---------------------------------------------------------------------------------------------------- timeouts


def test_every_as_call_has_the_default_timeout(requests_mock: requests_mock.Mocker) -> None:
    as_server(requests_mock)
    session = RecordingSession()
    client = discovered(session)
    for call in CALLS.values():
        call(client)
    assert client.timeout == 10
    assert len(session.calls) == 2 + len(CALLS)  # the documents, then each call
    assert all(call["timeout"] == 10 for call in session.calls)


@pytest.mark.parametrize("timeout", [3, 2.5, (1.5, 20)])
def test_the_client_timeout_applies_to_every_as_call(requests_mock: requests_mock.Mocker, timeout: Any) -> None:
    as_server(requests_mock)
    session = RecordingSession()
    client = discovered(session, timeout=timeout)
    assert client.timeout == timeout
    for call in CALLS.values():
        call(client)
    assert [call["timeout"] for call in session.calls] == [timeout] * (2 + len(CALLS))


def test_a_timeout_of_one_call_wins(requests_mock: requests_mock.Mocker) -> None:
    as_server(requests_mock)
    session = RecordingSession()
    client = OAuth2Client(TOKEN, ("c", "s"), session=session, timeout=30, revocation_endpoint=f"{AS}/revoke")
    client.client_credentials(requests_kwargs={"timeout": 1})
    client.token_request({"grant_type": "client_credentials"}, timeout=2)
    client.revoke_token("at", requests_kwargs={"timeout": 3})
    client.client_credentials()
    assert [call["timeout"] for call in session.calls] == [1, 2, 3, 30]


def test_no_timeout_lets_the_session_default_apply(requests_mock: requests_mock.Mocker) -> None:
    as_server(requests_mock)
    session = RecordingSession(default_timeout=42)
    client = discovered(session, timeout=None)
    assert client.timeout is None
    for call in CALLS.values():
        call(client)
    assert len(session.calls) == 2 + len(CALLS)
    assert not any("timeout" in call for call in session.calls)  # so the session's own default applies
    assert all(request.timeout == 42 for request in requests_mock.request_history)


def test_no_timeout_for_one_call(requests_mock: requests_mock.Mocker) -> None:
    as_server(requests_mock)
    session = RecordingSession()
    client = OAuth2Client(TOKEN, ("c", "s"), session=session)
    client.token_request({"grant_type": "client_credentials"}, timeout=None)
    client.client_credentials(requests_kwargs={"timeout": None})
    assert not any("timeout" in call for call in session.calls)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), True, "10", (1, 2, 3), (1, "x"), [1, 2]])
def test_a_timeout_that_requests_would_refuse_is_refused(timeout: Any) -> None:
    with pytest.raises(InvalidParam, match="`timeout` must be"):
        OAuth2Client(TOKEN, ("c", "s"), timeout=timeout)


def test_discovery_refuses_a_bad_timeout_before_any_request(requests_mock: requests_mock.Mocker) -> None:
    with pytest.raises(InvalidParam):
        OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c", timeout=-5)
    assert not requests_mock.called


# --------------------------------------------------------------------------------------- options in the wrong place

OPTIONS = ["timeout", "verify", "proxies", "cert", "headers", "allow_redirects", "stream", "auth"]

FORM_CALLS: dict[str, Callable[..., object]] = {
    "client_credentials": lambda c, **kw: c.client_credentials(scope="a", **kw),
    "authorization_code": lambda c, **kw: c.authorization_code("code", **kw),
    "refresh_token": lambda c, **kw: c.refresh_token("rt", **kw),
    "device_code": lambda c, **kw: c.device_code("dc", **kw),
    "ciba": lambda c, **kw: c.ciba("ar", **kw),
    "token_exchange": lambda c, **kw: c.token_exchange(subject_token="st", subject_token_type="jwt", **kw),
    "jwt_bearer": lambda c, **kw: c.jwt_bearer(
        "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo", **kw
    ),
    "resource_owner_password": lambda c, **kw: c.resource_owner_password("alice", "pw", **kw),
    "revoke_token": lambda c, **kw: c.revoke_token("at", **kw),
    "revoke_access_token": lambda c, **kw: c.revoke_access_token("at", **kw),
    "revoke_refresh_token": lambda c, **kw: c.revoke_refresh_token("rt", **kw),
    "introspect_token": lambda c, **kw: c.introspect_token("at", **kw),
    "authorize_device": lambda c, **kw: c.authorize_device(scope="a", **kw),
    "backchannel_authentication_request": lambda c, **kw: c.backchannel_authentication_request(
        login_hint="alice", **kw
    ),
    "authorization_request": lambda c, **kw: c.authorization_request(**kw),
}


@pytest.mark.parametrize("method", FORM_CALLS)
@pytest.mark.parametrize("option", OPTIONS)
def test_an_option_of_requests_given_as_a_parameter_is_refused(
    requests_mock: requests_mock.Mocker, method: str, option: str
) -> None:
    as_server(requests_mock)
    client = discovered(requests.Session())
    requests_mock.reset_mock()
    with pytest.raises(RequestsOptionAsParameter) as exc_info:
        FORM_CALLS[method](client, **{option: 1})
    assert not requests_mock.called  # nothing sent
    exc = exc_info.value
    assert isinstance(exc, TypeError)
    assert (exc.name, str(exc).split(":")[0]) == (
        option,
        f"`{option}` is an option of `requests`, not a parameter of {exc.request}",
    )


@pytest.mark.parametrize(
    ("option", "where"),
    [
        ("timeout", "`requests_kwargs={'timeout': ...}`"),
        ("timeout", "`OAuth2Client(timeout=...)`"),
        ("verify", "`requests_kwargs={'verify': ...}`"),
        ("verify", "session"),
        ("headers", "`requests_kwargs={'headers': {...}}`"),
        ("allow_redirects", "never follow redirects"),
        ("auth", "`OAuth2Client(auth=...)`"),
    ],
)
def test_the_message_says_where_an_option_goes(option: str, where: str) -> None:
    client = OAuth2Client(TOKEN, ("c", "s"))
    with pytest.raises(RequestsOptionAsParameter) as exc_info:
        client.client_credentials(**{option: 1})
    assert where in str(exc_info.value)
    assert "the token request" in str(exc_info.value)


def test_the_options_in_their_place_are_used(requests_mock: requests_mock.Mocker) -> None:
    as_server(requests_mock)
    session = RecordingSession()
    client = OAuth2Client(TOKEN, ("c", "s"), session=session)
    client.client_credentials(scope="a", requests_kwargs={"timeout": 1, "verify": False, "headers": {"X-A": "1"}})
    assert session.calls[0]["timeout"] == 1 and session.calls[0]["verify"] is False
    assert requests_mock.last_request.headers["X-A"] == "1"
    assert "timeout" not in requests_mock.last_request.text and "verify" not in requests_mock.last_request.text


def test_an_authorization_request_built_directly_is_not_concerned() -> None:
    # `AuthorizationRequest` is a value: its extra parameters are whatever the caller puts in the URL
    request = AuthorizationRequest(f"{AS}/authorize", client_id="c", redirect_uri="https://rp/cb", headers="x")
    assert request.args["headers"] == "x"


@pytest.mark.parametrize("name", ["verify", "proxies", "cert", "headers", "stream", "allow_redirects"])
def test_an_option_of_requests_given_as_client_metadata_is_refused(name: str) -> None:
    from requests_oauth2client import OAuth2Client, RequestsOptionAsParameter

    with pytest.raises(RequestsOptionAsParameter) as exc_info:
        OAuth2Client("https://as.example.com/token", ("cid", "secret"), **{name: False})
    assert isinstance(exc_info.value, TypeError)
    assert exc_info.value.name == name
    assert "client metadata" in str(exc_info.value)
    # other metadata is still kept
    client = OAuth2Client("https://as.example.com/token", ("cid", "secret"), client_name="my app")
    assert client.extra_metadata == {"client_name": "my app"}
