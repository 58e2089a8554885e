"""Dynamic client registration on the test servers (RFC 7591 / RFC 7592).

`as_server`: open registration, the registration access token stays the same.
`registration_server`: an initial access token is required, the registration access token rotates on each update.
Requests only.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from jwskate import Jwk, Jwt

from tests.integration.harness import Harness
from tests.integration.raw import TIMEOUT

METADATA = {
    "client_name": "registered by the harness tests",
    "redirect_uris": ["http://127.0.0.1:8765/callback"],
    "grant_types": ["authorization_code", "client_credentials"],
    "token_endpoint_auth_method": "client_secret_basic",
}


def register(h: Harness, initial_access_token: str | None = None, **metadata: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {initial_access_token}"} if initial_access_token else {}
    return requests.post(
        h.endpoint("registration_endpoint"), json={**METADATA, **metadata}, headers=headers, timeout=TIMEOUT
    )


def management(h: Harness, method: str, client: dict[str, Any], rat: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method,
        client["registration_client_uri"],
        headers={"Authorization": f"Bearer {rat}"},
        timeout=TIMEOUT,
        **kwargs,
    )


# RFC 7592 section 2.2: these are not sent back in an update
SERVER_ONLY = {
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
}


def update_body(client: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**{k: v for k, v in client.items() if k not in SERVER_ONLY}, **changes}


def client_credentials(h: Harness, client: dict[str, Any]) -> requests.Response:
    return requests.post(
        h.endpoint("token_endpoint"),
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
        timeout=TIMEOUT,
    )


def test_initial_access_token_required(registration_server: Harness) -> None:
    h = registration_server
    iat = h.contract["registration"]["initial_access_token"]
    assert iat
    for token in (None, "not-the-initial-access-token"):
        refused = register(h, token)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "invalid_token"
    created = register(h, iat)
    assert created.status_code == 201, created.text
    client = created.json()
    assert client["client_name"] == METADATA["client_name"]
    assert client_credentials(h, client).status_code == 200


def test_registration_access_token_rotates(registration_server: Harness) -> None:
    h = registration_server
    assert h.contract["registration"]["rotate_registration_access_token"] is True
    client = register(h, h.contract["registration"]["initial_access_token"]).json()
    first = client["registration_access_token"]
    read = management(h, "GET", client, first)
    assert read.status_code == 200, read.text
    assert read.json()["client_id"] == client["client_id"]
    assert read.json()["registration_access_token"] == first  # reading does not rotate
    updated = management(h, "PUT", client, first, json=update_body(read.json(), client_name="renamed"))
    assert updated.status_code == 200, updated.text
    second = updated.json()["registration_access_token"]
    assert second != first
    assert updated.json()["client_name"] == "renamed"
    # the old token is gone, the new one works
    assert management(h, "GET", client, first).status_code == 401
    assert management(h, "GET", client, second).status_code == 200
    # delete: the client can no longer authenticate
    assert client_credentials(h, client).status_code == 200
    assert management(h, "DELETE", client, second).status_code == 204
    gone = client_credentials(h, client)
    assert gone.status_code == 401
    assert gone.json()["error"] == "invalid_client"


def test_default_server_registration_is_open_and_does_not_rotate(as_server: Harness) -> None:
    h = as_server
    assert h.contract["registration"]["initial_access_token"] is None
    assert h.contract["registration"]["rotate_registration_access_token"] is False
    created = register(h)
    assert created.status_code == 201, created.text
    client = created.json()
    rat = client["registration_access_token"]
    updated = management(h, "PUT", client, rat, json=update_body(client, client_name="renamed"))
    assert updated.status_code == 200, updated.text
    assert updated.json()["registration_access_token"] == rat
    assert management(h, "GET", client, rat).status_code == 200
    # an invalid registration is refused with the RFC 7591 error
    bad = register(h, redirect_uris=["not a url"])
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_redirect_uri"


def statement(h: Harness, key: dict[str, Any], issuer: str, **claims: Any) -> str:
    now = int(time.time())
    return str(Jwt.sign({"iss": issuer, "iat": now, "exp": now + 60, **claims}, Jwk(key)))


def test_software_statement(as_server: Harness) -> None:
    h = as_server
    issuer = h.contract["registration"]["software_statement_issuer"]
    trusted = h.trusted_issuer_jwk()
    accepted = register(h, software_statement=statement(h, trusted, issuer, client_name="from the statement"))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["client_name"] == "from the statement"  # the statement wins over the plain metadata
    # signed by another key in the trusted issuer's name; not a JWT; another issuer
    forged = statement(h, dict(Jwk.generate(alg="ES256", crv="P-256")), issuer)
    for value, error in (
        (forged, "invalid_software_statement"),
        ("not-a-jwt", "invalid_software_statement"),
        (statement(h, trusted, "urn:someone:else"), "unapproved_software_statement"),
    ):
        refused = register(h, software_statement=value)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == error
