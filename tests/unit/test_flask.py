"""Flask integration: a client-credentials token per Flask session, through a real Flask app and test client."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import flask
import pytest
import requests_mock
from freezegun import freeze_time

from requests_oauth2client.api_client import ApiClient
from requests_oauth2client.auth import OAuth2ClientCredentialsAuth
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.dpop import DPoPKey, DPoPToken
from requests_oauth2client.flask import FlaskOAuth2ClientCredentialsAuth
from requests_oauth2client.flask.auth import FlaskSessionAuthMixin
from requests_oauth2client.serializers import BearerTokenSerializer, TokenSerializer
from requests_oauth2client.tokens import BearerToken

TOKEN_ENDPOINT = "https://as.example.com/token"
API = "https://api.example.com/"


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(TOKEN_ENDPOINT, ("client_id", "client_secret"))


@pytest.fixture
def auth(client: OAuth2Client) -> FlaskOAuth2ClientCredentialsAuth:
    return FlaskOAuth2ClientCredentialsAuth(session_key="k", client=client, scope="s")


@pytest.fixture
def app(auth: FlaskOAuth2ClientCredentialsAuth) -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = "test secret key"
    api = ApiClient(API, auth=auth)

    @app.route("/resource")
    def resource() -> str:
        return api.get("resource").text

    @app.route("/forget")
    def forget() -> str:
        auth.forget_token()
        return "forgotten"

    return app


@pytest.fixture
def mock() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker() as m:
        m.post(
            TOKEN_ENDPOINT,
            [{"json": {"access_token": f"at{i}", "token_type": "Bearer", "expires_in": 3600}} for i in range(1, 10)],
        )
        m.get(API + "resource", text="content")
        yield m


def token_requests(mock: requests_mock.Mocker) -> list[Any]:
    return [request for request in mock.request_history if request.url == TOKEN_ENDPOINT]


def api_authorizations(mock: requests_mock.Mocker) -> list[str]:
    return [request.headers["Authorization"] for request in mock.request_history if request.url == API + "resource"]


def test_one_token_per_session(app: flask.Flask, mock: requests_mock.Mocker) -> None:
    with app.test_client() as browser:
        assert browser.get("/resource").text == "content"
        assert browser.get("/resource").text == "content"

    assert len(token_requests(mock)) == 1
    assert (
        token_requests(mock)[0].text
        == "grant_type=client_credentials&scope=s&client_id=client_id&client_secret=client_secret"
    )
    assert api_authorizations(mock) == ["Bearer at1", "Bearer at1"]


def test_each_session_has_its_own_token(app: flask.Flask, mock: requests_mock.Mocker) -> None:
    alice, bob = app.test_client(), app.test_client()
    alice.get("/resource")
    bob.get("/resource")
    alice.get("/resource")
    bob.get("/resource")

    assert len(token_requests(mock)) == 2
    assert api_authorizations(mock) == ["Bearer at1", "Bearer at2", "Bearer at1", "Bearer at2"]


def test_removing_the_key_from_the_session_gets_a_new_token(app: flask.Flask, mock: requests_mock.Mocker) -> None:
    with app.test_client() as browser:
        browser.get("/resource")
        with browser.session_transaction() as session:
            stored = session["k"]
            assert isinstance(stored, str)  # stored as base64url text
            assert TokenSerializer().loads(stored).access_token == "at1"
            del session["k"]
        browser.get("/resource")
        with browser.session_transaction() as session:
            assert TokenSerializer().loads(session["k"]).access_token == "at2"

    assert len(token_requests(mock)) == 2
    assert api_authorizations(mock) == ["Bearer at1", "Bearer at2"]


def test_forget_token_clears_the_session(app: flask.Flask, mock: requests_mock.Mocker) -> None:
    with app.test_client() as browser:
        browser.get("/resource")
        assert browser.get("/forget").text == "forgotten"
        with browser.session_transaction() as session:
            assert "k" not in session
        browser.get("/resource")

    assert api_authorizations(mock) == ["Bearer at1", "Bearer at2"]


def test_an_expiring_token_is_renewed(app: flask.Flask, mock: requests_mock.Mocker) -> None:
    with freeze_time("2030-01-01 00:00:00") as frozen, app.test_client() as browser:
        browser.get("/resource")
        frozen.tick(3600 - 30)  # still valid, but not for more than the 20 s leeway after 10 more seconds
        browser.get("/resource")
        frozen.tick(15)
        browser.get("/resource")

    assert api_authorizations(mock) == ["Bearer at1", "Bearer at1", "Bearer at2"]


def test_an_unreadable_stored_token_is_replaced(app: flask.Flask, mock: requests_mock.Mocker) -> None:
    with app.test_client() as browser:
        with browser.session_transaction() as session:
            session["k"] = "garbage!"
        browser.get("/resource")
        with browser.session_transaction() as session:
            assert TokenSerializer().loads(session["k"]).access_token == "at1"

    assert api_authorizations(mock) == ["Bearer at1"]


def test_token_property_in_a_request_context(auth: FlaskOAuth2ClientCredentialsAuth, app: flask.Flask) -> None:
    with app.test_request_context():
        assert auth.token is None

        auth.token = "raw_access_token"
        assert auth.token == BearerToken("raw_access_token")
        assert isinstance(flask.session["k"], str)

        token = BearerToken("at", expires_in=60, refresh_token="rt", custom="x")
        auth.token = token
        assert auth.token == token

        auth.token = None
        assert "k" not in flask.session
        assert auth.token is None


def test_token_property_outside_a_request_context(auth: FlaskOAuth2ClientCredentialsAuth) -> None:
    assert auth.token is None
    auth.token = None  # nothing to remove: no error
    with pytest.raises(RuntimeError, match="request context"):
        auth.token = BearerToken("at")


def test_attributes_and_defaults(client: OAuth2Client, auth: FlaskOAuth2ClientCredentialsAuth) -> None:
    assert isinstance(auth, FlaskSessionAuthMixin)
    assert isinstance(auth, OAuth2ClientCredentialsAuth)
    assert auth.session_key == "k"
    assert auth.serializer == TokenSerializer()
    assert auth.client is client
    assert auth.leeway == 20
    assert auth.token_kwargs == {"scope": "s"}
    assert "FlaskOAuth2ClientCredentialsAuth(" in repr(auth)


def test_custom_serializer(client: OAuth2Client, mock: requests_mock.Mocker) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        serializer = BearerTokenSerializer()
    auth = FlaskOAuth2ClientCredentialsAuth("k", serializer, client, leeway=10, scope="s")
    app = flask.Flask(__name__)
    app.secret_key = "test secret key"

    @app.route("/")
    def index() -> str:
        return ApiClient(API, auth=auth).get("resource").text

    with app.test_client() as browser:
        browser.get("/")
        browser.get("/")
        with browser.session_transaction() as session:
            assert serializer.loads(session["k"]).access_token == "at1"

    assert auth.serializer is serializer
    assert auth.leeway == 10
    assert len(token_requests(mock)) == 1


def test_dpop_tokens_are_stored_with_their_key(client: OAuth2Client, app: flask.Flask) -> None:
    auth = FlaskOAuth2ClientCredentialsAuth(session_key="dpop", client=client)
    token = DPoPToken("at", _dpop_key=DPoPKey.generate(), expires_in=60)

    with app.test_request_context():
        auth.token = token
        loaded = auth.token

    assert isinstance(loaded, DPoPToken)
    assert loaded == token
    assert loaded.dpop_key.private_key == token.dpop_key.private_key


def test_flask_is_only_imported_by_the_flask_subpackage() -> None:
    code = (
        "import sys\n"
        "import requests_oauth2client\n"
        "import requests_oauth2client.serializers, requests_oauth2client.vendor_specific\n"
        "assert 'flask' not in sys.modules, 'flask imported'\n"
        "import requests_oauth2client.flask\n"
        "assert 'flask' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
