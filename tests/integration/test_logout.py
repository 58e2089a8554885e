"""Logout against the real authorization server: RP-initiated logout, back-channel logout tokens (through the Flask
endpoint helper mounted on the listener that is the client's `backchannel_logout_uri`)."""

from __future__ import annotations

import flask
import pytest
import requests

from requests_oauth2client import (
    ClientSecretBasic,
    EndSessionRequest,
    LoginRequired,
    LogoutToken,
    MismatchingJwtClaim,
    MismatchingLogoutState,
    OAuth2Client,
)
from requests_oauth2client.flask import backchannel_logout_view
from tests.integration.conftest import BACKCHANNEL_LOGOUT_PATH
from tests.integration.harness import Harness
from tests.integration.listener import CallbackListener, ReceivedRequest

LOGGED_OUT = "http://127.0.0.1:8765/logged-out"
BACKCHANNEL_CLIENT = "client-backchannel-logout"


def client_for(h: Harness, client_id: str) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=h.issuer,
        auth=ClientSecretBasic(client_id, h.client_secret(client_id)),
        redirect_uri=h.redirect_uri,
        testing=True,
    )


def log_in(h: Harness, client: OAuth2Client, session: requests.Session) -> object:
    azr = client.authorization_request(scope="openid")
    return client.authorization_code(azr.validate_callback(h.authorize(azr.uri, h.redirect_uri, session)))


def prompt_none(h: Harness, client: OAuth2Client, session: requests.Session) -> object:
    """A silent authorization request in `session`: the AuthorizationResponse, or the error it raises."""
    azr = client.authorization_request(scope="openid", prompt="none")
    try:
        return azr.validate_callback(h.authorize(azr.uri, h.redirect_uri, session))
    except LoginRequired as exc:
        return exc


def test_rp_initiated_logout_ends_the_session(as_server: Harness) -> None:
    h = as_server
    client = client_for(h, "client-basic")
    assert client.end_session_endpoint == h.endpoint("end_session_endpoint")  # from discovery
    session = requests.Session()
    token = log_in(h, client, session)
    assert not isinstance(prompt_none(h, client, session), LoginRequired)  # control: the session is there

    logout = client.end_session_request(token, post_logout_redirect_uri=LOGGED_OUT)
    assert isinstance(logout, EndSessionRequest)
    assert logout.state is not None
    back = h.end_session(logout.uri, LOGGED_OUT, session=session)
    assert logout.validate_callback(back) == {"state": logout.state}
    assert isinstance(prompt_none(h, client, session), LoginRequired)


def test_rp_initiated_logout_return_with_another_state_is_refused(as_server: Harness) -> None:
    h = as_server
    client = client_for(h, "client-basic")
    session = requests.Session()
    token = log_in(h, client, session)
    logout = client.end_session_request(token, post_logout_redirect_uri=LOGGED_OUT)
    other = client.end_session_request(token, post_logout_redirect_uri=LOGGED_OUT)
    back = h.end_session(logout.uri, LOGGED_OUT, session=session)
    assert logout.validate_callback(back)  # positive control
    with pytest.raises(MismatchingLogoutState) as exc_info:
        other.validate_callback(back)
    assert exc_info.value.received == logout.state
    assert exc_info.value.expected == other.state


def flask_app(client: OAuth2Client, logged_out: list[LogoutToken]) -> flask.Flask:
    app = flask.Flask(__name__)
    app.add_url_rule(
        BACKCHANNEL_LOGOUT_PATH,
        view_func=backchannel_logout_view(client, logged_out.append, session_required=True),
        methods=["POST"],
    )
    return app


def test_backchannel_logout_reaches_the_app_through_the_flask_helper(
    as_server: Harness, backchannel_listener: CallbackListener
) -> None:
    h = as_server
    client = client_for(h, BACKCHANNEL_CLIENT)
    session = requests.Session()
    token = log_in(h, client, session)
    sid = token.id_token.claims["sid"]  # type: ignore[attr-defined]
    logged_out: list[LogoutToken] = []
    backchannel_listener.clear()

    def is_logout(r: ReceivedRequest) -> bool:
        return r.path == BACKCHANNEL_LOGOUT_PATH

    with backchannel_listener.serving(flask_app(client, logged_out).wsgi_app):
        h.end_session(
            client.end_session_request(token, post_logout_redirect_uri=LOGGED_OUT).uri, LOGGED_OUT, session=session
        )
        received = backchannel_listener.wait_for(is_logout)
    assert received.form["logout_token"]
    assert len(logged_out) == 1
    assert logged_out[0].sid == sid
    assert logged_out[0].sub == token.id_token.subject  # type: ignore[attr-defined]
    assert logged_out[0].iss == h.issuer
    # the same token again (a replay) is refused, and so is it for another client (negative controls)
    with pytest.raises(Exception, match="already received"):
        client.validate_logout_token(received.form["logout_token"])
    with pytest.raises(MismatchingJwtClaim) as exc_info:
        client_for(h, "client-basic").validate_logout_token(received.form["logout_token"])
    assert exc_info.value.claim == "aud"


def test_backchannel_logout_answers_of_the_flask_helper(
    as_server: Harness, backchannel_listener: CallbackListener
) -> None:
    """The answers the server gets: 200 for a valid token; 400 (with no-store) for a replay or garbage."""
    h = as_server
    client = client_for(h, BACKCHANNEL_CLIENT)
    session = requests.Session()
    token = log_in(h, client, session)
    logged_out: list[LogoutToken] = []
    app = flask_app(client, logged_out)
    backchannel_listener.clear()
    with backchannel_listener.serving(app.wsgi_app):
        h.end_session(
            client.end_session_request(token, post_logout_redirect_uri=LOGGED_OUT).uri, LOGGED_OUT, session=session
        )
        received = backchannel_listener.wait_for(lambda r: r.path == BACKCHANNEL_LOGOUT_PATH)
    url = backchannel_listener.url(BACKCHANNEL_LOGOUT_PATH)
    with backchannel_listener.serving(app.wsgi_app):
        replay = requests.post(url, data={"logout_token": received.form["logout_token"]}, timeout=10)
        garbage = requests.post(url, data={"logout_token": "not-a-jwt"}, timeout=10)
    assert len(logged_out) == 1
    for answer in (replay, garbage):
        assert answer.status_code == 400
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.json()["error"] == "invalid_request"
