"""Logging against the real server: every endpoint call is logged at debug level, and no secret ever is."""

from __future__ import annotations

import logging

import pytest

from requests_oauth2client import ClientSecretPost, OAuth2Client
from tests.integration.harness import Harness


def test_endpoint_calls_are_logged_without_secrets(as_server: Harness, caplog: pytest.LogCaptureFixture) -> None:
    secret = as_server.client_secret("client-post")
    user = as_server.demo_user
    with caplog.at_level(logging.DEBUG):  # every logger, urllib3's included
        client = OAuth2Client.from_discovery_endpoint(
            issuer=as_server.issuer, auth=ClientSecretPost("client-post", secret), testing=True
        )
        token = client.resource_owner_password(user["username"], user["password"], scope="openid offline_access")
        client.userinfo(token)
        refreshed = client.refresh_token(token)
        client.introspect_token(refreshed)
        client.revoke_refresh_token(refreshed)

    ours = [r.getMessage() for r in caplog.records if r.name == "requests_oauth2client"]
    for endpoint in ("token_endpoint", "userinfo_endpoint", "introspection_endpoint", "revocation_endpoint"):
        assert any(endpoint in message and "HTTP 200" in message and " ms" in message for message in ours), endpoint
    assert all(message.startswith(("POST ", "GET ")) for message in ours)

    everything = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    secrets_and_tokens = [
        secret,
        user["password"],
        token.access_token,
        str(token.refresh_token),
        refreshed.access_token,
        str(refreshed.refresh_token),
        str(token.id_token),
    ]
    for value in secrets_and_tokens:
        assert value not in everything
