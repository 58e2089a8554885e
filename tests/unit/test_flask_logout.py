"""Tests for `requests_oauth2client.flask.logout`: the back-channel logout view and its answers (Back-Channel
Logout 1.0 §2.8)."""

from __future__ import annotations

import time
from typing import Any

import flask
import jwskate
import pytest

from requests_oauth2client import LogoutToken, MemoryReplayCache, OAuth2Client
from requests_oauth2client.flask import backchannel_logout_view
from requests_oauth2client.logout import BACKCHANNEL_LOGOUT_EVENT

ISSUER = "https://as.example.com"
CLIENT_ID = "my_client_id"
PATH = "/backchannel-logout"


@pytest.fixture(scope="module")
def as_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="RS256", kid="as1")


@pytest.fixture
def client(as_key: jwskate.Jwk) -> OAuth2Client:
    return OAuth2Client(
        f"{ISSUER}/token",
        (CLIENT_ID, "secret"),
        issuer=ISSUER,
        authorization_server_jwks=jwskate.JwkSet(keys=[as_key.public_jwk()]),
    )


def logout_token(key: jwskate.Jwk, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{time.monotonic_ns()}",
        "sid": "session1",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        **overrides,
    }
    return str(jwskate.Jwt.sign(claims, key, typ="logout+jwt"))


def app_for(client: OAuth2Client, received: list[LogoutToken], **kwargs: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.add_url_rule(PATH, view_func=backchannel_logout_view(client, received.append, **kwargs), methods=["POST"])
    return app


def test_valid_token_is_handed_to_the_app(client: OAuth2Client, as_key: jwskate.Jwk) -> None:
    received: list[LogoutToken] = []
    http = app_for(client, received).test_client()
    token = logout_token(as_key)
    answer = http.post(PATH, data={"logout_token": token})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert [r.sid for r in received] == ["session1"]
    # the same token again: refused, and not handed to the app
    replay = http.post(PATH, data={"logout_token": token})
    assert replay.status_code == 400
    assert replay.headers["Cache-Control"] == "no-store"
    assert replay.json == {
        "error": "invalid_request",
        "error_description": f"Invalid logout token: a logout token with jti {received[0].jti!r} was already received",
    }
    assert len(received) == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"logout_token": ""},
        {"logout_token": "garbage"},
        {"logout_token": ["a", "b"]},
        {"other": "x"},
    ],
)
def test_bad_requests(client: OAuth2Client, data: dict[str, Any]) -> None:
    received: list[LogoutToken] = []
    answer = app_for(client, received).test_client().post(PATH, data=data)
    assert answer.status_code == 400
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json is not None
    assert answer.json["error"] == "invalid_request"
    assert received == []


@pytest.mark.parametrize(
    "overrides",
    [{"aud": "another_client"}, {"iss": "https://other.example.com"}, {"nonce": "n"}, {"events": {}}],
)
def test_invalid_tokens(client: OAuth2Client, as_key: jwskate.Jwk, overrides: dict[str, Any]) -> None:
    received: list[LogoutToken] = []
    http = app_for(client, received).test_client()
    assert http.post(PATH, data={"logout_token": logout_token(as_key)}).status_code == 200  # control
    answer = http.post(PATH, data={"logout_token": logout_token(as_key, **overrides)})
    assert answer.status_code == 400
    assert len(received) == 1


def test_wrong_signature(client: OAuth2Client) -> None:
    received: list[LogoutToken] = []
    forged = logout_token(jwskate.Jwk.generate(alg="RS256", kid="as1"))
    answer = app_for(client, received).test_client().post(PATH, data={"logout_token": forged})
    assert answer.status_code == 400
    assert "signature" in answer.json["error_description"]  # type: ignore[index]
    assert received == []


def test_session_required_and_own_replay_cache(client: OAuth2Client, as_key: jwskate.Jwk) -> None:
    received: list[LogoutToken] = []
    cache = MemoryReplayCache()
    http = app_for(client, received, session_required=True, replay_cache=cache).test_client()
    assert http.post(PATH, data={"logout_token": logout_token(as_key, sid=None, sub="u")}).status_code == 400
    assert http.post(PATH, data={"logout_token": logout_token(as_key)}).status_code == 200
    assert len(cache) == 1


def test_only_post(client: OAuth2Client) -> None:
    assert app_for(client, []).test_client().get(PATH).status_code == 405


def test_an_error_of_the_app_is_not_swallowed(client: OAuth2Client, as_key: jwskate.Jwk) -> None:
    def fail(token: LogoutToken) -> None:
        raise RuntimeError("session store down")

    app = flask.Flask(__name__)
    app.add_url_rule(PATH, view_func=backchannel_logout_view(client, fail), methods=["POST"])
    answer = app.test_client().post(PATH, data={"logout_token": logout_token(as_key)})
    assert answer.status_code == 500
