"""The renewal rules of the auth handlers: the leeway of short-lived tokens, and the `on_token` hook."""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

import pytest
import requests
import requests_mock as rm
from freezegun import freeze_time

from requests_oauth2client import (
    BearerToken,
    OAuth2AccessTokenAuth,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    OAuth2ResourceOwnerPasswordAuth,
)
from requests_oauth2client._auth.renewal import call_on_token, renewal_deadline

API = "https://api.example.com/resource"
TOKEN_ENDPOINT = "https://as.example.com/token"
LOGGER = "requests_oauth2client"


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(TOKEN_ENDPOINT, ("client_id", "client_secret"))


class TokenEndpoint:
    """A token endpoint (through requests_mock) that issues at1, at2... living `expires_in` seconds."""

    def __init__(self, requests_mock: rm.Mocker, expires_in: int, *, refresh_tokens: bool = False) -> None:
        self.expires_in = expires_in
        self.refresh_tokens = refresh_tokens
        self.issued = 0
        requests_mock.post(TOKEN_ENDPOINT, json=self.answer)
        requests_mock.get(API, text="ok")
        self.mock = requests_mock

    def answer(self, request: Any, context: Any) -> dict[str, Any]:
        self.issued += 1
        body: dict[str, Any] = {
            "access_token": f"at{self.issued}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if self.refresh_tokens:
            body["refresh_token"] = f"rt{self.issued}"
        return body

    def grants(self) -> list[str]:
        return [
            request.text.split("grant_type=")[1].split("&")[0]
            for request in self.mock.request_history
            if request.url == TOKEN_ENDPOINT
        ]


def sent_token() -> str:
    return str(requests.get(API).request.headers.get("Authorization", ""))


# ----------------------------------------------------------------------------------------------- the leeway rule


def test_tokens_living_5_seconds_are_used_not_renewed_before_every_call(
    requests_mock: rm.Mocker, client: OAuth2Client
) -> None:
    endpoint = TokenEndpoint(requests_mock, expires_in=5)
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2ClientCredentialsAuth(client)  # the default leeway, 20 s, is 4 times the lifetime
        headers = []
        for _ in range(12):
            headers.append(requests.get(API, auth=auth).request.headers["Authorization"])
            frozen.tick(0.2)  # 12 calls within 2.4 s: less than half the lifetime
        assert endpoint.grants() == ["client_credentials"]
        assert set(headers) == {"Bearer at1"}
        frozen.tick(0.2)  # 2.6 s: the token expires within half its lifetime
        assert requests.get(API, auth=auth).request.headers["Authorization"] == "Bearer at2"
    assert endpoint.grants() == ["client_credentials", "client_credentials"]


def test_a_leeway_shorter_than_half_the_lifetime_applies(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    endpoint = TokenEndpoint(requests_mock, expires_in=100)
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2ClientCredentialsAuth(client, leeway=20)
        requests.get(API, auth=auth)
        frozen.tick(79)
        requests.get(API, auth=auth)
        assert endpoint.issued == 1
        frozen.tick(2)  # 19 s left: within the leeway
        requests.get(API, auth=auth)
    assert endpoint.issued == 2


def test_a_given_token_keeps_the_plain_rule(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    """API.md §18.50: a token given to the handler that expires within the leeway is refreshed before use."""
    endpoint = TokenEndpoint(requests_mock, expires_in=5, refresh_tokens=True)
    with freeze_time("2024-01-01 00:00:00") as frozen:
        given = BearerToken("given", expires_in=10, refresh_token="rt0")
        auth = OAuth2AccessTokenAuth(client, given, leeway=20)
        assert requests.get(API, auth=auth).request.headers["Authorization"] == "Bearer at1"
        # the new token (obtained by the handler, 5 s) is used for half its lifetime
        for _ in range(10):
            frozen.tick(0.2)
            assert requests.get(API, auth=auth).request.headers["Authorization"] == "Bearer at1"
        # a token assigned to the handler is a given token too
        auth.token = BearerToken("assigned", expires_in=10, refresh_token="rt1")
        assert requests.get(API, auth=auth).request.headers["Authorization"] == "Bearer at2"
    assert endpoint.grants() == ["refresh_token", "refresh_token"]


def test_the_code_exchange_and_refreshes_follow_the_lifetime_rule(
    requests_mock: rm.Mocker, client: OAuth2Client
) -> None:
    endpoint = TokenEndpoint(requests_mock, expires_in=4, refresh_tokens=True)
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2AuthorizationCodeAuth(client, "code", redirect_uri="https://app/cb")
        for _ in range(9):
            requests.get(API, auth=auth)
            frozen.tick(0.5)  # a renewal every 2 s: after the 5th and the 9th call
    assert endpoint.grants() == ["authorization_code", "refresh_token", "refresh_token"]


def test_a_token_without_expiration_is_never_renewed(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    requests_mock.post(TOKEN_ENDPOINT, json={"access_token": "forever", "token_type": "Bearer"})
    requests_mock.get(API, text="ok")
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2ClientCredentialsAuth(client)
        requests.get(API, auth=auth)
        frozen.tick(10 * 365 * 86400)
        requests.get(API, auth=auth)
    assert requests_mock.call_count == 3


@pytest.mark.parametrize(
    ("expires_at", "lifetime", "leeway", "deadline"),
    [
        (None, None, 20, math.inf),
        (1000.0, None, 20, 980.0),  # given token: the plain rule
        (1000.0, 5.0, 20, 997.5),  # short-lived: half its lifetime
        (1000.0, 3600.0, 20, 980.0),  # long-lived: the leeway
        (1000.0, 0.0, 20, 1000.0),  # issued already expired
        (1000.0, None, -5, 1000.0),  # a negative leeway counts as 0
    ],
)
def test_renewal_deadline(expires_at: float | None, lifetime: float | None, leeway: float, deadline: float) -> None:
    assert renewal_deadline(expires_at, lifetime, leeway) == deadline


# ---------------------------------------------------------------------------------------------------- on_token


def test_on_token_is_called_once_per_renewal_with_the_new_token(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    TokenEndpoint(requests_mock, expires_in=10, refresh_tokens=True)
    seen: list[BearerToken] = []
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2ResourceOwnerPasswordAuth(client, username="u", password="p", on_token=seen.append)
        for _ in range(4):
            requests.get(API, auth=auth)
        assert [token.access_token for token in seen] == ["at1"]
        frozen.tick(6)
        requests.get(API, auth=auth)
        requests.get(API, auth=auth)
        auth.renew_token()
    assert [token.access_token for token in seen] == ["at1", "at2", "at3"]
    assert [token.refresh_token for token in seen] == ["rt1", "rt2", "rt3"]  # rotated refresh tokens, to keep
    assert seen[-1] is auth.token


def test_on_token_is_called_under_the_handler_lock(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    TokenEndpoint(requests_mock, expires_in=10)
    held: list[bool] = []

    def hook(token: BearerToken) -> None:
        other = threading.Thread(target=lambda: held.append(not auth._lock.acquire(blocking=False)))
        other.start()
        other.join()

    auth = OAuth2ClientCredentialsAuth(client, on_token=hook)
    requests.get(API, auth=auth)
    assert held == [True]


def test_on_token_is_not_called_for_a_given_token(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    TokenEndpoint(requests_mock, expires_in=10)
    seen: list[BearerToken] = []
    auth = OAuth2AccessTokenAuth(client, BearerToken("given", expires_in=600), on_token=seen.append)
    requests.get(API, auth=auth)
    assert seen == []


def test_on_token_failure_is_logged_without_secrets_and_the_request_succeeds(
    requests_mock: rm.Mocker, client: OAuth2Client, caplog: pytest.LogCaptureFixture
) -> None:
    TokenEndpoint(requests_mock, expires_in=10, refresh_tokens=True)

    def hook(token: BearerToken) -> None:
        raise RuntimeError(f"cannot save {token.access_token} / {token.refresh_token}")

    auth = OAuth2ClientCredentialsAuth(client, on_token=hook)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        response = requests.get(API, auth=auth)
        requests.get(API, auth=auth)  # the same token: no renewal, no call
    assert response.status_code == 200
    assert response.request.headers["Authorization"] == "Bearer at1"
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "on_token" in message
    assert "OAuth2ClientCredentialsAuth" in message
    assert "RuntimeError" in message
    assert "test_auth_renewal.py" in message
    assert "at1" not in caplog.text
    assert "rt1" not in caplog.text
    assert warnings[0].exc_info is None  # no traceback: it would quote the message


def test_call_on_token_without_hook() -> None:
    call_on_token(None, BearerToken("at"), "Handler")  # nothing to call, nothing raised
