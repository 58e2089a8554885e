"""The real authorization server, made to misbehave on request (`X-Harness-Patch` / `X-Harness-Content-Type`).

Each answer below is a real answer of the server, altered just before it is sent: what the client does with it
is what it would do with a broken or hostile server.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from requests_oauth2client import (
    BackChannelAuthenticationPollingJob,
    ClientSecretBasic,
    InvalidBackChannelAuthenticationResponse,
    InvalidDeviceAuthorizationResponse,
    InvalidPushedAuthorizationResponse,
    InvalidTokenResponse,
    OAuth2Client,
)
from requests_oauth2client.polling import PollingExpired
from tests.integration.harness import Harness

SECRET_MARK = "S3CR3T"


def misbehave(patch: dict[str, Any] | None = None, content_type: str | None = None) -> dict[str, Any]:
    """`requests_kwargs` that make the server alter its successful answer."""
    headers = {}
    if patch is not None:
        headers["X-Harness-Patch"] = base64.urlsafe_b64encode(json.dumps(patch).encode()).decode().rstrip("=")
    if content_type is not None:
        headers["X-Harness-Content-Type"] = content_type
    return {"headers": headers}


@pytest.fixture
def client(as_server: Harness) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        testing=True,
    )


def test_the_fault_injection_changes_only_what_it_is_told(client: OAuth2Client) -> None:
    token = client.client_credentials(scope="api:read", requests_kwargs=misbehave({"custom": "x"}))
    assert token.custom == "x"
    assert token.scope == "api:read"
    assert token.expires_in is not None
    assert token.expires_in > 60


# ------------------------------------------------------------------ REQUIRED expires_in (device, CIBA, PAR)


def test_device_authorization_without_expires_in_is_refused(client: OAuth2Client) -> None:
    # a `null` expires_in is the same case; it is tested with mocked answers (RFC 7396 patches delete on null)
    with pytest.raises(InvalidDeviceAuthorizationResponse, match="`expires_in` is missing") as exc_info:
        client.authorize_device(scope="openid", requests_kwargs=misbehave({"expires_in": None}))
    assert exc_info.value.response.status_code == 200
    assert "device_code" in exc_info.value.response.json()


def test_ciba_without_expires_in_is_refused(client: OAuth2Client) -> None:
    with pytest.raises(InvalidBackChannelAuthenticationResponse, match="`expires_in` is missing") as exc_info:
        client.backchannel_authentication_request(login_hint="alice", requests_kwargs=misbehave({"expires_in": None}))
    assert "auth_req_id" in exc_info.value.response.json()


def test_par_without_expires_in_is_refused(client: OAuth2Client) -> None:
    azr = client.authorization_request(scope="openid", redirect_uri="http://127.0.0.1:8765/callback")
    with pytest.raises(InvalidPushedAuthorizationResponse, match="`expires_in` is missing") as exc_info:
        client.pushed_authorization_request(azr, requests_kwargs=misbehave({"expires_in": None}))
    assert exc_info.value.response.status_code == 201


def test_ciba_with_zero_expires_in_stops_polling_at_once(client: OAuth2Client) -> None:
    bcar = client.backchannel_authentication_request(login_hint="alice", requests_kwargs=misbehave({"expires_in": 0}))
    assert bcar.is_expired() is True
    with pytest.raises(PollingExpired):
        BackChannelAuthenticationPollingJob(client, bcar)()


# ------------------------------------------------------------------------------------ token lifetimes


def test_a_token_with_expires_in_zero_is_already_expired(client: OAuth2Client) -> None:
    token = client.client_credentials(scope="api:read", requests_kwargs=misbehave({"expires_in": 0}))
    assert token.is_expired() is True


def test_a_long_lived_token_is_accepted(client: OAuth2Client) -> None:
    token = client.client_credentials(scope="api:read", requests_kwargs=misbehave({"expires_in": 2**31 - 1}))
    assert token.expires_in is not None
    assert token.expires_in > 2**31 - 10
    assert token.is_expired() is False


@pytest.mark.parametrize("bad", [f"{SECRET_MARK}\r\nX-Injected: 1", f"{SECRET_MARK}-tökén", f"{SECRET_MARK}\x00"])
@pytest.mark.parametrize("name", ["access_token", "refresh_token", "token_type"])
def test_tokens_outside_vschar_are_refused_without_echo(client: OAuth2Client, bad: str, name: str) -> None:
    with pytest.raises(InvalidTokenResponse) as exc_info:
        client.client_credentials(scope="api:read", requests_kwargs=misbehave({name: bad}))
    assert SECRET_MARK not in str(exc_info.value)
    assert exc_info.value.response.status_code == 200


# ------------------------------------------------------------------------------------ JSON is UTF-8


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", "application/json; charset=iso-8859-1"])
def test_json_is_read_as_utf8_whatever_the_content_type_says(client: OAuth2Client, content_type: str) -> None:
    token = client.client_credentials(
        scope="api:read", requests_kwargs=misbehave({"note": "café ☕"}, content_type=content_type)
    )
    assert token.note == "café ☕"
    device = client.authorize_device(
        scope="openid", requests_kwargs=misbehave({"note": "café ☕"}, content_type=content_type)
    )
    assert device.other["note"] == "café ☕"
