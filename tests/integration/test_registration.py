"""Dynamic client registration (RFC 7591) and registration management (RFC 7592) against the real servers.

`as_server`: open registration, the registration access token stays the same; `registration_server`: an initial access
token is required and the registration access token rotates on each update.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from jwskate import Jwk, Jwt

from requests_oauth2client import (
    InvalidClient,
    InvalidRedirectUri,
    InvalidSoftwareStatement,
    RegisteredClient,
    RegistrationError,
    RegistrationSerializer,
    UnapprovedSoftwareStatement,
    register_client,
)
from tests.integration.harness import Harness

METADATA: dict[str, Any] = {
    "client_name": "registered by the library tests",
    "redirect_uris": ["http://127.0.0.1:8765/callback"],
    "grant_types": ["authorization_code", "client_credentials", "refresh_token"],
}


def register(h: Harness, **kwargs: Any) -> RegisteredClient:
    return register_client(h.endpoint("registration_endpoint"), METADATA, testing=True, **kwargs)


@pytest.mark.parametrize(
    "method", ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt"]
)
def test_register_then_get_a_token_with_each_auth_method(as_server: Harness, method: str) -> None:
    registered = register(as_server, token_endpoint_auth_method=method)
    registration = registered.registration
    assert registration.token_endpoint_auth_method == method
    assert registration.redirect_uris == ("http://127.0.0.1:8765/callback",)
    assert registration.metadata["client_name"] == METADATA["client_name"]
    assert registration.registration_client_uri is not None
    if method == "private_key_jwt":
        assert registration.client_secret is None
        assert registration.private_key is not None
        # the public half only was registered
        (registered_key,) = registration.metadata["jwks"]["keys"]
        assert "d" not in registered_key
        assert registered_key["kid"] == registration.private_key.kid
    else:
        assert registration.client_secret is not None
    client = registered.oauth2_client(as_server.discovery())
    assert client.client_id == registration.client_id
    assert client.redirect_uri == "http://127.0.0.1:8765/callback"
    token = client.client_credentials(scope="api:read")
    assert token.access_token
    assert client.introspection_endpoint is not None


def test_register_with_a_given_private_key(as_server: Harness) -> None:
    key = Jwk.generate(alg="PS256", kid="my-key")
    registered = register(as_server, private_key=key)
    assert registered.registration.token_endpoint_auth_method == "private_key_jwt"
    assert registered.registration.metadata["token_endpoint_auth_signing_alg"] == "PS256"
    assert registered.oauth2_client(issuer=as_server.issuer).client_credentials().access_token


def test_read_update_delete(as_server: Harness) -> None:
    registered = register(as_server)
    first = registered.registration
    read = registered.read()
    assert read == first
    updated = registered.update(client_name="renamed", contacts=["ops@example.com"])
    assert updated.metadata["client_name"] == "renamed"
    assert updated.metadata["contacts"] == ["ops@example.com"]
    assert registered.registration is updated
    assert updated.registration_access_token == first.registration_access_token  # this server does not rotate it
    assert updated.client_secret == first.client_secret
    # a metadata removed by an update
    assert "contacts" not in registered.update(contacts=None).metadata
    client = registered.oauth2_client(as_server.discovery())
    assert client.client_credentials().access_token
    registered.delete()
    # the deleted client is refused by the token endpoint, and its registration can no longer be read
    with pytest.raises(InvalidClient):
        client.client_credentials()
    with pytest.raises(RegistrationError) as exc_info:
        registered.read()
    assert exc_info.value.error == "invalid_token"


def test_initial_access_token_and_rotation(registration_server: Harness) -> None:
    h = registration_server
    initial_access_token = h.contract["registration"]["initial_access_token"]
    with pytest.raises(RegistrationError) as refused:
        register(h)
    assert refused.value.error == "invalid_token"
    with pytest.raises(RegistrationError):
        register(h, initial_access_token="not-the-initial-access-token")
    registered = register(h, initial_access_token=initial_access_token)
    first_token = registered.registration.registration_access_token
    assert registered.read().registration_access_token == first_token  # reading does not rotate
    stale = RegisteredClient(registered.registration, testing=True)  # a copy that will keep the old token
    updated = registered.update(client_name="renamed")
    assert updated.registration_access_token != first_token  # rotated, and kept
    assert registered.registration.registration_access_token == updated.registration_access_token
    assert registered.read().metadata["client_name"] == "renamed"
    with pytest.raises(RegistrationError) as old:
        stale.read()
    assert old.value.error == "invalid_token"
    # the rotated token is the one that survives a round trip through storage
    stored = RegistrationSerializer(https=False).dumps(registered.registration)
    restored = RegisteredClient(RegistrationSerializer(https=False).loads(stored), testing=True)
    assert restored.read().client_id == registered.client_id
    restored.delete()
    with pytest.raises(InvalidClient):
        restored.oauth2_client(h.discovery()).client_credentials()


def test_registration_errors(as_server: Harness) -> None:
    with pytest.raises(InvalidRedirectUri) as bad_uri:
        register(as_server, redirect_uris=["not a url"])
    assert bad_uri.value.error == "invalid_redirect_uri"
    assert bad_uri.value.response.status_code == 400
    issuer = as_server.contract["registration"]["software_statement_issuer"]
    trusted = Jwk(as_server.trusted_issuer_jwk())

    def statement(key: Jwk, iss: str, **claims: Any) -> Jwt:
        now = int(time.time())
        return Jwt.sign({"iss": iss, "iat": now, "exp": now + 60, **claims}, key)

    accepted = register(as_server, software_statement=statement(trusted, issuer, client_name="from the statement"))
    assert accepted.registration.metadata["client_name"] == "from the statement"
    with pytest.raises(InvalidSoftwareStatement):
        register(as_server, software_statement=statement(Jwk.generate(alg="ES256"), issuer))
    with pytest.raises(UnapprovedSoftwareStatement):
        register(as_server, software_statement=statement(trusted, "urn:someone:else"))
