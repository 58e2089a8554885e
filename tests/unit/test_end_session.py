"""Tests for RP-initiated logout (`EndSessionRequest`, `OAuth2Client.end_session_request`) and front-channel logout
(`validate_frontchannel_logout`), from `_protocol.end_session` and `requests_oauth2client.logout`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwskate
import pytest
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client import (
    BearerToken,
    EndSessionRequest,
    FrontChannelLogout,
    InvalidFrontChannelLogout,
    InvalidLogoutResponse,
    MismatchingLogoutState,
    MissingEndpointUri,
    OAuth2Client,
    validate_frontchannel_logout,
)
from requests_oauth2client.logout import InvalidUiLocalesParam

ISSUER = "https://as.example.com"
END_SESSION = "https://as.example.com/logout"
LOGGED_OUT = "https://app.example.com/logged-out"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# ---------------------------------------------------------------------------------------- RP-initiated logout


def test_all_parameters() -> None:
    request = EndSessionRequest(
        END_SESSION,
        id_token_hint="eyJ.id.token",
        client_id="my_client",
        post_logout_redirect_uri=LOGGED_OUT,
        state="st",
        logout_hint="alice",
        ui_locales=["fr-CA", "en"],
        extra="x",
    )
    assert request.args == {
        "id_token_hint": "eyJ.id.token",
        "client_id": "my_client",
        "post_logout_redirect_uri": LOGGED_OUT,
        "state": "st",
        "logout_hint": "alice",
        "ui_locales": "fr-CA en",
        "extra": "x",
    }
    assert query(request.uri) == {name: [value] for name, value in request.args.items()}
    assert request.uri.startswith(END_SESSION + "?id_token_hint=")
    assert str(request) == request.uri
    assert repr(request) == f"EndSessionRequest({request.uri!r})"


def test_endpoint_query_is_kept() -> None:
    request = EndSessionRequest(END_SESSION + "?tenant=a", client_id="c")
    assert request.uri == END_SESSION + "?tenant=a&client_id=c"


def test_state_is_random_with_a_redirect_uri_only() -> None:
    first = EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT)
    second = EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT)
    assert first.state is not None
    assert len(first.state) == 43
    assert first.state != second.state
    assert EndSessionRequest(END_SESSION).state is None
    assert EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT, state=None).args == {
        "post_logout_redirect_uri": LOGGED_OUT
    }


def test_id_token_hint_from_a_jwt() -> None:
    jwt = jwskate.Jwt.sign({"sub": "a"}, jwskate.Jwk.generate(alg="ES256"))
    assert EndSessionRequest(END_SESSION, id_token_hint=jwt).id_token_hint == str(jwt)


def test_invalid_ui_locales() -> None:
    with pytest.raises(InvalidUiLocalesParam):
        EndSessionRequest(END_SESSION, ui_locales=[1, 2])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "response", [f"{LOGGED_OUT}?state=st", "state=st", {"state": "st"}, f"{LOGGED_OUT}?state=st&other=1"]
)
def test_validate_callback(response: Any) -> None:
    request = EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT, state="st")
    assert request.validate_callback(response)["state"] == "st"


@pytest.mark.parametrize(
    ("response", "received"),
    [(f"{LOGGED_OUT}?state=other", "other"), (LOGGED_OUT, None), ({"state": "st2"}, "st2"), ("state=", "")],
)
def test_validate_callback_refuses_another_state(response: Any, received: str | None) -> None:
    request = EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT, state="st")
    with pytest.raises(MismatchingLogoutState) as exc_info:
        request.validate_callback(response)
    assert (exc_info.value.received, exc_info.value.expected) == (received, "st")
    assert exc_info.value.response == response


def test_validate_callback_without_state() -> None:
    request = EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT, state=None)
    assert request.validate_callback(LOGGED_OUT) == {}
    with pytest.raises(MismatchingLogoutState):
        request.validate_callback(f"{LOGGED_OUT}?state=injected")


@pytest.mark.parametrize("response", [f"{LOGGED_OUT}?state=a&state=a", {"state": ["a", "b"]}, 42])
def test_validate_callback_unparsable(response: Any) -> None:
    request = EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT, state="a")
    with pytest.raises(InvalidLogoutResponse):
        request.validate_callback(response)


@given(st.text(max_size=60) | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
def test_any_callback_gives_params_or_a_typed_error(response: Any) -> None:
    request = EndSessionRequest(END_SESSION, post_logout_redirect_uri=LOGGED_OUT, state="fixed-state")
    try:
        params = request.validate_callback(response)
    except InvalidLogoutResponse:
        return
    assert params["state"] == "fixed-state"


def test_client_end_session_request() -> None:
    client = OAuth2Client(
        "https://as.example.com/token", ("my_client", "secret"), end_session_endpoint=END_SESSION, issuer=ISSUER
    )
    jwt = jwskate.Jwt.sign({"sub": "a"}, jwskate.Jwk.generate(alg="ES256"))
    token = BearerToken("access", id_token=str(jwt))
    request = client.end_session_request(token, post_logout_redirect_uri=LOGGED_OUT, ui_locales="fr")
    assert request.args == {
        "id_token_hint": str(jwt),
        "client_id": "my_client",
        "post_logout_redirect_uri": LOGGED_OUT,
        "state": request.state,
        "ui_locales": "fr",
    }
    assert client.end_session_request(str(jwt), state="s").args["id_token_hint"] == str(jwt)
    assert "id_token_hint" not in client.end_session_request().args
    with pytest.raises(MissingEndpointUri):
        OAuth2Client("https://as.example.com/token", ("my_client", "secret")).end_session_request()


def test_end_session_endpoint_from_discovery() -> None:
    client = OAuth2Client.from_discovery_document(
        {"issuer": ISSUER, "token_endpoint": f"{ISSUER}/token", "end_session_endpoint": END_SESSION},
        auth=("my_client", "secret"),
    )
    assert client.end_session_endpoint == END_SESSION


# ------------------------------------------------------------------------------------- front-channel logout


@pytest.mark.parametrize("request_", [f"https://app/fc?iss={ISSUER}&sid=s1", {"iss": ISSUER, "sid": "s1"}])
def test_frontchannel_logout(request_: Any) -> None:
    assert validate_frontchannel_logout(request_, issuer=ISSUER, sid="s1") == FrontChannelLogout(iss=ISSUER, sid="s1")


@pytest.mark.parametrize(
    ("params", "sid", "parameter"),
    [
        ({"iss": "https://attacker.example.com", "sid": "s1"}, "s1", "iss"),
        ({"iss": ISSUER, "sid": "s2"}, "s1", "sid"),
        ({"iss": ISSUER, "sid": "s1"}, None, "sid"),  # no current session to compare with
        ({"iss": ISSUER}, "s1", "sid"),
        ({"sid": "s1"}, "s1", "iss"),
        ({}, "s1", "iss"),  # session required by default
    ],
)
def test_frontchannel_logout_refused(params: dict[str, str], sid: str | None, parameter: str) -> None:
    with pytest.raises(InvalidFrontChannelLogout) as exc_info:
        validate_frontchannel_logout(params, issuer=ISSUER, sid=sid)
    assert exc_info.value.parameter == parameter
    assert exc_info.value.received == params.get(parameter)


def test_frontchannel_logout_without_session_parameters() -> None:
    assert validate_frontchannel_logout({}, issuer=ISSUER, sid=None, session_required=False) == FrontChannelLogout(
        iss=None, sid=None
    )
    with pytest.raises(InvalidFrontChannelLogout):  # when present, they are still checked
        validate_frontchannel_logout({"iss": ISSUER, "sid": "x"}, issuer=ISSUER, sid="s1", session_required=False)


def test_frontchannel_logout_unparsable() -> None:
    with pytest.raises(InvalidFrontChannelLogout) as exc_info:
        validate_frontchannel_logout("https://app/fc?sid=a&sid=b", issuer=ISSUER, sid="a")
    assert exc_info.value.parameter == "request"
