"""Logout on the test server: RP-initiated logout and back-channel logout tokens (OIDC Back-Channel Logout 1.0).

`client-backchannel-logout` has its `backchannel_logout_uri` on the `backchannel_listener` fixture.
Requests and jwskate only.
"""

from __future__ import annotations

import requests

from tests.integration.conftest import BACKCHANNEL_LOGOUT_PATH
from tests.integration.harness import Harness
from tests.integration.listener import CallbackListener, ReceivedRequest
from tests.integration.raw import TIMEOUT, pkce_pair, query, verify_server_jwt, with_query

CLIENT = "client-backchannel-logout"
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGGED_OUT = "http://127.0.0.1:8765/logged-out"


def login(h: Harness, session: requests.Session, client_id: str, prompt: str | None = None) -> dict[str, str]:
    """Authorization code flow in `session`; returns the callback parameters."""
    _, challenge = pkce_pair()
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": h.redirect_uri,
        "scope": "openid",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st",
    }
    if prompt:
        params["prompt"] = prompt
    return query(h.authorize(with_query(h.endpoint("authorization_endpoint"), **params), h.redirect_uri, session))


def id_token_for(h: Harness, client_id: str, session: requests.Session) -> str:
    verifier, challenge = pkce_pair()
    url = with_query(
        h.endpoint("authorization_endpoint"),
        client_id=client_id,
        response_type="code",
        redirect_uri=h.redirect_uri,
        scope="openid",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    code = query(h.authorize(url, h.redirect_uri, session))["code"]
    tok = requests.post(
        h.endpoint("token_endpoint"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": h.redirect_uri,
            "code_verifier": verifier,
        },
        auth=(client_id, h.client_secret(client_id)),
        timeout=TIMEOUT,
    )
    assert tok.status_code == 200, tok.text
    return str(tok.json()["id_token"])


def test_rp_initiated_logout_ends_the_session(as_server: Harness) -> None:
    h = as_server
    s = requests.Session()
    id_token = id_token_for(h, "client-basic", s)
    # positive control: the session is there, prompt=none gets a code
    assert "code" in login(h, s, "client-basic", prompt="none")
    end = with_query(
        h.endpoint("end_session_endpoint"), id_token_hint=id_token, post_logout_redirect_uri=LOGGED_OUT, state="bye"
    )
    back = h.end_session(end, LOGGED_OUT, session=s)
    assert query(back) == {"state": "bye"}
    assert login(h, s, "client-basic", prompt="none")["error"] == "login_required"


def test_backchannel_logout_token_is_posted(as_server: Harness, backchannel_listener: CallbackListener) -> None:
    h = as_server
    assert h.contract["backchannel_logout_uri"] == backchannel_listener.url(BACKCHANNEL_LOGOUT_PATH)
    assert h.discovery()["backchannel_logout_session_supported"] is True
    backchannel_listener.clear()
    s = requests.Session()
    id_token = verify_server_jwt(h, id_token_for(h, CLIENT, s), iss=h.issuer, aud=CLIENT)
    sid = id_token.claims["sid"]
    end = with_query(
        h.endpoint("end_session_endpoint"), id_token_hint=str(id_token), post_logout_redirect_uri=LOGGED_OUT
    )
    h.end_session(end, LOGGED_OUT, session=s)

    def is_logout(r: ReceivedRequest) -> bool:
        return r.path == BACKCHANNEL_LOGOUT_PATH and "logout_token" in r.form

    received = backchannel_listener.wait_for(is_logout)
    assert received.method == "POST"
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    token = verify_server_jwt(h, received.form["logout_token"], iss=h.issuer, aud=CLIENT, sub=id_token.subject, sid=sid)
    assert token.typ == "logout+jwt"
    assert token.claims["events"] == {BACKCHANNEL_LOGOUT_EVENT: {}}
    assert "nonce" not in token.claims
    assert token.claims["jti"]
    assert token.issued_at is not None
    # only one logout, for this client
    assert [r for r in backchannel_listener.received if is_logout(r)] == [received]


def test_backchannel_logout_reaches_a_wsgi_app(as_server: Harness, backchannel_listener: CallbackListener) -> None:
    """A test can answer the server's back-channel calls with its own WSGI app (a Flask app, say)."""
    h = as_server
    backchannel_listener.clear()
    seen: list[str] = []

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        body = environ["wsgi.input"].read(int(str(environ.get("CONTENT_LENGTH") or 0)))  # type: ignore[attr-defined]
        seen.append(body.decode())
        start_response("200 OK", [("Cache-Control", "no-store")])  # type: ignore[operator]
        return [b""]

    s = requests.Session()
    id_token = id_token_for(h, CLIENT, s)
    with backchannel_listener.serving(app):
        end = with_query(
            h.endpoint("end_session_endpoint"), id_token_hint=id_token, post_logout_redirect_uri=LOGGED_OUT
        )
        h.end_session(end, LOGGED_OUT, session=s)
        backchannel_listener.wait_for(lambda r: r.path == BACKCHANNEL_LOGOUT_PATH)
    assert len(seen) == 1
    assert seen[0].startswith("logout_token=")
